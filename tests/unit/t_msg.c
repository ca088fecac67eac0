/* t_msg.c: header checks, -t recipients, rewriting, and the message as sent. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "util.h"
#include "addr.h"
#include "msg.h"
#include "unit.h"

#define DATE0 "Date: Thu, 01 Jan 1970 00:00:00 +0000\r\n"
#define ID0 "Message-ID: <@ID@>\r\n"
#define FROM0 "From: me@example.org\r\n"

/* A regular file holding in, opened for reading, already unlinked. */
static int
input(const char *in, size_t n)
{
	char path[] = "/tmp/t_msg.XXXXXX";
	int fd = mkstemp(path);

	unlink(path);
	if (write(fd, in, n) != (ssize_t)n)
		abort();
	lseek(fd, 0, SEEK_SET);
	return fd;
}

/* Replaces the random part of a generated Message-ID with @ID@. */
static int
mask_id(struct buf *b)
{
	char *p = strstr(b->data, "Message-ID: <19700101000000."), *end;
	size_t i;

	if (!p)
		return 1;
	p += 13;
	end = strchr(p, '>');
	if (!end || end - p != 15 + 20 + 12 || memcmp(end - 12, "@example.org", 12))
		return 0;
	for (i = 15; i < 35; i++)
		if (!strchr("0123456789abcdef", p[i]))
			return 0;
	memmove(p + 4, end, strlen(end) + 1);
	memcpy(p, "@ID@", 4);
	b->len = strlen(b->data);
	return 1;
}

struct mcase {
	const char *name;
	const char *in;
	int stop_at_dot;
	const char *fullname;
	const char *out;
};

