/*
 * fuzz/session.c: a whole client session against a server whose replies
 * are the fuzzer's, over a socketpair, as make fuzz runs it.
 *
 * Input: 8 bytes of settings, then the server's side: segments separated
 * by 0xff, each sent when the client has written something (or has been
 * quiet for a moment), then end of file. The settings choose pipelining,
 * chunking, AUTH, STARTTLS, DSN, the recipient count (up to 4 700, with a
 * length that shifts where the output buffer fills) and the message size
 * (up to 320 KiB, handed over in pieces of a fuzzed size), and one or
 * two messages over the session. The session
 * must never exit the process, and the client must never send a BDAT
 * chunk of 0 octets except as LAST.
 */

#include <sys/socket.h>

#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util.h"
#include "conf.h"
#include "smtp.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);
int LLVMFuzzerInitialize(int *, char ***);

/* a test-only CA nobody else trusts, so that STARTTLS gets to a handshake */
static const char fuzz_ca[] =
    "-----BEGIN CERTIFICATE-----\n"
    "MIIBkTCCATigAwIBAgIUYx9mty4YttHXzdq0ZPP7H7aKiDIwCgYIKoZIzj0EAwIw\n"
    "JjEkMCIGA1UEAxMbc210cHNlbmQgZnV6eiBDQSwgdGVzdCBvbmx5MCAXDTI2MTIw\n"
    "MTA4MDU0M1oYDzIxMjYxMTA3MDgwNTQzWjAmMSQwIgYDVQQDExtzbXRwc2VuZCBm\n"
    "dXp6IENBLCB0ZXN0IG9ubHkwWTATBgcqhkjOPQIBBggqhkjOPQMBBwNCAAQNht5e\n"
    "rvCrA36EgMQwVFSIkpX5EbHSsMK/lCWGcFGVpussRrl4GApSzz3q8TnyWqnEihsX\n"
    "DWnJo+bwXBLX+5/xo0IwQDAPBgNVHRMBAf8EBTADAQH/MA4GA1UdDwEB/wQEAwIC\n"
    "BDAdBgNVHQ4EFgQUAEb2gYpPBfJZN5gZQLjyBtMaw5YwCgYIKoZIzj0EAwIDRwAw\n"
    "RAIgYGrSJDQ4cryBKq2fkXE3rP9vGjnGU7tW87Ha/zr0OM0CIB5/oNIEjClGW/Q2\n"
    "HOI1+BWtTcQzqC/Fdurc7v1djSF7\n"
    "-----END CERTIFICATE-----\n";
static char ca_path[] = "/tmp/smtpsend-fuzz-ca-XXXXXX";

struct server {
	int fd;
	const uint8_t *script;
	size_t len;
	/* the client's bytes, to check its BDAT commands */
	char line[64];
	size_t linelen;
	unsigned long long skip;	/* BDAT payload still to come */
	int overlong;
};

static void
check_client(struct server *sv, const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (sv->skip) {
			size_t take = n - i < sv->skip ? n - i : sv->skip;

			sv->skip -= take;
			i += take - 1;
			continue;
		}
		if (p[i] != '\n') {
			if (sv->linelen < sizeof(sv->line) - 1)
				sv->line[sv->linelen++] = p[i];
			else
				sv->overlong = 1;
			continue;
		}
		sv->line[sv->linelen] = '\0';
		if (!sv->overlong && !strncmp(sv->line, "BDAT ", 5)) {
			char *end;
			unsigned long long size = strtoull(sv->line + 5, &end,
			    10);

			if (size == 0 && strcmp(end, " LAST\r"))
				abort();	/* BDAT 0 that is not LAST */
			sv->skip = size;
		}
		sv->linelen = 0;
		sv->overlong = 0;
	}
}

static void *
serve(void *arg)
{
	struct server *sv = arg;
	const uint8_t *p = sv->script, *end = p + sv->len;
	char buf[65536];
	int eof_sent = 0;

	for (int first = 1;; first = 0) {
		struct pollfd pfd = { .fd = sv->fd, .events = POLLIN };
		/* the greeting at once; later segments when the client wrote,
		 * or when it has been quiet for a moment */
		int r = first ? 0 : poll(&pfd, 1, 2);
		ssize_t n = 0;

		if (r > 0) {
			n = read(sv->fd, buf, sizeof(buf));
			if (n <= 0)
				break;	/* the client closed */
			check_client(sv, buf, n);
		}
		if (p < end) {
			const uint8_t *sep = memchr(p, 0xff, end - p);
			size_t seg = sep ? (size_t)(sep - p) : (size_t)(end - p);

			if (seg && send(sv->fd, p, seg, MSG_NOSIGNAL) < 0)
				break;
			p += seg + (sep != NULL);
		} else if (!eof_sent) {
			shutdown(sv->fd, SHUT_WR);
			eof_sent = 1;
		}
	}
	close(sv->fd);
	return NULL;
}

