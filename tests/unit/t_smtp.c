/*
 * t_smtp.c: the SMTP engine on its own, several messages over one session
 * against the scripted fake server (tests/conv/server.py): each message's
 * result as data, the exact transcript, and what was delivered.
 */

#include <sys/wait.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util.h"
#include "conf.h"
#include "smtp.h"
#include "unit.h"

struct server {
	char dir[64];
	char port[16];
	pid_t pid;
};

static void
write_file(const char *path, const char *text)
{
	FILE *fp = fopen(path, "w");

	if (!fp || fputs(text, fp) == EOF || fclose(fp) == EOF)
		abort();
}

static char *
read_file(const char *dir, const char *name)
{
	char path[128];
	struct buf b = { 0 };
	char chunk[4096];
	size_t n;
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (!(fp = fopen(path, "r")))
		return NULL;
	buf_add(&b, "", 0);
	while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0)
		buf_add(&b, chunk, n);
	fclose(fp);
	return b.data;
}

/* After a failed check: the transcript as it was, as comment lines. */
static void
show_if_wrong(const char *got)
{
	static int checks_failed;

	if (unit_failed == checks_failed)
		return;
	checks_failed = unit_failed;
	printf("# transcript:%s\n", got ? "" : " none");
	for (const char *p = got; p && *p; p += strcspn(p, "\n") + 1)
		printf("# %.*s\n", (int)strcspn(p, "\n"), p);
}

/* Starts the fake server on script; its port goes to sv->port. */
static int
server_start(struct server *sv, const char *script)
{
	char path[128], log[128];
	int pfd[2];
	ssize_t n;

	memset(sv->port, 0, sizeof(sv->port));
	snprintf(sv->dir, sizeof(sv->dir), "/tmp/smtpsend-t_smtp-XXXXXX");
	if (!mkdtemp(sv->dir) || pipe(pfd) == -1)
		return -1;
	snprintf(path, sizeof(path), "%s/script", sv->dir);
	snprintf(log, sizeof(log), "%s/transcript", sv->dir);
	write_file(path, script);
	if ((sv->pid = fork()) == 0) {
		dup2(pfd[1], 1);
		close(pfd[0]);
		execl("tests/conv/server.py", "server.py", path,
		    "--certs", sv->dir, "--log", log, "--data-dir", sv->dir,
		    (char *)NULL);
		_exit(127);
	}
	close(pfd[1]);
	/* the whole line: the server dies if its newline finds no reader */
	for (size_t got = 0; !memchr(sv->port, '\n', got);) {
		n = read(pfd[0], sv->port + got, sizeof(sv->port) - 1 - got);
		if (n <= 0 || got + n >= sizeof(sv->port) - 1) {
			close(pfd[0]);
			return -1;
		}
		got += n;
		sv->port[got] = '\0';
	}
	close(pfd[0]);
	sv->port[strcspn(sv->port, "\n")] = '\0';
	return 0;
}

/* Waits for the server to finish (it does once the client has gone). */
static int
server_wait(struct server *sv)
{
	int status;

	for (int i = 0; i < 100; i++) {
		if (waitpid(sv->pid, &status, WNOHANG) == sv->pid)
			return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
		usleep(100000);
	}
	kill(sv->pid, SIGKILL);
	waitpid(sv->pid, &status, 0);
	return -1;
}

static void
server_clean(struct server *sv)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", sv->dir);
	if (system(cmd) != 0)
		abort();
}

struct body {
	const char *text;
	int done;
};

static size_t
next_piece(void *ctx, const char **data)
{
	struct body *b = ctx;

	if (b->done)
		return 0;
	b->done = 1;
	*data = b->text;
	return strlen(b->text);
}

static void
relay_for(struct relay *r, const struct server *sv, int pipelining,
    int chunking)
{
	memset(r, 0, sizeof(*r));
	r->host = "127.0.0.1";
	r->port = sv->port;
	r->tls = TLS_NONE;
	r->auth = AUTH_OFF;
	r->ehlo_name = "client.example";
	r->pipelining = pipelining;
	r->chunking = chunking;
	r->timeout = (struct timeouts){ 5, 5, 5, 5, 5, 5 };
	r->timeout_session = 30;
}

/* Sends one message of rcpts (NULL-ended) from a@example.org. */
static enum fail
send_one(struct smtp *s, char **rcpts, const char *text,
    const struct policy *p, int last, struct smtp_result *res)
{
	struct envelope e = { .from = "a@example.org", .rcpt = rcpts,
	    .size = -1 };
	struct body b = { text, 0 };
	struct source src = { .next = next_piece, .ctx = &b };

	while (rcpts[e.nrcpt])
		e.nrcpt++;
	return smtp_send(s, &e, &src, p, last, res);
}

