/*
 * auth.h: SASL mechanisms for SMTP AUTH (RFC 4954), one table entry each.
 * Include conf.h first.
 */

#include <stddef.h>

struct auth {
	enum auth_mode mech;
	const char *user;
	const char *password;	/* or OAuth2's access token; NULL: EXTERNAL */
	const char *host;	/* OAUTHBEARER names the server it logs in to */
	const char *port;
	/* the TLS channel binding (RFC 5929, RFC 9266), if TLS is up */
	const char *cb_type;	/* "tls-exporter", "tls-unique" or NULL */
	unsigned char cb_data[64];
	size_t cb_len;
	int step;		/* challenges answered */
	char *pending;		/* an initial response too long for the AUTH
				 * line, sent after the empty challenge */
	char error[256];	/* what an OAuth error challenge said */
	/* SCRAM: what the exchange needs to remember */
	char *client_first_bare;
	char gs2_header[32];	/* n,, y,, or p=TYPE,, */
	char nonce[33];
	unsigned char server_signature[64];
	size_t signature_len;
	int verified;		/* the server proved it knows the password */
	const char *fixed_nonce;	/* unit tests only: the RFC examples' */
};

/* RFC 4954 4: an AUTH line with its initial response fits in 512 octets */
#define AUTH_LINE_MAX 510

#define AUTH_MAX_STEPS 4

/*
 * The mechanism to use given the server's AUTH list and whether TLS gives a
 * channel binding (for the -PLUS forms); AUTH_OFF if none.
 */
enum auth_mode auth_choose(enum auth_mode wanted, const char *server_mechs,
    int channel_binding);
const char *auth_name(enum auth_mode);

/* The mechanism of a name (any case), or AUTH_OFF. */
enum auth_mode auth_mode_of(const char *name);

/* Its name in "auth = ..." lines: lower case, "on" or "off". */
const char *auth_config_name(enum auth_mode);

/*
 * The mechanisms smtpsend knows in the server's list, best first,
 * space-separated into buf, for messages; "" if none.
 */
const char *auth_known(const char *server_mechs, char *buf, size_t);

/* Whether the mechanism needs the TLS channel binding. */
int auth_needs_binding(enum auth_mode);

/*
 * True if the mechanism sends first and finishes in one step, so that AUTH
 * may go with MAIL. OAuth's does not: a refused token is answered with an
 * error challenge that the client must answer, not with a MAIL line.
 */
int auth_one_step(enum auth_mode);

/*
 * The AUTH command line without CRLF; the caller wipes and frees it. An
 * initial response that would make it longer than AUTH_LINE_MAX is kept
 * for the server's empty challenge (RFC 4954 4).
 */
char *auth_command(struct auth *);

/*
 * The response to a 334 challenge (its base64 text), or NULL with why set:
 * the challenge is not base64, or not what the mechanism expects. The
 * caller wipes and frees it.
 */
char *auth_respond(struct auth *, const char *challenge, size_t len,
    const char **why);

/*
 * A hint for a refused login: what a known provider's reply means and
 * what to do, or NULL.
 */
const char *auth_hint(int code, const char *text);

/* After 235: 0, or -1 with why set if the mechanism is not satisfied. */
int auth_done(const struct auth *, const char **why);

/* Wipes and frees what the exchange kept. */
void auth_clear(struct auth *);
