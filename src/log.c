/*
 * log.c: a line per message and outcome, for the administrator. It goes
 * to syslog and/or a logfile, as text ("msgid=<...> from=<...> to=<...>
 * relay=host[addr]:port ... status=sent (250 ...)") or as a JSON object.
 * Values are escaped as on stderr (no control byte, no invalid UTF-8);
 * the caller hands over addresses, replies and ids only, never a secret
 * or the message's content.
 *
 * Syslog is a datagram of our own (RFC 3164, as syslog(3) writes it) to
 * SYSLOG_PATH (config.mk, /dev/log): syslog(3) can't be pointed at
 * another socket, and a test must own the socket it reads. The
 * SMTPSEND_SYSLOG_SOCKET environment variable names another one, but
 * only for a user's own smtpsend: setgid, a queue run logs other users'
 * messages, which the caller must not be able to divert. It never
 * blocks: a syslog daemon that is stuck costs a line, not the mail.
 *
 * The logfile is appended to, one write(2) per line, so concurrent
 * writers never interleave. Setgid for a user (the system's config) it
 * is opened with the group's rights, never created (a file made then
 * would be the user's to truncate): root makes it, and group SPOOL_GROUP
 * may append to it (a run as root makes it so: 0620).
 */

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "util.h"
#include "log.h"

#ifndef SYSLOG_PATH
#define SYSLOG_PATH "/dev/log"
#endif

#define LOG_TO_MAX	1000	/* bytes of recipients on one line */
#define LOG_REPLY_MAX	1000	/* bytes of a reply */

static const char *ident = "smtpsend";
static int sock = -1;
static int file_fd = -1;
static char *file_path;
static int warned_syslog, warned_file;

void
log_ident(const char *tag)
{
	ident = tag;
}

static void
add_value(struct buf *b, const char *s, size_t max, int json)
{
	struct buf e = { 0 };
	size_t n = strlen(s);

	buf_add_escaped(&e, s, n > max ? max : n);
	if (!json) {
		buf_add(b, e.data, e.len);
	} else {
		buf_addstr(b, "\"");
		for (size_t i = 0; i < e.len; i++) {
			if (e.data[i] == '"' || e.data[i] == '\\')
				buf_add(b, "\\", 1);
			if (e.data[i] == '\t')
				buf_addstr(b, "\\t");
			else
				buf_add(b, e.data + i, 1);
		}
		buf_addstr(b, "\"");
	}
	buf_free(&e);
}

/* A field: " key=value" (text, value as given), or ,"key":"value". */
static void
field(struct buf *b, const char *key, const char *fmt_text, const char *v,
    int json)
{
	if (!v)
		return;
	if (json) {
		buf_printf(b, ",\"%s\":", key);
		add_value(b, v, LOG_REPLY_MAX, 1);
		return;
	}
	buf_printf(b, " %s=", key);
	buf_addstr(b, fmt_text[0] ? fmt_text : "");
	add_value(b, v, LOG_REPLY_MAX, 0);
	if (fmt_text[0])
		buf_addstr(b, ">");
}

