/*
 * serve.c: sendmail -bs, an SMTP dialogue on stdin and stdout (Symfony
 * Mailer and Alpine submit this way). Each message is spooled to an
 * unlinked file, then relayed by a child running the ordinary submission
 * path; the final dot is answered with the relay's outcome, so 250 means
 * the relay took the message. A recipient the relay rejects fails the
 * whole message: no message goes to only some recipients, so a client
 * that tries again sends no duplicates.
 */

#include <sys/wait.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "util.h"
#include "addr.h"
#include "serve.h"
#include "submit.h"

#define LINE_MAX_LEN	1000	/* RFC 5321 4.5.3.1.4, command lines */
#define MAX_RCPTS	1000
#define REPORT_MAX	2048

struct session {
	char in[64 * 1024];
	size_t inoff, inlen;
	int eof;
	int in_mail;
	char *sender;
	struct strlist rcpts;
	int body;		/* BODY= of MAIL: 7, 8 or 0 */
};

static void
reply(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fputs("\r\n", stdout);
}

/* Replies wait in stdio until the client can't send more without them. */
static int
fill(struct session *s)
{
	ssize_t n;

	if (s->inoff > 0) {
		memmove(s->in, s->in + s->inoff, s->inlen - s->inoff);
		s->inlen -= s->inoff;
		s->inoff = 0;
	}
	fflush(stdout);
	while ((n = read(0, s->in + s->inlen, sizeof(s->in) - s->inlen)) < 0)
		if (errno != EINTR)
			return -1;
	if (n == 0)
		s->eof = 1;
	s->inlen += n;
	return n;
}

/*
 * The next line, LF or CRLF ended, without its end. Returns its length,
 * -1 at the end of input, -2 for a line longer than max (skipped).
 */
static long
next_line(struct session *s, char **line, size_t max)
{
	int too_long = 0;

	for (;;) {
		char *p = s->in + s->inoff;
		size_t avail = s->inlen - s->inoff;
		char *nl = memchr(p, '\n', avail);

		if (nl) {
			size_t len = nl - p;

			s->inoff += len + 1;
			if (len > 0 && p[len - 1] == '\r')
				len--;
			if (too_long || len > max)
				return -2;
			*line = p;
			p[len] = '\0';
			return len;
		}
		if (s->eof)
			return -1;
		if (avail == sizeof(s->in)) {
			too_long = 1;	/* drop what we have, keep reading */
			s->inoff = s->inlen;
		}
		if (fill(s) < 0)
			return -1;
	}
}

static void
reset(struct session *s)
{
	free(s->sender);
	s->sender = NULL;
	strlist_free(&s->rcpts);
	s->in_mail = 0;
	s->body = 0;
}

/* The address in "<...>" after FROM: or TO:, and what follows it. */
static char *
path_arg(char *arg, char **params)
{
	char *lt, *gt;

	arg += strspn(arg, " ");
	if (*arg != '<' || !(gt = strchr(arg, '>')))
		return NULL;
	lt = arg + 1;
	*gt = '\0';
	*params = gt + 1;
	/* a source route is obsolete: "<@a,@b:user@c>" is user@c */
	if (*lt == '@' && strchr(lt, ':'))
		lt = strchr(lt, ':') + 1;
	return lt;
}

static void
do_mail(struct session *s, char *arg)
{
	char *params, *addr = path_arg(arg, &params), *p;

	if (s->in_mail) {
		reply("503 5.5.1 sender already given");
		return;
	}
	if (!addr || (*addr && addr_check(addr))) {
		reply("501 5.1.7 bad sender address");
		return;
	}
	for (p = strtok(params, " "); p; p = strtok(NULL, " ")) {
		if (!strcasecmp(p, "BODY=8BITMIME"))
			s->body = 8;
		else if (!strcasecmp(p, "BODY=7BIT"))
			s->body = 7;
		else if (strcasecmp(p, "SMTPUTF8") && strncasecmp(p, "SIZE=", 5)) {
			reply("555 5.5.4 unsupported parameter %s", p);
			return;
		}
	}
	s->sender = xstrdup(addr);
	s->in_mail = 1;
	reply("250 2.1.0 sender ok");
}

