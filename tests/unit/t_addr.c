/* t_addr.c: address list parsing and envelope address checks. */

#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "unit.h"

/* Expected specs (at most 4, NULL-terminated) or an expected error. */
struct pcase {
	const char *in;
	const char *want[5];
	const char *err;	/* a substring of the error; NULL: success */
};

static const struct pcase pcases[] = {
	/* simple forms */
	{ "a@example.org", { "a@example.org" }, NULL },
	{ "  a@example.org  ", { "a@example.org" }, NULL },
	{ "John Doe <jd@example.org>", { "jd@example.org" }, NULL },
	{ "<jd@example.org>", { "jd@example.org" }, NULL },
	{ "\"Doe, John\" <j@x.org>", { "j@x.org" }, NULL },
	{ "\"Doe, John\" <j@x.org>, \"A \\\" B\" <b@y.org>",
	    { "j@x.org", "b@y.org" }, NULL },
	{ "John Q. Public <jqp@example.org>", { "jqp@example.org" }, NULL },
	{ "a@x.org, b@y.org,c@z.org", { "a@x.org", "b@y.org", "c@z.org" },
	    NULL },

	/* folding */
	{ "a@x.org,\r\n b@y.org", { "a@x.org", "b@y.org" }, NULL },
	{ "a@x.org,\n\tb@y.org", { "a@x.org", "b@y.org" }, NULL },
	{ "John\r\n Doe <jd@example.org>", { "jd@example.org" }, NULL },
	{ "\"john\r\n doe\"@x.org", { "\"john doe\"@x.org" }, NULL },

	/* empty lists and elements */
	{ "", { NULL }, NULL },
	{ " \t\r\n ", { NULL }, NULL },
	{ ",,", { NULL }, NULL },
	{ ", a@x.org,, b@y.org ,", { "a@x.org", "b@y.org" }, NULL },

	/* groups */
	{ "undisclosed-recipients:;", { NULL }, NULL },
	{ "undisclosed-recipients: ;", { NULL }, NULL },
	{ "undisclosed-recipients:", { NULL }, NULL },
	{ "Team: a@x.org, \"b c\"@y.org;", { "a@x.org", "\"b c\"@y.org" },
	    NULL },
	{ "Team: a@x.org, Bob <b@y.org>;, c@z.org",
	    { "a@x.org", "b@y.org", "c@z.org" }, NULL },
	{ "Team: ,a@x.org,,;", { "a@x.org" }, NULL },
	{ "Team: a@x.org, b@y.org", { "a@x.org", "b@y.org" }, NULL },
	{ "The \"A\" Team (ours): a@x.org;", { "a@x.org" }, NULL },

	/* comments */
	{ "root (Cron Daemon)", { "root" }, NULL },
	{ "a(x)@(y)example.org", { "a@example.org" }, NULL },
	{ "(c) a@x.org (d (nested (deep)) \\) )",
	    { "a@x.org" }, NULL },
	{ "Bob (the (builder)) <b(in)@(side)x.org (c)> (after)",
	    { "b@x.org" }, NULL },
	{ "a@x.org(no space),b@y.org", { "a@x.org", "b@y.org" }, NULL },

	/* quoted local parts */
	{ "\"john doe\"@x.org", { "\"john doe\"@x.org" }, NULL },
	{ "\"john\"@x.org", { "john@x.org" }, NULL },
	{ "\"j\\\"d\\\\\"@x.org", { "\"j\\\"d\\\\\"@x.org" }, NULL },
	{ "\"\\a\\b\"@x.org", { "ab@x.org" }, NULL },
	{ "\"a..b\"@x.org", { "\"a..b\"@x.org" }, NULL },
	{ "\"a@b\"@x.org", { "\"a@b\"@x.org" }, NULL },

	/* obsolete local part and domain */
	{ "john . doe @ example.org", { "john.doe@example.org" }, NULL },
	{ "\"john\".doe@x.org", { "john.doe@x.org" }, NULL },
	{ "\"john\" . \"a b\"@x.org", { "\"john.a b\"@x.org" }, NULL },
	{ "a@ mail . example . org", { "a@mail.example.org" }, NULL },
	{ "foo..bar@docomo.ne.jp", { "\"foo..bar\"@docomo.ne.jp" }, NULL },

	/* routes, literals */
	{ "<@a.example,@b.example:user@c.example>", { "user@c.example" },
	    NULL },
	{ "Joe <@a.example:joe@c.example>", { "joe@c.example" }, NULL },
	{ "a@[192.0.2.1]", { "a@[192.0.2.1]" }, NULL },
	{ "<a@[IPv6:2001:db8::1]>", { "a@[IPv6:2001:db8::1]" }, NULL },
	{ "a@[ 192.0.2.1 ]", { "a@[192.0.2.1]" }, NULL },

	/* bare names */
	{ "root", { "root" }, NULL },
	{ "www-data", { "www-data" }, NULL },
	{ "Cron Daemon <root>", { "root" }, NULL },
	{ "root, a@x.org, www-data", { "root", "a@x.org", "www-data" },
	    NULL },

	/* UTF-8, encoded words, case */
	{ "j\xc3\xb6rg@b\xc3\xbc" "cher.example",
	    { "j\xc3\xb6rg@b\xc3\xbc" "cher.example" }, NULL },
	{ "J\xc3\xb6rg M\xc3\xbcller <jm@x.org>", { "jm@x.org" }, NULL },
	{ "=?UTF-8?B?SsO2cmc=?= <j@x.org>", { "j@x.org" }, NULL },
	{ "=?iso-8859-1?Q?J=F6rg_M=FCller?= <j@x.org>", { "j@x.org" },
	    NULL },
	{ "Mixed.Case@Example.ORG", { "Mixed.Case@Example.ORG" }, NULL },

	/* errors */
	{ "\"abc@x.org", { NULL }, "unterminated quoted string" },
	{ "a@x.org (abc", { NULL }, "unterminated comment" },
	{ "a@x.org (a (b)", { NULL }, "unterminated comment" },
	{ "a@[192.0.2.1", { NULL }, "unterminated domain literal" },
	{ "<a@x.org", { NULL }, "unbalanced angle brackets" },
	{ "Bob <a@x.org, c@y.org>", { NULL }, "unbalanced angle brackets" },
	{ "a@x.org>", { NULL }, "unbalanced angle brackets" },
	{ "<>", { NULL }, "empty address" },
	{ "a@", { NULL }, "missing domain after @" },
	{ "a@, b@y.org", { NULL }, "missing domain after @" },
	{ "@example.org", { NULL }, "missing local part" },
	{ "<@example.org>", { NULL }, "missing local part" },
	{ "a@x.", { NULL }, "empty label" },
	{ "a@x..org", { NULL }, "empty label" },
	{ "\"abc\\", { NULL }, "trailing backslash" },
	{ "abc\\", { NULL }, "trailing backslash" },
	{ "a\\b@x.org", { NULL }, "unexpected character '\\'" },
	{ "a@x.org b@y.org", { NULL }, "missing comma" },
	{ "John Doe", { NULL }, "missing comma" },
	{ "a@x.org <b@y.org>", { NULL }, "unexpected character '<'" },
	{ "<<a@x.org>>", { NULL }, "unexpected character '<'" },
	{ "A: B: c@x.org;;", { NULL }, "nested group" },
	{ "A: a@x.org, B:;", { NULL }, "nested group" },
	{ "a@x.org)", { NULL }, "unbalanced parentheses" },
	{ "a@x.org;", { NULL }, "unexpected character ';'" },
	{ "a@x.org\r\nb@y.org", { NULL }, "line break" },
	{ "a@x.org\r\n", { NULL }, "line break" },
	{ "a@x.org\r b@y.org", { NULL }, "line break" },
	{ "a\x01@x.org", { NULL }, "control character" },
	{ "\"a\x7f\"@x.org", { NULL }, "control character" },
	{ "a@x.org (\x1b[2J)", { NULL }, "control character" },
	{ "a@[1.2\\.3]", { NULL }, "invalid character in domain literal" },
	{ "Bob <@a.example user@x.org>", { NULL }, "after route" },
};

