/*
 * qenv.c: ID.env, the envelope and state of a queue entry, as text, and
 * the retry policy. The file is lines ended by LF, each "KEY SP VALUE",
 * in exactly this order (VALUE may be empty; the SP is always there):
 *
 *	smtpsend-queue 1
 *	id 20261201T082100-0123456789abcdef
 *	arrival 1796113260		unix time, decimal
 *	account work			config section, may be empty
 *	sender alice@example.com	empty for the null sender
 *	ret FULL			only with a RET: FULL or HDRS
 *	envid QQ314159			ENVID as xtext, empty if none
 *	body 8				0 (no BODY=), 7 or 8
 *	smtputf8 0			0 or 1
 *	size 1234			octets of ID.msg
 *	sha256 9f86...			of ID.msg, 64 lower-case hex digits
 *	attempts 0
 *	next-try 1796113260
 *	last-error 421%20try%20later
 *	rcpt pending bob@example.net SUCCESS,FAILURE
 *	reply 				its last reply, one line after each rcpt
 *	rcpt sent carol@example.org	pending, sent or failed; NOTIFY optional
 *	reply 250%202.1.5%20Ok
 *	end 5e88...			SHA-256 of every octet before this line
 *
 * A value is escaped: an octet outside '!' to '~', and '%', is %XX with
 * upper-case hex; nothing else is. So no CR, LF, NUL or blank is ever in
 * a value, and there is one way to write each entry. Numbers are decimal
 * without leading zeros. The reader accepts exactly what the writer
 * writes and nothing else: bounded lines, recipients and size; addresses
 * and account names without control characters; NOTIFY as RFC 3461 words;
 * the ENVID as xtext; a checksum over the whole file; at least one
 * recipient. Anything else is a corrupt entry.
 */

#include <sys/stat.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <gnutls/gnutls.h>
#include <gnutls/crypto.h>

#include "queue.h"

#define MAGIC		"smtpsend-queue "
#define VERSION_1	"1"
#define END_LEN		(4 + 64 + 1)	/* "end " HEX LF */
#define NUM_MAX		9223372036854775807ULL

static const char hex[] = "0123456789ABCDEF";
static const char lhex[] = "0123456789abcdef";
static const char *const states[] = { "pending", "sent", "failed" };

static void __attribute__((format(printf, 3, 4)))
fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

int
queue_id_valid(const char *id)
{
	static const char shape[] = "ddddddddTdddddd-";
	size_t i;

	for (i = 0; i < sizeof(shape) - 1; i++)
		if (shape[i] == 'd' ? id[i] < '0' || id[i] > '9' :
		    id[i] != shape[i])
			return 0;
	for (; i < QUEUE_ID_LEN; i++)
		if (!id[i] || !strchr(lhex, id[i]))
			return 0;
	return id[i] == '\0';
}

static int
is_hex64(const char *s, size_t n)
{
	if (n != 64)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!s[i] || !strchr(lhex, s[i]))
			return 0;
	return 1;
}

static void
hex_digest(const unsigned char d[32], char out[65])
{
	for (int i = 0; i < 32; i++) {
		out[2 * i] = lhex[d[i] >> 4];
		out[2 * i + 1] = lhex[d[i] & 15];
	}
	out[64] = '\0';
}

static void
sha256_hex(const void *p, size_t n, char out[65])
{
	unsigned char d[32];

	gnutls_hash_fast(GNUTLS_DIG_SHA256, p, n, d);
	hex_digest(d, out);
}

