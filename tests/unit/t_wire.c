/* t_wire.c: CRLF and dot-stuffing, fed whole, split at every point and byte by byte. */

#include <stdlib.h>
#include <string.h>

#include "wire.h"
#include "unit.h"

struct wcase {
	const char *name;
	const char *in;
	size_t inlen;		/* 0: strlen(in) */
	int stuff, stop;
	const char *out;
	size_t outlen;		/* 0: strlen(out) */
	int ended;
};

static const struct wcase cases[] = {
	{ "LF lines", "a\nb\n", 0, 1, 0, "a\r\nb\r\n", 0, 0 },
	{ "CRLF lines", "a\r\nb\r\n", 0, 1, 0, "a\r\nb\r\n", 0, 0 },
	{ "mixed, no final newline", "a\r\nb\nc", 0, 1, 0,
	    "a\r\nb\r\nc\r\n", 0, 0 },
	{ "empty body", "", 0, 1, 0, "", 0, 0 },
	{ "only a newline", "\n", 0, 1, 0, "\r\n", 0, 0 },
	{ "LF dot LF mid-body", "x\n.\ny\n", 0, 1, 0, "x\r\n..\r\ny\r\n", 0, 0 },
	{ "CR dot CR", "\r.\r", 0, 1, 0, "\r\n..\r\n", 0, 0 },
	{ "CRLF dot CRLF mid-body", "x\r\n.\r\ny\r\n", 0, 1, 0,
	    "x\r\n..\r\ny\r\n", 0, 0 },
	{ "body is only a dot", ".", 0, 1, 0, "..\r\n", 0, 0 },
	{ "body is only a dot, -i off", ".", 0, 1, 1, "", 0, 1 },
	{ "dot line ends the message", "a\n.\nb\n", 0, 1, 1, "a\r\n", 0, 1 },
	{ "dot CRLF ends the message", "a\r\n.\r\nb\r\n", 0, 1, 1, "a\r\n", 0, 1 },
	{ "dot CR ends the message", "a\n.\rb\n", 0, 1, 1, "a\r\n", 0, 1 },
	{ "dot at EOF ends the message", "a\n.", 0, 1, 1, "a\r\n", 0, 1 },
	{ "two dots are not the end", "a\n..\nb\n", 0, 1, 1,
	    "a\r\n...\r\nb\r\n", 0, 0 },
	{ "dot text is not the end", "a\n.x\n", 0, 1, 1, "a\r\n..x\r\n", 0, 0 },
	{ "dot in line middle", "a.b\n.\n", 0, 1, 0, "a.b\r\n..\r\n", 0, 0 },
	{ "no stuffing for BDAT", ".\n..\n", 0, 0, 0, ".\r\n..\r\n", 0, 0 },
	{ "BDAT still ends at dot without -i", "a\n.\nb", 0, 0, 1, "a\r\n", 0, 1 },
	{ "bare CR is a line end", "a\rb", 0, 1, 0, "a\r\nb\r\n", 0, 0 },
	{ "CR CR LF", "a\r\r\nb", 0, 1, 0, "a\r\n\r\nb\r\n", 0, 0 },
	{ "LF CR", "a\n\rb", 0, 1, 0, "a\r\n\r\nb\r\n", 0, 0 },
	{ "smuggling LF.CRLF", "a\n.\r\nMAIL FROM:<x>\r\n", 0, 1, 0,
	    "a\r\n..\r\nMAIL FROM:<x>\r\n", 0, 0 },
	{ "smuggling CR.CR", "a\r.\rRCPT\r\n", 0, 1, 0,
	    "a\r\n..\r\nRCPT\r\n", 0, 0 },
	{ "NUL passes through", "a\0b\n", 4, 1, 0, "a\0b\r\n", 5, 0 },
	{ "8-bit passes through", "gr\xc3\xbc\xc3\x9f\n", 0, 1, 0,
	    "gr\xc3\xbc\xc3\x9f\r\n", 0, 0 },
	{ "final CR only", "a\r", 0, 1, 0, "a\r\n", 0, 0 },
	{ "empty lines", "\n\n\n", 0, 1, 0, "\r\n\r\n\r\n", 0, 0 },
};

/* Feeds in as the given pieces; returns the output (malloc'd). */
static char *
run(const struct wcase *c, const size_t *cuts, size_t ncuts, size_t *outlen,
    struct wire *w)
{
	size_t inlen = c->inlen ? c->inlen : strlen(c->in);
	char *out = malloc(WIRE_OUT_MAX(inlen) + 2);
	size_t o = 0, at = 0;

	wire_init(w, c->stuff, c->stop);
	for (size_t i = 0; i <= ncuts; i++) {
		size_t end = i < ncuts ? cuts[i] : inlen;

		o += wire_encode(w, c->in + at, end - at, out + o);
		at = end;
	}
	o += wire_finish(w, out + o);
	*outlen = o;
	return out;
}

