/*
 * qrun.c: queue runs. Every entry is locked while it is tried, so that
 * concurrent runs and submitters never send it twice; entries of one
 * account go over one session with its relay. Recipients the relay takes
 * are marked sent, those it refuses for good failed, the rest wait, with
 * a backoff that doubles from retry_min to retry_max; past
 * queue_lifetime they fail too. A message with failed recipients and none
 * waiting is bounced to its sender (or admin_addr) with the null sender,
 * unless that is the null sender itself; one that can't be bounced goes
 * to failed/. Nothing is deleted unsent but by qrun_delete().
 */

#define _GNU_SOURCE
#include <sys/stat.h>
#include <sys/wait.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "util.h"
#include "conf.h"
#include "bounce.h"
#include "log.h"
#include "queue.h"
#include "qrun.h"
#include "net.h"
#include "reply.h"
#include "smtp.h"
#include "submit.h"

/* A bounce carries at most this much of the message; more: its header. */
#define BOUNCE_MAX_MESSAGE	(1024 * 1024)

int
qrun_open(struct queue *q, const char *dir, int create)
{
	char *path, *p;

	if (create && *dir == '/') {
		/* the user's own state directory may not be there yet */
		path = xstrdup(dir);
		for (p = strchr(path + 1, '/'); p; p = strchr(p + 1, '/')) {
			*p = '\0';
			if (mkdir(path, 0700) == -1 && errno != EEXIST) {
				snprintf(q->err, sizeof(q->err), "%s: mkdir: %s",
				    path, strerror(errno));
				free(path);
				return QUEUE_ERR;
			}
			*p = '/';
		}
		free(path);
	}
	/* the system spool is shared by SPOOL_GROUP: files 0660 */
	return queue_open(q, dir, create, strcmp(dir, SPOOLDIR) ? 0600 : 0660);
}

/* The message in the queue, read in pieces for the engine. */
struct fdsource {
	int fd;
	char buf[64 * 1024];
	struct source *src;
};

/* A read of the queued message; an error ends it, as the engine wants. */
static size_t
read_piece(int fd, char *buf, size_t len, struct source *src)
{
	ssize_t n;

	while ((n = read(fd, buf, len)) < 0 && errno == EINTR)
		;
	if (n < 0) {
		src->error = FAIL_TEMP;
		snprintf(src->error_msg, sizeof(src->error_msg),
		    "reading the queued message: %s", strerror(errno));
		return 0;
	}
	return n;
}

static size_t
fd_next(void *ctx, const char **data)
{
	struct fdsource *f = ctx;

	*data = f->buf;
	return read_piece(f->fd, f->buf, sizeof(f->buf), f->src);
}

/* A bounce: its head, the message (or its header), its tail. */
struct bsource {
	struct buf head, tail;
	int part;		/* 0 head, 1 message, 2 tail, 3 done */
	int fd;
	int headers_only;
	int header_done;
	char buf[64 * 1024];
	struct source *src;
};

static size_t
bounce_next(void *ctx, const char **data)
{
	struct bsource *b = ctx;
	size_t n;
	char *end;

	switch (b->part++) {
	case 0:
		*data = b->head.data;
		return b->head.len;
	case 1:
		b->part = 1;
		if (b->header_done)
			break;
		if ((n = read_piece(b->fd, b->buf, sizeof(b->buf), b->src)) == 0)
			break;
		/* the header ends at the first empty line */
		if (b->headers_only && (end = memmem(b->buf, n, "\r\n\r\n", 4))) {
			n = end + 2 - b->buf;
			b->header_done = 1;
		}
		*data = b->buf;
		return n;
	case 2:
		b->part = 3;
		*data = b->tail.data;
		return b->tail.len;
	default:
		return 0;
	}
	b->part = 2;
	return bounce_next(ctx, data);
}

/* One relay: its account, and the session while it lasts. */
struct group {
	struct account *acct;
	struct relay relay;
	char *password;
	struct smtp *session;
	struct smtp_result setup;
	int down;		/* could not get a session: defer the rest */
};

static struct smtp *
session_of(struct group *g)
{
	if (g->down)
		return NULL;
	if (!g->session) {
		g->session = smtp_open(&g->relay, g->password, &g->setup);
		if (g->setup.fail != FAIL_NONE) {
			warn("queue run: %s: %s", g->relay.host, g->setup.msg);
			smtp_close(g->session);
			g->session = NULL;
			g->down = 1;
		}
	}
	return g->session;
}

