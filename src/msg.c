/*
 * msg.c: the message as the caller wrote it.
 *
 * Only the header is held in memory (at most MSG_MAX_HEADER); the body is
 * handed on in the pieces read from stdin. Header rules:
 * - a leading mbox "From " line is dropped;
 * - a field is a name of printable ASCII without ':', optional blanks, ':';
 *   a line starting with a blank continues the field before it;
 * - an empty line ends the header; any other line that is not a field
 *   ends it too and starts the body (a blank line is put before it), so a
 *   message that is only a body is sent as one;
 * - a header line longer than 998 octets, or holding NUL or a bare CR,
 *   makes the message bad (FAIL_DATA).
 */

#include <sys/stat.h>

#include <errno.h>
#include <poll.h>
#include <gnutls/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "util.h"
#include "addr.h"
#include "msg.h"
#include "wire.h"

#define READ_SIZE (64 * 1024)

void
msg_open(struct message *m, int fd, int stop_at_dot)
{
	memset(m, 0, sizeof(*m));
	m->fd = fd;
	m->stop_at_dot = stop_at_dot;
	m->cap = READ_SIZE;
	m->buf = xmalloc(m->cap);
	m->size = -1;
	m->eight_bit = -1;
	m->body_offset = -1;
}

void
msg_set_deadline(struct message *m, long long at_ms, int seconds)
{
	m->deadline = at_ms;
	m->deadline_limit = seconds;
}

/* Reading failed: before sending, that ends the process; during, the message. */
static void
read_failed(struct message *m, enum fail f, const char *what)
{
	if (!m->deadline)
		die(f, "%s", what);
	if (m->error == FAIL_NONE) {
		m->error = f;
		snprintf(m->error_msg, sizeof(m->error_msg), "%s", what);
	}
	m->eof = 1;
}

/* Waits until the input is readable; 0, or -1 when the session is over. */
static int
wait_input(struct message *m)
{
	struct pollfd pfd = { .fd = m->fd, .events = POLLIN };
	long long left;
	int r;

	do {
		left = m->deadline - now_ms();
		r = poll(&pfd, 1, left > 0 ? (int)left : 0);
	} while (r == -1 && errno == EINTR);
	if (r == 0) {
		char what[160];

		snprintf(what, sizeof(what), "timed out reading the message: "
		    "the session took longer than timeout_session (%d s)",
		    m->deadline_limit);
		read_failed(m, FAIL_TEMP, what);
		return -1;
	}
	return 0;
}

/* Reads more input after the unconsumed bytes; 0 at end of input. */
static size_t
fill(struct message *m)
{
	ssize_t n;

	if (m->off > 0) {
		memmove(m->buf, m->buf + m->off, m->len - m->off);
		m->len -= m->off;
		m->off = 0;
	}
	if (m->len == m->cap) {
		m->cap *= 2;
		m->buf = xrealloc(m->buf, m->cap);
	}
	if (m->error != FAIL_NONE || (m->deadline && wait_input(m) == -1))
		return 0;
	while ((n = read(m->fd, m->buf + m->len, m->cap - m->len)) < 0) {
		if (errno != EINTR) {
			char what[160];

			snprintf(what, sizeof(what), "reading the message: %s",
			    strerror(errno));
			read_failed(m, FAIL_IO, what);
			return 0;
		}
	}
	if (n == 0)
		m->eof = 1;
	m->len += n;
	return n;
}

/*
 * Finds the next line at m->off: its length without the line end, and the
 * length of the line end (0 for a last line without one). Returns 0 at the
 * end of input, 2 for a line too long to be a header line (not all read).
 */
static int
next_line(struct message *m, size_t *len, size_t *eol)
{
	for (;;) {
		char *p = m->buf + m->off;
		size_t avail = m->len - m->off;
		char *nl = memchr(p, '\n', avail);

		if (nl) {
			*len = nl - p;
			*eol = 1;
			if (*len > 0 && nl[-1] == '\r') {
				(*len)--;
				*eol = 2;
			}
			return 1;
		}
		if (m->eof) {
			*len = avail;
			*eol = 0;
			return avail > 0;
		}
		if (m->hdr.len + avail > MSG_MAX_HEADER) {
			*len = avail;
			*eol = 0;
			return 2;
		}
		fill(m);
	}
}