static void
line(struct buf *b, const struct log_target *t, const struct log_msg *m,
    const struct log_rcpt *const *r, size_t n, const char *stamp)
{
	int json = t->json;
	char num[64];

	if (json)
		buf_printf(b, "{\"time\":\"%s\"", stamp);
	else
		b->len = 0;
	field(b, "queue", "", m->queue_id, json);
	field(b, "msgid", "<", m->msgid, json);
	field(b, "from", "<", m->from, json);
	if (json) {
		buf_addstr(b, ",\"to\":[");
		for (size_t i = 0; i < n; i++) {
			if (i)
				buf_addstr(b, ",");
			add_value(b, r[i]->addr, LOG_REPLY_MAX, 1);
		}
		buf_addstr(b, "]");
		field(b, "relay", "", m->relay, 1);
		field(b, "addr", "", m->addr && *m->addr ? m->addr : NULL, 1);
		if (m->port)
			buf_printf(b, ",\"port\":%d", atoi(m->port));
	} else {
		buf_addstr(b, " to=");
		for (size_t i = 0; i < n; i++) {
			buf_addstr(b, i ? ",<" : "<");
			add_value(b, r[i]->addr, LOG_REPLY_MAX, 0);
			buf_addstr(b, ">");
		}
		if (m->relay) {
			buf_addstr(b, " relay=");
			add_value(b, m->relay, LOG_REPLY_MAX, 0);
			if (m->addr && *m->addr)
				buf_printf(b, "[%s]", m->addr);
			if (m->port)
				buf_printf(b, ":%s", m->port);
		}
	}
	field(b, "tls", "", m->tls && *m->tls ? m->tls : NULL, json);
	field(b, "auth", "", m->auth, json);
	if (m->size >= 0)
		buf_printf(b, json ? ",\"size\":%lld" : " size=%lld", m->size);
	if (m->delay_ms >= 0) {
		snprintf(num, sizeof(num), "%lld.%02lld", m->delay_ms / 1000,
		    m->delay_ms % 1000 / 10);
		buf_printf(b, json ? ",\"delay\":%s" : " delay=%s", num);
	}
	if (json) {
		field(b, "status", "", r[0]->status, 1);
		field(b, "reply", "", r[0]->reply, 1);
		buf_addstr(b, "}");
		return;
	}
	buf_printf(b, " status=%s", r[0]->status);
	/* every field began with a space: not the first */
	memmove(b->data, b->data + 1, --b->len);
	if (r[0]->reply) {
		buf_addstr(b, " (");
		add_value(b, r[0]->reply, LOG_REPLY_MAX, 0);
		buf_addstr(b, ")");
	}
}

static const char *
syslog_path(void)
{
	const char *env = getenv("SMTPSEND_SYSLOG_SOCKET");

	return !privileged && env && *env ? env : SYSLOG_PATH;
}

static int
syslog_connect(const char *path)
{
	struct sockaddr_un sun;

	if (sock == -1 && (sock = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC,
	    0)) == -1)
		return -1;
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(sun.sun_path, path, strlen(path));
	return connect(sock, (struct sockaddr *)&sun, sizeof(sun));
}

/* "<22>Oct  5 14:03:01 smtpsend[123]: text", as syslog(3) sends it. */
static void
to_syslog(const struct log_target *t, const struct buf *text, time_t now)
{
	const char *path = syslog_path();
	struct buf d = { 0 };
	char stamp[32];
	struct tm tm;
	int tries = 0;

	localtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%b %e %H:%M:%S", &tm);
	buf_printf(&d, "<%d>%s %s[%ld]: ", t->facility | LOG_INFO, stamp, ident,
	    (long)getpid());
	buf_add(&d, text->data, text->len);
	while (tries++ < 2) {
		if ((sock != -1 || syslog_connect(path) == 0) &&
		    send(sock, d.data, d.len, MSG_DONTWAIT | MSG_NOSIGNAL) ==
		    (ssize_t)d.len)
			break;
		/* the daemon restarted: connect again, once */
		if (sock != -1 && errno != EAGAIN && tries == 1 &&
		    syslog_connect(path) == 0)
			continue;
		if (!warned_syslog++)
			warn("syslog %s: the line is lost:", path);
		break;
	}
	buf_free(&d);
}

static int
open_logfile(const struct log_target *t)
{
	int flags = O_WRONLY | O_APPEND | O_CLOEXEC | O_NOCTTY | O_NONBLOCK;
	struct stat st;
	int fd = open(t->file, flags);

	if (fd == -1 && errno == ENOENT && (!privileged || getuid() == 0)) {
		fd = open(t->file, flags | O_CREAT | O_EXCL, 0600);
		/* the system's: for every user's setgid smtpsend to append */
		if (fd != -1 && t->shared && geteuid() == 0 &&
		    spool_group() >= 0 && (fchown(fd, (uid_t)-1,
		    (gid_t)spool_group()) == -1 || fchmod(fd, 0620) == -1))
			warn("logfile %s: chown:", t->file);
	}
	if (fd == -1) {
		if (errno == ENOENT && privileged && getuid() != 0)
			warn("logfile %s: not there, and setgid smtpsend does not "
			    "create it: install -m 620 -g " SPOOL_GROUP
			    " /dev/null %s", t->file, t->file);
		else if (errno == EACCES && privileged)
			warn("logfile %s: group " SPOOL_GROUP " may not append "
			    "to it: chgrp " SPOOL_GROUP " %s; chmod g+w %s",
			    t->file, t->file, t->file);
		else
			warn("logfile %s:", t->file);
		return -1;
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		warn("logfile %s: not a regular file", t->file);
		close(fd);
		return -1;
	}
	return fd;
}

