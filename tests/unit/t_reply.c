/* t_reply.c: strict SMTP reply parsing, fed through a socketpair. */

#include <sys/socket.h>
#include <signal.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util.h"
#include "net.h"
#include "reply.h"
#include "unit.h"

struct rcase {
	const char *name;
	const char *in;		/* what the server sends, then it closes */
	int code;		/* expected code, or 0 for a failure */
	enum fail f;		/* the failure class expected */
	const char *text;	/* expected text, or the failure message part */
};

static const struct rcase cases[] = {
	{ "one line", "250 ok\r\n", 250, FAIL_NONE, "ok" },
	{ "code only", "250\r\n", 250, FAIL_NONE, "" },
	{ "code and space", "250 \r\n", 250, FAIL_NONE, "" },
	{ "continuation", "250-a\r\n250-b\r\n250 c\r\n", 250, FAIL_NONE,
	    "a\nb\nc" },
	{ "continuation without text", "250-\r\n250 x\r\n", 250, FAIL_NONE,
	    "\nx" },
	{ "8-bit text", "250 gr\xc3\xbc\xc3\x9f\r\n", 250, FAIL_NONE,
	    "gr\xc3\xbc\xc3\x9f" },
	{ "tab in text", "250 a\tb\r\n", 250, FAIL_NONE, "a\tb" },
	{ "5xx", "550 5.1.1 no\r\n", 550, FAIL_NONE, "5.1.1 no" },
	{ "two digits", "25\r\n", 0, FAIL_PROTO, "malformed reply \"25\"" },
	{ "empty line", "\r\n", 0, FAIL_PROTO, "malformed" },
	{ "non-numeric", "abc hello\r\n", 0, FAIL_PROTO, "malformed" },
	{ "code 1xx", "150 x\r\n", 0, FAIL_PROTO, "malformed" },
	{ "code 6xx", "650 x\r\n", 0, FAIL_PROTO, "malformed" },
	{ "second digit not a digit", "2x0 x\r\n", 0, FAIL_PROTO, "malformed" },
	{ "four digits", "2500 x\r\n", 0, FAIL_PROTO, "malformed" },
	{ "bad separator", "250_x\r\n", 0, FAIL_PROTO, "malformed" },
	{ "mixed codes", "250-a\r\n251 b\r\n", 0, FAIL_PROTO,
	    "mixes codes 250 and 251" },
	{ "bare LF", "250 ok\n", 0, FAIL_PROTO, "not ended by CRLF" },
	{ "control character", "250 a\x1b[31mb\r\n", 0, FAIL_PROTO,
	    "control character" },
	{ "DEL", "250 a\x7f\r\n", 0, FAIL_PROTO, "control character" },
	{ "NUL", "250 a\0b\r\n", 0, FAIL_PROTO, "control character" },
	{ "bare CR inside", "250 a\rb\r\n", 0, FAIL_PROTO, "control character" },
	{ "closed before reply", "", 0, FAIL_TEMP, "connection closed" },
	{ "closed mid-line", "250 o", 0, FAIL_TEMP, "connection closed" },
	{ "closed mid-reply", "250-a\r\n", 0, FAIL_TEMP, "connection closed" },
};

static void
feed(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w <= 0)
			abort();
		p += w;
		n -= w;
	}
}

/* Sends in (n bytes) from a child process, then parses one reply. */
static int
parse(const char *in, size_t n, struct reply *r, enum fail *f, char *why,
    size_t wl, int close_after)
{
	struct conn c;
	int sv[2], rc;
	pid_t pid;

	socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
	if ((pid = fork()) == 0) {
		close(sv[0]);
		feed(sv[1], in, n);
		if (!close_after)
			sleep(5);
		_exit(0);
	}
	close(sv[1]);
	fcntl(sv[0], F_SETFL, O_NONBLOCK);	/* as conn_open() makes it */
	memset(&c, 0, sizeof(c));
	c.fd = sv[0];
	c.timeout = 1;
	rc = reply_read(&c, r, f, why, wl);
	close(sv[0]);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	return rc;
}