/* Length of the field name if the line starts a header field, else 0. */
static size_t
field_name_len(const char *p, size_t n)
{
	size_t i = 0, j;

	while (i < n && p[i] > ' ' && p[i] < 127 && p[i] != ':')
		i++;
	for (j = i; j < n && (p[j] == ' ' || p[j] == '\t'); j++)
		;
	return i > 0 && j < n && p[j] == ':' ? i : 0;
}

static void
check_header_line(const char *p, size_t n, unsigned long lineno)
{
	if (n > WIRE_MAX_LINE)
		die(FAIL_DATA, "header line %lu is longer than %d octets", lineno,
		    WIRE_MAX_LINE);
	if (memchr(p, '\0', n))
		die(FAIL_DATA, "header line %lu contains a NUL byte", lineno);
	if (memchr(p, '\r', n))
		die(FAIL_DATA, "header line %lu contains a bare CR", lineno);
}

static void
add_field(struct message *m, size_t namelen)
{
	if (m->nfields == m->fieldcap) {
		m->fieldcap = m->fieldcap ? m->fieldcap * 2 : 16;
		m->fields = xrealloc(m->fields,
		    m->fieldcap * sizeof(*m->fields));
	}
	memset(&m->fields[m->nfields], 0, sizeof(*m->fields));
	m->fields[m->nfields].off = m->hdr.len;
	m->fields[m->nfields].namelen = namelen;
	m->nfields++;
}

void
msg_read_header(struct message *m)
{
	unsigned long lineno = 0;
	size_t len, eol;
	int more;

	while ((more = next_line(m, &len, &eol))) {
		const char *p = m->buf + m->off;
		size_t namelen;

		lineno++;
		if (more == 2 && (m->nfields == 0 || !(*p == ' ' ||
		    *p == '\t')) && !field_name_len(p, len))
			break;	/* an endless first body line */
		if (more == 2)
			die(FAIL_DATA, "message header is larger than %d octets",
			    MSG_MAX_HEADER);
		if (m->stop_at_dot && len == 1 && *p == '.') {
			m->ended = 1;
			return;
		}
		if (len == 0) {
			m->off += eol;
			m->has_body = 1;
			return;
		}
		if (lineno == 1 && len >= 5 && !memcmp(p, "From ", 5)) {
			m->off += len + eol;
			continue;
		}
		if (*p == ' ' || *p == '\t') {
			if (m->nfields == 0)
				break;
		} else if ((namelen = field_name_len(p, len))) {
			add_field(m, namelen);
		} else {
			break;
		}
		check_header_line(p, len, lineno);
		buf_add(&m->hdr, p, len);
		buf_add(&m->hdr, "\r\n", 2);
		m->fields[m->nfields - 1].len = m->hdr.len -
		    m->fields[m->nfields - 1].off;
		m->off += len + eol;
		if (m->hdr.len > MSG_MAX_HEADER)
			die(FAIL_DATA, "message header is larger than %d octets",
			    MSG_MAX_HEADER);
	}
	/* a line that is not a field: the body starts here */
	m->has_body = m->off < m->len;
}

static int
field_is(const struct message *m, const struct field *f, const char *name)
{
	return f->namelen == strlen(name) &&
	    !strncasecmp(m->hdr.data + f->off, name, f->namelen);
}

static const char *
field_value(const struct message *m, const struct field *f, size_t *len)
{
	const char *p = m->hdr.data + f->off, *colon;

	colon = memchr(p, ':', f->len);
	*len = f->len - (colon + 1 - p);
	return colon + 1;
}

/* The header field named name (any case) or NULL; value is after ':'. */
static const char *
msg_field(const struct message *m, const char *name, size_t *len)
{
	size_t ignored;

	if (!len)
		len = &ignored;
	for (size_t i = 0; i < m->nfields; i++)
		if (!m->fields[i].removed && field_is(m, &m->fields[i], name))
			return field_value(m, &m->fields[i], len);
	return NULL;
}

