/* util.c: failure classes to exit codes, messages, memory and buffers. */

#define _GNU_SOURCE
#include <sys/stat.h>

#include <errno.h>
#include <grp.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

const char *progname = "smtpsend";
int verbose;
FILE *trace_file;
int privileged;
int stderr_midline;

void
drop_privilege(void)
{
	gid_t gid = getgid();

	if (privileged && setresgid(gid, gid, gid) == -1)
		die(FAIL_OS, "setresgid:");
	privileged = 0;
}

/* Around a file the user names (-X): opened with the user's rights. */
int
as_user(int on)
{
	if (!privileged)
		return 0;
	return setegid(on ? getgid() : (gid_t)spool_group());
}

int
spool_group(void)
{
	static int gid = -2;
	struct group *gr;

	if (gid == -2)
		gid = (gr = getgrnam(SPOOL_GROUP)) ? (int)gr->gr_gid : -1;
	return gid;
}

int
exit_status(enum fail f)
{
	switch (f) {
	case FAIL_NONE:	return EX_OK;
	case FAIL_USAGE:	return EX_USAGE;
	case FAIL_DATA:	return EX_DATAERR;
	case FAIL_CONFIG:	return EX_CONFIG;
	case FAIL_TEMP:	return EX_TEMPFAIL;
	case FAIL_PERM:	return EX_UNAVAILABLE;
	case FAIL_RCPT:	return EX_NOUSER;
	case FAIL_AUTH:	return EX_NOPERM;
	case FAIL_PROTO:	return EX_PROTOCOL;
	case FAIL_IO:	return EX_IOERR;
	case FAIL_OS:	return EX_OSERR;
	}
	return EX_SOFTWARE;
}

/*
 * Length of the UTF-8 character at p (at most n bytes) that a terminal
 * shows as text, or 0: invalid, overlong, a surrogate, or a C1 control
 * (U+0080 to U+009F, which terminals obey like ESC).
 */
static size_t
utf8_printable(const unsigned char *p, size_t n)
{
	unsigned cp;
	size_t len, i;

	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		len = 2, cp = p[0] & 0x1f;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		len = 3, cp = p[0] & 0x0f;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		len = 4, cp = p[0] & 0x07;
	else
		return 0;
	if (len > n)
		return 0;
	for (i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (p[i] & 0x3f);
	}
	if (cp < 0xa0 || (len == 3 && cp < 0x800) || (len == 4 &&
	    (cp < 0x10000 || cp > 0x10ffff)) || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

/*
 * Hands s to put() with every byte a terminal would obey instead of show
 * (controls, DEL, C1, invalid UTF-8) as \xNN: what a server, a message or
 * a file says never reaches a terminal or a log as escape sequences.
 */
static void
escape(const char *s, size_t n, void (*put)(void *, const char *, size_t),
    void *ctx)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, len;
	char hex[5];

	while (i < n) {
		for (len = 0; i + len < n && ((p[i + len] >= 0x20 &&
		    p[i + len] < 0x7f) || p[i + len] == '\t'); len++)
			;
		if (len || (p[i] >= 0x80 && (len = utf8_printable(p + i,
		    n - i)))) {
			put(ctx, s + i, len);
			i += len;
		} else {
			snprintf(hex, sizeof(hex), "\\x%02x", p[i++]);
			put(ctx, hex, 4);
		}
	}
}

static void
put_file(void *fp, const char *s, size_t n)
{
	fwrite(s, 1, n, fp);
}

static void
put_buf(void *b, const char *s, size_t n)
{
	buf_add(b, s, n);
}

static void
put_escaped(FILE *fp, const char *s, size_t n)
{
	escape(s, n, put_file, fp);
}

void
buf_add_escaped(struct buf *b, const char *s, size_t n)
{
	escape(s, n, put_buf, b);
}

void
print_escaped(FILE *fp, const char *s)
{
	put_escaped(fp, s, strlen(s));
}

/* One diagnostic line; a format ending in ':' gets strerror appended. */
static void
vline(FILE *fp, const char *prefix, int err, const char *fmt, va_list ap)
{
	char small[1024], *text = small;
	size_t n = strlen(fmt);
	va_list copy;
	int len;

	va_copy(copy, ap);
	len = vsnprintf(small, sizeof(small), fmt, ap);
	if (len >= (int)sizeof(small) && (text = malloc(len + 1)))
		vsnprintf(text, len + 1, fmt, copy);
	else if (len >= (int)sizeof(small))
		text = small, len = sizeof(small) - 1;
	va_end(copy);
	if (len < 0)
		len = 0;
	/* a message never ends up behind a progress line */
	if (fp == stderr && stderr_midline) {
		fputc('\n', fp);
		stderr_midline = 0;
	}
	fputs(prefix, fp);
	put_escaped(fp, text, len);
	if (n > 0 && fmt[n - 1] == ':')
		fprintf(fp, " %s", strerror(err));
	fputc('\n', fp);
	if (text != small)
		free(text);
}

static void
vmessage(const char *fmt, va_list ap)
{
	int saved = errno;
	char prefix[64];

	snprintf(prefix, sizeof(prefix), "%s: ", progname);
	vline(stderr, prefix, saved, fmt, ap);
}

void
die(enum fail f, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmessage(fmt, ap);
	va_end(ap);
	exit(exit_status(f));
}

void
warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmessage(fmt, ap);
	va_end(ap);
}

