/*
 * fuzz/serve.c: libFuzzer target for a whole -bs session (make fuzz).
 * The first 4 bytes seed how the rest, the client's input, is split into
 * reads and what each delivery answers; the line reader is built with a
 * small buffer, so long lines are cheap to reach.
 *
 * After the session a plain line-by-line model walks the input along
 * with serve's replies and abort()s unless:
 * - every complete command line got exactly one reply, well formed
 *   (three digits, space or dash, printable text, at most 512 octets);
 * - each delivered message is exactly what the model frames after a
 *   DATA answered 354: up to CRLF "." CRLF after a CRLF line, dots
 *   unstuffed, with the envelope of the MAIL and RCPT lines answered 250
 *   before it outside any message;
 * - a message with a "." line next to a bare LF is answered 550 and
 *   never delivered; the final dot is answered as the delivery said.
 */

#define _GNU_SOURCE
#include <sys/mman.h>

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "util.h"
#include "serve.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define MAXMSG 64

struct msg {
	char *sender;
	struct strlist rcpts;
	struct buf body;
	int status;
};

struct run {
	const char *in;
	size_t len, at;
	uint32_t rng;
	struct msg msgs[MAXMSG];
	size_t nmsgs;
};

static uint32_t
next_rand(struct run *r)
{
	r->rng = r->rng * 1103515245u + 12345u;
	return r->rng >> 8;
}

static ssize_t
fuzz_read(void *ctx, char *buf, size_t len)
{
	struct run *r = ctx;
	size_t n = 1 + next_rand(r) % (next_rand(r) % 4 ? 8 : 300);

	if (n > len)
		n = len;
	if (n > r->len - r->at)
		n = r->len - r->at;
	memcpy(buf, r->in + r->at, n);
	r->at += n;
	return n;
}

static int
fuzz_deliver(void *ctx, const struct delivery *d, char *report, size_t size)
{
	static const int statuses[] = { 0, 0, 75, 69, 67, 65, 64, 71 };
	struct run *r = ctx;
	struct msg *m;
	char buf[512];
	ssize_t n;

	if (r->nmsgs == MAXMSG)
		abort();
	m = &r->msgs[r->nmsgs++];
	memset(m, 0, sizeof(*m));
	m->sender = xstrdup(d->sender);
	for (size_t i = 0; i < d->nrcpts; i++)
		strlist_add(&m->rcpts, xstrdup(d->rcpts[i]));
	while ((n = read(d->fd, buf, sizeof(buf))) > 0)
		buf_add(&m->body, buf, n);
	m->status = statuses[next_rand(r) % 8];
	/* reply text as a child may write it: traces, control bytes, long */
	snprintf(report, size, "trace\nsmtpsend: bad\rtext\x01 here\n"
	    "smtpsend: %0600d\nsmtpsend: last", 7);
	return m->status;
}

/* The reply lines, one group per reply. */
struct replies {
	char *p, *end;
};

/* The next reply: its code (or -1 if none); checks its form. */
static int
next_reply(struct replies *rp, char *first, size_t firstlen)
{
	int code = -1;
	char sep;

	for (;;) {
		char *eol = memmem(rp->p, rp->end - rp->p, "\r\n", 2);
		size_t len;

		if (!eol) {
			if (rp->p != rp->end)
				abort();	/* a reply without its CRLF */
			return code;
		}
		len = eol - rp->p;
		if (len < 4 || len > 510 || !isdigit((unsigned char)rp->p[0]) ||
		    !isdigit((unsigned char)rp->p[1]) ||
		    !isdigit((unsigned char)rp->p[2]) ||
		    (rp->p[3] != ' ' && rp->p[3] != '-'))
			abort();
		for (size_t i = 4; i < len; i++)
			if ((unsigned char)rp->p[i] < ' ' || rp->p[i] == 0x7f)
				abort();
		if (code == -1) {
			code = atoi(rp->p);
			snprintf(first, firstlen, "%.*s", (int)len, rp->p);
		} else if (atoi(rp->p) != code)
			abort();
		sep = rp->p[3];
		rp->p = eol + 2;
		if (sep == ' ')
			return code;
	}
}

/* The address of "MAIL FROM:<a>" / "RCPT TO:<a>", as serve reads it. */
static char *
model_addr(const char *line, size_t skip)
{
	const char *p = line + skip, *gt;

	p += strspn(p, " ");
	if (*p != '<' || !(gt = strchr(p, '>')))
		abort();
	p++;
	if (*p == '@' && memchr(p, ':', gt - p))
		p = memchr(p, ':', gt - p) + 1;
	return xstrndup(p, gt - p);
}

static int
verb(const char *line, const char *v)
{
	size_t n = strlen(v);

	return !strncasecmp(line, v, n) && (line[n] == '\0' || line[n] == ' ');
}