/* The fake server on script, and a session with it; NULL if none. */
static struct smtp *
open_session(struct server *sv, struct relay *r, const char *script,
    int chunking, const char *name)
{
	struct smtp_result res;
	struct smtp *s;

	if (server_start(sv, script) == -1) {
		CHECK(0, "%s: the fake server starts", name);
		return NULL;
	}
	relay_for(r, sv, 1, chunking);
	s = smtp_open(r, NULL, &res);
	CHECK(res.fail == FAIL_NONE, "%s: session opened: %s", name, res.msg);
	return s;
}

/* Ends the session and checks what the server saw, to the byte. */
static void
end_session(struct server *sv, struct smtp *s, const char *want,
    const char *name)
{
	char *got;

	smtp_close(s);
	CHECK(server_wait(sv) == 0, "%s: the server finished", name);
	got = read_file(sv->dir, "transcript");
	CHECK(got && !strcmp(got, want), "%s: transcript", name);
	show_if_wrong(got);
	free(got);
}

static const char six_script[] =
    "greeting\n220 fake.example ESMTP\n"
    "EHLO\n250-fake.example\n250 PIPELINING\n"
    "MAIL\n250 2.1.0 ok\n"
    "MAIL 2\n550 5.7.1 sender refused\n"
    "RCPT\n250 2.1.5 ok\n"
    "RCPT 2\n503 5.5.1 need MAIL\n"
    "RCPT 4\n450 4.2.1 mailbox busy\n"
    "DATA\n354 go ahead\n"
    "DATA 2\n503 5.5.1 no valid recipients\n"
    "DATA 5\n451 4.3.0 try later\n"
    ".\n250 2.0.0 queued as Q1\n"
    ". 3\n554 5.6.0 content refused\n"
    "RSET\n250 2.0.0 reset\n"
    "QUIT\n221 2.0.0 bye\n";

static const char six_transcript[] =
    "EHLO client.example\n---\n"
    /* 1: delivered */
    "MAIL FROM:<a@example.org>\nRCPT TO:<r1@example.org>\nDATA\n---\n"
    "[data]\n---\n"
    /* 2: the sender refused, nothing to reset */
    "MAIL FROM:<a@example.org>\nRCPT TO:<r2@example.org>\nDATA\n---\n"
    /* 3: one of three deferred, sent to the other two */
    "MAIL FROM:<a@example.org>\nRCPT TO:<r3a@example.org>\n"
    "RCPT TO:<r3b@example.org>\nRCPT TO:<r3c@example.org>\nDATA\n---\n"
    "[data]\n---\n"
    /* 4: refused at the end of the message */
    "MAIL FROM:<a@example.org>\nRCPT TO:<r4@example.org>\nDATA\n---\n"
    "[data]\n---\n"
    /* 5: DATA refused: the open transaction is reset */
    "MAIL FROM:<a@example.org>\nRCPT TO:<r5@example.org>\nDATA\n---\n"
    "RSET\n---\n"
    /* 6: delivered, QUIT with the end of the message */
    "MAIL FROM:<a@example.org>\nRCPT TO:<r6@example.org>\nDATA\n---\n"
    "[data]\nQUIT\n";