static void
group_end(struct group *g)
{
	smtp_close(g->session);
	g->session = NULL;
	if (g->password) {
		wipestr(g->password);
		free(g->password);
		g->password = NULL;
	}
}

static void
set_text(char **dst, const char *s)
{
	free(*dst);
	*dst = s && *s ? xstrdup(s) : NULL;
}

static void
log_line(const struct qentry *e, const char *what, const char *why)
{
	warn("%s: %s%s%s", e->id, what, why && *why ? ": " : "",
	    why ? why : "");
}

/*
 * The log's lines for the recipients tried now (index[0..n)), each as
 * its state says; status_failed for those that failed.
 */
static void
log_entry(struct group *g, struct queue *q, const struct qlock *l,
    const struct qentry *e, const size_t *index, size_t n,
    const struct smtp_result *r, const char *status_failed,
    const char *final, const char *why)
{
	struct log_target t;
	struct log_msg m;
	struct log_rcpt *lr;
	struct timespec ts;
	char msgid[256], head[16 * 1024];
	ssize_t got = -1;
	int fd;

	account_log(g->acct, &t);
	if (t.facility < 0 && !t.file)
		return;
	memset(&m, 0, sizeof(m));
	result_log_msg(r, &m);
	if ((fd = queue_msg_fd(q, l)) >= 0) {
		got = pread(fd, head, sizeof(head), 0);
		close(fd);
	}
	m.queue_id = e->id;
	m.msgid = got > 0 && log_msgid(head, got, msgid, sizeof(msgid)) ?
	    msgid : NULL;
	m.from = e->sender ? e->sender : "";
	m.size = (long long)e->size;
	clock_gettime(CLOCK_REALTIME, &ts);
	m.delay_ms = ts.tv_sec * 1000LL + ts.tv_nsec / 1000000 -
	    e->arrival * 1000LL;
	lr = xmalloc((n + 1) * sizeof(*lr));
	for (size_t i = 0; i < n; i++) {
		const struct qrcpt *rc = &e->rcpt[index[i]];

		lr[i].addr = rc->addr;
		lr[i].status = rc->state == QRCPT_SENT ? "sent" :
		    rc->state == QRCPT_FAILED ? status_failed : "deferred";
		lr[i].reply = rc->state == QRCPT_SENT ? final : rc->reply &&
		    rc->state == QRCPT_FAILED ? rc->reply : why ? why : rc->reply;
	}
	log_outcome(&t, &m, lr, n);
	free(lr);
}

