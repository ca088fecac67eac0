/*
 * sink.c: a fast SMTP server for make bench that takes every message and
 * keeps none. Message data is only counted: DATA is scanned in place, in
 * a 1 MiB input buffer, for the '.' that may end it (memchr, no copy);
 * BDAT chunks are skipped by count. So the sink is never what a benchmark
 * measures. One connection at a time; no timeouts beyond an idle minute.
 *
 * usage: sink [-pv] [--starttls cert key | --tls cert key] [--auth]
 *             [--tickets] [--chunking] [--no-pipelining]
 *
 * It listens on 127.0.0.1 on a port the system picks; -p prints the port
 * as one line on stdout. -v prints one line per message on stderr, before
 * the reply that accepts it. Offered: PIPELINING (unless --no-pipelining),
 * 8BITMIME, SIZE, CHUNKING with --chunking, STARTTLS with --starttls (or
 * TLS from the first byte with --tls), and, once TLS is up, AUTH PLAIN
 * LOGIN with --auth, which takes any credentials. Replies wait until no
 * complete command is left in the input, as an RFC 2920 server's do.
 */

#include <sys/socket.h>
#include <sys/time.h>
#include <sys/types.h>

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <gnutls/gnutls.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "util.h"

#define IN_SIZE		(1024 * 1024)	/* the most one read takes */
#define RAW_SIZE	(256 * 1024)	/* TLS: records taken per recv(2) */
#define BEHIND		2	/* input kept before the unread part */
#define LINE_MAX_LEN	12288	/* a command or an AUTH response */
#define OUT_SIZE	4096
#define IDLE_SECONDS	60

enum mode {
	M_COMMAND, M_DATA, M_BDAT, M_AUTH_PLAIN, M_AUTH_USER, M_AUTH_PASS,
	M_CLOSE,
};

static struct {
	int print_port, verbose, starttls, tls, auth, chunking, pipelining;
	int tickets;		/* --tickets: TLS sessions may be resumed */
	gnutls_datum_t ticket_key;
	gnutls_certificate_credentials_t cred;
	unsigned long messages;
} opt = { .pipelining = 1 };

struct conn {
	int fd;
	gnutls_session_t tls;	/* NULL while plaintext */
	char *raw;		/* TLS: RAW_SIZE bytes as received */
	size_t rawoff, rawlen;
	char *in;		/* BEHIND + IN_SIZE bytes */
	size_t start, end;	/* the unread input: in[start..end) */
	char out[OUT_SIZE];
	size_t outlen;
	enum mode mode;
	int hello, mail, rcpts;
	const char *mech;	/* AUTH done with this mechanism */
	unsigned long long octets, left;	/* left: of a BDAT chunk */
	unsigned long chunks;
	int last, refused;	/* BDAT LAST; BDAT without a recipient */
};

static void
usage(void)
{
	die(FAIL_OS, "usage: sink [-pv] [--starttls cert key | --tls cert key] "
	    "[--auth] [--tickets] [--chunking] [--no-pipelining]");
}

/* A read or write to try again: EINTR, for GnuTLS or the socket. */
static int
interrupted(const struct conn *c, ssize_t r)
{
	return r < 0 && (c->tls ? r == GNUTLS_E_INTERRUPTED : errno == EINTR);
}

static int
flush(struct conn *c)
{
	size_t done = 0;

	while (done < c->outlen) {
		ssize_t r;

		if (c->tls)
			r = gnutls_record_send(c->tls, c->out + done,
			    c->outlen - done);
		else
			r = send(c->fd, c->out + done, c->outlen - done,
			    MSG_NOSIGNAL);
		/* EAGAIN: SO_SNDTIMEO ran out; the client is gone */
		if (interrupted(c, r))
			continue;
		if (r < 0) {
			c->mode = M_CLOSE;
			return -1;
		}
		done += r;
	}
	c->outlen = 0;
	return 0;
}

/* Queues one reply line; it goes out with the next flush(). */
static void
reply(struct conn *c, const char *fmt, ...)
{
	char line[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line) - 2, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(line) - 2)
		die(FAIL_OS, "reply too long");
	memcpy(line + n, "\r\n", 2);
	n += 2;
	if (c->outlen + n > sizeof(c->out))
		flush(c);
	memcpy(c->out + c->outlen, line, n);
	c->outlen += n;
}

