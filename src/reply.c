/*
 * reply.c: SMTP replies, parsed strictly (RFC 5321 4.2): three digits
 * from 200 to 599, then a space, a dash or nothing, then printable text,
 * then CRLF; every line of a reply has the same code; a line holds at most
 * REPLY_MAX_LINE octets and a reply at most REPLY_MAX_LINES lines. Anything
 * else is the server breaking the protocol, never something to guess at.
 */

#include <stdio.h>
#include <string.h>

#include "util.h"
#include "net.h"
#include "reply.h"

static void
printable(char *out, size_t outlen, const char *p, size_t n)
{
	size_t o = 0;

	for (size_t i = 0; i < n && o + 5 < outlen; i++) {
		unsigned char c = p[i];

		if (c >= 32 && c < 127)
			out[o++] = c;
		else
			o += snprintf(out + o, outlen - o, "\\x%02x", c);
	}
	out[o] = '\0';
}

int
reply_read(struct conn *c, struct reply *r, enum fail *f, char *why,
    size_t wl)
{
	/* one deadline for the whole reply: no dribbling it out line by line */
	long long deadline = conn_deadline(c, c->timeout);
	char shown[128];
	int lines = 0;

	r->code = 0;
	r->text.len = 0;
	if (r->text.data)
		r->text.data[0] = '\0';
	*f = FAIL_PROTO;
	for (;;) {
		char *line;
		size_t len, i;
		int code, rc;

		rc = conn_readline(c, &line, &len, REPLY_MAX_LINE + 1, deadline);
		if (rc == NET_EOF || rc == NET_FAIL) {
			*f = FAIL_TEMP;
			snprintf(why, wl, "%s", rc == NET_EOF ?
			    "connection closed by the server" : c->err);
			return -1;
		}
		if (rc == NET_LONG) {
			snprintf(why, wl, "protocol error: reply line longer "
			    "than %d octets", REPLY_MAX_LINE);
			return -1;
		}
		printable(shown, sizeof(shown), line, len);
		if (len == 0 || line[len - 1] != '\r') {
			snprintf(why, wl, "protocol error: reply line not "
			    "ended by CRLF: \"%s\"", shown);
			return -1;
		}
		len--;
		printable(shown, sizeof(shown), line, len);
		trace("<- %.*s", (int)len, line);
		if (len < 3 || line[0] < '2' || line[0] > '5' ||
		    line[1] < '0' || line[1] > '9' ||
		    line[2] < '0' || line[2] > '9' ||
		    (len > 3 && line[3] != ' ' && line[3] != '-')) {
			snprintf(why, wl, "protocol error: malformed reply "
			    "\"%s\"", shown);
			return -1;
		}
		for (i = 4; i < len; i++) {
			unsigned char ch = line[i];

			if ((ch < 32 && ch != '\t') || ch == 127) {
				snprintf(why, wl, "protocol error: control "
				    "character in reply \"%s\"", shown);
				return -1;
			}
		}
		code = (line[0] - '0') * 100 + (line[1] - '0') * 10 +
		    (line[2] - '0');
		if (lines > 0 && code != r->code) {
			snprintf(why, wl, "protocol error: reply mixes codes "
			    "%d and %d", r->code, code);
			return -1;
		}
		r->code = code;
		if (lines++ > 0)
			buf_add(&r->text, "\n", 1);
		buf_add(&r->text, line + 4, len > 4 ? len - 4 : 0);
		if (len == 3 || line[3] == ' ')
			return 0;
		if (lines >= REPLY_MAX_LINES) {
			snprintf(why, wl, "protocol error: reply longer than "
			    "%d lines", REPLY_MAX_LINES);
			return -1;
		}
	}
}

/* The reply on one line for messages: "550 5.1.1 no such user". */
char *
reply_line(const struct reply *r)
{
	struct buf b = { 0 };

	buf_printf(&b, "%d", r->code);
	for (const char *p = r->text.data; p && *p;) {
		size_t n = strcspn(p, "\n");

		if (n)
			buf_printf(&b, " %.*s", (int)n, p);
		p += n + (p[n] == '\n');
		if (b.len > 400)
			break;
	}
	return b.data;
}

/*
 * The RFC 3463 code, "5.1.1", of a reply on one line ("550 5.1.1 no such
 * user"), into out; "" if it has none.
 */
void
reply_enhanced(const char *line, char *out, size_t outlen)
{
	const char *t = line && strlen(line) > 4 ? line + 4 : NULL;
	size_t n;

	out[0] = '\0';
	if (!t || t[0] < '2' || t[0] > '5' || t[1] != '.')
		return;
	n = 2 + strspn(t + 2, "0123456789");
	if (n == 2 || n > 5 || t[n] != '.')
		return;
	n += 1 + strspn(t + n + 1, "0123456789");
	if (t[n - 1] == '.' || (t[n] && t[n] != ' ') || n >= outlen)
		return;
	memcpy(out, t, n);
	out[n] = '\0';
}
