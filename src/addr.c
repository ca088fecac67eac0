/*
 * addr.c: RFC 5322 address lists (with the obsolete syntax of section 4.4
 * and the UTF-8 of RFC 6532), reduced to the addr-specs SMTP needs.
 *
 * A small lexer skips CFWS and yields atoms, quoted strings, domain
 * literals and single specials; the parser above it keeps one token of
 * lookahead and backtracks once per list element to tell a display name
 * from a local part.
 */

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "addr.h"
#include "util.h"

enum { T_END, T_ATOM, T_QSTR, T_DLIT, T_CHAR };

struct tok {
	int type;
	unsigned char c;	/* the special, for T_CHAR */
	size_t start, end;	/* where it was written */
};

struct parser {
	const char *s;
	size_t len;
	size_t pos;		/* just after tok */
	size_t prev;		/* end of the token consumed before tok */
	struct tok tok;		/* the lookahead */
	const char *err;
	struct addrlist *list;
};

static int
isatext(unsigned char c)
{
	/* RFC 6532: any non-ASCII byte counts as atext. */
	return c >= 0x80 || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || (c && strchr("!#$%&'*+-/=?^_`{|}~", c));
}

static int
isctl(unsigned char c)
{
	return (c < 0x20 && c != '\t') || c == 0x7f;
}

static int
iswsp(char c)
{
	return c == ' ' || c == '\t';
}

static int
fail(struct parser *p, const char *err)
{
	p->err = err;
	return -1;
}

/* Length of the line break of a fold at i, 0 if there is none. */
static size_t
fold(const struct parser *p, size_t i)
{
	if (p->s[i] == '\r' && i + 2 < p->len && p->s[i + 1] == '\n' &&
	    iswsp(p->s[i + 2]))
		return 2;
	if (p->s[i] == '\n' && i + 1 < p->len && iswsp(p->s[i + 1]))
		return 1;
	return 0;
}

/*
 * Step over one byte, fold or (if pairs) quoted-pair. A line break that
 * does not fold could end the header or the SMTP command; refuse it.
 */
static int
step(struct parser *p, int pairs)
{
	unsigned char c = p->s[p->pos];
	size_t n;

	if (c == '\r' || c == '\n') {
		if (!(n = fold(p, p->pos)))
			return fail(p, "line break not followed by whitespace");
		p->pos += n;
		return 0;
	}
	if (isctl(c))
		return fail(p, "control character in address");
	if (c == '\\' && pairs) {
		if (p->pos + 1 >= p->len)
			return fail(p, "trailing backslash");
		if (isctl(p->s[p->pos + 1]))
			return fail(p, "control character in address");
		p->pos++;
	}
	p->pos++;
	return 0;
}

/* Comments nest, so count instead of recursing. */
static int
comment(struct parser *p)
{
	int depth = 0;

	do {
		if (p->pos >= p->len)
			return fail(p, "unterminated comment");
		if (p->s[p->pos] == '(')
			depth++;
		else if (p->s[p->pos] == ')')
			depth--;
		if (step(p, 1) == -1)
			return -1;
	} while (depth > 0);
	return 0;
}

static int
skip_cfws(struct parser *p)
{
	while (p->pos < p->len) {
		char c = p->s[p->pos];

		if (c == '(') {
			if (comment(p) == -1)
				return -1;
		} else if (iswsp(c) || c == '\r' || c == '\n') {
			if (step(p, 0) == -1)
				return -1;
		} else {
			break;
		}
	}
	return 0;
}

static int
quoted(struct parser *p)
{
	for (p->pos++; ; ) {
		if (p->pos >= p->len)
			return fail(p, "unterminated quoted string");
		if (p->s[p->pos] == '"')
			break;
		if (step(p, 1) == -1)
			return -1;
	}
	p->pos++;
	return 0;
}

