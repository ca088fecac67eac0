/*
 * rawclient.c: the ceiling for make bench, the least an SMTP client can
 * do to deliver a message. FILE is the message already in wire format
 * (CRLF line ends, dot-stuffed, ending with ".\r\n"). After EHLO, MAIL,
 * RCPT and DATA, each waiting for its reply, the mapped file goes out in
 * one write(2); with --starttls, after STARTTLS and a second EHLO, it goes
 * out in 16 KiB TLS records, gathered into 1 MiB writes. The certificate is
 * not checked: this measures what the wire allows, not a client. Then
 * QUIT. With --pipelining, MAIL, RCPT and DATA go out as one flight.
 *
 * usage: rawclient [--starttls] [--pipelining] port file
 *
 * Exits 0 if the server accepted the message, else 1 with a message.
 */

#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <gnutls/gnutls.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util.h"

#define RECORD	(16 * 1024)	/* the largest TLS record */
#define BATCH	(1024 * 1024)	/* TLS: bytes per write */

static int fd = -1;
static gnutls_session_t tls;	/* NULL while plaintext */
static char in[4096];
static size_t inlen;
static char *batch;		/* TLS records not yet written */
static size_t batchlen;

static void
put(const void *p, size_t n)
{
	while (n > 0) {
		ssize_t r = tls ? gnutls_record_send(tls, p, n) :
		    write(fd, p, n);

		if (r < 0 && (tls ? r == GNUTLS_E_INTERRUPTED ||
		    r == GNUTLS_E_AGAIN : errno == EINTR))
			continue;
		if (r < 0)
			die(FAIL_OS, "send: %s", tls ? gnutls_strerror(r) :
			    strerror(errno));
		p = (const char *)p + r;
		n -= r;
	}
}

static void
flush_batch(void)
{
	size_t done = 0;

	while (done < batchlen) {
		ssize_t r = write(fd, batch + done, batchlen - done);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			die(FAIL_OS, "write:");
		done += r;
	}
	batchlen = 0;
}

/* One command line, in one write. */
static void
say(const char *cmd)
{
	char line[256];
	int n = snprintf(line, sizeof(line), "%s\r\n", cmd);

	put(line, n);
}

/* Reads one whole reply and checks its code's first digit. */
static void
expect(char digit, const char *what)
{
	for (;;) {
		char *nl = memchr(in, '\n', inlen);
		size_t room;
		ssize_t r;

		if (nl) {
			size_t n = nl - in + 1;
			int final = n >= 4 && in[3] == ' ';

			if (n < 4 || (in[3] != ' ' && in[3] != '-'))
				die(FAIL_OS, "%s: malformed reply", what);
			if (final && in[0] != digit)
				die(FAIL_OS, "%s: %.*s", what, (int)n - 2, in);
			memmove(in, in + n, inlen - n);
			inlen -= n;
			if (final)
				return;
			continue;
		}
		if (inlen == sizeof(in))
			die(FAIL_OS, "%s: reply line too long", what);
		room = sizeof(in) - inlen;
		r = tls ? gnutls_record_recv(tls, in + inlen, room) :
		    read(fd, in + inlen, room);
		if (r < 0 && (tls ? r == GNUTLS_E_INTERRUPTED : errno == EINTR))
			continue;
		if (r <= 0)
			die(FAIL_OS, "%s: connection closed", what);
		inlen += r;
	}
}

static void
start_tls(void)
{
	gnutls_certificate_credentials_t cred;
	int r;

	say("STARTTLS");
	expect('2', "STARTTLS");
	if (gnutls_init(&tls, GNUTLS_CLIENT) < 0 ||
	    gnutls_certificate_allocate_credentials(&cred) < 0 ||
	    gnutls_set_default_priority(tls) < 0 ||
	    gnutls_credentials_set(tls, GNUTLS_CRD_CERTIFICATE, cred) < 0)
		die(FAIL_OS, "cannot set up TLS");
	gnutls_transport_set_int(tls, fd);
	do
		r = gnutls_handshake(tls);
	while (r < 0 && !gnutls_error_is_fatal(r));
	if (r < 0)
		die(FAIL_OS, "TLS handshake: %s", gnutls_strerror(r));
}

/*
 * GnuTLS writes each record as it is made; while the message goes out,
 * records are gathered here and written 1 MiB at a time.
 */
static ssize_t
tls_push(gnutls_transport_ptr_t p, const void *buf, size_t n)
{
	(void)p;
	if (!batch)
		return write(fd, buf, n);
	if (batchlen + n > BATCH)
		flush_batch();
	memcpy(batch + batchlen, buf, n);
	batchlen += n;
	return n;
}

/* The message: one write, or 16 KiB records written 1 MiB at a time. */
static void
push(const char *p, size_t n)
{
	if (!tls) {
		put(p, n);
		return;
	}
	if (!(batch = malloc(BATCH)))
		die(FAIL_OS, "out of memory");
	gnutls_transport_set_push_function(tls, tls_push);
	while (n > 0) {
		size_t rec = n < RECORD ? n : RECORD;

		put(p, rec);
		p += rec;
		n -= rec;
	}
	flush_batch();
	free(batch);
	batch = NULL;
}

int
main(int argc, char *argv[])
{
	struct sockaddr_in sin;
	struct stat st;
	const char *msg;
	int starttls = 0, pipelining = 0, one = 1, file, i;

	progname = "rawclient";
	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "--starttls"))
			starttls = 1;
		else if (!strcmp(argv[i], "--pipelining"))
			pipelining = 1;
		else
			break;
	}
	if (argc - i != 2)
		die(FAIL_OS, "usage: rawclient [--starttls] [--pipelining] port file");
	signal(SIGPIPE, SIG_IGN);

	if ((file = open(argv[i + 1], O_RDONLY)) == -1)
		die(FAIL_OS, "%s:", argv[i + 1]);
	if (fstat(file, &st) == -1)
		die(FAIL_OS, "%s:", argv[i + 1]);
	msg = mmap(NULL, st.st_size, PROT_READ, MAP_PRIVATE | MAP_POPULATE,
	    file, 0);
	if (msg == MAP_FAILED)
		die(FAIL_OS, "mmap:");

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin.sin_port = htons(atoi(argv[i]));
	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) == -1)
		die(FAIL_OS, "socket:");
	if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1)
		die(FAIL_OS, "connect to 127.0.0.1 port %s:", argv[i]);
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));

	expect('2', "greeting");
	say("EHLO localhost");
	expect('2', "EHLO");
	if (starttls) {
		start_tls();
		say("EHLO localhost");
		expect('2', "EHLO");
	}
	say("MAIL FROM:<bench@example.org>");
	if (!pipelining)
		expect('2', "MAIL");
	say("RCPT TO:<sink@example.org>");
	if (!pipelining)
		expect('2', "RCPT");
	say("DATA");
	if (pipelining) {
		expect('2', "MAIL");
		expect('2', "RCPT");
	}
	expect('3', "DATA");
	push(msg, st.st_size);
	expect('2', "end of data");
	say("QUIT");
	expect('2', "QUIT");
	return 0;
}