static void
to_file(const struct log_target *t, const struct buf *text,
    const char *stamp)
{
	struct buf d = { 0 };
	ssize_t w;

	if (file_fd != -1 && strcmp(file_path, t->file)) {
		close(file_fd);
		file_fd = -1;
	}
	if (file_fd == -1) {
		free(file_path);
		file_path = xstrdup(t->file);
		if (warned_file || (file_fd = open_logfile(t)) == -1) {
			warned_file = 1;
			return;
		}
	}
	if (!t->json)
		buf_printf(&d, "%s %s[%ld]: ", stamp, ident, (long)getpid());
	buf_add(&d, text->data, text->len);
	buf_add(&d, "\n", 1);
	/* one write: O_APPEND puts it whole at the end */
	while ((w = write(file_fd, d.data, d.len)) == -1 && errno == EINTR)
		;
	if (w != (ssize_t)d.len && !warned_file++)
		warn("logfile %s: %s", t->file, w == -1 ? strerror(errno) :
		    "short write");
	buf_free(&d);
}

static int
same(const char *a, const char *b)
{
	return a == b || (a && b && !strcmp(a, b));
}

void
log_outcome(const struct log_target *t, const struct log_msg *m,
    const struct log_rcpt *r, size_t n)
{
	const struct log_rcpt **group;
	char *done, stamp[40];
	struct buf text = { 0 };
	time_t now = time(NULL);
	struct tm tm;
	size_t i, j, k, used;

	if (t->facility < 0 && !t->file)
		return;
	localtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S%z", &tm);
	group = xmalloc((n + 1) * sizeof(*group));
	done = xmalloc(n + 1);
	memset(done, 0, n + 1);
	/* recipients with one outcome share a line, up to LOG_TO_MAX */
	for (i = 0; i < n; i++) {
		if (done[i])
			continue;
		for (j = i; j < n; ) {
			for (k = 0, used = 0; j < n && (k == 0 ||
			    used + strlen(r[j].addr) <= LOG_TO_MAX); j++) {
				if (done[j] || !same(r[j].status, r[i].status) ||
				    !same(r[j].reply, r[i].reply))
					continue;
				done[j] = 1;
				group[k++] = &r[j];
				used += strlen(r[j].addr) + 3;
			}
			if (k == 0)
				break;
			line(&text, t, m, group, k, stamp);
			if (t->facility >= 0)
				to_syslog(t, &text, now);
			if (t->file)
				to_file(t, &text, stamp);
			text.len = 0;
		}
	}
	buf_free(&text);
	free(group);
	free(done);
}

int
log_msgid(const char *hdr, size_t len, char *out, size_t outlen)
{
	const char *p = hdr, *end = hdr + len, *nl, *lt, *gt;

	/* a field starts a line; its value may be folded onto the next */
	for (; p < end; p = nl + 1) {
		if (!(nl = memchr(p, '\n', end - p)))
			nl = end;
		if (nl - p < 11 || strncasecmp(p, "Message-ID:", 11))
			continue;
		while (nl + 1 < end && (nl[1] == ' ' || nl[1] == '\t') &&
		    (nl = memchr(nl + 1, '\n', end - nl - 1)))
			;
		if (!nl)
			nl = end;
		if (!(lt = memchr(p, '<', nl - p)) ||
		    !(gt = memchr(lt, '>', nl - lt)) ||
		    (size_t)(gt - lt - 1) >= outlen)
			return 0;
		memcpy(out, lt + 1, gt - lt - 1);
		out[gt - lt - 1] = '\0';
		return 1;
	}
	return 0;
}
