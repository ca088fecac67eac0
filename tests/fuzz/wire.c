/*
 * fuzz/wire.c: the wire encoder as a round-trip property (make fuzz).
 *
 * For any input bytes, split into pieces at fuzzed offsets: the pieces
 * encode to the same bytes as the whole; the wire form has only CRLF line
 * ends and, for DATA, no line that is a lone "." (which would end the
 * message early); and undoing the dot-stuffing gives back the input with
 * every line end made CRLF, a last line ended, and (without -i) everything
 * from a "." line on left out.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* The input as the wire should carry it, before dot-stuffing. */
static size_t
normalise(const uint8_t *in, size_t n, int stop_at_dot, char *out)
{
	size_t o = 0, line = 0, i;

	for (i = 0; i < n; i++) {
		if (in[i] == '\r' || in[i] == '\n') {
			if (stop_at_dot && o - line == 1 && out[line] == '.')
				return line;
			out[o++] = '\r';
			out[o++] = '\n';
			line = o;
			if (in[i] == '\r' && i + 1 < n && in[i + 1] == '\n')
				i++;
			continue;
		}
		out[o++] = in[i];
	}
	if (stop_at_dot && o - line == 1 && out[line] == '.')
		return line;
	if (o > line) {
		out[o++] = '\r';
		out[o++] = '\n';
	}
	return o;
}

/* Checks the wire form and undoes dot-stuffing in place; its new length. */
static size_t
unstuff(char *w, size_t n, int stuffed)
{
	size_t o = 0, i = 0;

	while (i < n) {
		const char *crlf = memchr(w + i, '\n', n - i);
		size_t len;

		if (!crlf || crlf == w + i || crlf[-1] != '\r')
			abort();	/* every line ends in CRLF */
		len = crlf - (w + i) + 1;
		if (memchr(w + i, '\r', len - 2) || memchr(w + i, '\n', len - 1))
			abort();	/* no bare CR or LF inside a line */
		if (stuffed && len == 3 && w[i] == '.')
			abort();	/* a lone dot would end DATA */
		if (stuffed && w[i] == '.') {
			if (w[i + 1] != '.')
				abort();	/* a leading dot is always doubled */
			i++;
			len--;
		}
		memmove(w + o, w + i, len);
		o += len;
		i += len;
	}
	return o;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct wire whole, parts;
	const uint8_t *in;
	size_t n, wn, pn = 0, rn, i, step;
	char *w, *p, *ref;
	int stuff, stop;

	if (size < 2)
		return 0;
	stuff = data[0] & 1;
	stop = data[0] >> 1 & 1;
	step = data[1] + 1;
	in = data + 2;
	n = size - 2;
	/* exactly the bound wire.h promises, so ASan sees any overrun */
	w = malloc(WIRE_OUT_MAX(n));
	p = malloc(WIRE_OUT_MAX(n));
	ref = malloc(2 * n + 2);

	wire_init(&whole, stuff, stop);
	wn = wire_encode(&whole, (const char *)in, n, w);
	wn += wire_finish(&whole, w + wn);

	/* the same input in pieces of 1 to 256 bytes, the size varying */
	wire_init(&parts, stuff, stop);
	for (i = 0; i < n; i += step, step = step % 251 + 1) {
		size_t take = n - i < step ? n - i : step;

		pn += wire_encode(&parts, (const char *)in + i, take, p + pn);
	}
	pn += wire_finish(&parts, p + pn);
	if (pn != wn || memcmp(p, w, wn) || parts.long_line != whole.long_line ||
	    parts.ended != whole.ended)
		abort();

	rn = normalise(in, n, stop, ref);
	wn = unstuff(w, wn, stuff);
	if (wn != rn || memcmp(w, ref, rn))
		abort();
	free(w);
	free(p);
	free(ref);
	return 0;
}