/* An address or account name: no control characters, within max. */
static int
name_ok(const char *s, size_t max, int empty_ok)
{
	size_t n = strlen(s);

	if (n > max || (!n && !empty_ok))
		return 0;
	for (const unsigned char *p = (const void *)s; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			return 0;
	return 1;
}

/* NEVER, or SUCCESS, FAILURE, DELAY each at most once, as -N writes them. */
static int
notify_ok(const char *s)
{
	static const char *const words[] = { "SUCCESS", "FAILURE", "DELAY" };
	unsigned seen = 0;

	if (!strcmp(s, "NEVER"))
		return 1;
	for (;;) {
		size_t n = strcspn(s, ","), i;

		for (i = 0; i < 3; i++)
			if (strlen(words[i]) == n && !strncmp(s, words[i], n))
				break;
		if (i == 3 || seen & (1u << i))
			return 0;
		seen |= 1u << i;
		if (!s[n])
			return 1;
		s += n + 1;
	}
}

/* RFC 3461 xtext: '!' to '~' but '+' and '=', or '+' and two HEX. */
static int
xtext_ok(const char *s)
{
	if (strlen(s) > QUEUE_ENVID_MAX)
		return 0;
	for (; *s; s++) {
		if (*s == '+') {
			if (!s[1] || !strchr(hex, s[1]) || !s[2] ||
			    !strchr(hex, s[2]))
				return 0;
			s += 2;
		} else if (*s < '!' || *s > '~' || *s == '=') {
			return 0;
		}
	}
	return 1;
}

static const char *
str(const char *s)
{
	return s ? s : "";
}

/* The output, growing; on failure it stops growing and says why. */
struct out {
	char *p;
	size_t len, cap;
	int err;
};

static void
put(struct out *o, const void *s, size_t n)
{
	if (o->err)
		return;
	if (n > QUEUE_ENV_MAX - o->len) {
		o->err = EFBIG;
		return;
	}
	if (o->len + n > o->cap) {
		size_t cap = o->cap ? o->cap : 1024;
		char *p;

		while (cap < o->len + n)
			cap *= 2;
		if (!(p = realloc(o->p, cap))) {
			o->err = ENOMEM;
			return;
		}
		o->p = p;
		o->cap = cap;
	}
	memcpy(o->p + o->len, s, n);
	o->len += n;
}

static void
put_escaped(struct out *o, const char *s, size_t max)
{
	char esc[3] = { '%' };
	size_t i, run;

	for (i = 0; i < max && s[i]; i += run) {
		const unsigned char c = s[i];

		if (c > ' ' && c < 0x7f && c != '%') {
			for (run = 1; i + run < max && s[i + run] > ' ' &&
			    s[i + run] < 0x7f && s[i + run] != '%'; run++)
				;
			put(o, s + i, run);
		} else {
			esc[1] = hex[c >> 4];
			esc[2] = hex[c & 15];
			put(o, esc, 3);
			run = 1;
		}
	}
}

/* One line: key, SP, the escaped value (cut at max octets), LF. */
static void
put_field(struct out *o, const char *key, const char *value, size_t max)
{
	size_t start = o->len;

	put(o, key, strlen(key));
	put(o, " ", 1);
	put_escaped(o, str(value), max);
	put(o, "\n", 1);
	if (!o->err && o->len - start > QUEUE_LINE_MAX)
		o->err = E2BIG;
}

static void
put_number(struct out *o, const char *key, unsigned long long v)
{
	char num[24];

	snprintf(num, sizeof(num), "%llu", v);
	put_field(o, key, num, sizeof(num));
}

static int
check(const struct qentry *e, char *err, size_t errlen)
{
	if (!queue_id_valid(e->id))
		fail(err, errlen, "not a queue id");
	else if (e->arrival < 0 || e->next_try < 0 || e->size > NUM_MAX)
		fail(err, errlen, "a time or size out of range");
	else if (!name_ok(str(e->account), QUEUE_ACCOUNT_MAX, 1))
		fail(err, errlen, "bad account name");
	else if (!name_ok(str(e->sender), QUEUE_ADDR_MAX, 1))
		fail(err, errlen, "bad sender address");
	else if (e->ret != QRET_NONE && e->ret != QRET_FULL &&
	    e->ret != QRET_HDRS)
		fail(err, errlen, "bad RET");
	else if (!xtext_ok(str(e->envid)))
		fail(err, errlen, "ENVID is not xtext");
	else if (e->body != 0 && e->body != 7 && e->body != 8)
		fail(err, errlen, "bad BODY");
	else if (e->smtputf8 != 0 && e->smtputf8 != 1)
		fail(err, errlen, "bad SMTPUTF8 flag");
	else if (!is_hex64(e->sha256, strlen(e->sha256)))
		fail(err, errlen, "bad message checksum");
	else if (e->nrcpt == 0 || e->nrcpt > QUEUE_RCPT_MAX)
		fail(err, errlen, "%zu recipients", e->nrcpt);
	else
		goto rcpts;
	return -1;
rcpts:
	for (size_t i = 0; i < e->nrcpt; i++) {
		const struct qrcpt *r = &e->rcpt[i];

		if (r->state != QRCPT_PENDING && r->state != QRCPT_SENT &&
		    r->state != QRCPT_FAILED)
			fail(err, errlen, "recipient %zu: bad state", i + 1);
		else if (!name_ok(str(r->addr), QUEUE_ADDR_MAX, 0))
			fail(err, errlen, "recipient %zu: bad address", i + 1);
		else if (r->notify && *r->notify && !notify_ok(r->notify))
			fail(err, errlen, "recipient %zu: bad NOTIFY", i + 1);
		else
			continue;
		return -1;
	}
	return 0;
}

int
qentry_format(const struct qentry *e, char **out, size_t *outlen, char *err,
    size_t errlen)
{
	static const char *const rets[] = { NULL, "FULL", "HDRS" };
	struct out o = { 0 };
	char body[2] = { (char)('0' + e->body), '\0' }, sum[65];

	*out = NULL;
	*outlen = 0;
	if (check(e, err, errlen) == -1) {
		errno = EINVAL;
		return -1;
	}
	put_field(&o, "smtpsend-queue", VERSION_1, 1);
	put_field(&o, "id", e->id, QUEUE_ID_LEN);
	put_number(&o, "arrival", e->arrival);
	put_field(&o, "account", e->account, QUEUE_ACCOUNT_MAX);
	put_field(&o, "sender", e->sender, QUEUE_ADDR_MAX);
	if (e->ret != QRET_NONE)
		put_field(&o, "ret", rets[e->ret], 4);
	put_field(&o, "envid", e->envid, QUEUE_ENVID_MAX);
	put_field(&o, "body", body, 1);
	put_field(&o, "smtputf8", e->smtputf8 ? "1" : "0", 1);
	put_number(&o, "size", e->size);
	put_field(&o, "sha256", e->sha256, 64);
	put_number(&o, "attempts", e->attempts);
	put_number(&o, "next-try", e->next_try);
	put_field(&o, "last-error", e->last_error, QUEUE_TEXT_MAX);
	for (size_t i = 0; i < e->nrcpt; i++) {
		const struct qrcpt *r = &e->rcpt[i];

		put(&o, "rcpt ", 5);
		put(&o, states[r->state], strlen(states[r->state]));
		put(&o, " ", 1);
		put_escaped(&o, r->addr, QUEUE_ADDR_MAX);
		if (r->notify && *r->notify) {
			put(&o, " ", 1);
			put(&o, r->notify, strlen(r->notify));
		}
		put(&o, "\n", 1);
		put_field(&o, "reply", r->reply, QUEUE_TEXT_MAX);
	}
	if (!o.err && o.len > QUEUE_ENV_MAX - END_LEN)
		o.err = EFBIG;
	if (!o.err) {
		sha256_hex(o.p, o.len, sum);
		put_field(&o, "end", sum, 64);
	}
	if (o.err) {
		free(o.p);
		fail(err, errlen, "the envelope does not fit in a queue file");
		errno = o.err;
		return -1;
	}
	*out = o.p;
	*outlen = o.len;
	return 0;
}

/* The input, line by line. */
struct in {
	const char *p, *end;
	const char *line, *value;	/* the current line, after its key */
	size_t len, vlen;
	unsigned n;
};

/* The next line, split at its first SP: 1, or 0 at the end. */
static int
next(struct in *in, const char **why)
{
	const char *lf, *sp;

	if (in->p == in->end)
		return 0;
	lf = memchr(in->p, '\n', in->end - in->p);
	in->n++;
	if (!lf || lf - in->p >= QUEUE_LINE_MAX) {
		*why = "line too long";
		return -1;
	}
	in->line = in->p;
	in->len = lf - in->p;
	in->p = lf + 1;
	if (!(sp = memchr(in->line, ' ', in->len))) {
		*why = "no value";
		return -1;
	}
	in->value = sp + 1;
	in->vlen = in->line + in->len - in->value;
	in->len = sp - in->line;
	return 1;
}

static int
is_key(const struct in *in, const char *key)
{
	return in->len == strlen(key) && !memcmp(in->line, key, in->len);
}

static int
hexval(char c)
{
	const char *p = c ? strchr(hex, c) : NULL;

	return p ? (int)(p - hex) : -1;
}

/* Undoes put_escaped, accepting only its output: a malloc'd string. */
static char *
unescape(const char *s, size_t n, size_t max, const char **why)
{
	char *out = malloc(n + 1);
	size_t i, o = 0;
	int hi, lo;

	if (!out) {
		*why = "out of memory";
		return NULL;
	}
	for (i = 0; i < n; i++) {
		unsigned char c = s[i];

		if (c == '%') {
			if (n - i < 3 || (hi = hexval(s[i + 1])) < 0 ||
			    (lo = hexval(s[i + 2])) < 0)
				goto bad;
			c = hi << 4 | lo;
			if (c == 0 || (c > ' ' && c < 0x7f && c != '%'))
				goto bad;
			i += 2;
		} else if (c <= ' ' || c >= 0x7f) {
			goto bad;
		}
		out[o++] = c;
	}
	out[o] = '\0';
	if (o <= max)
		return out;
	*why = "value too long";
	free(out);
	return NULL;
bad:
	*why = "bad escape";
	free(out);
	return NULL;
}

static int
number(const char *s, size_t n, unsigned long long max,
    unsigned long long *v)
{
	if (n == 0 || n > 19 || (n > 1 && s[0] == '0'))
		return -1;
	for (*v = 0; n--; s++) {
		if (*s < '0' || *s > '9' || *v > max / 10 ||
		    *v * 10 + (unsigned)(*s - '0') > max)
			return -1;
		*v = *v * 10 + (unsigned)(*s - '0');
	}
	return 0;
}

/* The value of the next line, which must have this key, as a string. */
static char *
field(struct in *in, const char *key, size_t max, const char **why)
{
	int r = next(in, why);

	if (r == 0)
		*why = "ends early";
	if (r != 1)
		return NULL;
	if (!is_key(in, key)) {
		*why = "unexpected key";
		return NULL;
	}
	return unescape(in->value, in->vlen, max, why);
}

static int
num_field(struct in *in, const char *key, unsigned long long max,
    unsigned long long *v, const char **why)
{
	char *s = field(in, key, 19, why);
	int r = -1;

	if (s && (r = number(s, strlen(s), max, v)) == -1)
		*why = "bad number";
	free(s);
	return r;
}

/* "rcpt STATE ADDR [NOTIFY]" then "reply TEXT". */
static int
recipient(struct in *in, struct qrcpt *r, const char **why)
{
	const char *v = in->value, *end = v + in->vlen, *a, *sp;
	size_t i;

	for (i = 0; i < 3; i++) {
		size_t n = strlen(states[i]);

		if ((size_t)(end - v) > n && !memcmp(v, states[i], n) &&
		    v[n] == ' ')
			break;
	}
	if (i == 3) {
		*why = "bad recipient state";
		return -1;
	}
	r->state = (enum qstate)i;
	a = v + strlen(states[i]) + 1;
	sp = memchr(a, ' ', end - a);
	if (!(r->addr = unescape(a, (sp ? sp : end) - a, QUEUE_ADDR_MAX, why)))
		return -1;
	if (!name_ok(r->addr, QUEUE_ADDR_MAX, 0)) {
		*why = "bad recipient address";
		return -1;
	}
	if (sp) {
		if (!(r->notify = unescape(sp + 1, end - sp - 1, 24, why)))
			return -1;
		if (!notify_ok(r->notify)) {
			*why = "bad NOTIFY";
			return -1;
		}
	}
	if (!(r->reply = field(in, "reply", QUEUE_TEXT_MAX, why)))
		return -1;
	return 0;
}

static int
parse(struct in *in, struct qentry *e, const char **why)
{
	unsigned long long v;
	char *s;
	int r;

	if ((r = next(in, why)) != 1 || !is_key(in, "smtpsend-queue")) {
		if (r != -1)
			*why = "not a queue file";
		return -1;
	}
	if (in->vlen != 1 || memcmp(in->value, VERSION_1, 1)) {
		*why = "unsupported version";
		return -1;
	}
	if (!(s = field(in, "id", QUEUE_ID_LEN, why)))
		return -1;
	r = queue_id_valid(s);
	if (r)
		memcpy(e->id, s, QUEUE_ID_LEN + 1);
	free(s);
	if (!r) {
		*why = "bad id";
		return -1;
	}
	if (num_field(in, "arrival", NUM_MAX, &v, why))
		return -1;
	e->arrival = (long long)v;
	if (!(e->account = field(in, "account", QUEUE_ACCOUNT_MAX, why)) ||
	    !(e->sender = field(in, "sender", QUEUE_ADDR_MAX, why)))
		return -1;
	if (!name_ok(e->account, QUEUE_ACCOUNT_MAX, 1) ||
	    !name_ok(e->sender, QUEUE_ADDR_MAX, 1)) {
		*why = "control character in a name";
		return -1;
	}
	if ((r = next(in, why)) != 1) {
		if (r == 0)
			*why = "ends early";
		return -1;
	}
	if (is_key(in, "ret")) {
		if (in->vlen == 4 && !memcmp(in->value, "FULL", 4))
			e->ret = QRET_FULL;
		else if (in->vlen == 4 && !memcmp(in->value, "HDRS", 4))
			e->ret = QRET_HDRS;
		else {
			*why = "bad RET";
			return -1;
		}
		if ((r = next(in, why)) != 1) {
			if (r == 0)
				*why = "ends early";
			return -1;
		}
	}
	if (!is_key(in, "envid")) {
		*why = "unexpected key";
		return -1;
	}
	if (!(e->envid = unescape(in->value, in->vlen, QUEUE_ENVID_MAX, why)))
		return -1;
	if (!xtext_ok(e->envid)) {
		*why = "ENVID is not xtext";
		return -1;
	}
	if (num_field(in, "body", 8, &v, why))
		return -1;
	if (v != 0 && v != 7 && v != 8) {
		*why = "bad BODY";
		return -1;
	}
	e->body = (int)v;
	if (num_field(in, "smtputf8", 1, &v, why))
		return -1;
	e->smtputf8 = (int)v;
	if (num_field(in, "size", NUM_MAX, &e->size, why))
		return -1;
	if (!(s = field(in, "sha256", 64, why)))
		return -1;
	r = is_hex64(s, strlen(s));
	if (r)
		memcpy(e->sha256, s, 65);
	free(s);
	if (!r) {
		*why = "bad sha256";
		return -1;
	}
	if (num_field(in, "attempts", 4294967295ULL, &v, why))
		return -1;
	e->attempts = (unsigned)v;
	if (num_field(in, "next-try", NUM_MAX, &v, why))
		return -1;
	e->next_try = (long long)v;
	if (!(e->last_error = field(in, "last-error", QUEUE_TEXT_MAX, why)))
		return -1;
	while ((r = next(in, why)) == 1) {
		if (!is_key(in, "rcpt")) {
			*why = "unexpected key";
			return -1;
		}
		if (e->nrcpt == QUEUE_RCPT_MAX) {
			*why = "too many recipients";
			return -1;
		}
		if ((e->nrcpt & (e->nrcpt - 1)) == 0) {
			size_t cap = e->nrcpt ? 2 * e->nrcpt : 1;
			struct qrcpt *p = realloc(e->rcpt, cap * sizeof(*p));

			if (!p) {
				*why = "out of memory";
				return -1;
			}
			e->rcpt = p;
		}
		memset(&e->rcpt[e->nrcpt], 0, sizeof(*e->rcpt));
		if (recipient(in, &e->rcpt[e->nrcpt++], why) == -1)
			return -1;
	}
	if (r == 0 && e->nrcpt == 0)
		*why = "no recipients";
	return r == 0 && e->nrcpt ? 0 : -1;
}

int
qentry_parse(const char *buf, size_t len, struct qentry *e, char *err,
    size_t errlen)
{
	struct in in = { buf, buf, NULL, NULL, 0, 0, 0 };
	const char *why = NULL, *last;
	char sum[65];

	memset(e, 0, sizeof(*e));
	if (len > QUEUE_ENV_MAX || len < END_LEN || buf[len - 1] != '\n') {
		fail(err, errlen, "truncated or too large");
		return -1;
	}
	last = buf + len - END_LEN;
	if ((last > buf && last[-1] != '\n') || memcmp(last, "end ", 4) ||
	    !is_hex64(last + 4, 64)) {
		fail(err, errlen, "no end line");
		return -1;
	}
	sha256_hex(buf, last - buf, sum);
	if (memcmp(sum, last + 4, 64)) {
		fail(err, errlen, "checksum mismatch");
		return -1;
	}
	in.end = last;
	if (parse(&in, e, &why) == -1) {
		fail(err, errlen, "line %u: %s", in.n, why);
		qentry_free(e);
		return -1;
	}
	return 0;
}

/* Reads what fd holds, stopping past max: the count, or -1. */
static ssize_t
read_upto(int fd, char *buf, size_t max, off_t at, int positioned)
{
	size_t n = 0;
	ssize_t r;

	while (n < max && (r = positioned ? pread(fd, buf + n, max - n,
	    at + n) : read(fd, buf + n, max - n)) != 0) {
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1)
			return -1;
		n += r;
	}
	return n;
}

