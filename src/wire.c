/*
 * wire.c: turn message bytes into SMTP wire form in one pass.
 *
 * LF, CRLF and bare CR all end a line and become CRLF, so no bare CR or LF
 * can reach the server (SMTP smuggling needs one). A line starting with "."
 * gets a second dot for DATA. Without -i, a line that is only "." ends the
 * message, as in Postfix's sendmail.
 */

#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

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

/*
 * Copies from p up to the first CR or LF (or end) to o, and returns how
 * many bytes that was. This is the hot loop: copying and looking for the
 * line end in one pass, 16 bytes at a time where SSE2 exists. It may
 * write up to 15 bytes past what it returns, which wire_encode()'s
 * output bound leaves room for.
 */
static size_t
copy_line(const char *p, const char *end, char *o)
{
	const char *start = p;
#ifdef __SSE2__
	const __m128i lf = _mm_set1_epi8('\n'), cr = _mm_set1_epi8('\r');

	while (end - p >= 16) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
		int hit = _mm_movemask_epi8(_mm_or_si128(_mm_cmpeq_epi8(v, lf),
		    _mm_cmpeq_epi8(v, cr)));

		_mm_storeu_si128((__m128i *)(void *)o, v);
		if (hit)
			return p - start + __builtin_ctz(hit);
		p += 16;
		o += 16;
	}
#endif
	while (p < end && *p != '\n' && *p != '\r')
		*o++ = *p++;
	return p - start;
}

size_t
wire_encode(struct wire *w, const char *in, size_t n, char *out)
{
	const char *p = in, *end = in + n;
	char *o = out;

	while (p < end && !w->ended) {
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

		/* the rest of the line up to CR or LF */
		len = copy_line(p, end, o);
		o += len;
		p += len;
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
