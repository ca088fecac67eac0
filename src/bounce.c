/*
 * bounce.c: the notification sent, with the null sender, to whoever sent
 * a message that failed for good (RFC 3464, RFC 3462's multipart/report).
 * A person reads the first part; a program reads the second, one block
 * per recipient: Final-Recipient, Action, Status, Remote-MTA and the
 * relay's reply as Diagnostic-Code; the third part is the message, or its
 * header when the sender asked for RET=HDRS.
 */

#include <gnutls/crypto.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "util.h"
#include "bounce.h"

static void
add_date(struct buf *b, const char *name, time_t t)
{
	char date[64];
	struct tm tm;

	localtime_r(&t, &tm);
	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S %z", &tm);
	buf_printf(b, "%s: %s\r\n", name, date);
}

/* A reply or reason put on a header line: printable ASCII, bounded. */
static void
add_text(struct buf *b, const char *s)
{
	size_t n = 0;

	for (; s && *s && n < 900; s++, n++) {
		unsigned char c = *s;

		buf_add(b, c >= 32 && c < 127 ? s : "?", 1);
	}
}

void
bounce_head(struct buf *b, const struct bounce *bn, char boundary[33])
{
	unsigned char rnd[16];
	char stamp[32];
	struct tm tm;
	size_t i;

	if (gnutls_rnd(GNUTLS_RND_NONCE, rnd, sizeof(rnd)) < 0)
		memset(rnd, 0x5a, sizeof(rnd));	/* uniqueness only */
	for (i = 0; i < sizeof(rnd); i++)
		snprintf(boundary + 2 * i, 3, "%02x", rnd[i]);

	buf_printf(b, "From: MAILER-DAEMON@%s (Mail Delivery System)\r\n",
	    bn->from_domain);
	buf_printf(b, "To: <%s>\r\n", bn->sender);
	buf_addstr(b, "Subject: Undelivered Mail Returned to Sender\r\n");
	add_date(b, "Date", bn->now);
	gmtime_r(&bn->now, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%d%H%M%S", &tm);
	buf_printf(b, "Message-ID: <%s.%.16s@%s>\r\n", stamp, boundary,
	    bn->from_domain);
	buf_addstr(b, "Auto-Submitted: auto-replied\r\n");
	buf_addstr(b, "MIME-Version: 1.0\r\n");
	buf_printf(b, "Content-Type: multipart/report; "
	    "report-type=delivery-status;\r\n\tboundary=\"%s\"\r\n", boundary);
	buf_addstr(b, "\r\nThis is a MIME-encapsulated message.\r\n\r\n");

	/* for people */
	buf_printf(b, "--%s\r\nContent-Description: Notification\r\n"
	    "Content-Type: text/plain; charset=us-ascii\r\n\r\n", boundary);
	buf_printf(b, "This is smtpsend on %s.\r\n\r\n", bn->reporting_host);
	buf_addstr(b, "Your message could not be delivered to the recipients "
	    "below, and will not\r\nbe tried again");
	if (bn->reason) {
		buf_addstr(b, ": ");
		add_text(b, bn->reason);
	}
	buf_addstr(b, ".\r\n\r\n");
	for (i = 0; i < bn->nrcpt; i++) {
		buf_printf(b, "<%s>: ", bn->rcpt[i].addr);
		add_text(b, bn->rcpt[i].diagnostic ? bn->rcpt[i].diagnostic :
		    bn->reason);
		buf_addstr(b, "\r\n");
	}
	buf_addstr(b, "\r\n");

	/* for programs */
	buf_printf(b, "--%s\r\nContent-Description: Delivery report\r\n"
	    "Content-Type: message/delivery-status\r\n\r\n", boundary);
	buf_printf(b, "Reporting-MTA: dns; %s\r\n", bn->reporting_host);
	buf_printf(b, "X-Smtpsend-Queue-ID: %s\r\n", bn->queue_id);
	if (bn->envid)
		buf_printf(b, "Original-Envelope-Id: %s\r\n", bn->envid);
	add_date(b, "Arrival-Date", bn->arrival);
	for (i = 0; i < bn->nrcpt; i++) {
		buf_printf(b, "\r\nFinal-Recipient: rfc822; %s\r\n",
		    bn->rcpt[i].addr);
		buf_addstr(b, "Action: failed\r\n");
		buf_printf(b, "Status: %s\r\n", bn->rcpt[i].status);
		if (bn->relay)
			buf_printf(b, "Remote-MTA: dns; %s\r\n", bn->relay);
		if (bn->rcpt[i].diagnostic) {
			buf_addstr(b, "Diagnostic-Code: smtp; ");
			add_text(b, bn->rcpt[i].diagnostic);
			buf_addstr(b, "\r\n");
		}
		add_date(b, "Last-Attempt-Date", bn->now);
	}
	buf_addstr(b, "\r\n");

	/* the message itself, or its header */
	buf_printf(b, "--%s\r\nContent-Description: Undelivered %s\r\n"
	    "Content-Type: %s\r\n\r\n", boundary, bn->headers_only ?
	    "Message Headers" : "Message", bn->headers_only ?
	    "text/rfc822-headers" : "message/rfc822");
}

void
bounce_tail(struct buf *b, const char *boundary)
{
	buf_printf(b, "\r\n--%s--\r\n", boundary);
}