/*
 * Reads more input after the unread part, keeping BEHIND bytes before it
 * (the end of data is "\r\n.\r\n", and its CRLF may be in the last read).
 * Returns the number of bytes read, 0 at the end of input or on error.
 */
static size_t
fill(struct conn *c)
{
	ssize_t r;

	if (c->start == c->end || BEHIND + IN_SIZE - c->end < IN_SIZE / 2) {
		size_t keep = c->end - c->start + BEHIND;

		memmove(c->in, c->in + c->start - BEHIND, keep);
		c->start = BEHIND;
		c->end = keep;
	}
	for (;;) {
		if (c->tls)
			r = gnutls_record_recv(c->tls, c->in + c->end,
			    BEHIND + IN_SIZE - c->end);
		else
			r = recv(c->fd, c->in + c->end,
			    BEHIND + IN_SIZE - c->end, 0);
		if (interrupted(c, r))
			continue;
		if (r <= 0)
			return 0;
		c->end += r;
		return r;
	}
}

static void
reset(struct conn *c)
{
	c->mail = c->rcpts = 0;
	c->octets = c->chunks = 0;
}

/*
 * The message is in: with -v, a line such as
 * "sink: message 3: 1234 octets by 2 BDAT, TLS1.3, AUTH PLAIN".
 */
static void
done_message(struct conn *c)
{
	const char *proto = "plaintext";
	char via[32] = "DATA";

	opt.messages++;
	if (c->chunks)
		snprintf(via, sizeof(via), "%lu BDAT", c->chunks);
	if (c->tls)
		proto = gnutls_protocol_get_name(
		    gnutls_protocol_get_version(c->tls));
	if (opt.verbose)
		fprintf(stderr, "sink: message %lu: %llu octets by %s, %s%s, "
		    "%s%s\n", opt.messages, c->octets, via, proto,
		    c->tls && gnutls_session_is_resumed(c->tls) ? " resumed" :
		    "", c->mech ? "AUTH " : "no AUTH", c->mech ? c->mech : "");
	reply(c, "250 Ok: %llu octets", c->octets);
	reset(c);
}

/*
 * GnuTLS reads a record in two small reads, header and body; here one
 * recv(2) takes many records at once.
 */
static ssize_t
tls_pull(gnutls_transport_ptr_t p, void *buf, size_t n)
{
	struct conn *c = p;

	if (c->rawoff == c->rawlen) {
		ssize_t r = recv(c->fd, c->raw, RAW_SIZE, 0);

		if (r <= 0)
			return r;
		c->rawoff = 0;
		c->rawlen = r;
	}
	if (n > c->rawlen - c->rawoff)
		n = c->rawlen - c->rawoff;
	memcpy(buf, c->raw + c->rawoff, n);
	c->rawoff += n;
	return n;
}

static ssize_t
tls_push(gnutls_transport_ptr_t p, const void *buf, size_t n)
{
	return send(((struct conn *)p)->fd, buf, n, MSG_NOSIGNAL);
}

static int
tls_pull_timeout(gnutls_transport_ptr_t p, unsigned int ms)
{
	struct conn *c = p;
	struct pollfd pfd = { .fd = c->fd, .events = POLLIN };

	if (c->rawoff < c->rawlen)
		return 1;
	return poll(&pfd, 1, ms == GNUTLS_INDEFINITE_TIMEOUT ? -1 : (int)ms);
}