int
main(void)
{
	struct reply r = { 0 };
	char why[256], *big;
	enum fail f;
	size_t i;
	int rc;

	unit_suite = "reply";
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct rcase *c = &cases[i];
		size_t n = strlen(c->in);

		if (!strcmp(c->name, "NUL"))
			n = 9;
		why[0] = '\0';
		rc = parse(c->in, n, &r, &f, why, sizeof(why), 1);
		if (c->code)
			CHECK(rc == 0 && r.code == c->code &&
			    !strcmp(r.text.data ? r.text.data : "", c->text),
			    "%s", c->name);
		else
			CHECK(rc == -1 && f == c->f && strstr(why, c->text),
			    "%s: %s", c->name, why);
	}

	/* a line of REPLY_MAX_LINE octets is fine; one more is not */
	big = malloc(REPLY_MAX_LINE + 16);
	memset(big, 'x', REPLY_MAX_LINE + 16);
	memcpy(big, "250 ", 4);
	memcpy(big + REPLY_MAX_LINE, "\r\n", 2);
	rc = parse(big, REPLY_MAX_LINE + 2, &r, &f, why, sizeof(why), 1);
	CHECK(rc == 0 && r.code == 250, "%d-octet line accepted", REPLY_MAX_LINE);
	memcpy(big + REPLY_MAX_LINE, "x\r\n", 3);
	rc = parse(big, REPLY_MAX_LINE + 3, &r, &f, why, sizeof(why), 1);
	CHECK(rc == -1 && f == FAIL_PROTO && strstr(why, "longer than"),
	    "overlong line: %s", why);
	free(big);

	/* an endless continuation is cut off */
	big = malloc(10 * 200);
	for (i = 0; i < 200; i++)
		memcpy(big + i * 10, "250-line\r\n", 10);
	rc = parse(big, 10 * (REPLY_MAX_LINES - 1), &r, &f, why, sizeof(why), 1);
	CHECK(rc == -1 && f == FAIL_TEMP, "%d lines then close: connection "
	    "closed", REPLY_MAX_LINES - 1);
	memcpy(big + 10 * (REPLY_MAX_LINES - 1), "250 last\r\n", 10);
	rc = parse(big, 10 * REPLY_MAX_LINES, &r, &f, why, sizeof(why), 1);
	CHECK(rc == 0 && r.code == 250, "%d lines are accepted",
	    REPLY_MAX_LINES);
	memcpy(big + 10 * (REPLY_MAX_LINES - 1), "250-line\r\n", 10);
	rc = parse(big, 10 * 200, &r, &f, why, sizeof(why), 0);
	CHECK(rc == -1 && f == FAIL_PROTO && strstr(why, "longer than"),
	    "endless continuation: %s", why);
	free(big);

	/* a silent server times out */
	rc = parse("250-a\r\n", 7, &r, &f, why, sizeof(why), 0);
	CHECK(rc == -1 && f == FAIL_TEMP && strstr(why, "timed out"),
	    "timeout mid-reply: %s", why);

	/* a reply dribbled out line by line gets one deadline in all */
	{
		struct conn c;
		int sv[2];
		pid_t pid;

		socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
		if ((pid = fork()) == 0) {
			close(sv[0]);
			for (int k = 0; k < 3; k++) {
				feed(sv[1], "250-slow\r\n", 10);
				usleep(600 * 1000);
			}
			feed(sv[1], "250 end\r\n", 9);
			sleep(5);
			_exit(0);
		}
		close(sv[1]);
		fcntl(sv[0], F_SETFL, O_NONBLOCK);
		memset(&c, 0, sizeof(c));
		c.fd = sv[0];
		c.timeout = 1;
		rc = reply_read(&c, &r, &f, why, sizeof(why));
		CHECK(rc == -1 && f == FAIL_TEMP && strstr(why, "timed out"),
		    "slow lines share one deadline: %s", why);
		close(sv[0]);
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
	}

	rc = parse("550-5.1.1 first\r\n550 5.1.1 second\r\n", 36, &r, &f, why,
	    sizeof(why), 1);
	{
		char *line = reply_line(&r);

		CHECK(rc == 0 && !strcmp(line, "550 5.1.1 first 5.1.1 second"),
		    "reply_line joins lines: %s", line);
		free(line);
	}
	buf_free(&r.text);
	UNIT_EXIT();
}
