/*
 * net.c: the connection. Commands are collected in one output buffer and
 * written with one flush just before a reply is awaited, never one write
 * per line; with TCP_NODELAY that flush goes out at once instead of
 * waiting for a delayed ACK (Nagle). Every wait has a deadline.
 */

#include <sys/socket.h>
#include <sys/types.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "net.h"
#include "tls.h"
#include "util.h"

/* Waits for fd to be ready; 1 ready, 0 timed out, -1 error. */
static int
wait_fd(int fd, short events, long long deadline)
{
	struct pollfd pfd = { .fd = fd, .events = events };
	long long left;
	int r;

	for (;;) {
		left = deadline - now_ms();
		if (left < 0)
			left = 0;
		r = poll(&pfd, 1, (int)left);
		if (r >= 0 || errno != EINTR)
			return r > 0 ? 1 : r;
	}
}

/* seconds from now, but never past the end of the session */
long long
conn_deadline(const struct conn *c, int seconds)
{
	long long d = now_ms() + seconds * 1000LL;

	return c->session_end && c->session_end < d ? c->session_end : d;
}

/* What a timed-out wait says: its own limit, or the session's. */
static void
timed_out(struct conn *c, const char *what)
{
	c->timed_out = 1;
	if (c->session_end && now_ms() >= c->session_end)
		snprintf(c->err, sizeof(c->err), "timed out %s: the session "
		    "took longer than timeout_session (%d s)", what,
		    c->session_limit);
	else
		snprintf(c->err, sizeof(c->err), "timed out after %d s %s",
		    c->timeout, what);
}

static int
is_loopback(const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const void *)sa;

		return (ntohl(in->sin_addr.s_addr) >> 24) == 127;
	}
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const void *)sa;
		const unsigned char *a = in6->sin6_addr.s6_addr;

		if (IN6_IS_ADDR_LOOPBACK(&in6->sin6_addr))
			return 1;
		return IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr) && a[12] == 127;
	}
	return 0;
}

static int
try_connect(struct conn *c, const struct addrinfo *ai, const char *host,
    const char *port, int timeout)
{
	int fd, err = 0, one = 1;
	socklen_t len = sizeof(err);

	fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC |
	    SOCK_NONBLOCK, ai->ai_protocol);
	if (fd == -1) {
		snprintf(c->err, sizeof(c->err), "socket: %s", strerror(errno));
		return -1;
	}
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) == -1) {
		if (errno != EINPROGRESS) {
			err = errno;
		} else {
			int r = wait_fd(fd, POLLOUT, conn_deadline(c, timeout));

			if (r == 0)
				err = ETIMEDOUT;
			else if (r < 0 || getsockopt(fd, SOL_SOCKET, SO_ERROR,
			    &err, &len) == -1)
				err = errno;
		}
	}
	if (err) {
		snprintf(c->err, sizeof(c->err), "cannot connect to %s port "
		    "%s: %s", host, port, strerror(err));
		close(fd);
		return -1;
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	c->fd = fd;
	c->loopback = is_loopback(ai->ai_addr);
	return 0;
}

int
conn_open(struct conn *c, const char *host, const char *port, int timeout,
    int session)
{
	struct addrinfo hints, *res, *ai;
	int r;

	memset(c, 0, sizeof(*c));
	c->fd = -1;
	c->timeout = timeout;
	c->session_limit = session;
	c->session_end = now_ms() + session * 1000LL;
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	/* an address needs no resolver at all */
	hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
	if ((r = getaddrinfo(host, port, &hints, &res)) == EAI_NONAME) {
		hints.ai_flags = AI_NUMERICSERV | AI_ADDRCONFIG;
		r = getaddrinfo(host, port, &hints, &res);
	}
	if (r != 0) {
		snprintf(c->err, sizeof(c->err), "cannot resolve host %s: %s",
		    host, gai_strerror(r));
		return -1;
	}
	c->resolved = 1;
	for (ai = res; ai && now_ms() < c->session_end; ai = ai->ai_next)
		if (try_connect(c, ai, host, port, timeout) == 0)
			break;
	freeaddrinfo(res);
	if (c->fd == -1)
		return -1;
	c->out = xmalloc(NET_OUT_SIZE);
	return 0;
}

