/* smtp.h: the SMTP client state machine: a session and its transactions. */

#include <stddef.h>


struct account;

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
	int all_or_nothing;	/* a rejected recipient fails the message */
};

/* The message, already in final form except for line ends and dots. */
struct source {
	size_t (*next)(void *ctx, const char **data);	/* 0 at the end */
	void *ctx;
	int stop_at_dot;	/* a "." line ends it (sendmail without -i) */
};

struct smtp_result {
	enum fail fail;
	int code;		/* the reply that decided, 0 if none */
	char msg[1024];		/* what went wrong, one line */
	size_t rejected;	/* recipients rejected for good */
};

struct smtp;

/* Connects and gets ready to send: greeting, EHLO, STARTTLS, AUTH. */
struct smtp *smtp_open(const struct account *, const char *password,
    struct smtp_result *);

/* The same over a socket that is already connected; the session takes fd. */
struct smtp *smtp_open_fd(const struct account *, const char *password,
    int fd, struct smtp_result *);

/*
 * Sends one message. last: QUIT follows, so it may be pipelined with the
 * end of the message. On failure the session is closed.
 */
enum fail smtp_send(struct smtp *, const struct envelope *, struct source *,
    int last, struct smtp_result *);

/* QUIT if needed, and free the session. */
void smtp_close(struct smtp *);