static int
add_from_field(const struct message *m, const struct field *f,
    struct addrlist *list, char *why, size_t wl)
{
	size_t len;
	const char *v = field_value(m, f, &len), *err;

	len -= 2;	/* the field's own CRLF */
	if (addr_parse_list(v, len, list, &err) == -1) {
		snprintf(why, wl, "bad address in %.*s: %s", (int)f->namelen,
		    m->hdr.data + f->off, err);
		return -1;
	}
	return 0;
}

int
msg_recipients(struct message *m, struct addrlist *list, char *why,
    size_t wl)
{
	static const char *plain[] = { "To", "Cc", "Bcc" };
	static const char *resent[] = { "Resent-To", "Resent-Cc", "Resent-Bcc" };
	size_t i, j, first = m->nfields, last = m->nfields;
	int use_resent = 0;

	/* the topmost run of Resent- fields is the newest resending */
	for (i = 0; i < m->nfields; i++)
		if (m->fields[i].namelen > 7 &&
		    !strncasecmp(m->hdr.data + m->fields[i].off, "Resent-", 7))
			break;
	first = i;
	for (last = first; last < m->nfields; last++) {
		if (m->fields[last].namelen <= 7 || strncasecmp(m->hdr.data +
		    m->fields[last].off, "Resent-", 7))
			break;
		for (j = 0; j < 3; j++)
			if (field_is(m, &m->fields[last], resent[j]))
				use_resent = 1;
	}
	for (i = use_resent ? first : 0;
	    i < (use_resent ? last : m->nfields); i++)
		for (j = 0; j < 3; j++)
			if (field_is(m, &m->fields[i],
			    use_resent ? resent[j] : plain[j]) &&
			    add_from_field(m, &m->fields[i], list, why, wl) == -1)
				return -1;
	return 0;
}

static int
is_atext_phrase(const char *s)
{
	for (; *s; s++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
		    "0123456789!#$%&'*+-/=?^_`{|}~ ", *s))
			return 0;
	return 1;
}

void
msg_encode_name(struct buf *b, const char *name)
{
	const unsigned char *s = (const unsigned char *)name;
	size_t n = strlen(name), i;
	int ascii = 1;

	for (i = 0; i < n; i++)
		if (s[i] >= 0x80)
			ascii = 0;
	if (ascii && is_atext_phrase(name) && name[0] != ' ' &&
	    name[n - 1] != ' ') {
		buf_add(b, name, n);
		return;
	}
	if (ascii) {
		buf_add(b, "\"", 1);
		for (i = 0; i < n; i++) {
			if (s[i] == '"' || s[i] == '\\')
				buf_add(b, "\\", 1);
			buf_add(b, &s[i], 1);
		}
		buf_add(b, "\"", 1);
		return;
	}
	/* RFC 2047: encoded words of whole UTF-8 characters, at most 75 long */
	for (i = 0; i < n;) {
		char enc[BASE64_LEN(45)];
		size_t take = n - i > 45 ? 45 : n - i;

		while (i + take < n && take > 1 && (s[i + take] & 0xc0) == 0x80)
			take--;
		if (i > 0)
			buf_add(b, "\r\n ", 3);
		base64_encode(s + i, take, enc);
		buf_printf(b, "=?UTF-8?B?%s?=", enc);
		i += take;
	}
}

static void
add_date(struct buf *b, time_t now)
{
	char date[64];
	struct tm tm;

	localtime_r(&now, &tm);
	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S %z", &tm);
	buf_printf(b, "Date: %s\r\n", date);
}

static void
add_message_id(struct buf *b, const char *domain, time_t now)
{
	unsigned char rnd[10];
	char stamp[32];
	struct tm tm;
	size_t i;

	if (gnutls_rnd(GNUTLS_RND_NONCE, rnd, sizeof(rnd)) < 0)
		die(FAIL_OS, "no random numbers for a Message-ID");
	gmtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%d%H%M%S", &tm);
	buf_printf(b, "Message-ID: <%s.", stamp);
	for (i = 0; i < sizeof(rnd); i++)
		buf_printf(b, "%02x", rnd[i]);
	buf_printf(b, "@%s>\r\n", domain);
}