int
conn_attach(struct conn *c, int fd, int timeout, int session)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	int flags = fcntl(fd, F_GETFL), one = 1;

	memset(c, 0, sizeof(*c));
	c->fd = -1;
	c->timeout = timeout;
	c->session_limit = session;
	c->session_end = now_ms() + session * 1000LL;
	if (flags == -1 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) == -1) {
		snprintf(c->err, sizeof(c->err), "fcntl: %s", strerror(errno));
		return -1;
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	/* a socket of this machine's own (AF_UNIX) is as local as loopback */
	if (getpeername(fd, (struct sockaddr *)&ss, &len) == 0)
		c->loopback = ss.ss_family == AF_UNIX ||
		    is_loopback((struct sockaddr *)&ss);
	c->fd = fd;
	c->out = xmalloc(NET_OUT_SIZE);
	return 0;
}

/* Drives the handshake with the same deadlines as everything else. */
int
conn_starttls(struct conn *c, const struct tls_params *p)
{
	long long deadline = conn_deadline(c, c->timeout);
	int r;

	if (!(c->tls = tls_new(c->fd, p, c->err, sizeof(c->err))))
		return -1;
	while ((r = tls_handshake(c->tls, c->err, sizeof(c->err))) != 0) {
		if (r == TLS_ERROR)
			return -1;
		r = wait_fd(c->fd, r == TLS_WANT_WRITE ? POLLOUT : POLLIN,
		    deadline);
		if (r < 0) {
			snprintf(c->err, sizeof(c->err), "TLS handshake failed: "
			    "poll error");
			return -1;
		}
		if (r == 0) {
			timed_out(c, "in the TLS handshake");
			return -1;
		}
	}
	return 0;
}

/* A reset or a broken pipe: the server closed, as for end of file. */
static int
closed_by_peer(void)
{
	return errno == ECONNRESET || errno == EPIPE;
}

static ssize_t
sock_write(struct conn *c, const char *p, size_t n)
{
	ssize_t r = send(c->fd, p, n, MSG_NOSIGNAL);

	if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
		return TLS_WANT_WRITE;
	return r < 0 ? TLS_ERROR : r;
}

/*
 * Writes p to the socket, waiting while it is full; -1 with err set. Each
 * wait for room has the phase's timeout (RFC 5321 4.5.3.2: per send), and
 * none goes past the end of the session, however slowly the server reads.
 */
static int
send_all(struct conn *c, const char *p, size_t n)
{
	long long deadline = conn_deadline(c, c->timeout);
	size_t done = 0;

	while (done < n) {
		ssize_t r = sock_write(c, p + done, n - done);

		if (r > 0) {
			done += r;
			deadline = conn_deadline(c, c->timeout);
			continue;
		}
		if (r == TLS_ERROR) {
			if (closed_by_peer())
				snprintf(c->err, sizeof(c->err), "connection "
				    "closed by the server");
			else
				snprintf(c->err, sizeof(c->err), "connection "
				    "lost while sending: %s", strerror(errno));
			return -1;
		}
		if ((r = wait_fd(c->fd, POLLOUT, deadline)) < 0) {
			snprintf(c->err, sizeof(c->err), "poll error while "
			    "sending: %s", strerror(errno));
			return -1;
		}
		if (r == 0) {
			timed_out(c, "while sending");
			return -1;
		}
	}
	return 0;
}

/* Credentials don't stay in the buffer after they went out. */
static void
wipe_secret(struct conn *c)
{
	if (c->secret && c->out) {
		explicit_bzero(c->out, NET_OUT_SIZE);
		c->secret = 0;
	}
}

int
conn_flush(struct conn *c)
{
	return conn_flush_from(c, 0);
}

/*
 * Writes out[from..outlen): lets a chunk's head be put in front of it.
 * With TLS the whole flush is sealed first, so its records go out in
 * one write rather than one each.
 */