int
qentry_read(int fd, struct qentry *e, char *why, size_t whylen)
{
	struct stat st;
	ssize_t n;
	char *buf;
	int r;

	memset(e, 0, sizeof(*e));
	if (fstat(fd, &st) == -1) {
		fail(why, whylen, "%s", strerror(errno));
		return QUEUE_ERR;
	}
	if (!S_ISREG(st.st_mode) || st.st_nlink != 1 ||
	    st.st_size > QUEUE_ENV_MAX) {
		fail(why, whylen, "ID.env is not a regular file with one link "
		    "and at most %d octets", QUEUE_ENV_MAX);
		return QUEUE_CORRUPT;
	}
	if (!(buf = malloc(st.st_size + 1))) {
		fail(why, whylen, "out of memory");
		return QUEUE_ERR;
	}
	if ((n = read_upto(fd, buf, st.st_size + 1, 0, 0)) == -1) {
		fail(why, whylen, "read: %s", strerror(errno));
		free(buf);
		return QUEUE_ERR;
	}
	if (n != st.st_size)
		fail(why, whylen, "ID.env changed while read");
	r = n == st.st_size ? qentry_parse(buf, n, e, why, whylen) : -1;
	free(buf);
	return r == 0 ? QUEUE_OK : QUEUE_CORRUPT;
}