static int
same(const struct wcase *c, const char *out, size_t n)
{
	size_t want = c->outlen ? c->outlen : strlen(c->out);

	return n == want && memcmp(out, c->out, n) == 0;
}

/*
 * The rules, one byte at a time, as plainly as they can be written: the
 * reference the fast encoder must agree with.
 */
static size_t
reference(const char *in, size_t n, int stuff, int stop, char *out)
{
	size_t i = 0, o = 0;
	int bol = 1;

	while (i < n) {
		if (bol && in[i] == '.') {
			size_t j = i + 1;

			if (stop && (j == n || in[j] == '\n' || in[j] == '\r'))
				return o;
			if (stuff)
				out[o++] = '.';
		}
		for (; i < n && in[i] != '\n' && in[i] != '\r'; i++)
			out[o++] = in[i];
		bol = 0;
		if (i == n)
			break;
		out[o++] = '\r';
		out[o++] = '\n';
		bol = 1;
		if (in[i] == '\r' && i + 1 < n && in[i + 1] == '\n')
			i++;
		i++;
	}
	if (!bol) {
		out[o++] = '\r';
		out[o++] = '\n';
	}
	return o;
}

/* Random messages of long and short lines, in random pieces. */
static void
differential(void)
{
	static const char alphabet[] = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.\n\r\0x";
	size_t n, o1, o2, at, piece;
	int bad = 0, round;
	char *in = malloc(70000), *want = malloc(2 * 70000 + 2),
	    *got = malloc(2 * 70000 + 2 + 64);
	struct wire w;

	srand(12345);
	for (round = 0; round < 400 && !bad; round++) {
		int stuff = round & 1, stop = (round >> 1) & 1;

		n = rand() % 70000;
		for (size_t i = 0; i < n; i++) {
			/* long runs, so the 16-byte path is exercised */
			in[i] = rand() % 8 ? (char)('a' + i % 26) :
			    alphabet[rand() % (sizeof(alphabet) - 1)];
		}
		o1 = reference(in, n, stuff, stop, want);
		wire_init(&w, stuff, stop);
		for (at = o2 = 0; at < n; at += piece) {
			piece = 1 + rand() % 5000;
			if (piece > n - at)
				piece = n - at;
			o2 += wire_encode(&w, in + at, piece, got + o2);
		}
		o2 += wire_finish(&w, got + o2);
		if (o1 != o2 || memcmp(want, got, o1))
			bad = round + 1;
	}
	CHECK(!bad, "400 random messages agree with the byte-at-a-time rules%s",
	    bad ? " (not all)" : "");
	free(in);
	free(want);
	free(got);
}

int
main(void)
{
	unit_suite = "wire";
	differential();
	for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		const struct wcase *c = &cases[k];
		size_t inlen = c->inlen ? c->inlen : strlen(c->in), n;
		size_t *cuts = malloc((inlen + 1) * sizeof(*cuts));
		struct wire w;
		char *out;
		int split_ok = 1, bytes_ok;

		out = run(c, NULL, 0, &n, &w);
		CHECK(same(c, out, n) && w.ended == c->ended, "%s", c->name);
		free(out);
		for (size_t cut = 1; cut < inlen; cut++) {
			out = run(c, &cut, 1, &n, &w);
			if (!same(c, out, n) || w.ended != c->ended)
				split_ok = 0;
			free(out);
		}
		CHECK(split_ok, "%s: split at every point", c->name);
		for (size_t i = 0; i < inlen; i++)
			cuts[i] = i;
		out = run(c, cuts, inlen, &n, &w);
		bytes_ok = same(c, out, n) && w.ended == c->ended;
		CHECK(bytes_ok, "%s: byte by byte", c->name);
		free(out);
		free(cuts);
	}

	/* line length: 998 octets are fine, 999 are not, and we say which */
	{
		char *in = malloc(3000), *out = malloc(WIRE_OUT_MAX(3000));
		struct wire w;

		memset(in, 'x', 3000);
		in[998] = '\n';
		wire_init(&w, 1, 0);
		wire_encode(&w, in, 999, out);
		CHECK(w.long_line == 0, "998-octet line is within the limit");
		in[998] = 'x';
		in[999] = '\n';
		memcpy(in + 1000, "ok\n", 3);
		in[1003] = '\n';
		wire_init(&w, 1, 0);
		wire_encode(&w, "a\n", 2, out);
		wire_encode(&w, in, 1004, out);
		CHECK(w.long_line == 2, "999-octet line found on line %lu",
		    w.long_line);
		free(in);
		free(out);
	}
	UNIT_EXIT();
}
