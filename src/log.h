/*
 * log.h: a line per message and outcome, to syslog and/or a logfile,
 * as text (Postfix-like) or JSON. Include util.h first.
 */

#include <stddef.h>

/* Where an account's lines go. */
struct log_target {
	int facility;		/* syslog(3)'s LOG_MAIL and the like; -1: none */
	const char *file;	/* logfile, or NULL */
	int json;		/* log_format = json */
	int shared;		/* the system's config: every user appends */
};

/* What a line tells of the message; NULL or -1 where it is not known. */
struct log_msg {
	const char *queue_id;
	const char *msgid;	/* the Message-ID, without <> */
	const char *from;	/* "" for the null sender */
	const char *relay, *addr, *port;
	const char *tls;	/* "TLSv1.3/AES_256_GCM" */
	const char *auth;	/* "PLAIN" */
	long long size;
	long long delay_ms;
};

/* One recipient's outcome: sent, deferred, bounced, queued or expired. */
struct log_rcpt {
	const char *addr;
	const char *status;
	const char *reply;	/* the relay's reply, or why; NULL: none */
};

/* -L tag: the syslog ident and the logfile's tag; "smtpsend" if not set. */
void log_ident(const char *);

/*
 * A line for each group of recipients with the same outcome (and more
 * where one would grow too long). A failure to log is a warning: the
 * message has gone, or not, whatever the log says.
 */
void log_outcome(const struct log_target *, const struct log_msg *,
    const struct log_rcpt *, size_t n);

/* The Message-ID field's id, without <>, from a CRLF header; 0 if none. */
int log_msgid(const char *hdr, size_t len, char *out, size_t outlen);
