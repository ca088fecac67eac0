/*
 * smtp.h: the SMTP client state machine: a session with one relay, and
 * the transactions it carries. It prints nothing and never exits: what
 * happened comes back as data, for the caller to report, queue or bounce.
 * Include util.h and conf.h first.
 */

#include <stddef.h>

/* What the engine needs of one relay: where, how, and how long. */
struct relay {
	const char *host;
	const char *port;
	enum tls_mode tls;
	const char *tls_trust_file;	/* NULL: the system trust store */
	const char *tls_server_name;	/* NULL: host */
	const char *tls_priorities;	/* NULL: GnuTLS defaults */
	const char *tls_fingerprint;	/* pins instead of CA trust, or NULL */
	const char *tls_cert_file;	/* client certificate, or NULL */
	const char *tls_key_file;
	const char *tls_cache_dir;	/* sessions to resume; NULL: none */
	struct smtp_info *info;		/* --serverinfo: filled in, or NULL */
	enum auth_mode auth;
	const char *user;
	int plaintext_auth_loopback;
	const char *ehlo_name;
	int pipelining;
	int chunking;
	struct timeouts timeout;
	int timeout_session;
};

struct envelope {
	const char *from;	/* "" for the null sender <> */
	char **rcpt;
	size_t nrcpt;
	long long size;		/* estimate for SIZE=, -1 if unknown */
	int eight_bit;		/* 1, 0, or -1 for unknown */
	int body;		/* BODY= forced by -B: 7 or 8, or 0 */
	int utf8;		/* non-ASCII address or header: SMTPUTF8 */
	const char *notify;	/* DSN NOTIFY= for every RCPT, or NULL */
	const char *ret;	/* DSN RET=, or NULL */
	const char *envid;	/* DSN ENVID=, xtext, or NULL */
};

/* How the caller wants a message treated. */
struct policy {
	int all_or_nothing;	/* a rejected recipient fails the message */
	int deliver_partial;	/* a deferred one does not: the message goes
				 * to those accepted, the caller retries the
				 * rest (else any deferral defers it all) */
	int long_lines_send;	/* lines over 998 octets go as they are */
	int dsn_required;	/* no DSN at the relay: don't send */
};

/*
 * The message, already in final form except for line ends and dots. A
 * source that cannot go on returns 0 with error set: the message is then
 * cut off before its end, so the relay discards it.
 */
struct source {
	size_t (*next)(void *ctx, const char **data);	/* 0 at the end */
	void *ctx;
	int stop_at_dot;	/* a "." line ends it (sendmail without -i) */
	enum fail error;	/* set by next(): why there is no more */
	char error_msg[256];
};

struct smtp_reply {
	int code;		/* 0: no reply */
	char enhanced[16];	/* RFC 3463 code, "5.1.1", or "" */
	char *text;		/* the reply on one line, code first */
};

enum rcpt_state {
	RCPT_UNTRIED,		/* the session ended before its RCPT was answered */
	RCPT_ACCEPTED,		/* 2xx: delivered if the message was */
	RCPT_DEFERRED,		/* 4xx */
	RCPT_REJECTED,		/* 5xx */
};

struct smtp_rcpt {
	enum rcpt_state state;
	struct smtp_reply reply;
};

struct smtp_result {
	enum fail fail;		/* FAIL_NONE: the relay took the message for
				 * every recipient; delivered to some and
				 * deferred for others: FAIL_TEMP, final 2xx */
	int code;		/* the reply that decided, 0 if none */
	char msg[1024];		/* what went wrong, one line; "" when the
				 * recipients' replies say it all */
	char detail[2048];	/* lines to show before msg, or "" */
	struct smtp_reply final;	/* the reply to the end of the message */
	struct smtp_rcpt *rcpt;	/* one per envelope recipient, in order */
	size_t nrcpt, accepted, deferred, rejected;
	int dsn_dropped;	/* DSN asked for, not offered: sent without */
	int session_over;	/* the session is gone, not just this message */
	const char *relay;	/* the relay's host name */
	/* the session, for the log: "" or NULL where it did not get so far */
	const char *port;	/* the relay's port */
	char addr[64];		/* the address connected to */
	char tls[64];		/* "TLSv1.3/AES_256_GCM" */
	const char *auth;	/* the SASL mechanism used */
	unsigned long long octets;	/* of the message as sent */
	int unreachable;	/* 1: no address took the connection, 2: no
				 * reply in time */
};

struct smtp;

/* What --serverinfo shows: the session's setup, as the server said it. */
struct smtp_info {
	struct buf greeting;	/* the greeting's lines */
	struct buf ehlo[2];	/* EHLO's reply before and after TLS */
	char tls[256];		/* the TLS session, "" without */
	struct buf chain;	/* the certificates the server sent */
	int resumed;		/* the TLS session was resumed */
	int binding;		/* TLS gives a channel binding (for -PLUS) */
};

void smtp_info_free(struct smtp_info *);

/* Connects and gets ready to send: greeting, EHLO, STARTTLS, AUTH. */
struct smtp *smtp_open(const struct relay *, const char *password,
    struct smtp_result *);

/* The same over a socket that is already connected; the session takes fd. */
struct smtp *smtp_open_fd(const struct relay *, const char *password,
    int fd, struct smtp_result *);

/*
 * Sends one message as one transaction: MAIL, RCPT, then DATA or BDAT.
 * A failed transaction is reset and leaves the session ready for the next
 * message; a failed session (421, a broken connection, a protocol error)
 * is closed. last: QUIT follows, so it may be pipelined with the end of
 * the message. Every reply has been read when it returns.
 */
enum fail smtp_send(struct smtp *, const struct envelope *, struct source *,
    const struct policy *, int last, struct smtp_result *);

/* QUIT if needed, and free the session. */
void smtp_close(struct smtp *);

/* Frees what a result holds (the replies' text). */
void smtp_result_free(struct smtp_result *);
