/*
 * t_bounce.c: the delivery status notification, checked by Python's email
 * parser (a real MIME parser, not ours): multipart/report of three parts,
 * per-recipient fields, the original message or only its header.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util.h"
#include "bounce.h"
#include "unit.h"

static const char original[] =
    "From: alice@example.org\r\nTo: bob@example.net\r\n"
    "Subject: the report\r\n\r\nbody line\r\n--not a boundary\r\n";

/* Runs Python's parser on the notification; its verdict, one line. */
static void
parse(const struct buf *dsn, const char *checks, char *verdict, size_t n)
{
	char path[] = "/tmp/smtpsend-t_bounce-XXXXXX", cmd[4096];
	FILE *fp;
	int fd = mkstemp(path);

	if (fd == -1 || write(fd, dsn->data, dsn->len) != (ssize_t)dsn->len)
		abort();
	close(fd);
	snprintf(cmd, sizeof(cmd), "/usr/bin/python3 -c '\n"
	    "import email, sys\n"
	    "m = email.message_from_binary_file(open(sys.argv[1], \"rb\"))\n"
	    "p = m.get_payload()\n"
	    "s = p[1].get_payload()\n"
	    "%s\n"
	    "print(\"ok\")' %s 2>&1 | tail -n 1", checks, path);
	verdict[0] = '\0';
	if ((fp = popen(cmd, "r"))) {
		if (!fgets(verdict, n, fp))
			snprintf(verdict, n, "no output");
		pclose(fp);
	}
	verdict[strcspn(verdict, "\n")] = '\0';
	unlink(path);
}

int
main(void)
{
	static const struct bounce_rcpt rcpts[] = {
		{ "bob@example.net", "5.1.1", "550 5.1.1 <bob@example.net>: no "
		    "such user" },
		{ "carol@example.net", "4.4.7", "451 4.3.0 try again \x1b[2J" },
	};
	struct bounce bn = {
		.reporting_host = "box.example.org",
		.from_domain = "example.org",
		.sender = "alice@example.org",
		.queue_id = "20261201T083800-0011223344556677",
		.envid = "id+2Bx",
		.relay = "smtp.example.org",
		.reason = "the relay refused it for good",
		.arrival = 1796000000,
		.now = 1796003600,
		.rcpt = rcpts,
		.nrcpt = 2,
	};
	struct buf b = { 0 };
	char boundary[33], verdict[512];

	unit_suite = "bounce";
	bounce_head(&b, &bn, boundary);
	buf_addstr(&b, original);
	bounce_tail(&b, boundary);
	CHECK(strlen(boundary) == 32 && !strstr(original, boundary),
	    "a random boundary: %s", boundary);
	CHECK(!strpbrk(strstr(b.data, "Diagnostic-Code"), "\x1b"),
	    "no control character from a reply reaches the report");
	parse(&b,
	    "assert m.get_content_type() == \"multipart/report\", m.get_content_type()\n"
	    "assert m.get_param(\"report-type\") == \"delivery-status\"\n"
	    "assert m[\"To\"] == \"<alice@example.org>\", m[\"To\"]\n"
	    "assert m[\"Auto-Submitted\"] == \"auto-replied\"\n"
	    "assert [x.get_content_type() for x in p] == [\"text/plain\", "
	    "\"message/delivery-status\", \"message/rfc822\"], p\n"
	    "assert s[0][\"Reporting-MTA\"] == \"dns; box.example.org\"\n"
	    "assert s[0][\"Original-Envelope-Id\"] == \"id+2Bx\"\n"
	    "assert len(s) == 3, len(s)\n"
	    "assert s[1][\"Final-Recipient\"] == \"rfc822; bob@example.net\"\n"
	    "assert s[1][\"Action\"] == \"failed\" and s[1][\"Status\"] == \"5.1.1\"\n"
	    "assert s[1][\"Remote-MTA\"] == \"dns; smtp.example.org\"\n"
	    "assert s[1][\"Diagnostic-Code\"] == \"smtp; 550 5.1.1 <bob@example.net>: no such user\", s[1][\"Diagnostic-Code\"]\n"
	    "assert s[2][\"Status\"] == \"4.4.7\"\n"
	    "o = p[2].get_payload()[0]\n"
	    "assert o[\"Subject\"] == \"the report\" and \"--not a boundary\" in o.get_payload()\n",
	    verdict, sizeof(verdict));
	CHECK(!strcmp(verdict, "ok"), "a multipart/report with the message: %s",
	    verdict);

	b.len = 0;
	bn.headers_only = 1;
	bn.envid = NULL;
	bn.relay = NULL;
	bounce_head(&b, &bn, boundary);
	buf_add(&b, original, strstr(original, "\r\n\r\n") + 4 - original);
	bounce_tail(&b, boundary);
	parse(&b,
	    "assert p[2].get_content_type() == \"text/rfc822-headers\"\n"
	    "assert \"Subject: the report\" in p[2].get_payload()\n"
	    "assert \"body line\" not in p[2].get_payload()\n"
	    "assert s[0][\"Original-Envelope-Id\"] is None\n"
	    "assert s[1][\"Remote-MTA\"] is None\n",
	    verdict, sizeof(verdict));
	CHECK(!strcmp(verdict, "ok"), "RET=HDRS: the header only: %s", verdict);
	buf_free(&b);
	UNIT_EXIT();
}