struct body {
	char *data;
	size_t len, off, piece;
};

static size_t
next_piece(void *ctx, const char **data)
{
	struct body *b = ctx;
	size_t n = b->len - b->off;

	if (n > b->piece)
		n = b->piece;
	*data = b->data + b->off;
	b->off += n;
	return n;
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	int fd = mkstemp(ca_path);

	(void)argc;
	(void)argv;
	if (fd == -1 || write(fd, fuzz_ca, sizeof(fuzz_ca) - 1) < 0)
		abort();
	close(fd);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char pattern[] = "line .\r\n.\r\nx\rbare\n\n..dots\xc3\xa9 ";
	struct relay a;
	struct policy pol;
	struct envelope env;
	struct source src;
	struct smtp_result res;
	struct server sv;
	struct body body;
	struct smtp *s;
	pthread_t thread;
	char **rcpt;
	size_t nrcpt, pad, i;
	int sp[2];

	if (size < 8)
		return 0;
	memset(&a, 0, sizeof(a));
	memset(&pol, 0, sizeof(pol));
	a.host = "fuzz.example";
	a.port = "25";
	a.tls = data[0] & 1 ? TLS_STARTTLS : TLS_NONE;
	a.tls_trust_file = ca_path;
	a.auth = data[0] & 2 ? (data[0] & 4 ? AUTH_LOGIN : AUTH_AUTO) :
	    AUTH_OFF;
	a.user = "alice@example.org";
	a.plaintext_auth_loopback = 1;
	a.ehlo_name = "client.example";
	a.pipelining = !(data[0] & 8);
	a.chunking = !(data[0] & 16);
	pol.long_lines_send = data[0] & 32;
	pol.dsn_required = data[0] & 64;
	pol.deliver_partial = data[3] & 64;
	a.timeout = (struct timeouts){ 1, 1, 1, 1, 1, 1 };
	a.timeout_session = 5;

	nrcpt = (data[1] | data[2] << 8) % 4700 + 1;
	pad = data[3] % 40;	/* bit 6 is deliver_partial */
	rcpt = malloc(nrcpt * sizeof(*rcpt));
	for (i = 0; i < nrcpt; i++) {
		rcpt[i] = malloc(64);
		snprintf(rcpt[i], 64, "r%zu%.*s@example.org", i, (int)pad,
		    "pppppppppppppppppppppppppppppppppppppppppppp");
	}
	memset(&env, 0, sizeof(env));
	env.from = data[0] & 128 ? "" : "sender@example.org";
	env.rcpt = rcpt;
	env.nrcpt = nrcpt;
	env.size = data[4] & 1 ? -1 : (long long)(data[5] | data[6] << 8) * 5;
	env.eight_bit = (int)(data[4] >> 1 & 3) - 1;
	env.notify = data[4] & 8 ? "SUCCESS,FAILURE" : NULL;
	env.ret = data[4] & 16 ? "HDRS" : NULL;
	pol.all_or_nothing = data[4] & 32;

	body.len = (size_t)(data[5] | data[6] << 8) * 5;
	body.data = malloc(body.len + 1);
	for (i = 0; i < body.len; i++)
		body.data[i] = pattern[(i * 7 + (i >> 9)) %
		    (sizeof(pattern) - 1)];
	body.off = 0;
	body.piece = (size_t)data[7] * 997 + 1;
	src.next = next_piece;
	src.ctx = &body;
	src.stop_at_dot = data[4] & 64;
	src.error = FAIL_NONE;

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sp) == -1)
		abort();
	memset(&sv, 0, sizeof(sv));
	sv.fd = sp[1];
	sv.script = data + 8;
	sv.len = size - 8;
	if (pthread_create(&thread, NULL, serve, &sv) != 0)
		abort();

	s = smtp_open_fd(&a, a.auth != AUTH_OFF ? "s3cret" : NULL, sp[0], &res);
	if (data[4] & 128) {
		/* two messages over one session: the first one's replies,
		 * RSET's included, must all be read before the second */
		smtp_send(s, &env, &src, &pol, 0, &res);
		smtp_result_free(&res);
		body.off = 0;
		src.error = FAIL_NONE;
	}
	smtp_send(s, &env, &src, &pol, 1, &res);
	smtp_result_free(&res);
	smtp_close(s);
	pthread_join(thread, NULL);

	for (i = 0; i < nrcpt; i++)
		free(rcpt[i]);
	free(rcpt);
	free(body.data);
	return 0;
}
