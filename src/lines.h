/*
 * lines.h: one buffered line reader for SMTP input. A line comes back as
 * one or more pieces; each piece says whether it starts a line and how it
 * ends, so a piece from the middle of a long line is never taken for a
 * line start. Memory is one 64 KiB buffer, whatever the input.
 */

#include <stddef.h>
#include <sys/types.h>

/* Reads up to len bytes into buf: the count, 0 at the end, -1 on error. */
typedef ssize_t lines_read_fn(void *ctx, char *buf, size_t len);

enum line_end {
	LINE_OPEN,	/* not ended here: longer than the buffer, or at EOF */
	LINE_CRLF,	/* ended by CR LF */
	LINE_LF,	/* ended by a bare LF */
};

struct piece {
	const char *p;		/* the bytes, without the line end */
	size_t len;
	int bol;		/* the first piece of a line */
	enum line_end end;
};

#ifndef LINES_BUF
#define LINES_BUF	(64 * 1024)	/* a fuzz build may make it small */
#endif

struct lines;

struct lines *lines_new(lines_read_fn *, void *ctx);
/*
 * The next piece, valid until the next call: 1, or 0 at the end of the
 * input, -1 on a read error (errno set). A line longer than the buffer
 * comes in pieces of LINES_BUF bytes (one less if a CR ends the buffer,
 * so that its LF is still seen); a piece is never empty unless it ends
 * a line. The pieces are the same however the reads split the input.
 */
int lines_next(struct lines *, struct piece *);
void lines_free(struct lines *);

/* A lines_read_fn for a file descriptor (ctx points to the int fd). */
ssize_t lines_read_fd(void *ctx, char *buf, size_t len);