void
trace(const char *fmt, ...)
{
	va_list ap;

	if (verbose) {
		va_start(ap, fmt);
		vline(stderr, "", 0, fmt, ap);
		va_end(ap);
	}
	if (trace_file) {
		va_start(ap, fmt);
		vline(trace_file, "", 0, fmt, ap);
		va_end(ap);
	}
}

void *
xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (!p)
		die(FAIL_OS, "out of memory");
	return p;
}

void *
xrealloc(void *p, size_t n)
{
	if (!(p = realloc(p, n ? n : 1)))
		die(FAIL_OS, "out of memory");
	return p;
}

char *
xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

char *
xstrndup(const char *s, size_t n)
{
	char *p = xmalloc(n + 1);

	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

/* A formatted string, malloc'd. */
char *
xvasprintf(const char *fmt, va_list ap)
{
	va_list again;
	char *s;
	int n;

	va_copy(again, ap);
	n = vsnprintf(NULL, 0, fmt, ap);
	if (n < 0)
		die(FAIL_OS, "vsnprintf failed");
	s = xmalloc((size_t)n + 1);
	vsnprintf(s, (size_t)n + 1, fmt, again);
	va_end(again);
	return s;
}

char *
xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	s = xvasprintf(fmt, ap);
	va_end(ap);
	return s;
}

void
wipe(void *p, size_t n)
{
	if (p)
		explicit_bzero(p, n);
}

void
wipestr(char *s)
{
	if (s)
		explicit_bzero(s, strlen(s));
}

int
open_regular(const char *path, int nofollow, struct stat *st)
{
	struct stat own;
	int fd, fl, saved;

	if (!st)
		st = &own;
	fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC |
	    (nofollow ? O_NOFOLLOW : 0));
	if (fd == -1)
		return -1;
	if (fstat(fd, st) == -1)
		goto fail;
	if (!S_ISREG(st->st_mode)) {
		close(fd);
		return -2;
	}
	if ((fl = fcntl(fd, F_GETFL)) == -1 ||
	    fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) == -1)
		goto fail;
	return fd;
fail:
	saved = errno;
	close(fd);
	errno = saved;
	return -1;
}

/* Nothing that becomes part of an SMTP command may break the line. */
int
has_line_break(const char *s)
{
	return strpbrk(s, "\r\n") != NULL;
}

long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* This machine's name as set, no DNS; "localhost" if it is unusable. */
const char *
host_name(void)
{
	static char name[256];
	size_t n;

	if (gethostname(name, sizeof(name) - 1) == -1)
		return "localhost";
	name[sizeof(name) - 1] = '\0';
	n = strlen(name);
	if (n == 0 || n > 253 || name[0] == '.' || name[0] == '-' ||
	    strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789.-") != n)
		return "localhost";
	return name;
}

void
buf_add(struct buf *b, const void *p, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 256;

		while (cap < b->len + n + 1)
			cap *= 2;
		b->data = xrealloc(b->data, cap);
		b->cap = cap;
	}
	memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
}

void
buf_addstr(struct buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

void
buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	char small[512], *big;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n < 0)
		die(FAIL_OS, "vsnprintf failed");
	/* what was formatted may be a secret: leave no copy behind */
	if ((size_t)n < sizeof(small)) {
		buf_add(b, small, n);
		explicit_bzero(small, n);
		return;
	}
	explicit_bzero(small, sizeof(small));
	big = xmalloc(n + 1);
	va_start(ap, fmt);
	vsnprintf(big, n + 1, fmt, ap);
	va_end(ap);
	buf_add(b, big, n);
	explicit_bzero(big, n);
	free(big);
}

void
buf_free(struct buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

void
strlist_add(struct strlist *l, char *s)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 8;
		l->v = xrealloc(l->v, l->cap * sizeof(*l->v));
	}
	l->v[l->n++] = s;
}

void
strlist_free(struct strlist *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = l->cap = 0;
}

static const char b64[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* Writes BASE64_LEN(n) bytes at most, NUL included; returns the length. */
size_t
base64_encode(const void *in, size_t n, char *out)
{
	const unsigned char *p = in;
	size_t o = 0;

	for (; n >= 3; p += 3, n -= 3) {
		out[o++] = b64[p[0] >> 2];
		out[o++] = b64[(p[0] & 3) << 4 | p[1] >> 4];
		out[o++] = b64[(p[1] & 15) << 2 | p[2] >> 6];
		out[o++] = b64[p[2] & 63];
	}
	if (n) {
		out[o++] = b64[p[0] >> 2];
		out[o++] = b64[(p[0] & 3) << 4 | (n > 1 ? p[1] >> 4 : 0)];
		out[o++] = n > 1 ? b64[(p[1] & 15) << 2] : '=';
		out[o++] = '=';
	}
	out[o] = '\0';
	return o;
}