int
conn_flush_from(struct conn *c, size_t from)
{
	const char *p = c->out + from;
	size_t n = c->outlen > from ? c->outlen - from : 0;

	if (c->failed)
		return -1;
	if (c->tls && n > 0 && tls_seal(c->tls, p, n, &p, &n) == TLS_ERROR) {
		snprintf(c->err, sizeof(c->err), "TLS error while sending: %s",
		    tls_error(c->tls));
		c->failed = 1;
		return -1;
	}
	if (send_all(c, p, n) == -1) {
		c->failed = 1;
		wipe_secret(c);
		return -1;
	}
	wipe_secret(c);
	c->outlen = 0;
	return 0;
}

char *
conn_space(struct conn *c, size_t need)
{
	if (c->outlen + need > NET_OUT_SIZE)
		conn_flush(c);
	if (c->failed)
		c->outlen = 0;	/* keep going quietly; the next flush fails */
	return c->out + c->outlen;
}

void
conn_commit(struct conn *c, size_t n)
{
	c->outlen += n;
}

void
conn_put(struct conn *c, const void *p, size_t n)
{
	while (n > 0) {
		size_t chunk = n > NET_OUT_SIZE ? NET_OUT_SIZE : n;

		memcpy(conn_space(c, chunk), p, chunk);
		conn_commit(c, chunk);
		p = (const char *)p + chunk;
		n -= chunk;
	}
}

void
conn_puts(struct conn *c, const char *s)
{
	conn_put(c, s, strlen(s));
}

void
conn_put_secret(struct conn *c, const void *p, size_t n)
{
	conn_put(c, p, n);
	c->secret = 1;
}

static ssize_t
raw_read(struct conn *c, char *p, size_t n)
{
	ssize_t r;

	if (c->tls)
		return tls_read(c->tls, p, n);
	r = recv(c->fd, p, n, 0);
	if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
		return TLS_WANT_READ;
	return r < 0 ? TLS_ERROR : r;
}

/*
 * One line from the server into *line, LF excluded (a CR before it is
 * kept, for the caller to check). Waits until deadline at most.
 */
int
conn_readline(struct conn *c, char **line, size_t *len, size_t max,
    long long deadline)
{
	for (;;) {
		char *p = c->in + c->inoff, *nl;
		size_t avail = c->inlen - c->inoff;
		ssize_t r;

		if ((nl = memchr(p, '\n', avail > max ? max + 1 : avail))) {
			*line = p;
			*len = nl - p;
			c->inoff += nl - p + 1;
			return 1;
		}
		if (avail > max)
			return NET_LONG;
		if (c->inoff > 0) {
			memmove(c->in, p, avail);
			c->inlen = avail;
			c->inoff = 0;
		}
		r = raw_read(c, c->in + c->inlen, sizeof(c->in) - c->inlen);
		if (r > 0) {
			c->inlen += r;
			continue;
		}
		if (r == 0 || (r == TLS_ERROR && closed_by_peer()))
			return NET_EOF;
		if (r == TLS_ERROR) {
			snprintf(c->err, sizeof(c->err), "connection lost: %s",
			    c->tls ? tls_error(c->tls) : strerror(errno));
			return NET_FAIL;
		}
		r = wait_fd(c->fd, r == TLS_WANT_WRITE ? POLLOUT : POLLIN,
		    deadline);
		if (r < 0) {
			snprintf(c->err, sizeof(c->err), "poll error: %s",
			    strerror(errno));
			return NET_FAIL;
		}
		if (r == 0) {
			timed_out(c, "waiting for the server");
			return NET_FAIL;
		}
	}
}

/* Bytes from the server that nobody has read yet, here or in TLS. */
int
conn_has_input(struct conn *c)
{
	return c->inlen > c->inoff || (c->tls && tls_pending(c->tls) > 0);
}

/* Is something readable within timeout_ms? Does not consume it. */
int
conn_wait_input(struct conn *c, int timeout_ms)
{
	if (conn_has_input(c))
		return 1;
	return wait_fd(c->fd, POLLIN, now_ms() + timeout_ms) == 1;
}

void
conn_close(struct conn *c)
{
	tls_free(c->tls);
	c->tls = NULL;
	if (c->fd != -1)
		close(c->fd);
	c->fd = -1;
	wipe_secret(c);
	free(c->out);
	c->out = NULL;
}
