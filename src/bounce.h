/*
 * bounce.h: a delivery status notification (RFC 3464) for a message that
 * failed for good: multipart/report with a text part, the
 * message/delivery-status part, and the original message or its header.
 * Include util.h first.
 */

#include <stddef.h>
#include <time.h>

struct bounce_rcpt {
	const char *addr;	/* the envelope recipient */
	const char *status;	/* RFC 3463 code, "5.1.1" */
	const char *diagnostic;	/* the relay's reply, "550 5.1.1 ...", or NULL */
};

struct bounce {
	const char *reporting_host;	/* this machine, for Reporting-MTA */
	const char *from_domain;	/* for MAILER-DAEMON@ in From: */
	const char *sender;		/* the original envelope sender */
	const char *queue_id;
	const char *envid;		/* the original ENVID (xtext), or NULL */
	const char *relay;		/* the relay that refused, or NULL */
	const char *reason;		/* one line for people: why */
	time_t arrival, now;
	int headers_only;		/* RET=HDRS: the header, not the message */
	const struct bounce_rcpt *rcpt;
	size_t nrcpt;
};

/*
 * The notification up to where the original message goes; the caller
 * then sends the original (only its header when headers_only), then
 * bounce_tail(). CRLF line ends throughout.
 */
void bounce_head(struct buf *, const struct bounce *, char boundary[33]);
void bounce_tail(struct buf *, const char *boundary);
