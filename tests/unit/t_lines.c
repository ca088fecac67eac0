/* t_lines.c: the line reader, fed whole, split at every point and byte by byte. */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lines.h"
#include "util.h"
#include "unit.h"

#define B LINES_BUF

/* The input, handed out up to the next cut, or step bytes at a time. */
struct feed {
	const char *data;
	size_t len, at;
	const size_t *cuts;
	size_t ncuts, next;
	size_t step;		/* 0: up to the next cut */
	int fail_at_end;	/* a read error instead of EOF */
};

static ssize_t
feed_read(void *ctx, char *buf, size_t len)
{
	struct feed *f = ctx;
	size_t end = f->len;

	while (f->next < f->ncuts && f->cuts[f->next] <= f->at)
		f->next++;
	if (f->next < f->ncuts)
		end = f->cuts[f->next];
	if (f->step && end > f->at + f->step)
		end = f->at + f->step;
	if (end - f->at < len)
		len = end - f->at;
	if (len == 0 && f->fail_at_end) {
		errno = EIO;
		return -1;
	}
	memcpy(buf, f->data + f->at, len);
	f->at += len;
	return len;
}

/* Pieces as bytes: flags, length and content of each, to compare. */
static void
add_piece(struct buf *out, const char *p, size_t len, int bol, int end)
{
	buf_printf(out, "%c%d %zu:", bol ? 'B' : '-', end, len);
	buf_add(out, p, len);
}

static void
through_reader(struct feed *f, struct buf *out, int *consistent)
{
	struct lines *l = lines_new(feed_read, f);
	struct buf whole = { 0 };
	struct piece pc;
	int r, bol = 1;

	while ((r = lines_next(l, &pc)) == 1) {
		add_piece(out, pc.p, pc.len, pc.bol, pc.end);
		if (pc.bol != bol || (pc.len == 0 && pc.end == LINE_OPEN) ||
		    pc.len > B)
			*consistent = 0;
		bol = pc.end != LINE_OPEN;
		buf_add(&whole, pc.p, pc.len);
		buf_addstr(&whole, pc.end == LINE_CRLF ? "\r\n" :
		    pc.end == LINE_LF ? "\n" : "");
	}
	if (r != 0 || whole.len != f->len ||
	    (whole.len && memcmp(whole.data, f->data, f->len)))
		*consistent = 0;
	buf_free(&whole);
	lines_free(l);
}

/*
 * The rules, one byte at a time: a line's bytes gather until an LF; when
 * they fill the buffer, all go out but a final CR, which waits for its LF.
 */
static void
reference(const char *in, size_t n, struct buf *out)
{
	char *acc = xmalloc(B);
	size_t a = 0;
	int bol = 1;

	for (size_t i = 0; i < n; i++) {
		if (in[i] == '\n') {
			int crlf = a > 0 && acc[a - 1] == '\r';

			add_piece(out, acc, a - crlf, bol,
			    crlf ? LINE_CRLF : LINE_LF);
			a = 0;
			bol = 1;
			continue;
		}
		acc[a++] = in[i];
		if (a == B) {
			int cr = acc[B - 1] == '\r';

			add_piece(out, acc, B - cr, bol, LINE_OPEN);
			bol = 0;
			a = 0;
			if (cr)
				acc[a++] = '\r';
		}
	}
	if (a)
		add_piece(out, acc, a, bol, LINE_OPEN);
	free(acc);
}

/* Feeds in cut at cuts (or step bytes a read); 1 if all agrees. */
static int
agrees(const char *in, size_t n, const size_t *cuts, size_t ncuts,
    size_t step)
{
	struct feed f = { in, n, 0, cuts, ncuts, 0, step, 0 };
	struct buf want = { 0 }, got = { 0 };
	int ok = 1;

	reference(in, n, &want);
	through_reader(&f, &got, &ok);
	ok = ok && want.len == got.len && (want.len == 0 ||
	    !memcmp(want.data, got.data, want.len));
	buf_free(&want);
	buf_free(&got);
	return ok;
}

static void
check_all_ways(const char *name, const char *in, size_t n, int every_cut)
{
	int split_ok = 1;

	CHECK(agrees(in, n, NULL, 0, 0), "%s", name);
	if (every_cut) {
		for (size_t cut = 1; cut < n && split_ok; cut++)
			split_ok = agrees(in, n, &cut, 1, 0);
	} else {
		/* around each buffer boundary */
		for (size_t k = B; k < n + 3 && split_ok; k += B)
			for (size_t cut = k - 3; cut <= k + 3; cut++)
				if (cut > 0 && cut < n)
					split_ok = split_ok &&
					    agrees(in, n, &cut, 1, 0);
	}
	CHECK(split_ok, "%s: split at every point%s", name,
	    every_cut ? "" : " near the buffer's end");
	CHECK(agrees(in, n, NULL, 0, 1), "%s: byte by byte", name);
	CHECK(agrees(in, n, NULL, 0, 7), "%s: seven bytes a read", name);
}