static void
do_rcpt(struct session *s, char *arg)
{
	char *params, *addr = path_arg(arg, &params);

	if (!s->in_mail) {
		reply("503 5.5.1 need MAIL first");
		return;
	}
	if (!addr || !*addr || addr_check(addr)) {
		reply("501 5.1.3 bad recipient address");
		return;
	}
	if (params[strspn(params, " ")]) {
		reply("555 5.5.4 unsupported parameter");
		return;
	}
	if (s->rcpts.n >= MAX_RCPTS) {
		reply("452 4.5.3 too many recipients");
		return;
	}
	strlist_add(&s->rcpts, xstrdup(addr));
	reply("250 2.1.5 recipient ok");
}

/* Copies the message to an unlinked file, undoing dot-stuffing. */
static int
spool(struct session *s, FILE *out)
{
	for (;;) {
		char *p = s->in + s->inoff, *nl;
		size_t avail = s->inlen - s->inoff, len;

		if (!(nl = memchr(p, '\n', avail))) {
			if (s->eof)
				return -1;
			if (avail == sizeof(s->in)) {
				/* a long line: pass on what we have */
				if (fwrite(p, 1, avail, out) != avail)
					return -2;
				s->inoff = s->inlen;
			}
			if (fill(s) < 0)
				return -1;
			continue;
		}
		len = nl - p + 1;
		s->inoff += len;
		if ((len == 2 && p[0] == '.') ||
		    (len == 3 && p[0] == '.' && p[1] == '\r'))
			return fflush(out) == 0 ? 0 : -2;
		if (*p == '.') {
			p++;
			len--;
		}
		if (fwrite(p, 1, len, out) != len)
			return -2;
	}
}

/* The reply that tells the client what relaying the message did. */
static void
outcome(int status, char *report)
{
	static const struct { int status; const char *code; } map[] = {
		{ 65, "554 5.6.0" }, { 67, "550 5.1.1" }, { 69, "554 5.0.0" },
		{ 64, "501 5.5.4" },
	};
	const char *code = "451 4.3.0";
	char *line, *next, *save;
	int lines = 0;

	if (status == 0) {
		reply("250 2.0.0 message accepted by the relay");
		return;
	}
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (map[i].status == status)
			code = map[i].code;
	/* the child's messages, one reply line each; traces stay out */
	for (line = strtok_r(report, "\n", &save); line; line = next) {
		next = strtok_r(NULL, "\n", &save);
		if (strncmp(line, "smtpsend: ", 10))
			continue;
		while (next && strncmp(next, "smtpsend: ", 10))
			next = strtok_r(NULL, "\n", &save);
		printf("%.3s%c%s %s\r\n", code, next ? '-' : ' ', code + 4,
		    line + 10);
		lines++;
	}
	if (!lines)
		reply("%s message not relayed (status %d)", code, status);
}

static void
relay(struct session *s, const struct options *base, FILE *spooled)
{
	struct options o = *base;
	char report[REPORT_MAX + 1];
	int pfd[2], status;
	size_t n = 0;
	ssize_t r;
	pid_t pid;

	fflush(stdout);
	if (pipe(pfd) == -1 || (pid = fork()) == -1) {
		reply("451 4.3.0 cannot relay now: %s", strerror(errno));
		return;
	}
	if (pid == 0) {
		dup2(pfd[1], 2);
		close(pfd[0]);
		close(pfd[1]);
		/* the child must never speak on the client's channel */
		if (!freopen("/dev/null", "w", stdout))
			_exit(exit_status(FAIL_OS));
		o.sender = s->sender;
		o.rcpts = s->rcpts.v;
		o.nrcpts = s->rcpts.n;
		o.extract = 0;
		o.dot_ends = 0;
		o.all_or_nothing = 1;
		if (s->body)
			o.body = s->body;
		rewind(spooled);
		_exit(exit_status(submit(&o, fileno(spooled))));
	}
	close(pfd[1]);
	while ((r = read(pfd[0], report + n, REPORT_MAX - n)) != 0) {
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			break;
		/* what the child says goes to our stderr too, for the log */
		fwrite(report + n, 1, r, stderr);
		n += r;
		if (n == REPORT_MAX) {
			char sink[4096];

			while ((r = read(pfd[0], sink, sizeof(sink))) > 0 ||
			    (r < 0 && errno == EINTR))
				if (r > 0)
					fwrite(sink, 1, r, stderr);
			break;
		}
	}
	report[n] = '\0';
	close(pfd[0]);
	while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
		;
	outcome(WIFEXITED(status) ? WEXITSTATUS(status) : 75, report);
}