static int
handshake(struct conn *c)
{
	int r;

	if (gnutls_init(&c->tls, GNUTLS_SERVER) < 0)
		die(FAIL_OS, "gnutls_init failed");
	if (gnutls_set_default_priority(c->tls) < 0 ||
	    gnutls_credentials_set(c->tls, GNUTLS_CRD_CERTIFICATE,
	    opt.cred) < 0)
		die(FAIL_OS, "cannot set up a TLS session");
	if (opt.tickets && gnutls_session_ticket_enable_server(c->tls,
	    &opt.ticket_key) < 0)
		die(FAIL_OS, "cannot enable session tickets");
	gnutls_transport_set_ptr(c->tls, c);
	gnutls_transport_set_push_function(c->tls, tls_push);
	gnutls_transport_set_pull_function(c->tls, tls_pull);
	gnutls_transport_set_pull_timeout_function(c->tls, tls_pull_timeout);
	c->rawoff = c->rawlen = 0;
	gnutls_handshake_set_timeout(c->tls, IDLE_SECONDS * 1000);
	do
		r = gnutls_handshake(c->tls);
	while (r < 0 && !gnutls_error_is_fatal(r));
	if (r < 0) {
		if (opt.verbose)
			fprintf(stderr, "sink: TLS handshake failed: %s\n",
			    gnutls_strerror(r));
		return -1;
	}
	/* what came before TLS is forgotten, and so is the plaintext session */
	c->start = c->end = BEHIND;
	c->hello = 0;
	reset(c);
	return 0;
}

static void
ehlo(struct conn *c)
{
	const char *ext[8];
	size_t n = 0;

	if (opt.pipelining)
		ext[n++] = "PIPELINING";
	ext[n++] = "8BITMIME";
	ext[n++] = "SIZE 1073741824";
	if (opt.chunking)
		ext[n++] = "CHUNKING";
	if (opt.starttls && !c->tls)
		ext[n++] = "STARTTLS";
	if (opt.auth && c->tls && !c->mech)
		ext[n++] = "AUTH PLAIN LOGIN";
	reply(c, "250-127.0.0.1 sink");
	for (size_t i = 0; i < n; i++)
		reply(c, "250%c%s", i + 1 < n ? '-' : ' ', ext[i]);
}

/* "BDAT size [LAST]": 0, or -1 if malformed. */
static int
parse_bdat(struct conn *c, const char *arg)
{
	char *end;

	if (*arg < '0' || *arg > '9')
		return -1;
	errno = 0;
	c->left = strtoull(arg, &end, 10);
	if (errno || end - arg > 12)
		return -1;
	c->last = strcasecmp(end, " LAST") == 0;
	return *end == '\0' || c->last ? 0 : -1;
}

static int
verb(const char *line, const char *v)
{
	size_t n = strlen(v);

	return strncasecmp(line, v, n) == 0 &&
	    (line[n] == '\0' || line[n] == ' ' || v[n - 1] == ':');
}

static void
command(struct conn *c, const char *line)
{
	if (verb(line, "EHLO") || verb(line, "HELO")) {
		c->hello = 1;
		reset(c);
		if (toupper((unsigned char)line[0]) == 'E')
			ehlo(c);
		else
			reply(c, "250 127.0.0.1 sink");
	} else if (verb(line, "STARTTLS")) {
		if (!opt.starttls || c->tls) {
			reply(c, "502 STARTTLS not offered");
			return;
		}
		reply(c, "220 Ready to start TLS");
		if (flush(c) == 0 && handshake(c) == 0)
			return;
		c->mode = M_CLOSE;
	} else if (verb(line, "AUTH")) {
		const char *arg = line + 4 + strspn(line + 4, " ");
		size_t n = strcspn(arg, " ");
		int initial = arg[n] == ' ';

		if (!opt.auth || !c->tls || c->mech || c->mail)
			reply(c, "503 AUTH not allowed now");
		else if (n == 5 && strncasecmp(arg, "PLAIN", 5) == 0) {
			c->mech = "PLAIN";
			if (initial)
				reply(c, "235 Authenticated");
			else {
				c->mode = M_AUTH_PLAIN;
				reply(c, "334 ");
			}
		} else if (n == 5 && strncasecmp(arg, "LOGIN", 5) == 0) {
			c->mech = "LOGIN";
			c->mode = initial ? M_AUTH_PASS : M_AUTH_USER;
			/* "Password:" or "Username:" */
			reply(c, "334 %s", initial ? "UGFzc3dvcmQ6" :
			    "VXNlcm5hbWU6");
		} else
			reply(c, "504 Unrecognized authentication type");
	} else if (verb(line, "MAIL FROM:")) {
		if (!c->hello || c->mail)
			reply(c, "503 Bad sequence of commands");
		else {
			c->mail = 1;
			reply(c, "250 Ok");
		}
	} else if (verb(line, "RCPT TO:")) {
		if (!c->mail)
			reply(c, "503 Need MAIL first");
		else {
			c->rcpts++;
			reply(c, "250 Ok");
		}
	} else if (verb(line, "DATA")) {
		if (!c->rcpts)
			reply(c, "503 Need RCPT first");
		else {
			c->mode = M_DATA;
			reply(c, "354 End data with <CR><LF>.<CR><LF>");
		}
	} else if (verb(line, "BDAT")) {
		if (!opt.chunking || parse_bdat(c, line + 5) == -1) {
			/* the size is unknown: the session can't go on */
			reply(c, "501 Syntax: BDAT size [LAST]");
			c->mode = M_CLOSE;
			return;
		}
		c->refused = !c->rcpts;
		c->chunks++;
		c->mode = M_BDAT;
	} else if (verb(line, "RSET")) {
		reset(c);
		reply(c, "250 Ok");
	} else if (verb(line, "NOOP")) {
		reply(c, "250 Ok");
	} else if (verb(line, "QUIT")) {
		reply(c, "221 Bye");
		c->mode = M_CLOSE;
	} else
		reply(c, "500 Command not recognized");
}