/* The failed recipients' report to whoever should hear of it. */
static int
send_bounce(struct group *g, struct queue *q, const struct qlock *l,
    const struct qentry *e, const char *reason, int expired, long long now)
{
	struct bounce_rcpt *br = xmalloc(e->nrcpt * sizeof(*br));
	struct bounce bn;
	struct bsource bs;
	struct source src;
	struct envelope env;
	struct policy pol = { 0 };
	struct smtp_result res;
	struct smtp *s;
	const char *to = g->acct->admin_addr ? g->acct->admin_addr : e->sender;
	const char *domain = strrchr(g->acct->from ? g->acct->from : to, '@');
	char boundary[33], (*status)[16] = xmalloc(e->nrcpt * sizeof(*status));
	char *rcpt[1];
	size_t n = 0;
	enum fail f;

	for (size_t i = 0; i < e->nrcpt; i++) {
		const struct qrcpt *r = &e->rcpt[i];
		const char *t = r->reply ? r->reply : "";

		if (r->state != QRCPT_FAILED)
			continue;
		/* "550 5.1.1 ...": the enhanced code, else the class;
		 * a message that waited too long: 4.4.7 (RFC 3463) */
		if (expired)
			snprintf(status[n], sizeof(status[n]), "4.4.7");
		else if (reply_enhanced(t, status[n], sizeof(status[n])),
		    !status[n][0])
			snprintf(status[n], sizeof(status[n]), "%s",
			    t[0] == '4' ? "4.4.7" : "5.0.0");
		br[n].addr = r->addr;
		br[n].status = status[n];
		br[n].diagnostic = *t ? t : NULL;
		n++;
	}
	memset(&bn, 0, sizeof(bn));
	bn.reporting_host = host_name();
	bn.from_domain = domain ? domain + 1 : host_name();
	bn.sender = to;
	bn.queue_id = e->id;
	bn.envid = e->envid && *e->envid ? e->envid : NULL;
	bn.relay = g->relay.host;
	bn.reason = reason;
	bn.arrival = e->arrival;
	bn.now = now;
	bn.headers_only = e->ret == QRET_HDRS || e->size > BOUNCE_MAX_MESSAGE;
	bn.rcpt = br;
	bn.nrcpt = n;

	memset(&bs, 0, sizeof(bs));
	bounce_head(&bs.head, &bn, boundary);
	bounce_tail(&bs.tail, boundary);
	bs.headers_only = bn.headers_only;
	memset(&src, 0, sizeof(src));
	src.next = bounce_next;
	src.ctx = &bs;
	bs.src = &src;
	f = FAIL_TEMP;
	if ((bs.fd = queue_msg_fd(q, l)) >= 0 && (s = session_of(g))) {
		rcpt[0] = (char *)to;
		memset(&env, 0, sizeof(env));
		env.from = "";
		env.rcpt = rcpt;
		env.nrcpt = 1;
		env.size = -1;
		env.eight_bit = -1;
		f = smtp_send(s, &env, &src, &pol, 0, &res);
		if (f != FAIL_NONE)
			log_line(e, "the bounce could not be sent", res.msg[0] ?
			    res.msg : res.rcpt[0].reply.text);
		else
			log_line(e, "bounced to", to);
		smtp_result_free(&res);
		if (res.session_over) {
			smtp_close(g->session);
			g->session = NULL;
		}
	}
	if (bs.fd >= 0)
		close(bs.fd);
	buf_free(&bs.head);
	buf_free(&bs.tail);
	free(br);
	free(status);
	return f == FAIL_NONE ? 0 : -1;
}

/* The entry after its try: done (removed), bounced, failed, or waiting. */
static void
settle(struct group *g, struct queue *q, const struct qlock *l,
    struct qentry *e, const char *reason, int expired, long long now)
{
	size_t pending = 0, failed = 0;

	for (size_t i = 0; i < e->nrcpt; i++) {
		pending += e->rcpt[i].state == QRCPT_PENDING;
		failed += e->rcpt[i].state == QRCPT_FAILED;
	}
	if (pending) {
		e->next_try = queue_next_try(e->attempts, e->arrival, now,
		    g->acct->retry_min, g->acct->retry_max);
		if (queue_update(q, l, e) != QUEUE_OK)
			log_line(e, "could not update", q->err);
		return;
	}
	if (failed && !*e->sender && !g->acct->admin_addr) {
		/* a bounce of a bounce would go to nobody: keep it */
		log_line(e, "failed for good, not bounced (null sender); moved "
		    "to failed/", reason);
		queue_move(q, l, "failed");
		return;
	}
	if (failed && send_bounce(g, q, l, e, reason, expired, now) == -1) {
		log_line(e, "failed for good and could not be bounced; moved to "
		    "failed/", reason);
		queue_move(q, l, "failed");
		return;
	}
	if (queue_remove(q, l) != QUEUE_OK)
		log_line(e, "could not remove", q->err);
}

/* One try at one entry, over its group's session. */
static void
try_entry(struct group *g, struct queue *q, const struct qlock *l,
    struct qentry *e, long long now)
{
	struct policy pol = { .deliver_partial = 1 };
	struct fdsource fs;
	struct source src;
	struct envelope env;
	struct smtp_result res;
	char **rcpt = xmalloc(e->nrcpt * sizeof(*rcpt));
	size_t *index = xmalloc(e->nrcpt * sizeof(*index)), n = 0, i;
	const char *why;
	struct smtp *s;

