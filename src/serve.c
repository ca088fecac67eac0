/*
 * serve.c: sendmail -bs, an SMTP dialogue on stdin and stdout (Symfony
 * Mailer and Alpine submit this way). Each message is spooled to an
 * unlinked file, then handed to the deliver function, which for smtpsend
 * is a child running the ordinary submission path; the final dot is
 * answered with the relay's outcome, so 250 means the relay took the
 * message. A recipient the relay rejects fails the whole message: no
 * message goes to only some recipients, so a client that tries again
 * sends no duplicates.
 *
 * Input comes through the line reader (lines.c) as pieces that say
 * whether they start a line and how they end, so neither a command nor
 * a dot is ever looked for in the middle of a line, however long.
 *
 * Line ends, and SMTP smuggling: only CRLF "." CRLF ends the data, where
 * the line before the dot ended in CRLF too (or the dot is the first
 * line after 354). Inside the data a line ended by a bare LF is taken as
 * a line end (the relay side sends it as CRLF), but a "." line ended by
 * a bare LF, or right after a bare-LF line, never ends the data: other
 * servers may see an end there, and a client (or a relay before us) that
 * sends one is either broken or smuggling a second message. Such a
 * message is read to its real end and refused with 550 5.5.2; nothing of
 * it is relayed (Postfix's smtpd_forbid_bare_newline does the same).
 * Command lines may end in a bare LF, for people typing at -bs: a
 * command line is never part of a message, so it cannot smuggle one.
 *
 * A spool that cannot be written (disk full, file size limit) is still
 * read to the final dot before the 451, so the rest of the message is
 * never taken for commands. When the client stops reading (stdout
 * closed), -bs says so in one line on stderr and exits 75 if a
 * transaction was open (nothing of it was relayed), 74 otherwise; the
 * reply to each final dot is written at once, so the line also says
 * when the last message was relayed but its 250 could not be written.
 */

#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
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
#define REPLY_TEXT_MAX	400	/* a reply line stays within 512 octets */
#define REPLY_LINES_MAX	20
#define MAX_RCPTS	1000
#define REPORT_MAX	2048

/* A lone dot is never the open piece of a longer line (see lines.h). */
_Static_assert(LINES_BUF > 2, "an open piece must be longer than a dot");

struct session {
	const struct serve_io *io;
	struct lines *in;
	char out[8192];
	size_t outlen;
	int werr;		/* errno of a failed write to the client */
	int relayed_unanswered;	/* that write held a relayed message's 250 */
	int eof;
	int in_mail;
	char *sender;
	struct strlist rcpts;
	int body;		/* BODY= of MAIL: 7, 8 or 0 */
};

/* Writes what the replies left; on failure the session is over. */
static int
flush(struct session *s)
{
	size_t off = 0;
	ssize_t n;

	while (!s->werr && off < s->outlen) {
		if ((n = write(s->io->out, s->out + off, s->outlen - off)) < 0) {
			if (errno != EINTR)
				s->werr = errno;
			continue;
		}
		off += n;
	}
	s->outlen = 0;
	return s->werr ? -1 : 0;
}

/* One reply line; the text is cut to fit a line and kept printable. */
static void
reply(struct session *s, const char *fmt, ...)
{
	char line[REPLY_TEXT_MAX + 16];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line) - 2, fmt, ap);
	va_end(ap);
	if (n < 0)
		n = 0;
	if ((size_t)n > sizeof(line) - 3)
		n = sizeof(line) - 3;
	for (int i = 0; i < n; i++)
		if ((unsigned char)line[i] < ' ' || line[i] == 0x7f)
			line[i] = '?';
	memcpy(line + n, "\r\n", 2);
	if (s->outlen + n + 2 > sizeof(s->out))
		flush(s);
	memcpy(s->out + s->outlen, line, n + 2);
	s->outlen += n + 2;
}

/* Replies wait until the client cannot send more without them. */
static ssize_t
client_read(void *ctx, char *buf, size_t len)
{
	struct session *s = ctx;

	if (flush(s) < 0) {
		errno = s->werr;
		return -1;
	}
	return s->io->read(s->io->read_ctx, buf, len);
}