int
qentry_check_msg(const struct qentry *e, int fd, char *why, size_t whylen)
{
	enum { CHUNK = 64 * 1024 };
	unsigned char d[32];
	gnutls_hash_hd_t h;
	unsigned long long at = 0;
	char *buf, sum[65];
	struct stat st;
	ssize_t n;

	if (fstat(fd, &st) == -1) {
		fail(why, whylen, "%s", strerror(errno));
		return QUEUE_ERR;
	}
	if ((unsigned long long)st.st_size != e->size) {
		fail(why, whylen, "ID.msg has %lld octets, ID.env says %llu",
		    (long long)st.st_size, e->size);
		return QUEUE_CORRUPT;
	}
	if (!(buf = malloc(CHUNK)) ||
	    gnutls_hash_init(&h, GNUTLS_DIG_SHA256) < 0) {
		free(buf);
		fail(why, whylen, "out of memory");
		return QUEUE_ERR;
	}
	while ((n = read_upto(fd, buf, CHUNK, at, 1)) > 0) {
		gnutls_hash(h, buf, n);
		at += n;
	}
	gnutls_hash_deinit(h, d);
	free(buf);
	if (n == -1) {
		fail(why, whylen, "read: %s", strerror(errno));
		return QUEUE_ERR;
	}
	hex_digest(d, sum);
	if (at != e->size || strcmp(sum, e->sha256)) {
		fail(why, whylen, "ID.msg does not match its checksum");
		return QUEUE_CORRUPT;
	}
	return QUEUE_OK;
}