static const struct mcase cases[] = {
	{ "plain header and body", "Subject: s\nFrom: a@b\n\nbody\n", 0, NULL,
	    "Subject: s\r\nFrom: a@b\r\n" DATE0 ID0 "\r\nbody\n" },
	{ "CRLF input keeps CRLF", "Subject: s\r\nFrom: a@b\r\n\r\nbody\r\n", 0,
	    NULL, "Subject: s\r\nFrom: a@b\r\n" DATE0 ID0 "\r\nbody\r\n" },
	{ "PHP: CRLF header, LF body",
	    "To: x@y\r\nSubject: s\r\n\r\nline\nline\n\r\n", 0, NULL,
	    "To: x@y\r\nSubject: s\r\n" FROM0 DATE0 ID0 "\r\nline\nline\n\r\n" },
	{ "From, Date, Message-ID kept",
	    "From: a@b\nDate: x\nMessage-Id: <1@b>\n\nhi\n", 0, NULL,
	    "From: a@b\r\nDate: x\r\nMessage-Id: <1@b>\r\n\r\nhi\n" },
	{ "Bcc removed, folded too",
	    "To: a@b\nBcc: c@d,\n  e@f\nCC: g@h\nbcc: i@j\n\nx\n", 0, NULL,
	    "To: a@b\r\nCC: g@h\r\n" FROM0 DATE0 ID0 "\r\nx\n" },
	{ "Resent-Bcc removed", "Resent-Bcc: a@b\nResent-To: c@d\nTo: e@f\n\n",
	    0, NULL, "Resent-To: c@d\r\nTo: e@f\r\n" FROM0 DATE0 ID0 "\r\n" },
	{ "folded header kept", "Subject: a\n\tb\n c\n\nx", 0, NULL,
	    "Subject: a\r\n\tb\r\n c\r\n" FROM0 DATE0 ID0 "\r\nx" },
	{ "body only: first line not a header", "hello world\nsecond\n", 0,
	    NULL, FROM0 DATE0 ID0 "\r\nhello world\nsecond\n" },
	{ "body only: first line with a colon after a space",
	    "note this: x\n", 0, NULL, FROM0 DATE0 ID0 "\r\nnote this: x\n" },
	{ "non-header line ends the header",
	    "Subject: s\nnot a header\nmore\n", 0, NULL,
	    "Subject: s\r\n" FROM0 DATE0 ID0 "\r\nnot a header\nmore\n" },
	{ "continuation first is body", " indented\nx\n", 0, NULL,
	    FROM0 DATE0 ID0 "\r\n indented\nx\n" },
	{ "mbox From line dropped", "From me Thu Jan 1 1970\nSubject: s\n\nb\n",
	    0, NULL, "Subject: s\r\n" FROM0 DATE0 ID0 "\r\nb\n" },
	{ "empty input", "", 0, NULL, FROM0 DATE0 ID0 },
	{ "header only, no blank line", "Subject: s\n", 0, NULL,
	    "Subject: s\r\n" FROM0 DATE0 ID0 },
	{ "header only, no final newline", "Subject: s", 0, NULL,
	    "Subject: s\r\n" FROM0 DATE0 ID0 },
	{ "blank line only", "\n", 0, NULL, FROM0 DATE0 ID0 "\r\n" },
	{ "dot ends the message in the header", "Subject: s\n.\nTo: x\n", 1,
	    NULL, "Subject: s\r\n" FROM0 DATE0 ID0 },
	{ "dot is a body line with -i", "Subject: s\n.\nTo: x\n", 0, NULL,
	    "Subject: s\r\n" FROM0 DATE0 ID0 "\r\n.\nTo: x\n" },
	{ "space before colon is a field", "Subject : s\n\nb", 0, NULL,
	    "Subject : s\r\n" FROM0 DATE0 ID0 "\r\nb" },
	{ "8-bit header kept", "Subject: gr\xc3\xbc\xc3\x9f\n\nb", 0, NULL,
	    "Subject: gr\xc3\xbc\xc3\x9f\r\n" FROM0 DATE0 ID0 "\r\nb" },
	{ "-F name, atoms", "Subject: s\n\nb", 0, "Cron Daemon",
	    "Subject: s\r\nFrom: Cron Daemon <me@example.org>\r\n" DATE0 ID0
	    "\r\nb" },
	{ "-F name, specials quoted", "\nb", 0, "Doe, \"J\"",
	    "From: \"Doe, \\\"J\\\"\" <me@example.org>\r\n" DATE0 ID0 "\r\nb" },
	{ "-F name, RFC 2047", "\nb", 0, "J\xc3\xbcrgen",
	    "From: =?UTF-8?B?SsO8cmdlbg==?= <me@example.org>\r\n" DATE0 ID0
	    "\r\nb" },
};

/* Marks each address: R(addr) for recipients, S(addr) for senders. */
static char *
mark(void *ctx, const char *spec, int recipient)
{
	char *out = malloc(strlen(spec) + 4);

	(void)ctx;
	sprintf(out, "%c(%s)", recipient ? 'R' : 'S', spec);
	return out;
}

static void
rewrite(struct message *m, const char *fullname)
{
	struct rewrite rw = { .from_addr = "me@example.org",
	    .from_name = fullname, .id_domain = "example.org" };

	msg_rewrite(m, &rw);
}

static void
sent(struct message *m, struct buf *b)
{
	const char *p;
	size_t n;

	while ((n = msg_next(m, &p)) > 0)
		buf_add(b, p, n);
	if (!b->data)
		buf_add(b, "", 0);
}

static void
check_case(const struct mcase *c)
{
	struct message m;
	struct buf b = { 0 };
	int ok;

	msg_open(&m, input(c->in, strlen(c->in)), c->stop_at_dot);
	msg_read_header(&m);
	rewrite(&m, c->fullname);
	msg_estimate(&m);
	sent(&m, &b);
	ok = mask_id(&b) && !strcmp(b.data, c->out);
	CHECK(ok, "%s", c->name);
	if (!ok)
		printf("# got: %s\n", b.data);
	close(m.fd);
	msg_free(&m);
	buf_free(&b);
}