/* Quoted-pairs in domain literals are obsolete and could hide ']'. */
static int
literal(struct parser *p)
{
	for (p->pos++; ; ) {
		if (p->pos >= p->len)
			return fail(p, "unterminated domain literal");
		if (p->s[p->pos] == ']')
			break;
		if (p->s[p->pos] == '[' || p->s[p->pos] == '\\')
			return fail(p, "invalid character in domain literal");
		if (step(p, 0) == -1)
			return -1;
	}
	p->pos++;
	return 0;
}

/* Make the next token the lookahead. */
static int
next(struct parser *p)
{
	struct tok *t = &p->tok;
	unsigned char c;

	p->prev = t->end;
	if (skip_cfws(p) == -1)
		return -1;
	t->start = p->pos;
	t->type = T_END;
	if (p->pos < p->len) {
		c = p->s[p->pos];
		if (isatext(c)) {
			while (p->pos < p->len && isatext(p->s[p->pos]))
				p->pos++;
			t->type = T_ATOM;
		} else if (c == '"') {
			if (quoted(p) == -1)
				return -1;
			t->type = T_QSTR;
		} else if (c == '[') {
			if (literal(p) == -1)
				return -1;
			t->type = T_DLIT;
		} else if (isctl(c)) {
			return fail(p, "control character in address");
		} else if (strchr(".<>:;@,", c)) {
			p->pos++;
			t->type = T_CHAR;
			t->c = c;
		} else if (c == ')') {
			return fail(p, "unbalanced parentheses");
		} else if (c == '\\' && p->pos + 1 == p->len) {
			return fail(p, "trailing backslash");
		} else if (c == '\\') {
			return fail(p, "unexpected character '\\'");
		} else {
			return fail(p, "unexpected character ']'");
		}
	}
	t->end = p->pos;
	return 0;
}

static int
isch(const struct parser *p, int c)
{
	return p->tok.type == T_CHAR && p->tok.c == c;
}

static int
isword(const struct parser *p)
{
	return p->tok.type == T_ATOM || p->tok.type == T_QSTR;
}

static int
unexpected(struct parser *p)
{
	if (p->tok.type == T_END)
		return fail(p, "unexpected end of input");
	if (p->tok.type != T_CHAR)
		return fail(p, "missing comma between addresses");
	switch (p->tok.c) {
	case '.':	return fail(p, "unexpected character '.'");
	case '<':	return fail(p, "unexpected character '<'");
	case '>':	return fail(p, "unbalanced angle brackets");
	case ':':	return fail(p, "unexpected character ':'");
	case ';':	return fail(p, "unexpected character ';'");
	case '@':	return fail(p, "unexpected character '@'");
	default:	return fail(p, "unexpected character ','");
	}
}

/* Append the meaning of the lookahead token to b, minus folds and quoting. */
static void
value(struct buf *b, const struct parser *p)
{
	const char *s = p->s;
	size_t i;

	if (!b)
		return;
	switch (p->tok.type) {
	case T_QSTR:
		for (i = p->tok.start + 1; i < p->tok.end - 1; i++) {
			if (s[i] == '\\')
				i++;
			else if (s[i] == '\r' || s[i] == '\n')
				continue;
			buf_add(b, s + i, 1);
		}
		break;
	case T_DLIT:
		for (i = p->tok.start; i < p->tok.end; i++)
			if (!iswsp(s[i]) && s[i] != '\r' && s[i] != '\n')
				buf_add(b, s + i, 1);
		break;
	default:
		buf_add(b, s + p->tok.start, p->tok.end - p->tok.start);
	}
}

static int
isdotatom(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || s[0] == '.' || s[n - 1] == '.')
		return 0;
	for (i = 0; i < n; i++)
		if (s[i] == '.' ? s[i + 1] == '.' : !isatext(s[i]))
			return 0;
	return 1;
}

