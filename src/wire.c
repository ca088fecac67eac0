/*
 * wire.c: turn message bytes into SMTP wire form in one pass.
 *
 * LF, CRLF and bare CR all end a line and become CRLF, so no bare CR or LF
 * can reach the server (SMTP smuggling needs one). A line starting with "."
 * gets a second dot for DATA. Without -i, a line that is only "." ends the
 * message, as in Postfix's sendmail.
 */

#include <string.h>

#include "wire.h"

void
wire_init(struct wire *w, int stuff, int stop_at_dot)
{
	memset(w, 0, sizeof(*w));
	w->stuff = stuff;
	w->stop_at_dot = stop_at_dot;
	w->bol = 1;
	w->lineno = 1;
}

static void
end_line(struct wire *w)
{
	if (w->linelen > WIRE_MAX_LINE && !w->long_line)
		w->long_line = w->lineno;
	w->linelen = 0;
	w->lineno++;
	w->bol = 1;
}

size_t
wire_encode(struct wire *w, const char *in, size_t n, char *out)
{
	const char *p = in, *end = in + n;
	char *o = out;

	while (p < end && !w->ended) {
		const char *nl, *cr, *stop;
		size_t len;

		if (w->after_cr) {
			w->after_cr = 0;
			if (*p == '\n') {
				p++;
				continue;
			}
		}
		if (w->dot_pending) {
			w->dot_pending = 0;
			if (*p == '\n' || *p == '\r') {
				w->ended = 1;
				break;
			}
			*o++ = '.';
			if (w->stuff)
				*o++ = '.';
			w->linelen = 1;
			w->bol = 0;
		} else if (w->bol && *p == '.') {
			p++;
			if (w->stop_at_dot) {
				w->dot_pending = 1;
				continue;
			}
			*o++ = '.';
			if (w->stuff)
				*o++ = '.';
			w->linelen = 1;
			w->bol = 0;
			continue;
		}

		/* the rest of the line up to CR or LF, copied in one go */
		nl = memchr(p, '\n', end - p);
		stop = nl ? nl : end;
		if ((cr = memchr(p, '\r', stop - p)))
			stop = cr;
		len = stop - p;
		memcpy(o, p, len);
		o += len;
		p = stop;
		w->linelen += len;
		if (len)
			w->bol = 0;
		if (p == end)
			break;

		*o++ = '\r';
		*o++ = '\n';
		w->after_cr = *p == '\r';
		p++;
		end_line(w);
	}
	return o - out;
}

size_t
wire_finish(struct wire *w, char *out)
{
	if (w->dot_pending) {
		w->dot_pending = 0;
		w->ended = 1;
	}
	if (w->ended || w->bol)
		return 0;
	end_line(w);
	out[0] = '\r';
	out[1] = '\n';
	return 2;
}