/*
 * The next command line into cmd (LINE_MAX_LEN + 1 bytes): its length,
 * -2 for a line too long (read to its end), -1 at the end of the input;
 * a last line without its end is dropped.
 */
static long
next_command(struct session *s, char *cmd)
{
	struct piece pc;
	size_t n = 0;
	int too_long = 0, r;

	do {
		if ((r = lines_next(s->in, &pc)) != 1) {
			s->eof = 1;
			return -1;
		}
		if (pc.len > LINE_MAX_LEN - n)
			too_long = 1;
		if (!too_long) {
			memcpy(cmd + n, pc.p, pc.len);
			n += pc.len;
		}
	} while (pc.end == LINE_OPEN);
	if (too_long)
		return -2;
	cmd[n] = '\0';
	return n;
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
	char *params, *addr = path_arg(arg, &params), *p, *save;
	int body = 0;

	if (s->in_mail) {
		reply(s, "503 5.5.1 sender already given");
		return;
	}
	if (!addr || (*addr && addr_check(addr))) {
		reply(s, "501 5.1.7 bad sender address");
		return;
	}
	for (p = strtok_r(params, " ", &save); p;
	    p = strtok_r(NULL, " ", &save)) {
		if (!strcasecmp(p, "BODY=8BITMIME"))
			body = 8;
		else if (!strcasecmp(p, "BODY=7BIT"))
			body = 7;
		else if (strcasecmp(p, "SMTPUTF8") && strncasecmp(p, "SIZE=", 5)) {
			reply(s, "555 5.5.4 unsupported parameter %s", p);
			return;
		}
	}
	s->sender = xstrdup(addr);
	s->body = body;
	s->in_mail = 1;
	reply(s, "250 2.1.0 sender ok");
}

static void
do_rcpt(struct session *s, char *arg)
{
	char *params, *addr = path_arg(arg, &params);

	if (!s->in_mail) {
		reply(s, "503 5.5.1 need MAIL first");
		return;
	}
	if (!addr || !*addr || addr_check(addr)) {
		reply(s, "501 5.1.3 bad recipient address");
		return;
	}
	if (params[strspn(params, " ")]) {
		reply(s, "555 5.5.4 unsupported parameter");
		return;
	}
	if (s->rcpts.n >= MAX_RCPTS) {
		reply(s, "452 4.5.3 too many recipients");
		return;
	}
	strlist_add(&s->rcpts, xstrdup(addr));
	reply(s, "250 2.1.5 recipient ok");
}

/* What the final dot found besides the message. */
struct spooled {
	int ambiguous;		/* a "." line next to a bare LF */
	int werr;		/* errno of the first failed spool write */
};

static void
spool_write(FILE *out, struct spooled *sp, const char *p, size_t n)
{
	if (!sp->werr && n > 0 && fwrite(p, 1, n, out) != n)
		sp->werr = errno ? errno : EIO;
}

/*
 * Copies the message to out, undoing dot-stuffing, up to the final dot,
 * however the spool fares. Returns 0 at the final dot, -1 if the input
 * ended first.
 */
static int
spool(struct session *s, FILE *out, struct spooled *sp)
{
	static const char *const ends[] = { "", "\r\n", "\n" };
	int crlf_before = 1;	/* the 354 counts as a CRLF line end */
	struct piece pc;

	for (;;) {
		const char *p;
		size_t n;

		if (lines_next(s->in, &pc) != 1) {
			s->eof = 1;
			return -1;
		}
		p = pc.p;
		n = pc.len;
		if (pc.bol && n > 0 && p[0] == '.') {
			if (n == 1 && pc.end == LINE_CRLF && crlf_before)
				break;
			if (n == 1 && pc.end != LINE_OPEN) {
				/* an end of data to some, not to us */
				sp->ambiguous = 1;
				crlf_before = pc.end == LINE_CRLF;
				continue;
			}
			p++;
			n--;
		}
		errno = 0;
		spool_write(out, sp, p, n);
		spool_write(out, sp, ends[pc.end], strlen(ends[pc.end]));
		if (pc.end != LINE_OPEN)
			crlf_before = pc.end == LINE_CRLF;
	}
	errno = 0;
	if (!sp->werr && fflush(out) != 0)
		sp->werr = errno ? errno : EIO;
	return 0;
}