static void
model(struct run *r, char *out, size_t outlen)
{
	struct replies rp = { out, out + outlen };
	char first[600], *sender = NULL;
	struct strlist rcpts = { 0 };
	struct buf body = { 0 };
	size_t at = 0, delivered = 0;
	int in_data = 0, crlf_before = 0, ambiguous = 0;

	if (next_reply(&rp, first, sizeof(first)) != 220)
		abort();
	for (;;) {
		const char *nl = memchr(r->in + at, '\n', r->len - at);
		size_t len, raw;
		int crlf;
		char *line;

		if (!nl)
			break;		/* a last partial line gets no reply */
		raw = nl - (r->in + at);
		crlf = raw > 0 && r->in[at + raw - 1] == '\r';
		len = raw - crlf;
		line = xstrndup(r->in + at, len);
		at += raw + 1;
		if (in_data) {
			if (len == 1 && line[0] == '.') {
				if (crlf && crlf_before) {
					int code = next_reply(&rp, first,
					    sizeof(first));

					in_data = 0;
					if (ambiguous) {
						if (code != 550)
							abort();
					} else {
						struct msg *m;

						if (delivered == r->nmsgs)
							abort();
						m = &r->msgs[delivered++];
						if ((m->status == 0) != (code == 250))
							abort();
						if (strcmp(m->sender, sender) ||
						    m->rcpts.n != rcpts.n ||
						    m->body.len != body.len ||
						    (body.len && memcmp(m->body.data,
						    body.data, body.len)))
							abort();
						for (size_t i = 0; i < rcpts.n; i++)
							if (strcmp(m->rcpts.v[i],
							    rcpts.v[i]))
								abort();
					}
					free(sender);
					sender = NULL;
					strlist_free(&rcpts);
				} else
					ambiguous = 1;
			} else {
				size_t dot = len > 0 && line[0] == '.';

				buf_add(&body, line + dot, len - dot);
				buf_addstr(&body, crlf ? "\r\n" : "\n");
			}
			crlf_before = crlf;
			free(line);
			continue;
		}
		{
			int code = next_reply(&rp, first, sizeof(first));
			int bad = strlen(line) != len || strchr(line, '\r') ||
			    len > 1000;

			if (code == -1)
				abort();	/* a command without a reply */
			if (bad) {
				if (code != 500)
					abort();
			} else if (!strcasecmp(line, "QUIT")) {
				if (code != 221 || rp.p != rp.end)
					abort();
				free(line);
				break;
			} else if (verb(line, "MAIL") &&
			    !strncasecmp(line + 4, " FROM:", 6) && code == 250) {
				if (sender)
					abort();
				sender = model_addr(line, 10);
			} else if (verb(line, "RCPT") &&
			    !strncasecmp(line + 4, " TO:", 4) && code == 250) {
				if (!sender)
					abort();
				strlist_add(&rcpts, model_addr(line, 8));
			} else if ((verb(line, "RSET") || verb(line, "EHLO") ||
			    verb(line, "HELO")) && code == 250) {
				free(sender);
				sender = NULL;
				strlist_free(&rcpts);
			} else if (code == 354) {
				if (!verb(line, "DATA") || !sender || !rcpts.n)
					abort();
				in_data = 1;
				crlf_before = 1;
				ambiguous = 0;
				body.len = 0;
			}
		}
		free(line);
	}
	if (delivered != r->nmsgs || rp.p != rp.end)
		abort();	/* a message the model did not frame, a reply too many */
	free(sender);
	strlist_free(&rcpts);
	buf_free(&body);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct run r;
	struct serve_io io = { 0 };
	struct buf out = { 0 };
	char buf[4096];
	ssize_t n;
	int fd;

	if (size < 4)
		return 0;
	memset(&r, 0, sizeof(r));
	r.rng = (uint32_t)data[0] | (uint32_t)data[1] << 8 |
	    (uint32_t)data[2] << 16 | (uint32_t)data[3] << 24;
	r.in = (const char *)data + 4;
	r.len = size - 4;
	if ((fd = memfd_create("replies", 0)) == -1)
		abort();
	io.read = fuzz_read;
	io.read_ctx = &r;
	io.out = fd;
	io.deliver = fuzz_deliver;
	io.deliver_ctx = &r;
	serve(&io);
	lseek(fd, 0, SEEK_SET);
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		buf_add(&out, buf, n);
	close(fd);
	model(&r, out.data ? out.data : buf, out.len);
	for (size_t i = 0; i < r.nmsgs; i++) {
		free(r.msgs[i].sender);
		strlist_free(&r.msgs[i].rcpts);
		buf_free(&r.msgs[i].body);
	}
	buf_free(&out);
	return 0;
}