static void
six_messages(void)
{
	struct policy p = { .deliver_partial = 1 };
	struct smtp_result res;
	struct server sv;
	struct relay r;
	struct smtp *s;
	char *r1[] = { "r1@example.org", NULL }, *r2[] = { "r2@example.org",
	    NULL }, *r3[] = { "r3a@example.org", "r3b@example.org",
	    "r3c@example.org", NULL }, *r4[] = { "r4@example.org", NULL },
	    *r5[] = { "r5@example.org", NULL }, *r6[] = { "r6@example.org",
	    NULL };
	char *got;
	enum fail f;

	if (!(s = open_session(&sv, &r, six_script, 0, "six messages")))
		return;

	f = send_one(s, r1, "Subject: 1\r\n\r\none\r\n", &p, 0, &res);
	CHECK(f == FAIL_NONE && res.final.code == 250 &&
	    !strcmp(res.final.enhanced, "2.0.0") &&
	    !strcmp(res.final.text, "250 2.0.0 queued as Q1") &&
	    res.rcpt[0].state == RCPT_ACCEPTED && !res.session_over,
	    "1: delivered, the relay's reply kept: %s", res.final.text);
	smtp_result_free(&res);

	f = send_one(s, r2, "Subject: 2\r\n\r\ntwo\r\n", &p, 0, &res);
	CHECK(f == FAIL_PERM && res.code == 0 && !res.session_over &&
	    !strcmp(res.msg, "MAIL FROM:<a@example.org> rejected: 550 5.7.1 "
	    "sender refused"), "2: 550 at MAIL fails the message only: %s",
	    res.msg);
	smtp_result_free(&res);

	f = send_one(s, r3, "Subject: 3\r\n\r\nthree\r\n", &p, 0, &res);
	CHECK(f == FAIL_TEMP && res.final.code == 250 && res.accepted == 2 &&
	    res.deferred == 1 && res.rcpt[0].state == RCPT_ACCEPTED &&
	    res.rcpt[1].state == RCPT_DEFERRED &&
	    !strcmp(res.rcpt[1].reply.enhanced, "4.2.1") &&
	    res.rcpt[2].state == RCPT_ACCEPTED && !res.session_over,
	    "3: 450 at one RCPT of three: sent to two, one deferred");
	smtp_result_free(&res);

	f = send_one(s, r4, "Subject: 4\r\n\r\nfour\r\n", &p, 0, &res);
	CHECK(f == FAIL_PERM && res.final.code == 554 &&
	    !strcmp(res.final.enhanced, "5.6.0") && !res.session_over,
	    "4: 554 at the end of the message: %s", res.msg);
	smtp_result_free(&res);

	f = send_one(s, r5, "Subject: 5\r\n\r\nfive\r\n", &p, 0, &res);
	CHECK(f == FAIL_TEMP && !res.session_over &&
	    !strcmp(res.msg, "DATA rejected: 451 4.3.0 try later"),
	    "5: 451 at DATA, then RSET: %s", res.msg);
	smtp_result_free(&res);

	f = send_one(s, r6, "Subject: 6\r\n\r\nsix\r\n", &p, 1, &res);
	CHECK(f == FAIL_NONE && res.final.code == 250,
	    "6: then a good message: %s", res.msg);
	smtp_result_free(&res);
	end_session(&sv, s, six_transcript, "six messages");
	got = read_file(sv.dir, "delivered.2");
	CHECK(got && !strcmp(got, "Subject: 3\r\n\r\nthree\r\n"),
	    "six messages: the third one's bytes");
	free(got);
	got = read_file(sv.dir, "delivered.4");
	CHECK(got && !strcmp(got, "Subject: 6\r\n\r\nsix\r\n"),
	    "six messages: the sixth one's bytes");
	free(got);
	server_clean(&sv);
}

/* 421 in the middle of a session: the session is over for what follows. */
static void
server_goes_away(void)
{
	static const char script[] =
	    "greeting\n220 fake.example ESMTP\n"
	    "EHLO\n250-fake.example\n250 PIPELINING\n"
	    "MAIL\n250 2.1.0 ok\nMAIL 2\n421 4.3.2 shutting down\n!close\n"
	    "RCPT\n250 2.1.5 ok\nDATA\n354 go ahead\n"
	    ".\n250 2.0.0 queued\nQUIT\n221 2.0.0 bye\n";
	struct policy p = { 0 };
	struct smtp_result res;
	struct server sv;
	struct relay r;
	struct smtp *s;
	char *r1[] = { "r1@example.org", NULL };
	enum fail f;

	if (!(s = open_session(&sv, &r, script, 0, "421")))
		return;
	f = send_one(s, r1, "Subject: 1\r\n\r\none\r\n", &p, 0, &res);
	CHECK(f == FAIL_NONE, "421: the first message goes");
	smtp_result_free(&res);
	f = send_one(s, r1, "Subject: 2\r\n\r\ntwo\r\n", &p, 0, &res);
	CHECK(f == FAIL_TEMP && res.session_over && strstr(res.msg,
	    "421 4.3.2"), "421: the second fails with the session: %s",
	    res.msg);
	smtp_result_free(&res);
	f = send_one(s, r1, "Subject: 3\r\n\r\nthree\r\n", &p, 1, &res);
	CHECK(f == FAIL_TEMP && res.session_over && strstr(res.msg, "421"),
	    "421: a third learns why, and sends nothing: %s", res.msg);
	smtp_result_free(&res);
	end_session(&sv, s, "EHLO client.example\n---\n"
	    "MAIL FROM:<a@example.org>\nRCPT TO:<r1@example.org>\nDATA\n---\n"
	    "[data]\n---\nMAIL FROM:<a@example.org>\n", "421");
	server_clean(&sv);
}