static void
do_data(struct session *s, const struct options *o)
{
	FILE *spooled;
	int r;

	if (!s->in_mail || s->rcpts.n == 0) {
		reply("503 5.5.1 need RCPT first");
		return;
	}
	if (!(spooled = tmpfile())) {
		reply("451 4.3.0 cannot spool the message: %s", strerror(errno));
		return;
	}
	reply("354 end data with <CR><LF>.<CR><LF>");
	fflush(stdout);
	r = spool(s, spooled);
	if (r == -1) {
		fclose(spooled);
		return;		/* the client went away mid-message */
	}
	if (r == -2)
		reply("451 4.3.0 cannot spool the message: %s", strerror(errno));
	else
		relay(s, o, spooled);
	fclose(spooled);
	reset(s);
}

int
serve(const struct options *o)
{
	struct session s;
	char *line;
	long n;

	memset(&s, 0, sizeof(s));
	reply("220 %s ESMTP smtpsend", host_name());
	while ((n = next_line(&s, &line, LINE_MAX_LEN)) != -1) {
		char *arg;

		if (n == -2) {
			reply("500 5.5.2 line too long");
			continue;
		}
		if (strpbrk(line, "\r") || strlen(line) != (size_t)n) {
			reply("500 5.5.2 bad characters in command");
			continue;
		}
		arg = line + strcspn(line, " ");
		if (*arg)
			*arg++ = '\0';
		if (!strcasecmp(line, "EHLO")) {
			reset(&s);
			reply("250-%s", host_name());
			reply("250-PIPELINING");
			reply("250-8BITMIME");
			reply("250-SMTPUTF8");
			reply("250 ENHANCEDSTATUSCODES");
		} else if (!strcasecmp(line, "HELO")) {
			reset(&s);
			reply("250 %s", host_name());
		} else if (!strcasecmp(line, "MAIL") &&
		    !strncasecmp(arg, "FROM:", 5)) {
			do_mail(&s, arg + 5);
		} else if (!strcasecmp(line, "RCPT") &&
		    !strncasecmp(arg, "TO:", 3)) {
			do_rcpt(&s, arg + 3);
		} else if (!strcasecmp(line, "DATA")) {
			do_data(&s, o);
		} else if (!strcasecmp(line, "RSET")) {
			reset(&s);
			reply("250 2.0.0 reset");
		} else if (!strcasecmp(line, "NOOP")) {
			reply("250 2.0.0 ok");
		} else if (!strcasecmp(line, "VRFY")) {
			reply("252 2.5.0 cannot verify, but will try");
		} else if (!strcasecmp(line, "HELP")) {
			reply("214 2.0.0 EHLO HELO MAIL RCPT DATA RSET NOOP "
			    "VRFY QUIT");
		} else if (!strcasecmp(line, "QUIT")) {
			reply("221 2.0.0 bye");
			break;
		} else {
			reply("500 5.5.2 command not recognized");
		}
	}
	fflush(stdout);
	/* a client gone mid-transaction got no answer: nothing was relayed */
	n = s.eof && s.in_mail;
	reset(&s);
	return n ? exit_status(FAIL_TEMP) : 0;
}