struct bytes {
	const char *p;
	size_t n;
};

static void
read_header_of(void *arg)
{
	struct bytes *b = arg;
	struct message m;

	msg_open(&m, input(b->p, b->n), 0);
	msg_read_header(&m);
}

static void
check_bad_bytes(const char *name, const char *in, size_t n, const char *why)
{
	struct bytes b = { in, n };
	char err[512];
	int st = unit_exit_status(read_header_of, &b, err, sizeof(err));

	CHECK(st == 65 && strstr(err, why), "%s: exit %d: %s", name, st,
	    strtok(err, "\n") ? err : "");
}

static void
check_bad(const char *name, const char *in, const char *why)
{
	check_bad_bytes(name, in, strlen(in), why);
}

struct rcase {
	const char *name;
	const char *in;
	const char *want;	/* space separated */
};

static const struct rcase rcases[] = {
	{ "-t To Cc Bcc", "To: a@x\nCc: b@x, c@x\nBcc: d@x\nSubject: s\n\n",
	    "a@x b@x c@x d@x" },
	{ "-t names, groups, comments",
	    "To: \"Doe, J\" <j@x>, Team: k@x, (c) l@x;\nCc: root (Cron Daemon)\n\n",
	    "j@x k@x l@x root" },
	{ "-t folded lists", "To: a@x,\n b@x,\r\n\tc@x\n\n", "a@x b@x c@x" },
	{ "-t one To line per address (logwatch)", "To: a@x\nTo: b@x\n\n",
	    "a@x b@x" },
	{ "-t Resent block wins",
	    "Resent-From: r@x\nResent-To: n@x\nResent-Bcc: m@x\nTo: old@x\n\n",
	    "n@x m@x" },
	{ "-t newest Resent block only",
	    "Resent-To: new@x\nReceived: x\nResent-To: old@x\nTo: o@x\n\n",
	    "new@x" },
	{ "-t Resent block without recipients",
	    "Resent-From: r@x\nTo: t@x\n\n", "t@x" },
	{ "-t undisclosed", "To: undisclosed-recipients:;\nBcc: z@x\n\n", "z@x" },
	{ "-t none", "Subject: s\n\n", "" },
};

static void
check_rcpts(const struct rcase *c)
{
	struct message m;
	struct addrlist l = { 0 };
	struct buf b = { 0 };
	char why[256] = "";

	msg_open(&m, input(c->in, strlen(c->in)), 0);
	msg_read_header(&m);
	msg_recipients(&m, &l, why, sizeof(why));
	buf_add(&b, "", 0);
	for (size_t i = 0; i < l.n; i++)
		buf_printf(&b, "%s%s", i ? " " : "", l.v[i].spec);
	CHECK(!strcmp(b.data, c->want), "%s: %s", c->name, b.data);
	addrlist_free(&l);
	close(m.fd);
	msg_free(&m);
	buf_free(&b);
}

static void
recipients_of(void *in)
{
	struct message m;
	struct addrlist l = { 0 };
	char why[256];

	msg_open(&m, input(in, strlen(in)), 0);
	msg_read_header(&m);
	if (msg_recipients(&m, &l, why, sizeof(why)) == -1)
		die(FAIL_DATA, "%s", why);
}