/* One input line; 1 handled, 0 needs more input. */
static int
take_line(struct conn *c)
{
	char line[LINE_MAX_LEN + 1];
	char *p = c->in + c->start, *nl;
	size_t n = c->end - c->start;

	if (!(nl = memchr(p, '\n', n))) {
		if (n <= LINE_MAX_LEN)
			return 0;
		reply(c, "500 Line too long");
		c->mode = M_CLOSE;
		return 1;
	}
	n = nl - p;
	c->start += n + 1;
	if (n > 0 && p[n - 1] == '\r')
		n--;
	if (n > LINE_MAX_LEN) {
		reply(c, "500 Line too long");
		c->mode = M_CLOSE;
		return 1;
	}
	memcpy(line, p, n);
	line[n] = '\0';
	if (c->mode == M_COMMAND) {
		command(c, line);
		return 1;
	}
	/* an AUTH response: anything goes, "*" cancels */
	if (strcmp(line, "*") == 0) {
		c->mech = NULL;
		c->mode = M_COMMAND;
		reply(c, "501 Authentication cancelled");
	} else if (c->mode == M_AUTH_USER) {
		c->mode = M_AUTH_PASS;
		reply(c, "334 UGFzc3dvcmQ6");
	} else {
		c->mode = M_COMMAND;
		reply(c, "235 Authenticated");
	}
	return 1;
}

/*
 * Message data after DATA, up to "\r\n.\r\n": only a '.' can start the
 * end, and base64 has none, so memchr runs over whole reads. The CRLF
 * before the dot may have come in the previous read (BEHIND keeps it);
 * if the two bytes after a dot are still to come, the scan stops at the
 * dot. Returns 1 at the end of the message, 0 if it needs more input.
 */
static int
take_data(struct conn *c)
{
	const char *in = c->in;
	size_t i = c->start;

	while (i < c->end) {
		const char *dot = memchr(in + i, '.', c->end - i);
		size_t p;

		if (!dot) {
			i = c->end;
			break;
		}
		p = dot - in;
		if (in[p - 1] != '\n' || in[p - 2] != '\r') {
			i = p + 1;
			continue;
		}
		if (c->end - p < 3) {
			i = p;
			break;
		}
		if (in[p + 1] == '\r' && in[p + 2] == '\n') {
			c->octets += p - c->start;
			c->start = p + 3;
			c->mode = M_COMMAND;
			done_message(c);
			return 1;
		}
		i = p + 1;
	}
	c->octets += i - c->start;
	c->start = i;
	return 0;
}

/* A BDAT chunk: 1 when all of it is in, 0 if it needs more input. */
static int
take_chunk(struct conn *c)
{
	size_t n = c->end - c->start;

	if (n > c->left)
		n = c->left;
	c->start += n;
	c->left -= n;
	c->octets += n;
	if (c->left > 0)
		return 0;
	c->mode = M_COMMAND;
	if (c->refused)
		reply(c, "503 Need RCPT first");
	else if (c->last)
		done_message(c);
	else
		reply(c, "250 Ok: %llu octets", c->octets);
	return 1;
}