static const struct {
	const char *name, *in;
	size_t len;
} cases[] = {
	{ "empty input", "", 0 },
	{ "CRLF lines", "a\r\nb\r\n", 0 },
	{ "LF lines", "a\nb\n", 0 },
	{ "mixed ends", "a\r\nb\nc\r\n", 0 },
	{ "EOF mid-line", "a\r\nbc", 0 },
	{ "EOF after a CR", "a\r\nb\r", 0 },
	{ "bare CR inside", "a\rb\r\n\r\r\n", 0 },
	{ "empty lines", "\n\r\n\n\r\n", 0 },
	{ "dot lines", ".\r\n..\r\n.\n.", 0 },
	{ "NUL inside", "a\0b\r\n", 5 },
	{ "LF CR", "\n\r", 0 },
};

/* c repeated n times, then tail. */
static char *
run_of(int c, size_t n, const char *tail, size_t *len)
{
	size_t t = strlen(tail);
	char *s = xmalloc(n + t + 1);

	memset(s, c, n);
	memcpy(s + n, tail, t + 1);
	*len = n + t;
	return s;
}

static void
long_lines(void)
{
	static const struct {
		const char *name;
		long extra;	/* run length: B + extra */
		const char *tail;
	} longs[] = {
		{ "line of B-1 bytes, CRLF", -1, "\r\n.\r\n" },
		{ "CR at the buffer's end", -1, "\r\n.x\r\n" },
		{ "LF at the buffer's end", -1, "\n.\n" },
		{ "line of B bytes, CRLF", 0, "\r\n.\r\n" },
		{ "line of B bytes, then a dot", 0, ".\r\nMAIL\r\n" },
		{ "line of B+1 bytes", 1, "\r\n" },
		{ "CR at the end of the second buffer", B - 1, "\r\n" },
		{ "two buffers and a dot", B, ".tail\r\n" },
		{ "EOF mid long line", 5, "" },
		{ "EOF after a CR at the buffer's end", -1, "\r" },
		{ "CR CR at the buffer's end", -2, "\r\r\n" },
	};

	for (size_t k = 0; k < sizeof(longs) / sizeof(longs[0]); k++) {
		size_t n;
		char *in = run_of('x', B + longs[k].extra, longs[k].tail, &n);

		check_all_ways(longs[k].name, in, n, 0);
		free(in);
	}
	/* the flags a caller relies on */
	{
		size_t n;
		char *in = run_of('A', B, ".\r\nMAIL\r\n", &n);
		struct feed f = { in, n, 0, NULL, 0, 0, 0, 0 };
		struct lines *l = lines_new(feed_read, &f);
		struct piece a, b, c;

		lines_next(l, &a);
		CHECK(a.bol && a.len == B && a.end == LINE_OPEN,
		    "a full buffer is an open piece at a line start");
		lines_next(l, &b);
		CHECK(!b.bol && b.len == 1 && b.p[0] == '.' &&
		    b.end == LINE_CRLF, "the dot after it is no line start");
		lines_next(l, &c);
		CHECK(c.bol && c.len == 4 && c.end == LINE_CRLF,
		    "the next line is a line start");
		lines_free(l);
		free(in);
	}
}

/* Random input of long and short lines, in random reads. */
static void
differential(void)
{
	static const char alphabet[] = "\r\n.a\r\n";
	size_t max = 3 * B, cuts[64];
	char *in = xmalloc(max);
	int bad = 0;

	srand(4242);
	for (int round = 0; round < 200 && !bad; round++) {
		size_t n = rand() % max, ncuts = rand() % 64;

		for (size_t i = 0; i < n; i++)
			in[i] = rand() % (round & 1 ? 4 : 5000) ? (char)('a' + i % 26) :
			    alphabet[rand() % (sizeof(alphabet) - 1)];
		for (size_t i = 0; i < ncuts; i++)
			cuts[i] = n ? (size_t)rand() % n : 0;
		/* cuts in order, as the feed wants them */
		for (size_t i = 1; i < ncuts; i++)
			for (size_t j = i; j > 0 && cuts[j - 1] > cuts[j]; j--) {
				size_t t = cuts[j];

				cuts[j] = cuts[j - 1];
				cuts[j - 1] = t;
			}
		if (!agrees(in, n, cuts, ncuts, round % 3 ? 0 : 1 + rand() % 300))
			bad = round + 1;
	}
	CHECK(!bad, "200 random inputs agree with the byte-at-a-time rules%s",
	    bad ? " (not all)" : "");
	free(in);
}

static void
read_error(void)
{
	struct feed f = { "a\r\nb", 4, 0, NULL, 0, 0, 0, 1 };
	struct lines *l = lines_new(feed_read, &f);
	struct piece pc;
	int r1 = lines_next(l, &pc), r2 = lines_next(l, &pc);

	CHECK(r1 == 1 && r2 == -1 && errno == EIO,
	    "a read error is reported, a partial line held back");
	lines_free(l);
}

int
main(void)
{
	unit_suite = "lines";
	for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++)
		check_all_ways(cases[k].name, cases[k].in,
		    cases[k].len ? cases[k].len : strlen(cases[k].in), 1);
	long_lines();
	differential();
	read_error();
	UNIT_EXIT();
}