	pol.long_lines_send = g->acct->long_lines_send;
	pol.dsn_required = g->acct->dsn_required;
	for (i = 0; i < e->nrcpt; i++)
		if (e->rcpt[i].state == QRCPT_PENDING) {
			index[n] = i;
			rcpt[n++] = e->rcpt[i].addr;
		}
	if (queue_expired(e->arrival, now, g->acct->queue_lifetime)) {
		for (i = 0; i < n; i++) {
			struct qrcpt *r = &e->rcpt[index[i]];
			char *t = xasprintf("%s", r->reply && *r->reply ?
			    r->reply : e->last_error ? e->last_error :
			    "not delivered in time");

			r->state = QRCPT_FAILED;
			set_text(&r->reply, t);
			free(t);
		}
		trace("-- %s: expired: %s", e->id, e->last_error ?
		    e->last_error : "");
		log_entry(g, q, l, e, index, n, &g->setup, "expired", NULL, NULL);
		settle(g, q, l, e, "it waited longer than queue_lifetime", 1,
		    now);
		goto done;
	}
	e->attempts++;
	if (!(s = session_of(g))) {
		set_text(&e->last_error, g->setup.msg);
		log_entry(g, q, l, e, index, n, &g->setup, "bounced", NULL,
		    g->setup.msg);
		settle(g, q, l, e, NULL, 0, now);
		goto done;
	}
	memset(&env, 0, sizeof(env));
	env.from = e->sender ? e->sender : "";
	env.rcpt = rcpt;
	env.nrcpt = n;
	env.size = (long long)e->size;
	env.eight_bit = -1;
	env.body = e->body;
	env.utf8 = e->smtputf8;
	env.notify = n && e->rcpt[index[0]].notify &&
	    *e->rcpt[index[0]].notify ? e->rcpt[index[0]].notify : NULL;
	env.ret = e->ret == QRET_FULL ? "FULL" : e->ret == QRET_HDRS ? "HDRS" :
	    NULL;
	env.envid = e->envid && *e->envid ? e->envid : NULL;
	memset(&src, 0, sizeof(src));
	fs.fd = queue_msg_fd(q, l);
	fs.src = &src;
	src.next = fd_next;
	src.ctx = &fs;
	if (fs.fd < 0) {
		log_line(e, "could not read", q->err);
		goto done;
	}
	smtp_send(s, &env, &src, &pol, 0, &res);
	close(fs.fd);
	if (res.session_over) {
		smtp_close(g->session);
		g->session = NULL;
		g->down = res.fail == FAIL_TEMP && res.code == 0;
	}
	why = res.msg[0] ? res.msg : NULL;
	for (i = 0; i < n; i++) {
		struct qrcpt *r = &e->rcpt[index[i]];
		const struct smtp_rcpt *rr = &res.rcpt[i];
		int delivered = res.final.code / 100 == 2;

		if (rr->state == RCPT_ACCEPTED && delivered) {
			r->state = QRCPT_SENT;
		} else if (rr->state == RCPT_REJECTED ||
		    (res.fail == FAIL_PERM || res.fail == FAIL_DATA)) {
			r->state = QRCPT_FAILED;
			set_text(&r->reply, rr->state == RCPT_REJECTED ?
			    rr->reply.text : res.final.text ? res.final.text :
			    why);
		} else if (rr->reply.text) {
			set_text(&r->reply, rr->reply.text);
		}
	}
	/* what mailq shows: why it failed, or why someone still waits */
	if (!why)
		for (i = 0; i < n && !why; i++)
			if (e->rcpt[index[i]].state == QRCPT_PENDING &&
			    res.rcpt[i].reply.text)
				why = res.rcpt[i].reply.text;
	set_text(&e->last_error, why ? why : res.final.text);
	log_entry(g, q, l, e, index, n, &res, "bounced", res.final.text,
	    res.msg[0] ? res.msg : NULL);
	trace("-- %s: %s%s%s", e->id, res.fail == FAIL_NONE ? "sent" : "tried",
	    why ? ": " : "", why ? why : "");
	smtp_result_free(&res);
	settle(g, q, l, e, why, 0, now);
done:
	free(rcpt);
	free(index);
}

struct item {
	char id[QUEUE_ID_LEN + 1];
	char *account;
};

static int
by_account(const void *a, const void *b)
{
	const struct item *x = a, *y = b;
	int c = strcmp(x->account, y->account);

	return c ? c : strcmp(x->id, y->id);
}

/* The config; NULL when there is none at all: then there is no queue. */
static struct config *
read_config(const struct options *o)
{
	const char *path = o->config ? o->config : conf_default_path();

	if (!o->config && access(path, F_OK) == -1 && errno == ENOENT)
		return NULL;
	return conf_read(path);
}