/* The same local part, as a dot-atom if it is one, else quoted. */
static void
canon_local(struct buf *b, const char *s, size_t n)
{
	size_t i;

	if (isdotatom(s, n)) {
		buf_add(b, s, n);
		return;
	}
	buf_addstr(b, "\"");
	for (i = 0; i < n; i++) {
		if (s[i] == '"' || s[i] == '\\')
			buf_addstr(b, "\\");
		buf_add(b, s + i, 1);
	}
	buf_addstr(b, "\"");
}

/* domain, or a route's domain when b is NULL. */
static int
domain(struct parser *p, struct buf *b)
{
	if (p->tok.type == T_DLIT) {
		value(b, p);
		return next(p);
	}
	if (p->tok.type != T_ATOM)
		return fail(p, "missing domain after @");
	for (;;) {
		value(b, p);
		if (next(p) == -1)
			return -1;
		if (!isch(p, '.'))
			return 0;
		value(b, p);
		if (next(p) == -1)
			return -1;
		if (p->tok.type != T_ATOM)
			return fail(p, "empty label in domain");
	}
}

static void
append(struct addrlist *l, char *spec, size_t start, size_t end)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 4;
		l->v = xrealloc(l->v, l->cap * sizeof(*l->v));
	}
	l->v[l->n].spec = spec;
	l->v[l->n].start = start;
	l->v[l->n].end = end;
	l->n++;
}

/*
 * addr-spec, or a bare local name as cron writes "root". Dots are taken
 * leniently (".a", "a..b", "a."), as some mobile carriers hand out such
 * local parts; they come out quoted. Two words without a dot end it.
 */
static int
mailbox(struct parser *p)
{
	struct buf local = { 0 }, spec = { 0 };
	size_t start = p->tok.start;
	int n = 0, lastword = 0;

	for (; isword(p) || isch(p, '.'); n++) {
		if (isword(p) && lastword)
			break;
		lastword = isword(p);
		value(&local, p);
		if (next(p) == -1)
			goto fail;
	}
	if (n == 0) {
		if (isch(p, '@'))
			fail(p, "missing local part before @");
		else
			unexpected(p);
		goto fail;
	}
	canon_local(&spec, local.data, local.len);
	if (isch(p, '@')) {
		buf_addstr(&spec, "@");
		if (next(p) == -1 || domain(p, &spec) == -1)
			goto fail;
	}
	append(p->list, spec.data, start, p->prev);
	buf_free(&local);
	return 0;
fail:
	buf_free(&local);
	buf_free(&spec);
	return -1;
}

/* angle-addr; the route of obs-angle-addr is skipped. */
static int
angle(struct parser *p)
{
	if (next(p) == -1)
		return -1;
	if (isch(p, '@') || isch(p, ',')) {
		while (isch(p, '@') || isch(p, ',')) {
			int at = isch(p, '@');

			if (next(p) == -1 || (at && domain(p, NULL) == -1))
				return -1;
		}
		if (isch(p, '>'))
			return fail(p, "missing local part before @");
		if (!isch(p, ':'))
			return fail(p, "missing ':' after route");
		if (next(p) == -1)
			return -1;
	}
	if (p->tok.type == T_END)
		return fail(p, "unbalanced angle brackets");
	if (isch(p, '>'))
		return fail(p, "empty address");
	if (mailbox(p) == -1)
		return -1;
	if (isch(p, '>'))
		return next(p);
	if (p->tok.type == T_END || isch(p, ','))
		return fail(p, "unbalanced angle brackets");
	return unexpected(p);
}

static int element(struct parser *, int);

/*
 * The group's ';' may be missing at the end of the input: some mailers
 * write "undisclosed-recipients:" and nothing is lost by accepting it.
 */
static int
group(struct parser *p)
{
	if (next(p) == -1)
		return -1;
	for (;;) {
		if (p->tok.type == T_END)
			return 0;
		if (isch(p, ';'))
			return next(p);
		if (isch(p, ',')) {
			if (next(p) == -1)
				return -1;
			continue;
		}
		if (element(p, 1) == -1)
			return -1;
		if (!isch(p, ',') && !isch(p, ';') && p->tok.type != T_END)
			return unexpected(p);
	}
}