static int
listeq(const struct addrlist *l, const char *const *want)
{
	size_t i;

	for (i = 0; want[i]; i++)
		if (i >= l->n || strcmp(l->v[i].spec, want[i]) != 0)
			return 0;
	return i == l->n;
}

static void
show(char *out, size_t size, const struct addrlist *l)
{
	size_t i, o = 0;

	out[0] = '\0';
	for (i = 0; i < l->n && o < size; i++)
		o += snprintf(out + o, size - o, "%s[%s]", i ? " " : "",
		    l->v[i].spec);
}

static void
test_parse(void)
{
	size_t i;

	for (i = 0; i < sizeof(pcases) / sizeof(pcases[0]); i++) {
		const struct pcase *c = &pcases[i];
		struct addrlist l = { 0 };
		const char *err = NULL;
		char got[512];
		int r;

		r = addr_parse_list(c->in, strlen(c->in), &l, &err);
		show(got, sizeof(got), &l);
		if (c->err)
			CHECK(r == -1 && err && strstr(err, c->err),
			    "parse #%zu fails with \"%s\" (got %d \"%s\")",
			    i, c->err, r, r ? err : got);
		else
			CHECK(r == 0 && listeq(&l, c->want),
			    "parse #%zu: %s (got %d %s)", i, c->want[0] ?
			    c->want[0] : "nothing", r, r ? err : got);
		addrlist_free(&l);
	}
}