/* The queue of the account -a names, or of the default account. */
static int
open_queue(const struct options *o, struct config *conf, struct queue *q,
    int create)
{
	struct account *a;

	if (!conf) {
		snprintf(q->err, sizeof(q->err), "no configuration");
		return QUEUE_ERR;
	}
	a = conf_account(conf, o->account, NULL);
	if (!a->queue_dir) {
		snprintf(q->err, sizeof(q->err), "no queue directory (no HOME "
		    "and no queue_dir)");
		return QUEUE_ERR;
	}
	return qrun_open(q, a->queue_dir, create);
}

enum fail
qrun(const struct options *o, enum qrun_mode mode, const char *id)
{
	struct config *conf = read_config(o);
	struct queue q;
	struct qids ids;
	struct item *items;
	struct group g;
	long long now = time(NULL);
	size_t n = 0, i, j;

	if (open_queue(o, conf, &q, 0) != QUEUE_OK) {
		trace("-- no queue: %s", q.err);
		conf_free(conf);
		return FAIL_NONE;
	}
	queue_clean(&q, now, QUEUE_STALE);
	if (queue_list(&q, &ids) != QUEUE_OK) {
		warn("queue run: %s", q.err);
		queue_close(&q);
		conf_free(conf);
		return FAIL_TEMP;
	}
	items = xmalloc((ids.n + 1) * sizeof(*items));
	for (i = 0; i < ids.n; i++) {
		struct qentry e;

		if (mode == QRUN_ONE && strcmp(ids.id[i], id))
			continue;
		if (queue_peek(&q, ids.id[i], &e) != QUEUE_OK)
			continue;	/* its run will find it torn */
		if (mode != QRUN_DUE || e.next_try <= now) {
			memcpy(items[n].id, ids.id[i], sizeof(items[n].id));
			items[n++].account = xstrdup(e.account ? e.account : "");
		}
		qentry_free(&e);
	}
	queue_ids_free(&ids);
	if (mode == QRUN_ONE && n == 0)
		warn("%s: no such entry in the queue", id);
	/* one session per relay: the entries of one account together */
	qsort(items, n, sizeof(*items), by_account);
	for (i = 0; i < n; i = j) {
		char *error = NULL;

		for (j = i; j < n && !strcmp(items[j].account, items[i].account);
		    j++)
			;
		memset(&g, 0, sizeof(g));
		g.acct = conf_pick(conf, *items[i].account ? items[i].account :
		    NULL, NULL, &error);
		if (!g.acct) {
			warn("queue run: %s", error);
			free(error);
			continue;
		}
		account_relay(g.acct, &g.relay);
		if (conf_needs_secret(g.acct))
			g.password = conf_password(g.acct);
		for (size_t k = i; k < j; k++) {
			struct qlock l;
			struct qentry e;
			int r = queue_lock(&q, items[k].id, &l);

			if (r == QUEUE_BUSY || r == QUEUE_GONE)
				continue;	/* another run has it */
			if (r != QUEUE_OK || (r = queue_load(&q, &l, &e)) !=
			    QUEUE_OK) {
				warn("%s: %s", items[k].id, r == QUEUE_CORRUPT ?
				    "torn or unreadable, moved to corrupt/" :
				    q.err);
				if (r != QUEUE_CORRUPT)
					queue_unlock(&l);
				continue;
			}
			try_entry(&g, &q, &l, &e, now);
			qentry_free(&e);
			queue_unlock(&l);
		}
		group_end(&g);
	}
	for (i = 0; i < n; i++)
		free(items[i].account);
	free(items);
	queue_close(&q);
	conf_free(conf);
	return FAIL_NONE;
}