static int
same(const char *a, const char *b)
{
	return !strcmp(str(a), str(b));
}

int
qentry_equal(const struct qentry *a, const struct qentry *b)
{
	if (strcmp(a->id, b->id) || a->arrival != b->arrival ||
	    !same(a->account, b->account) || !same(a->sender, b->sender) ||
	    a->ret != b->ret || !same(a->envid, b->envid) ||
	    a->body != b->body || a->smtputf8 != b->smtputf8 ||
	    a->size != b->size || strcmp(a->sha256, b->sha256) ||
	    a->attempts != b->attempts || a->next_try != b->next_try ||
	    !same(a->last_error, b->last_error) || a->nrcpt != b->nrcpt)
		return 0;
	for (size_t i = 0; i < a->nrcpt; i++) {
		const struct qrcpt *r = &a->rcpt[i], *s = &b->rcpt[i];

		if (r->state != s->state || !same(r->addr, s->addr) ||
		    !same(r->notify, s->notify) || !same(r->reply, s->reply))
			return 0;
	}
	return 1;
}

void
qentry_free(struct qentry *e)
{
	for (size_t i = 0; i < e->nrcpt; i++) {
		free(e->rcpt[i].addr);
		free(e->rcpt[i].notify);
		free(e->rcpt[i].reply);
	}
	free(e->rcpt);
	free(e->account);
	free(e->sender);
	free(e->envid);
	free(e->last_error);
	memset(e, 0, sizeof(*e));
}

/*
 * After the attempts-th failed try: base seconds, doubled with each try
 * after the first, never more than max. A clock set back to before the
 * arrival counts from the arrival.
 */
long long
queue_next_try(unsigned attempts, long long arrival, long long now,
    long long base, long long max)
{
	long long delay = base > 0 ? base : 1;

	if (now < arrival)
		now = arrival;
	if (attempts == 0)
		return now;
	for (unsigned i = 1; i < attempts && delay < max; i++)
		delay *= 2;
	return now + (delay < max ? delay : max);
}

/* A clock set back to before the arrival never expires a message. */
int
queue_expired(long long arrival, long long now, long long max_age)
{
	return now > arrival && now - arrival >= max_age;
}