/* The reply that tells the client what relaying the message did. */
static void
outcome(struct session *s, int status, char *report)
{
	static const struct { int status; const char *code; } map[] = {
		{ 65, "554 5.6.0" }, { 67, "550 5.1.1" }, { 69, "554 5.0.0" },
		{ 64, "501 5.5.4" },
	};
	const char *code = "451 4.3.0";
	char *line, *next, *save;
	int lines = 0;

	if (status == 0) {
		reply(s, "250 2.0.0 message accepted by the relay");
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
		if (++lines == REPLY_LINES_MAX)
			next = NULL;
		reply(s, "%.3s%c%s %s", code, next ? '-' : ' ', code + 4,
		    line + 10);
	}
	if (!lines)
		reply(s, "%s message not relayed (status %d)", code, status);
}

static void
do_data(struct session *s)
{
	struct spooled sp = { 0, 0 };
	char report[REPORT_MAX + 1];
	FILE *spooled;
	int status;

	if (!s->in_mail || s->rcpts.n == 0) {
		reply(s, "503 5.5.1 need RCPT first");
		return;
	}
	if (!(spooled = tmpfile())) {
		reply(s, "451 4.3.0 cannot spool the message: %s",
		    strerror(errno));
		return;
	}
	reply(s, "354 end data with <CR><LF>.<CR><LF>");
	if (spool(s, spooled, &sp) < 0) {
		fclose(spooled);
		return;		/* the client went away mid-message */
	}
	if (sp.ambiguous) {
		reply(s, "550 5.5.2 bare LF next to a \".\" line: refused as "
		    "SMTP smuggling");
	} else if (sp.werr || lseek(fileno(spooled), 0, SEEK_SET) == -1) {
		reply(s, "451 4.3.0 cannot spool the message: %s",
		    strerror(sp.werr ? sp.werr : errno));
	} else {
		struct delivery d = { s->sender, s->rcpts.v, s->rcpts.n,
		    s->body, fileno(spooled) };

		flush(s);
		report[0] = '\0';
		status = s->io->deliver(s->io->deliver_ctx, &d, report,
		    sizeof(report));
		outcome(s, status, report);
		/* at once: the client must not wait, nor we stay unsure */
		if (flush(s) < 0 && status == 0)
			s->relayed_unanswered = 1;
	}
	fclose(spooled);
	reset(s);
}

static void
command(struct session *s, char *line)
{
	char *arg = line + strcspn(line, " ");

	if (*arg)
		*arg++ = '\0';
	if (!strcasecmp(line, "EHLO")) {
		reset(s);
		reply(s, "250-%s", host_name());
		reply(s, "250-PIPELINING");
		reply(s, "250-8BITMIME");
		reply(s, "250-SMTPUTF8");
		reply(s, "250 ENHANCEDSTATUSCODES");
	} else if (!strcasecmp(line, "HELO")) {
		reset(s);
		reply(s, "250 %s", host_name());
	} else if (!strcasecmp(line, "MAIL") && !strncasecmp(arg, "FROM:", 5)) {
		do_mail(s, arg + 5);
	} else if (!strcasecmp(line, "RCPT") && !strncasecmp(arg, "TO:", 3)) {
		do_rcpt(s, arg + 3);
	} else if (!strcasecmp(line, "DATA")) {
		do_data(s);
	} else if (!strcasecmp(line, "RSET")) {
		reset(s);
		reply(s, "250 2.0.0 reset");
	} else if (!strcasecmp(line, "NOOP")) {
		reply(s, "250 2.0.0 ok");
	} else if (!strcasecmp(line, "VRFY")) {
		reply(s, "252 2.5.0 cannot verify, but will try");
	} else if (!strcasecmp(line, "HELP")) {
		reply(s, "214 2.0.0 EHLO HELO MAIL RCPT DATA RSET NOOP VRFY "
		    "QUIT");
	} else {
		reply(s, "500 5.5.2 command not recognized");
	}
}

