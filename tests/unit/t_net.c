/* t_net.c: the connection's buffer and deadlines, over a socketpair. */

#define _GNU_SOURCE
#include <sys/socket.h>

#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util.h"
#include "net.h"
#include "unit.h"

static const char secret[] = "AUTH PLAIN AGFsaWNlAHMzY3JldA==";

static void
conn_on(struct conn *c, int fd)
{
	memset(c, 0, sizeof(*c));
	c->fd = fd;
	c->timeout = 1;
	c->out = xmalloc(NET_OUT_SIZE);
	fcntl(fd, F_SETFL, O_NONBLOCK);	/* as conn_open() makes it */
}

static int
holds_secret(const struct conn *c)
{
	return memmem(c->out, NET_OUT_SIZE, "AGFsaWNlAHMzY3JldA==", 20) != NULL;
}

int
main(void)
{
	struct conn c;
	char got[256];
	int sv[2];
	ssize_t n;
	long long d;

	unit_suite = "net";
	signal(SIGPIPE, SIG_IGN);

	/* credentials are wiped from the buffer once written */
	socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
	conn_on(&c, sv[0]);
	conn_put(&c, "EHLO x\r\n", 8);
	conn_put_secret(&c, secret, strlen(secret));
	conn_put(&c, "\r\nMAIL FROM:<a@b>\r\n", 19);
	CHECK(conn_flush(&c) == 0, "flush with a secret");
	n = read(sv[1], got, sizeof(got) - 1);
	got[n > 0 ? n : 0] = '\0';
	CHECK(strstr(got, secret) && strstr(got, "MAIL FROM:<a@b>"),
	    "the secret went out with the commands around it");
	CHECK(!holds_secret(&c), "no copy of the secret in the buffer after "
	    "the flush");
	conn_put(&c, "RCPT TO:<c@d>\r\n", 15);
	CHECK(conn_flush(&c) == 0 && !c.secret, "later flushes wipe nothing");
	conn_close(&c);
	close(sv[1]);

	/* ... and when the write fails */
	socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
	conn_on(&c, sv[0]);
	close(sv[1]);
	conn_put_secret(&c, secret, strlen(secret));
	CHECK(conn_flush(&c) == -1, "flush to a closed peer fails");
	CHECK(!holds_secret(&c), "no copy of the secret after a failed flush");
	conn_close(&c);

	/* no wait goes past the end of the session */
	memset(&c, 0, sizeof(c));
	c.session_end = now_ms() + 1000;
	c.session_limit = 1;
	d = conn_deadline(&c, 300);
	CHECK(d == c.session_end, "a phase's deadline is cut to the session's");
	d = conn_deadline(&c, 0);
	CHECK(d <= c.session_end && d >= now_ms() - 5, "a shorter one stays");
	c.session_end = 0;
	d = conn_deadline(&c, 300);
	CHECK(d >= now_ms() + 299000, "no session limit: the phase's own");

	/* a reply that doesn't come before the session ends */
	socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
	conn_on(&c, sv[0]);
	c.timeout = 60;
	c.session_limit = 1;
	c.session_end = now_ms() + 200;
	{
		char *line;
		size_t len;
		long long start = now_ms();
		int r = conn_readline(&c, &line, &len, 512,
		    conn_deadline(&c, c.timeout));

		CHECK(r == NET_FAIL && now_ms() - start < 5000 &&
		    strstr(c.err, "timeout_session (1 s)"),
		    "waiting for a reply ends with the session: %s", c.err);
	}
	conn_close(&c);
	close(sv[1]);
	UNIT_EXIT();
}
