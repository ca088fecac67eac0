/*
 * fuzz/lines.c: libFuzzer target for the line reader (make fuzz), built
 * with an 8-byte buffer. The first 4 bytes seed how the rest is split
 * into reads. abort()s unless the pieces put back together are the
 * input, each piece's flags follow from the one before, an open piece
 * is never empty and, unless last, fills the buffer but for a CR; and
 * the pieces are the same when the input comes in one read.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "lines.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

struct feed {
	const char *in;
	size_t len, at;
	uint32_t rng;		/* 0: all at once */
};

static ssize_t
feed_read(void *ctx, char *buf, size_t len)
{
	struct feed *f = ctx;
	size_t n = f->len - f->at;

	if (f->rng) {
		f->rng = f->rng * 1103515245u + 12345u;
		if (n > 1 + (f->rng >> 8) % 11)
			n = 1 + (f->rng >> 8) % 11;
	}
	if (n > len)
		n = len;
	memcpy(buf, f->in + f->at, n);
	f->at += n;
	return n;
}

static void
pieces(struct feed *f, struct buf *out)
{
	struct lines *l = lines_new(feed_read, f);
	struct buf whole = { 0 };
	struct piece pc;
	int r, bol = 1, open_before = 0;

	while ((r = lines_next(l, &pc)) == 1) {
		if (open_before)
			abort();	/* a short open piece was not the last */
		if (pc.bol != bol || pc.len > LINES_BUF ||
		    (pc.end == LINE_OPEN && pc.len == 0))
			abort();
		open_before = pc.end == LINE_OPEN && pc.len < LINES_BUF - 1;
		bol = pc.end != LINE_OPEN;
		buf_printf(out, "%d%d%zu:", pc.bol, pc.end, pc.len);
		buf_add(out, pc.p, pc.len);
		buf_add(&whole, pc.p, pc.len);
		buf_addstr(&whole, pc.end == LINE_CRLF ? "\r\n" :
		    pc.end == LINE_LF ? "\n" : "");
	}
	if (r != 0 || whole.len != f->len ||
	    (f->len && memcmp(whole.data, f->in, f->len)))
		abort();
	buf_free(&whole);
	lines_free(l);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct feed split, once;
	struct buf a = { 0 }, b = { 0 };

	if (size < 4)
		return 0;
	split.in = once.in = (const char *)data + 4;
	split.len = once.len = size - 4;
	split.at = once.at = 0;
	split.rng = 1 | ((uint32_t)data[0] | (uint32_t)data[1] << 8 |
	    (uint32_t)data[2] << 16 | (uint32_t)data[3] << 24);
	once.rng = 0;
	pieces(&split, &a);
	pieces(&once, &b);
	if (a.len != b.len || (a.len && memcmp(a.data, b.data, a.len)))
		abort();
	buf_free(&a);
	buf_free(&b);
	return 0;
}