int
serve(const struct serve_io *io)
{
	struct session s;
	char line[LINE_MAX_LEN + 1];
	long n;
	int status = 0;

	/* a client that stops reading is an error to report, not a signal */
	signal(SIGPIPE, SIG_IGN);
	signal(SIGXFSZ, SIG_IGN);
	memset(&s, 0, sizeof(s));
	s.io = io;
	s.in = lines_new(client_read, &s);
	reply(&s, "220 %s ESMTP smtpsend", host_name());
	while (!s.werr && (n = next_command(&s, line)) != -1) {
		if (n == -2)
			reply(&s, "500 5.5.2 line too long");
		else if (strpbrk(line, "\r") || strlen(line) != (size_t)n)
			reply(&s, "500 5.5.2 bad characters in command");
		else if (!strcasecmp(line, "QUIT")) {
			reply(&s, "221 2.0.0 bye");
			break;
		} else
			command(&s, line);
	}
	flush(&s);
	if (s.werr) {
		warn("-bs: cannot write to the client: %s%s", strerror(s.werr),
		    s.in_mail ? " (a transaction was open: nothing relayed)" :
		    s.relayed_unanswered ? " (the last message was relayed, "
		    "but the client was not told)" : "");
		status = exit_status(s.in_mail ? FAIL_TEMP : FAIL_IO);
	} else if (s.eof && s.in_mail) {
		/* a client gone mid-transaction got no answer: nothing relayed */
		status = exit_status(FAIL_TEMP);
	}
	reset(&s);
	lines_free(s.in);
	return status;
}

/*
 * The child's messages, as it writes them to the pipe: all to our stderr
 * (the log), and its "smtpsend: " lines to the report while they fit, so
 * that a trace (-v) cannot crowd them out. A longer line is cut.
 */
static void
collect(int fd, char *report, size_t size)
{
	char buf[4096], line[REPLY_TEXT_MAX + 16];
	size_t n = 0, len = 0;
	ssize_t r;

	while ((r = read(fd, buf, sizeof(buf))) != 0) {
		if (r < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		fwrite(buf, 1, r, stderr);
		for (ssize_t i = 0; i < r; i++) {
			if (buf[i] != '\n') {
				if (len < sizeof(line))
					line[len++] = buf[i];
				continue;
			}
			if (len >= 10 && !memcmp(line, "smtpsend: ", 10) &&
			    len + 2 <= size - n) {
				memcpy(report + n, line, len);
				n += len;
				report[n++] = '\n';
			}
			len = 0;
		}
	}
	report[n] = '\0';
}

int
serve_relay(void *ctx, const struct delivery *d, char *report, size_t size)
{
	struct options o = *(const struct options *)ctx;
	int pfd[2], status;
	pid_t pid;

	fflush(stderr);
	if (pipe(pfd) == -1 || (pid = fork()) == -1) {
		snprintf(report, size, "smtpsend: cannot relay now: %s\n",
		    strerror(errno));
		return exit_status(FAIL_OS);
	}
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);

		/* the child must never speak on the client's channel */
		if (null == -1 || dup2(null, 1) == -1)
			_exit(exit_status(FAIL_OS));
		dup2(pfd[1], 2);
		close(pfd[0]);
		close(pfd[1]);
		o.sender = d->sender;
		o.rcpts = d->rcpts;
		o.nrcpts = d->nrcpts;
		o.extract = 0;
		o.dot_ends = 0;
		o.all_or_nothing = 1;
		if (d->body)
			o.body = d->body;
		_exit(exit_status(submit(&o, d->fd)));
	}
	close(pfd[1]);
	collect(pfd[0], report, size);
	close(pfd[0]);
	while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
		;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 75;
}