/* 1: a field of recipients, 0: of senders, -1: no addresses to rewrite */
static int
address_field(const struct message *m, const struct field *f)
{
	static const char *const rcpt[] = { "To", "Cc", "Resent-To",
	    "Resent-Cc" };
	static const char *const sender[] = { "From", "Sender", "Reply-To",
	    "Resent-From", "Resent-Sender", "Resent-Reply-To" };
	size_t i;

	for (i = 0; i < sizeof(rcpt) / sizeof(rcpt[0]); i++)
		if (field_is(m, f, rcpt[i]))
			return 1;
	for (i = 0; i < sizeof(sender) / sizeof(sender[0]); i++)
		if (field_is(m, f, sender[i]))
			return 0;
	return -1;
}

/* Copies a field, with the addresses the callback rewrites replaced. */
static void
copy_field(struct message *m, struct field *f, const struct rewrite *rw)
{
	const char *field = m->hdr.data + f->off, *v, *err;
	struct addrlist l = { 0 };
	size_t vlen, pos = 0, i;
	int kind = rw->address ? address_field(m, f) : -1;

	v = field_value(m, f, &vlen);
	f->out_off = m->out.len;
	/* a field that does not parse is sent as it came */
	if (kind < 0 || addr_parse_list(v, vlen - 2, &l, &err) == -1) {
		buf_add(&m->out, field, f->len);
		f->out_len = f->len;
		addrlist_free(&l);
		return;
	}
	for (i = 0; i < l.n; i++) {
		char *repl = rw->address(rw->ctx, l.v[i].spec, kind);
		size_t start = (v - field) + l.v[i].start;

		if (!repl)
			continue;
		buf_add(&m->out, field + pos, start - pos);
		buf_addstr(&m->out, repl);
		pos = (v - field) + l.v[i].end;
		free(repl);
		f->rewritten = 1;
	}
	buf_add(&m->out, field + pos, f->len - pos);
	f->out_len = m->out.len - f->out_off;
	addrlist_free(&l);
}

void
msg_rewrite(struct message *m, const struct rewrite *rw)
{
	size_t i;

	for (i = 0; i < m->nfields; i++) {
		struct field *f = &m->fields[i];

		if (field_is(m, f, "Bcc") || field_is(m, f, "Resent-Bcc"))
			f->removed = 1;
		else
			copy_field(m, f, rw);
	}
	m->added_off = m->out.len;
	if (!msg_field(m, "From", NULL) && rw->from_addr && *rw->from_addr) {
		buf_addstr(&m->out, "From: ");
		if (rw->from_name && *rw->from_name) {
			msg_encode_name(&m->out, rw->from_name);
			buf_printf(&m->out, " <%s>\r\n", rw->from_addr);
		} else {
			buf_printf(&m->out, "%s\r\n", rw->from_addr);
		}
	}
	if (!msg_field(m, "Date", NULL))
		add_date(&m->out, rw->now);
	if (!msg_field(m, "Message-ID", NULL))
		add_message_id(&m->out, rw->id_domain, rw->now);
	m->added_end = m->out.len;
	if (m->has_body)
		buf_add(&m->out, "\r\n", 2);
}

static int
has_8bit(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] & 0x80)
			return 1;
	return 0;
}

/* Octets that CRLF line ends will add to p (a bare CR or LF grows by one). */
static size_t
crlf_growth(const char *p, size_t n)
{
	size_t grow = 0;

	for (size_t i = 0; i < n; i++) {
		if (p[i] == '\n' && (i == 0 || p[i - 1] != '\r'))
			grow++;
		else if (p[i] == '\r' && (i + 1 == n || p[i + 1] != '\n'))
			grow++;
	}
	if (n > 0 && p[n - 1] != '\n' && p[n - 1] != '\r')
		grow += 2;	/* the last line gets its line end */
	return grow;
}

