/* net.h: the connection to the relay: buffered, with deadlines, TLS. */

#include <stddef.h>

struct tls;
struct tls_params;

#define NET_OUT_SIZE	(128 * 1024)	/* one flush */
#define NET_IN_SIZE	(16 * 1024)

struct conn {
	int fd;
	struct tls *tls;	/* NULL while plaintext */
	int timeout;		/* seconds for the next wait */
	long long session_end;	/* no wait goes past this (ms), 0: none */
	int session_limit;	/* seconds, for the message */
	int loopback;		/* the peer is a loopback address */
	char *out;
	size_t outlen;
	char in[NET_IN_SIZE];
	size_t inoff, inlen;
	int failed;		/* a write failed: err says why */
	int resolved;		/* the host had addresses (the error is not DNS) */
	int timed_out;		/* a wait ran out of time */
	int secret;		/* out holds a secret: wipe it once written */
	char err[256];		/* what failed, for the caller's message */
};

/* Results of conn_readline() besides 1 (a line). */
#define NET_EOF		0
#define NET_FAIL	(-1)	/* error or timeout, err set */
#define NET_LONG	(-2)	/* line longer than the limit */

/*
 * Connects, within timeout seconds per address. No wait of the whole
 * session, connecting included, goes past session seconds from now.
 */
int conn_open(struct conn *, const char *host, const char *port, int timeout,
    int session);
/* The same over a socket that is connected already; it takes fd. */
int conn_attach(struct conn *, int fd, int timeout, int session);
int conn_starttls(struct conn *, const struct tls_params *);
void conn_put(struct conn *, const void *, size_t);
void conn_puts(struct conn *, const char *);
/* Like conn_put(); the buffer is wiped once it is written or closed. */
void conn_put_secret(struct conn *, const void *, size_t);
char *conn_space(struct conn *, size_t need);
void conn_commit(struct conn *, size_t);
int conn_flush(struct conn *);
int conn_flush_from(struct conn *, size_t from);
long long conn_deadline(const struct conn *, int seconds);
int conn_readline(struct conn *, char **line, size_t *len, size_t max,
    long long deadline);
int conn_has_input(struct conn *);
int conn_wait_input(struct conn *, int timeout_ms);
void conn_close(struct conn *);