/* Where the idx-th addr-spec was written, as text. */
struct scase {
	const char *in;
	size_t idx;
	const char *span;
};

static const struct scase scases[] = {
	{ "root", 0, "root" },
	{ "root (Cron Daemon)", 0, "root" },
	{ "Cron Daemon <root>", 0, "root" },
	{ "  a@x.org  ", 0, "a@x.org" },
	{ "(c) a(x)@(y)example.org (z)", 0, "a(x)@(y)example.org" },
	{ "john . doe @ example.org , b", 1, "b" },
	{ "<@a.example,@b.example:user@c.example>", 0, "user@c.example" },
	{ "Bob < b@x.org >", 0, "b@x.org" },
	{ "\"Doe, John\" <\"j d\"@x.org>", 0, "\"j d\"@x.org" },
	{ "Team: root, www-data (w);", 1, "www-data" },
	{ "a@x.org,\r\n root", 1, "root" },
	{ "a@[192.0.2.1] (lit)", 0, "a@[192.0.2.1]" },
};

static void
test_spans(void)
{
	size_t i;

	for (i = 0; i < sizeof(scases) / sizeof(scases[0]); i++) {
		const struct scase *c = &scases[i];
		struct addrlist l = { 0 };
		const char *err = NULL;
		int ok;

		ok = addr_parse_list(c->in, strlen(c->in), &l, &err) == 0 &&
		    c->idx < l.n && l.v[c->idx].end >= l.v[c->idx].start &&
		    l.v[c->idx].end - l.v[c->idx].start == strlen(c->span) &&
		    memcmp(c->in + l.v[c->idx].start, c->span,
		    strlen(c->span)) == 0;
		CHECK(ok, "span #%zu: \"%s\"", i, c->span);
		addrlist_free(&l);
	}
}

static void
test_odd(void)
{
	struct addrlist l = { 0 };
	const char *err = NULL;
	int r;

	/* A NUL inside the given length is a control character. */
	r = addr_parse_list("a\0b@x.org", 9, &l, &err);
	CHECK(r == -1 && strstr(err, "control"), "NUL inside the input");
	addrlist_free(&l);

	/* The length bounds the input; what follows is not read. */
	r = addr_parse_list("a@x.org, junk<", 7, &l, &err);
	CHECK(r == 0 && l.n == 1 && strcmp(l.v[0].spec, "a@x.org") == 0,
	    "length bounds the input");
	addrlist_free(&l);

	/* On error the list is left as it was before the call. */
	addr_parse_list("z@x.org", 7, &l, &err);
	r = addr_parse_list("a@x.org, b@y.org, <c", 20, &l, &err);
	CHECK(r == -1 && l.n == 1 && strcmp(l.v[0].spec, "z@x.org") == 0,
	    "list unchanged on error");
	addrlist_free(&l);
	CHECK(l.v == NULL && l.n == 0, "addrlist_free resets the list");

	/* Appending to a list that already holds addresses. */
	addr_parse_list("a@x.org", 7, &l, &err);
	r = addr_parse_list("b@y.org, c@z.org", 16, &l, &err);
	CHECK(r == 0 && l.n == 3 && strcmp(l.v[2].spec, "c@z.org") == 0,
	    "parsing appends to the list");
	addrlist_free(&l);
}