void
msg_estimate(struct message *m)
{
	size_t buffered;
	long long rest = 0;
	struct stat st;
	off_t pos = 0;

	/* read ahead what fits: most messages are then known exactly */
	while (!m->eof && !m->ended && m->len < m->cap)
		fill(m);
	buffered = m->ended ? 0 : m->len - m->off;

	/* a regular file can be read again from where the body starts */
	if (fstat(m->fd, &st) == 0 && S_ISREG(st.st_mode) &&
	    (pos = lseek(m->fd, 0, SEEK_CUR)) != -1)
		m->body_offset = pos - (off_t)(m->len - m->off);
	if (!m->eof && !m->ended) {
		if (m->body_offset < 0)
			rest = -1;
		else
			rest = st.st_size > pos ? st.st_size - pos : 0;
	}
	m->size = rest < 0 ? -1 : (long long)(m->out.len + buffered) + rest;
	if (m->size >= 0 && rest == 0)
		m->size += crlf_growth(m->buf + m->off, buffered);
	m->header_8bit = has_8bit(m->out.data, m->out.len);
	if (m->header_8bit || has_8bit(m->buf + m->off, buffered))
		m->eight_bit = 1;
	else
		m->eight_bit = m->eof || m->ended ? 0 : -1;
}

size_t
msg_next(struct message *m, const char **data)
{
	size_t n;

	if (!m->out_sent) {
		m->out_sent = 1;
		if (m->out.len) {
			*data = m->out.data;
			return m->out.len;
		}
	}
	if (m->ended)
		return 0;
	if (m->off == m->len) {
		if (m->eof)
			return 0;
		m->off = m->len = 0;
		if (fill(m) == 0)
			return 0;
	}
	*data = m->buf + m->off;
	n = m->len - m->off;
	m->off = m->len;
	m->body_out = 1;
	if (m->copy && fwrite(*data, 1, n, m->copy) != n) {
		fclose(m->copy);	/* no copy rather than half of one */
		m->copy = NULL;
		m->body_offset = -2;
	}
	return n;
}

void
msg_keep_copy(struct message *m)
{
	if (m->body_offset == -1 && !m->copy && !(m->copy = tmpfile()))
		m->body_offset = -2;	/* msg_write_body() will say so */
}

int
msg_write_body(struct message *m, int (*put)(void *, const void *, size_t),
    void *ctx, char *why, size_t wl)
{
	char buf[64 * 1024];
	ssize_t n;

	if (m->error != FAIL_NONE) {
		snprintf(why, wl, "%s", m->error_msg);
		return -1;
	}
	if (m->ended)
		return 0;
	if (m->body_offset >= 0) {
		for (off_t at = m->body_offset;; at += n) {
			if ((n = pread(m->fd, buf, sizeof(buf), at)) == 0)
				return 0;
			if (n < 0 && errno == EINTR)
				n = 0;
			else if (n < 0 || put(ctx, buf, n) == -1)
				break;
		}
		snprintf(why, wl, "reading the message again: %s",
		    strerror(errno));
		return -1;
	}
	if (!m->copy && m->body_out) {
		snprintf(why, wl, "no copy of the message was kept%s",
		    m->body_offset == -2 ? " (no room for it)" : "");
		return -1;
	}
	/* what went out, what is buffered, then what is still to come */
	if (m->copy) {
		rewind(m->copy);
		while ((n = fread(buf, 1, sizeof(buf), m->copy)) > 0)
			if (put(ctx, buf, n) == -1)
				goto failed;
	}
	if ((m->copy && ferror(m->copy)) || (m->len > m->off &&
	    put(ctx, m->buf + m->off, m->len - m->off) == -1))
		goto failed;
	m->off = m->len;
	while (!m->eof) {
		while ((n = read(m->fd, buf, sizeof(buf))) < 0 && errno == EINTR)
			;
		if (n < 0 || (n > 0 && put(ctx, buf, n) == -1))
			goto failed;
		m->eof = n == 0;
	}
	return 0;
failed:
	snprintf(why, wl, "copying the message: %s", strerror(errno));
	return -1;
}

void
msg_free(struct message *m)
{
	if (m->copy)
		fclose(m->copy);
	free(m->buf);
	free(m->fields);
	buf_free(&m->hdr);
	buf_free(&m->out);
}