static void
session(struct conn *c)
{
	c->start = c->end = BEHIND;
	memcpy(c->in, "\r\n", BEHIND);
	c->outlen = 0;
	c->mode = M_COMMAND;
	c->tls = NULL;
	c->hello = 0;
	c->mech = NULL;
	reset(c);
	if (opt.tls && handshake(c) == -1)
		c->mode = M_CLOSE;
	else
		reply(c, "220 127.0.0.1 ESMTP sink");
	while (c->mode != M_CLOSE) {
		int r;

		if (c->mode == M_DATA)
			r = take_data(c);
		else if (c->mode == M_BDAT)
			r = take_chunk(c);
		else
			r = take_line(c);
		/* replies go out when no complete command is left */
		if (r == 0 && (flush(c) == -1 || fill(c) == 0))
			break;
	}
	flush(c);
	if (c->tls) {
		gnutls_deinit(c->tls);
		c->tls = NULL;
	}
}

static int
listen_local(void)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);
	int fd;

	if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		die(FAIL_OS, "socket:");
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin.sin_port = 0;
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1)
		die(FAIL_OS, "bind:");
	if (listen(fd, 16) == -1)
		die(FAIL_OS, "listen:");
	if (getsockname(fd, (struct sockaddr *)&sin, &len) == -1)
		die(FAIL_OS, "getsockname:");
	if (opt.print_port) {
		printf("%u\n", ntohs(sin.sin_port));
		fflush(stdout);
	}
	return fd;
}

static void
load_cert(const char *cert, const char *key)
{
	int r;

	if (gnutls_certificate_allocate_credentials(&opt.cred) < 0)
		die(FAIL_OS, "cannot allocate TLS credentials");
	r = gnutls_certificate_set_x509_key_file(opt.cred, cert, key,
	    GNUTLS_X509_FMT_PEM);
	if (r < 0)
		die(FAIL_OS, "%s, %s: %s", cert, key, gnutls_strerror(r));
}

int
main(int argc, char *argv[])
{
	struct timeval idle = { .tv_sec = IDLE_SECONDS };
	struct conn c;
	int lfd, one = 1;

	progname = "sink";
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if ((!strcmp(a, "--starttls") || !strcmp(a, "--tls")) &&
		    i + 2 < argc) {
			if (opt.cred)
				usage();
			opt.starttls = a[2] == 's';
			opt.tls = !opt.starttls;
			load_cert(argv[i + 1], argv[i + 2]);
			i += 2;
		} else if (!strcmp(a, "--auth"))
			opt.auth = 1;
		else if (!strcmp(a, "--tickets")) {
			opt.tickets = 1;
			if (gnutls_session_ticket_key_generate(&opt.ticket_key) < 0)
				die(FAIL_OS, "cannot make a ticket key");
		}
		else if (!strcmp(a, "--chunking"))
			opt.chunking = 1;
		else if (!strcmp(a, "--pipelining"))
			opt.pipelining = 1;
		else if (!strcmp(a, "--no-pipelining"))
			opt.pipelining = 0;
		else if (a[0] == '-' && a[1] != '-' && a[1] != '\0') {
			for (const char *f = a + 1; *f; f++) {
				if (*f == 'p')
					opt.print_port = 1;
				else if (*f == 'v')
					opt.verbose = 1;
				else
					usage();
			}
		} else
			usage();
	}
	signal(SIGPIPE, SIG_IGN);
	if (!(c.in = malloc(BEHIND + IN_SIZE)) || !(c.raw = malloc(RAW_SIZE)))
		die(FAIL_OS, "out of memory");
	lfd = listen_local();
	for (;;) {
		if ((c.fd = accept(lfd, NULL, NULL)) == -1) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			die(FAIL_OS, "accept:");
		}
		setsockopt(c.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		setsockopt(c.fd, SOL_SOCKET, SO_RCVTIMEO, &idle, sizeof(idle));
		setsockopt(c.fd, SOL_SOCKET, SO_SNDTIMEO, &idle, sizeof(idle));
		session(&c);
		close(c.fd);
	}
}