/* Without PIPELINING: one command, one reply; RSET after RCPT refusals. */
static void
one_at_a_time(void)
{
	static const char script[] =
	    "greeting\n220 fake.example ESMTP\n"
	    "EHLO\n250 fake.example\n"
	    "MAIL\n250 2.1.0 ok\nMAIL 1\n451 4.7.1 greylisted\n"
	    "RCPT\n250 2.1.5 ok\nRCPT 1\n550 5.1.1 no such user\n"
	    "DATA\n354 go ahead\n.\n250 2.0.0 queued\n"
	    "RSET\n250 2.0.0 reset\nQUIT\n221 2.0.0 bye\n";
	struct policy p = { 0 };
	struct smtp_result res;
	struct server sv;
	struct relay r;
	struct smtp *s;
	char *r1[] = { "r1@example.org", NULL };
	enum fail f;

	if (!(s = open_session(&sv, &r, script, 0, "one at a time")))
		return;
	f = send_one(s, r1, "Subject: 1\r\n\r\none\r\n", &p, 0, &res);
	CHECK(f == FAIL_TEMP && !res.session_over,
	    "one at a time: 451 at MAIL: %s", res.msg);
	smtp_result_free(&res);
	f = send_one(s, r1, "Subject: 2\r\n\r\ntwo\r\n", &p, 0, &res);
	CHECK(f == FAIL_RCPT && res.rejected == 1 && !res.session_over &&
	    res.rcpt[0].state == RCPT_REJECTED &&
	    !strcmp(res.rcpt[0].reply.text, "550 5.1.1 no such user"),
	    "one at a time: the only recipient refused");
	smtp_result_free(&res);
	f = send_one(s, r1, "Subject: 3\r\n\r\nthree\r\n", &p, 1, &res);
	CHECK(f == FAIL_NONE, "one at a time: then a good message: %s",
	    res.msg);
	smtp_result_free(&res);
	end_session(&sv, s, "EHLO client.example\n---\n"
	    "MAIL FROM:<a@example.org>\n---\n"
	    "MAIL FROM:<a@example.org>\n---\nRCPT TO:<r1@example.org>\n---\n"
	    "RSET\n---\n"
	    "MAIL FROM:<a@example.org>\n---\nRCPT TO:<r1@example.org>\n---\n"
	    "DATA\n---\n[data]\n---\nQUIT\n", "one at a time");
	server_clean(&sv);
}

/* CHUNKING: a refused recipient stops the message before its LAST chunk. */
static void
chunks(void)
{
	static const char script[] =
	    "greeting\n220 fake.example ESMTP\n"
	    "EHLO\n250-fake.example\n250-PIPELINING\n250 CHUNKING\n"
	    "MAIL\n250 2.1.0 ok\nRCPT\n250 2.1.5 ok\n"
	    "RCPT 3\n550 5.1.1 no such user\n"
	    "BDAT\n250 2.0.0 queued\n"
	    "RSET\n250 2.0.0 reset\nQUIT\n221 2.0.0 bye\n";
	struct policy p = { .all_or_nothing = 1 };
	struct smtp_result res;
	struct server sv;
	struct relay r;
	struct smtp *s;
	char *r1[] = { "r1@example.org", NULL }, *r2[] = { "r2a@example.org",
	    "r2b@example.org", NULL };
	enum fail f;

	if (!(s = open_session(&sv, &r, script, 1, "chunks")))
		return;
	f = send_one(s, r1, "Subject: 1\r\n\r\none\r\n", &p, 0, &res);
	CHECK(f == FAIL_NONE, "chunks: the first message goes: %s", res.msg);
	smtp_result_free(&res);
	f = send_one(s, r2, "Subject: 2\r\n\r\ntwo\r\n", &p, 0, &res);
	CHECK(f == FAIL_RCPT && res.rejected == 1 && res.accepted == 1 &&
	    res.rcpt[1].state == RCPT_REJECTED && !res.session_over,
	    "chunks: one of two refused, all or nothing: nothing sent");
	smtp_result_free(&res);
	f = send_one(s, r1, "Subject: 3\r\n\r\nthree\r\n", &p, 1, &res);
	CHECK(f == FAIL_NONE, "chunks: then a good message: %s", res.msg);
	smtp_result_free(&res);
	end_session(&sv, s, "EHLO client.example\n---\n"
	    "MAIL FROM:<a@example.org>\nRCPT TO:<r1@example.org>\n"
	    "BDAT 19 LAST\n---\n"
	    "MAIL FROM:<a@example.org>\nRCPT TO:<r2a@example.org>\n"
	    "RCPT TO:<r2b@example.org>\n---\nRSET\n---\n"
	    "MAIL FROM:<a@example.org>\nRCPT TO:<r1@example.org>\n"
	    "BDAT 21 LAST\nQUIT\n", "chunks");
	server_clean(&sv);
}

int
main(void)
{
	unit_suite = "smtp";
	signal(SIGPIPE, SIG_IGN);
	six_messages();
	server_goes_away();
	one_at_a_time();
	chunks();
	UNIT_EXIT();
}
