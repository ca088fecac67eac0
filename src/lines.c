/*
 * lines.c: the buffered line reader. The unread input always starts at
 * a piece boundary; a piece is cut where an LF is, or where the buffer
 * is full of one line, or at the end of the input.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lines.h"
#include "util.h"

_Static_assert(LINES_BUF >= 2, "a CR and its LF must fit");

struct lines {
	lines_read_fn *read;
	void *ctx;
	size_t off, len;	/* the unread bytes are buf[off..len) */
	int bol, eof;
	char buf[LINES_BUF];
};

struct lines *
lines_new(lines_read_fn *fn, void *ctx)
{
	struct lines *l = xmalloc(sizeof(*l));

	l->read = fn;
	l->ctx = ctx;
	l->off = l->len = 0;
	l->bol = 1;
	l->eof = 0;
	return l;
}

void
lines_free(struct lines *l)
{
	free(l);
}

static void
give(struct lines *l, struct piece *pc, size_t n, size_t skip,
    enum line_end end)
{
	pc->p = l->buf + l->off;
	pc->len = n;
	pc->bol = l->bol;
	pc->end = end;
	l->off += n + skip;
	l->bol = end != LINE_OPEN;
}

int
lines_next(struct lines *l, struct piece *pc)
{
	for (;;) {
		const char *p = l->buf + l->off, *nl;
		size_t avail = l->len - l->off;
		ssize_t r;

		if ((nl = memchr(p, '\n', avail))) {
			size_t n = nl - p;

			if (n > 0 && p[n - 1] == '\r')
				give(l, pc, n - 1, 2, LINE_CRLF);
			else
				give(l, pc, n, 1, LINE_LF);
			return 1;
		}
		if (avail > 0 && (l->eof || avail == sizeof(l->buf))) {
			/* a CR at the end may be the first half of CRLF */
			if (!l->eof && p[avail - 1] == '\r')
				avail--;
			give(l, pc, avail, 0, LINE_OPEN);
			return 1;
		}
		if (l->eof)
			return 0;
		if (l->off > 0) {
			memmove(l->buf, p, avail);
			l->off = 0;
			l->len = avail;
		}
		r = l->read(l->ctx, l->buf + l->len, sizeof(l->buf) - l->len);
		if (r < 0)
			return -1;
		if (r == 0)
			l->eof = 1;
		l->len += r;
	}
}

ssize_t
lines_read_fd(void *ctx, char *buf, size_t len)
{
	ssize_t r;

	while ((r = read(*(int *)ctx, buf, len)) < 0 && errno == EINTR)
		;
	return r;
}