/* mailbox or group: a phrase followed by '<' or ':' is a display name. */
static int
element(struct parser *p, int ingroup)
{
	struct parser save = *p;
	int words = 0;

	while (isword(p) || isch(p, '.')) {
		words += isword(p);
		if (next(p) == -1)
			return -1;
	}
	if (isch(p, '<'))
		return angle(p);
	if (isch(p, ':') && words > 0) {
		if (ingroup)
			return fail(p, "nested group");
		return group(p);
	}
	*p = save;
	return mailbox(p);
}

int
addr_parse_list(const char *text, size_t len, struct addrlist *list,
    const char **err)
{
	struct parser p = { 0 };
	size_t n0 = list->n;

	p.s = text;
	p.len = len;
	p.list = list;
	if (next(&p) == -1)
		goto fail;
	while (p.tok.type != T_END) {
		if (isch(&p, ',')) {
			if (next(&p) == -1)
				goto fail;
			continue;
		}
		if (element(&p, 0) == -1)
			goto fail;
		if (!isch(&p, ',') && p.tok.type != T_END) {
			unexpected(&p);
			goto fail;
		}
	}
	return 0;
fail:
	/* Leave the list as it was: a half-read header delivers nothing. */
	while (list->n > n0)
		free(list->v[--list->n].spec);
	*err = p.err;
	return -1;
}

/* Length of the local part of a spec known to be canonical. */
static size_t
locallen(const char *s)
{
	size_t i;

	if (s[0] != '"')
		return strcspn(s, "@");
	for (i = 1; s[i] != '"'; i++)
		if (s[i] == '\\')
			i++;
	return i + 1;
}

/*
 * A domain literal in a command must be an address (RFC 5321 4.1.3): RFC
 * 5322 lets one hold '>' and the like, which would end the path early
 * and turn the rest into ESMTP parameters.
 */
static int
address_literal(const char *lit)
{
	const char *in = lit + 1;
	size_t n = strlen(lit);

	if (n < 3 || lit[n - 1] != ']')
		return 0;
	if (!strncasecmp(in, "IPv6:", 5))
		return n - 1 > 6 && strspn(in + 5, "0123456789abcdefABCDEF:.") ==
		    n - 7;
	return strspn(in, "0123456789.") == n - 2;
}

/*
 * A spec is usable when the parser reads it back as exactly one address
 * and writes it out unchanged: no comments, whitespace or display name
 * can then be hiding in it.
 */
const char *
addr_check(const char *spec)
{
	struct addrlist l = { 0 };
	const char *s, *err = NULL;

	if (!spec || !*spec)
		return "empty address";
	for (s = spec; *s; s++) {
		if (*s == '\r' || *s == '\n')
			return "address contains a line break";
		if (isctl(*s) || *s == '\t')
			return "address contains a control character";
	}
	if (s - spec > 254)
		return "address longer than 254 octets";
	/* even quoted, '>' would end the path early for a careless server,
	 * and what follows it would read as parameters */
	if (strpbrk(spec, "<>"))
		return "address contains '<' or '>'";
	if (addr_parse_list(spec, s - spec, &l, &err) == -1)
		;
	else if (l.n != 1)
		err = "not a single address";
	else if (strcmp(l.v[0].spec, spec) != 0)
		err = "not a plain addr-spec in canonical form";
	else if (locallen(spec) > 64)
		err = "local part longer than 64 octets";
	else if (spec[locallen(spec)] == '@' &&
	    spec[locallen(spec) + 1] == '[' &&
	    !address_literal(spec + locallen(spec) + 1))
		err = "not an IPv4 or IPv6 address literal";
	addrlist_free(&l);
	return err;
}

void
addrlist_free(struct addrlist *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->v[i].spec);
	free(l->v);
	l->v = NULL;
	l->n = l->cap = 0;
}