enum fail
qrun_list(const struct options *o)
{
	struct config *conf = read_config(o);
	struct queue q;
	struct qids ids;
	unsigned long long bytes = 0;
	size_t shown = 0;

	if (open_queue(o, conf, &q, 0) != QUEUE_OK ||
	    queue_list(&q, &ids) != QUEUE_OK) {
		printf("Mail queue is empty\n");
		conf_free(conf);
		return FAIL_NONE;
	}
	for (size_t i = 0; i < ids.n; i++) {
		struct qentry e;
		char when[64];
		time_t t;

		if (queue_peek(&q, ids.id[i], &e) != QUEUE_OK)
			continue;
		if (!shown++)
			printf("%-32s %8s %-20s %s\n", "-Queue ID-", "--Size--",
			    "----Arrival Time----", "-Sender/Recipient-------");
		t = (time_t)e.arrival;
		strftime(when, sizeof(when), "%a %b %e %H:%M:%S", localtime(&t));
		printf("%-32s %8llu %-20s %s\n", e.id, e.size, when,
		    e.sender && *e.sender ? e.sender : "MAILER-DAEMON");
		printf("%-32s tried %u time%s%s%s\n", "", e.attempts,
		    e.attempts == 1 ? "" : "s", e.last_error ? ": " : "",
		    e.last_error ? e.last_error : "");
		for (size_t k = 0; k < e.nrcpt; k++)
			if (e.rcpt[k].state == QRCPT_PENDING)
				printf("%-62s %s\n", "", e.rcpt[k].addr);
		putchar('\n');
		bytes += e.size;
		qentry_free(&e);
	}
	if (shown)
		printf("-- %llu Kbytes in %zu Request%s.\n", (bytes + 1023) / 1024,
		    shown, shown == 1 ? "" : "s");
	else
		printf("Mail queue is empty\n");
	queue_ids_free(&ids);
	queue_close(&q);
	conf_free(conf);
	return FAIL_NONE;
}

enum fail
qrun_delete(const struct options *o, const char *id)
{
	struct config *conf = read_config(o);
	struct queue q;
	struct qlock l;
	struct stat st;
	enum fail f = FAIL_NONE;
	char env[QUEUE_ID_LEN + 8];
	int r;

	if (!queue_id_valid(id))
		die(FAIL_USAGE, "%s: not a queue id", id);
	if (open_queue(o, conf, &q, 0) != QUEUE_OK)
		die(FAIL_USAGE, "%s: no such entry (%s)", id, q.err);
	/* through the shared spool, a user takes out only their own */
	if (privileged && (fstatat(q.dirfd, (snprintf(env, sizeof(env), "%s.env", id),
	    env), &st,
	    AT_SYMLINK_NOFOLLOW) == -1 || st.st_uid != getuid())) {
		warn("%s: not yours to delete", id);
		f = FAIL_PERM;
	} else if ((r = queue_lock(&q, id, &l)) == QUEUE_BUSY) {
		warn("%s: being tried now; try again", id);
		f = FAIL_TEMP;
	} else if (r != QUEUE_OK) {
		warn("%s: no such entry", id);
		f = FAIL_USAGE;
	} else {
		if (queue_remove(&q, &l) != QUEUE_OK) {
			warn("%s: %s", id, q.err);
			f = FAIL_OS;
		}
		queue_unlock(&l);
	}
	queue_close(&q);
	conf_free(conf);
	return f;
}

/* Any ID.env in dir? One directory read, no checks: a hint only. */
static int
has_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int found = 0;

	if (!d)
		return 0;
	while (!found && (de = readdir(d)))
		found = strlen(de->d_name) > 4 &&
		    !strcmp(de->d_name + strlen(de->d_name) - 4, ".env");
	closedir(d);
	return found;
}

void
qrun_kick(const struct options *o, const char *dir)
{
	struct queue q;
	struct qids ids;
	long long now = time(NULL);
	int due = 0;
	pid_t pid;

	/* a cheap look first: most of the time the queue is empty */
	if (!dir || !has_entries(dir) || qrun_open(&q, dir, 0) != QUEUE_OK)
		return;
	if (queue_list(&q, &ids) == QUEUE_OK) {
		for (size_t i = 0; i < ids.n && !due; i++) {
			struct qentry e;

			if (queue_peek(&q, ids.id[i], &e) == QUEUE_OK) {
				due = e.next_try <= now;
				qentry_free(&e);
			}
		}
		queue_ids_free(&ids);
	}
	queue_close(&q);
	if (!due)
		return;
	fflush(NULL);
	if ((pid = fork()) != 0) {
		if (pid > 0)
			waitpid(pid, NULL, 0);	/* the middle child, at once */
		return;
	}
	/* twice, so the run is nobody's child and outlives the caller */
	if (setsid() == -1 || fork() != 0)
		_exit(0);
	{
		int null = open("/dev/null", O_RDWR);

		if (null == -1)
			_exit(exit_status(FAIL_OS));
		dup2(null, 0);
		dup2(null, 1);
		dup2(null, 2);
		if (null > 2)
			close(null);
	}
	verbose = 0;
	_exit(exit_status(qrun(o, QRUN_DUE, NULL)));
}