struct ccase {
	const char *spec;
	const char *err;	/* substring of the reason; NULL: usable */
};

static const struct ccase ccases[] = {
	{ "a@example.org", NULL },
	{ "root", NULL },
	{ "first.last+tag@sub.example.org", NULL },
	/* a literal is an address: '>' in one would end the path early */
	{ "a@[192.0.2.1]", NULL },
	{ "a@[IPv6:2001:db8::1]", NULL },
	{ "a@[1>x]", "'<' or '>'" },
	{ "a@[1>NOTIFY=NEVER]", "'<' or '>'" },
	{ "a@[1.2.3.4.example]", "address literal" },
	{ "a@[example.org]", "address literal" },
	{ "a@[IPv6:]", "address literal" },
	{ "\"a@[x]\"@example.org", NULL },
	{ "\"a>b NOTIFY=NEVER\"@example.org", "'<' or '>'" },
	{ "\"a<b\"", "'<' or '>'" },
	{ "\"john doe\"@x.org", NULL },
	{ "\"j\\\"d\"@x.org", NULL },
	{ "a@[192.0.2.1]", NULL },
	{ "a@[IPv6:2001:db8::1]", NULL },
	{ "j\xc3\xb6rg@b\xc3\xbc" "cher.example", NULL },
	{ "", "empty" },
	{ "a@x.org\r\nRCPT TO:<evil@x.org>", "line break" },
	{ "a@x.org\n", "line break" },
	{ "a\tb@x.org", "control" },
	{ "a\x1b@x.org", "control" },
	{ "a b@x.org", "" },
	{ "a@x.org>", "" },
	{ "<a@x.org>", "" },
	{ "a,b@x.org", "" },
	{ "a(c)@x.org", "" },
	{ "a@b@x.org", "" },
	{ "Bob <a@x.org>", "" },
	{ "\"john\"@x.org", "canonical" },
	{ "a@", "domain" },
	{ "@x.org", "local part" },
	{ "a@x..org", "" },
};

static void
test_check(void)
{
	char big[300], *p;
	const char *why;
	size_t i;

	CHECK(addr_check(NULL) != NULL, "check: NULL refused");
	for (i = 0; i < sizeof(ccases) / sizeof(ccases[0]); i++) {
		const struct ccase *c = &ccases[i];
		why = addr_check(c->spec);
		if (c->err)
			CHECK(why && strstr(why, c->err),
			    "check #%zu refused (%s)", i, why ? why : "NULL");
		else
			CHECK(why == NULL, "check #%zu usable (%s)", i,
			    why ? why : "ok");
	}

	/* 64 octets of local part pass, 65 do not. */
	memset(big, 'l', 65);
	strcpy(big + 64, "@x.org");
	CHECK(addr_check(big) == NULL, "check: 64-octet local part");
	memset(big, 'l', 65);
	strcpy(big + 65, "@x.org");
	CHECK((why = addr_check(big)) && strstr(why, "64"),
	    "check: 65-octet local part refused");
	memset(big, '"', 1);
	memset(big + 1, ' ', 63);
	strcpy(big + 64, "\"@x.org");
	CHECK((why = addr_check(big)) && strstr(why, "64"),
	    "check: 65-octet quoted local part refused");

	/* 254 octets of address pass, 255 do not. */
	strcpy(big, "a@");
	for (p = big + 2; p - big < 254; p++)
		*p = (p - big) % 60 == 0 ? '.' : 'd';
	*p = '\0';
	CHECK(strlen(big) == 254 && addr_check(big) == NULL,
	    "check: 254-octet address");
	strcpy(p, "d");
	CHECK((why = addr_check(big)) && strstr(why, "254"),
	    "check: 255-octet address refused");
}

int
main(void)
{
	unit_suite = "addr";
	test_parse();
	test_spans();
	test_odd();
	test_check();
	UNIT_EXIT();
}