int
main(void)
{
	size_t i;
	char *big;

	unit_suite = "msg";
	setenv("TZ", "UTC", 1);
	tzset();
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		check_case(&cases[i]);
	for (i = 0; i < sizeof(rcases) / sizeof(rcases[0]); i++)
		check_rcpts(&rcases[i]);

	check_bad_bytes("NUL in a header", "Subject: a\0b\n\n", 14, "NUL");
	check_bad("bare CR in a header", "X: a\rb\n\n", "bare CR");
	check_bad("bare CR in a folded line", "X: a\n b\rc\n\n", "line 2 "
	    "contains a bare CR");
	{
		static char line[1002];
		struct message m;

		memset(line, 'a', 999);
		memcpy(line, "Subject: ", 9);
		line[999] = line[1000] = '\n';
		check_bad("999-octet header line", line, "line 1 is longer "
		    "than 998");
		line[998] = '\n';
		line[999] = '\0';
		msg_open(&m, input(line, 999), 0);
		msg_read_header(&m);
		CHECK(m.nfields == 1, "998-octet header line accepted");
		close(m.fd);
		msg_free(&m);
	}
	big = malloc(MSG_MAX_HEADER + 100000);
	for (i = 0; i + 20 < MSG_MAX_HEADER + 50000; i += 20)
		memcpy(big + i, "X-Filler: 123456789\n", 20);
	big[i] = '\0';
	check_bad("header over the size limit", big, "larger than");
	/* a body that is one endless line is still a body */
	memset(big, 'z', MSG_MAX_HEADER + 50000);
	big[MSG_MAX_HEADER + 50000] = '\0';
	{
		struct message m;
		struct buf b = { 0 };

		msg_open(&m, input(big, strlen(big)), 0);
		msg_read_header(&m);
		rewrite(&m, NULL);
		sent(&m, &b);
		CHECK(b.len == MSG_MAX_HEADER + 50000 + strlen(FROM0 DATE0) +
		    strlen("Message-ID: <19700101000000.0123456789abcdef0123"
		    "@example.org>\r\n") + 2, "endless first body line sent "
		    "whole (%zu octets)", b.len);
		close(m.fd);
		msg_free(&m);
		buf_free(&b);
	}
	free(big);
	{
		char err[512];
		int st = unit_exit_status(recipients_of,
		    "To: a@x, <broken\n\n", err, sizeof(err));

		CHECK(st == 65 && strstr(err, "bad address in To"),
		    "-t bad address is a bad message: %s", err);
	}

	/* addresses in the header are rewritten through the callback */
	{
		struct message m;
		struct buf b = { 0 };
		static const char in[] = "From: root (Cron Daemon)\n"
		    "To: root, \"R\" <root>,\n x@y.example\nCc: ok@x, bad <<\n"
		    "Reply-To: root\nSubject: root\n\nroot\n";
		struct rewrite rw = { .from_addr = "me@example.org",
		    .id_domain = "example.org", .address = mark, .ctx = NULL };

		msg_open(&m, input(in, strlen(in)), 0);
		msg_read_header(&m);
		msg_rewrite(&m, &rw);
		sent(&m, &b);
		mask_id(&b);
		int ok = !strcmp(b.data, "From: S(root) (Cron Daemon)\r\n"
		    "To: R(root), \"R\" <R(root)>,\r\n R(x@y.example)\r\n"
		    "Cc: ok@x, bad <<\r\nReply-To: S(root)\r\nSubject: root\r\n"
		    DATE0 ID0 "\r\nroot\n");

		CHECK(ok, "header addresses rewritten, folding and comments "
		    "kept");
		if (!ok)
			printf("# got: %s\n", b.data);
		close(m.fd);
		msg_free(&m);
		buf_free(&b);
	}

	/* size and 8-bit detection before sending */
	{
		struct message m;
		static const char in[] = "Subject: s\n\nplain\n";

		msg_open(&m, input(in, strlen(in)), 0);
		msg_read_header(&m);
		rewrite(&m, NULL);
		msg_estimate(&m);
		CHECK(m.eight_bit == 0, "7-bit message known as such");
		CHECK(m.size == (long long)(m.out.len + 7), "size counts CRLF: %lld", m.size);
		close(m.fd);
		msg_free(&m);
		msg_open(&m, input("S: \xc3\xa4\n\nx", 8), 0);
		msg_read_header(&m);
		rewrite(&m, NULL);
		msg_estimate(&m);
		CHECK(m.eight_bit == 1, "8-bit header found");
		close(m.fd);
		msg_free(&m);
	}
	UNIT_EXIT();
}
