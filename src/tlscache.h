/*
 * tlscache.h: TLS sessions kept from one run to the next, so that the
 * next connection to the same relay resumes instead of doing a full
 * handshake. Include util.h first (struct buf).
 */

struct tls_params;

/*
 * The key a session is kept under: the relay and every setting its
 * trust rests on (server name, trust file, pins, priorities, client
 * certificate), and the user.
 */
void tlscache_key(struct buf *, const char *host, const char *port,
    int implicit, const struct tls_params *);

/*
 * Takes the session kept for key out of the cache (each is used once):
 * 0, its data appended to out and when a full handshake last checked the
 * certificate in *verified; or -1 if there is none, or it is older than a
 * day. A file that is corrupt, not the user's or not for this key is
 * dropped with a warning.
 */
int tlscache_take(const char *dir, const struct buf *key, struct buf *out,
    long long *verified);

/*
 * Keeps a session for key, replacing any: written whole, then renamed.
 * verified: now after a full handshake; after a resumed one, the time
 * the session it resumed had.
 */
void tlscache_put(const char *dir, const struct buf *key, const void *data,
    size_t len, long long verified);
