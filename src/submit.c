/*
 * submit.c: one message from a file descriptor to the relay, in two
 * halves. prepare() reads the account, builds the envelope (recipients
 * from arguments and -t, local names resolved) and rewrites the header:
 * any problem there ends the process with its exit status. deliver()
 * runs the SMTP session and reports its outcome; it never exits.
 */

#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "util.h"
#include "addr.h"
#include "alias.h"
#include "conf.h"
#include "auth.h"
#include "log.h"
#include "msg.h"
#include "progress.h"
#include "smtp.h"
#include "strset.h"
#include "submit.h"
#include "queue.h"
#include "qrun.h"
#include "wire.h"

/* The envelope's recipients, each once ignoring case. */
struct rcpts {
	struct strlist list;
	struct strset seen;
};

/* A message ready to go: its account, relay, envelope and header. */
struct prepared {
	struct config *conf;
	struct account *acct;
	struct localnames ln;
	struct message m;
	struct rcpts rcpts;
	char *sender;
	char *password;
	struct envelope env;
	struct policy policy;
	struct source src;
	struct relay relay;
	long long start_ms;	/* when it came in, for the log's delay */
	struct progress progress;
};

static const char *
domain_of(const char *addr)
{
	const char *at = addr ? strrchr(addr, '@') : NULL;

	return at && at[1] ? at + 1 : NULL;
}

/* Adds each address once, local names resolved; bad ones fail with f. */
static void
add_rcpts(struct rcpts *r, const struct addrlist *found,
    const struct localnames *ln, enum fail f, const char *where)
{
	for (size_t i = 0; i < found->n; i++) {
		struct strlist expanded = { 0 };
		const char *why;

		local_expand(ln, found->v[i].spec, &expanded);
		for (size_t j = 0; j < expanded.n; j++) {
			if ((why = addr_check(expanded.v[j])))
				die(f, "bad recipient %s in %s: %s",
				    expanded.v[j], where, why);
			if (strset_add(&r->seen, expanded.v[j], 0)) {
				strlist_add(&r->list, expanded.v[j]);
				expanded.v[j] = NULL;
			}
		}
		strlist_free(&expanded);
	}
}

/*
 * Header addresses that name local users get what the envelope gets: a
 * recipient its one alias target (or its qualified name), a sender its
 * qualified name.
 */
static char *
rewrite_address(void *ctx, const char *spec, int recipient)
{
	const struct localnames *ln = ctx;
	char *q = local_name(ln, spec);

	if (!q)
		return NULL;
	free(q);
	if (recipient) {
		struct strlist l = { 0 };

		local_expand(ln, spec, &l);
		if (l.n == 1) {
			q = l.v[0];
			free(l.v);
			return q;
		}
		strlist_free(&l);
	}
	q = local_qualify(ln, spec);
	if (!strcmp(q, spec)) {
		free(q);
		return NULL;
	}
	return q;
}

static int
is_ascii(const char *s)
{
	for (; *s; s++)
		if (*s & 0x80)
			return 0;
	return 1;
}

/* The sender when -f is not given: from, else the user at the domain. */
static char *
default_sender(const struct account *acct, const struct localnames *ln)
{
	const struct passwd *pw;
	const char *user;

	if (acct->from)
		return xstrdup(acct->from);
	pw = getpwuid(geteuid());
	user = pw ? pw->pw_name : getenv("LOGNAME");
	if (!user || !*user || !ln->domain || addr_check(user))
		die(FAIL_CONFIG, "%s: [%s]: no sender: set from, or use -f",
		    acct->file, acct->name);
	return local_qualify(ln, user);
}

static void
load_locals(const struct account *acct, struct localnames *ln)
{
	memset(ln, 0, sizeof(*ln));
	if (acct->aliases)
		ln->aliases = aliases_load(acct->aliases);
	ln->admin_addr = acct->admin_addr;
	ln->domain = acct->qualify_domain ? acct->qualify_domain :
	    domain_of(acct->from);
	ln->hostname = host_name();
}

/* The message's bytes for the engine; a read error ends it, not us. */
static size_t
next_piece(void *ctx, const char **data)
{
	struct prepared *p = ctx;
	size_t n = msg_next(&p->m, data);

	if (p->progress.on) {
		if (n > 0)
			progress_step(&p->progress, n);
		else
			progress_end(&p->progress);
	}
	if (n == 0 && p->m.error != FAIL_NONE) {
		p->src.error = p->m.error;
		snprintf(p->src.error_msg, sizeof(p->src.error_msg), "%s",
		    p->m.error_msg);
	}
	return n;
}

/* What the engine needs of the account: one relay. */
void
account_relay(const struct account *a, struct relay *r)
{
	memset(r, 0, sizeof(*r));
	r->host = a->host;
	r->port = a->port;
	r->tls = a->tls;
	r->tls_trust_file = a->tls_trust_file;
	r->tls_server_name = a->tls_server_name;
	r->tls_priorities = a->tls_priorities;
	r->tls_fingerprint = a->tls_fingerprint;
	r->tls_cert_file = a->tls_cert_file;
	r->tls_key_file = a->tls_key_file;
	r->tls_cache_dir = a->tls_cache_dir;
	r->auth = a->auth;
	r->user = a->user;
	r->plaintext_auth_loopback = a->plaintext_auth_loopback;
	r->ehlo_name = a->ehlo_name;
	r->pipelining = a->pipelining;
	r->chunking = a->chunking;
	r->timeout = a->timeout;
	r->timeout_session = a->timeout_session;
}

void
account_log(const struct account *a, struct log_target *t)
{
	t->facility = a->syslog == -1 ? -1 : a->syslog ? a->syslog :
	    a->log_facility;
	t->file = a->logfile;
	t->json = a->log_json;
	t->shared = !strcmp(a->file, SYSCONFDIR "/sendmail.ini");
}

/* What the relay's side of a line says: the session as far as it got. */
void
result_log_msg(const struct smtp_result *r, struct log_msg *m)
{
	/* no port: the relay was not tried (-odq) */
	m->relay = r->port ? r->relay : NULL;
	m->addr = r->addr;
	m->port = r->port;
	m->tls = r->tls;
	m->auth = r->auth;
}

struct prepared *
prepare(const struct options *o, int fd)
{
	struct prepared *p = xmalloc(sizeof(*p));
	struct addrlist found = { 0 };
	struct rewrite rw;
	struct envelope *env = &p->env;
	const char *err;
	size_t i;

	memset(p, 0, sizeof(*p));
	p->start_ms = now_ms();
	for (i = 0; i < o->nrcpts; i++)
		if (addr_parse_list(o->rcpts[i], strlen(o->rcpts[i]), &found,
		    &err))
			die(FAIL_USAGE, "bad recipient '%s': %s", o->rcpts[i],
			    err);
	if (o->sender && *o->sender && (err = addr_check(o->sender)))
		die(FAIL_USAGE, "bad sender '%s': %s", o->sender, err);

	p->conf = conf_read(o->config ? o->config : conf_default_path());
	p->acct = conf_account(p->conf, o->account, o->sender);
	load_locals(p->acct, &p->ln);
	add_rcpts(&p->rcpts, &found, &p->ln, FAIL_USAGE, "the command line");
	addrlist_free(&found);
	p->sender = o->sender ? local_qualify(&p->ln, o->sender) :
	    default_sender(p->acct, &p->ln);
	signal(SIGPIPE, SIG_IGN);

	msg_open(&p->m, fd, o->dot_ends);
	msg_read_header(&p->m);
	if (o->extract) {
		char why[512];

		if (msg_recipients(&p->m, &found, why, sizeof(why)) == -1)
			die(FAIL_DATA, "%s", why);
		add_rcpts(&p->rcpts, &found, &p->ln, FAIL_DATA,
		    "the message header");
		addrlist_free(&found);
	}
	if (p->rcpts.list.n == 0)
		die(FAIL_USAGE, "no recipients");

	memset(&rw, 0, sizeof(rw));
	rw.from_addr = *p->sender ? p->sender : p->acct->from;
	rw.from_name = o->fullname;
	rw.id_domain = domain_of(rw.from_addr) ? domain_of(rw.from_addr) :
	    p->acct->ehlo_name;
	rw.now = time(NULL);
	rw.address = rewrite_address;
	rw.ctx = &p->ln;
	msg_rewrite(&p->m, &rw);
	msg_estimate(&p->m);

	env->from = p->sender;
	env->rcpt = p->rcpts.list.v;
	env->nrcpt = p->rcpts.list.n;
	env->size = p->m.size;
	env->eight_bit = p->m.eight_bit;
	env->body = o->body;
	env->utf8 = p->m.header_8bit || !is_ascii(env->from);
	for (i = 0; i < p->rcpts.list.n; i++)
		env->utf8 |= !is_ascii(p->rcpts.list.v[i]);
	env->notify = o->notify;
	env->ret = o->ret;
	env->envid = o->envid;
	p->policy.all_or_nothing = o->all_or_nothing;
	p->policy.long_lines_send = p->acct->long_lines_send;
	p->policy.dsn_required = p->acct->dsn_required;
	p->src.next = next_piece;
	p->src.ctx = p;
	p->src.stop_at_dot = o->dot_ends;
	account_relay(p->acct, &p->relay);
	/* the secret last: the header the user wrote is parsed before any
	 * secret the user may not read is in memory */
	if (conf_needs_secret(p->acct) && !o->queue_only && !o->dry_run)
		p->password = conf_password(p->acct);
	return p;
}

/* One line on stderr for each thing that went wrong, as the result says. */
void
report(const struct envelope *e, const struct smtp_result *r,
    const struct account *a)
{
	const char *c = strcmp(a->file, conf_default_path()) ? " -C " : "";
	int delivered = r->final.code / 100 == 2;

	if (r->dsn_dropped)
		warn("%s does not offer DSN: sending without -N, -R and -V",
		    r->relay);
	/* the recipients' replies tell why only when nothing else does */
	for (size_t i = 0; !r->msg[0] && i < r->nrcpt && i < e->nrcpt; i++) {
		const struct smtp_rcpt *rc = &r->rcpt[i];

		/* a deferred recipient held the message back for everyone */
		if (r->deferred && !delivered && rc->state == RCPT_DEFERRED)
			warn("RCPT TO:<%s> deferred: %s (message not sent; try "
			    "again later)", e->rcpt[i], rc->reply.text);
		else if (delivered && rc->state == RCPT_DEFERRED)
			warn("RCPT TO:<%s> deferred: %s (sent to the others)",
			    e->rcpt[i], rc->reply.text);
		else if (!r->deferred && rc->state == RCPT_REJECTED)
			warn("RCPT TO:<%s> rejected: %s%s", e->rcpt[i],
			    rc->reply.text, !delivered && r->accepted &&
			    r->fail == FAIL_RCPT ? " (message not sent to anyone)" :
			    "");
	}
	/* details first: the last line is the one that says what failed */
	for (const char *p = r->detail; *p; ) {
		size_t n = strcspn(p, "\n");

		warn("%.*s", (int)n, p);
		p += n + (p[n] == '\n');
	}
	/* a relay that can't be reached: where, and what to try next */
	if (r->msg[0] && r->unreachable)
		warn("%s%s%s%s%s (check host and port; smtpsend%s%s "
		    "--serverinfo %s shows what the relay answers)",
		    r->unreachable == 2 ? r->relay : "", r->unreachable == 2 ?
		    " port " : "", r->unreachable == 2 ? r->port : "",
		    r->unreachable == 2 ? ": " : "", r->msg, c, *c ? a->file : "",
		    a->name);
	else if (r->msg[0])
		warn("%s", r->msg);
}

/* The body into the queue, in final form: a "." line ends it without -i. */
struct qbody {
	struct qput *put;
	struct wire wire;
	int normalise;
	char out[WIRE_OUT_MAX(16 * 1024)];
};

static int
put_body(void *ctx, const void *data, size_t n)
{
	struct qbody *b = ctx;
	const char *p = data;

	if (!b->normalise)
		return queue_put_write(b->put, data, n) == QUEUE_OK ? 0 : -1;
	while (n > 0 && !b->wire.ended) {
		size_t take = n < 16 * 1024 ? n : 16 * 1024;
		size_t len = wire_encode(&b->wire, p, take, b->out);

		if (queue_put_write(b->put, b->out, len) != QUEUE_OK)
			return -1;
		p += take;
		n -= take;
	}
	return 0;
}

/*
 * Keeps the message in the queue for a later try: its header as
 * rewritten, its body from the first byte, each recipient waiting.
 */
static int
enqueue(struct prepared *p, const char *error, char *why, size_t wl)
{
	struct queue q;
	struct qput *put;
	struct qentry e;
	struct qbody *b;
	char id[QUEUE_ID_LEN + 1];
	size_t len;
	int r;

	if (!p->acct->queue_dir) {
		snprintf(why, wl, "no queue directory: HOME is not set (see "
		    "queue_dir in sendmail.ini(5))");
		return -1;
	}
	if (qrun_open(&q, p->acct->queue_dir, 1) != QUEUE_OK ||
	    queue_put_begin(&q, &put) != QUEUE_OK) {
		snprintf(why, wl, "%s", q.err);
		queue_close(&q);
		return -1;
	}
	b = xmalloc(sizeof(*b));
	b->put = put;
	b->normalise = p->src.stop_at_dot;
	wire_init(&b->wire, 0, 1);
	if (queue_put_write(put, p->m.out.data, p->m.out.len) != QUEUE_OK ||
	    msg_write_body(&p->m, put_body, b, why, wl) == -1 ||
	    (b->normalise && (len = wire_finish(&b->wire, b->out)) > 0 &&
	    queue_put_write(put, b->out, len) != QUEUE_OK)) {
		if (!*why || q.err[0])
			snprintf(why, wl, "%s", q.err[0] ? q.err : "write failed");
		queue_put_abort(put);
		queue_close(&q);
		free(b);
		return -1;
	}
	free(b);
	memset(&e, 0, sizeof(e));
	e.account = p->acct->name;
	e.sender = p->sender;
	e.ret = !p->env.ret ? QRET_NONE : !strcmp(p->env.ret, "FULL") ?
	    QRET_FULL : QRET_HDRS;
	e.envid = (char *)p->env.envid;
	e.body = p->env.body;
	e.smtputf8 = p->env.utf8;
	e.attempts = 1;
	e.next_try = queue_next_try(1, time(NULL), time(NULL),
	    p->acct->retry_min, p->acct->retry_max);
	e.last_error = (char *)error;
	e.nrcpt = p->env.nrcpt;
	e.rcpt = xmalloc(e.nrcpt * sizeof(*e.rcpt));
	memset(e.rcpt, 0, e.nrcpt * sizeof(*e.rcpt));
	for (size_t i = 0; i < e.nrcpt; i++) {
		e.rcpt[i].state = QRCPT_PENDING;
		e.rcpt[i].addr = p->env.rcpt[i];
		e.rcpt[i].notify = (char *)p->env.notify;
	}
	/* commit frees put: its id first */
	snprintf(id, sizeof(id), "%s", queue_put_id(put));
	r = queue_put_commit(put, &e, NULL);
	snprintf(why, wl, "%s", r == QUEUE_OK ? id : q.err);
	free(e.rcpt);
	queue_close(&q);
	return r == QUEUE_OK ? 0 : -1;
}

/* Not the message's fault nor the relay's final word: may go later. */
static int
temporary(enum fail f)
{
	return f == FAIL_TEMP || f == FAIL_PROTO || f == FAIL_IO || f == FAIL_OS;
}

/*
 * The log's lines for the message: each recipient queued (with the queue
 * id), or as the relay answered for it.
 */
static void
log_delivery(struct prepared *p, const struct smtp_result *r,
    const char *queue_id, const char *why)
{
	struct log_target t;
	struct log_msg m;
	struct log_rcpt *lr;
	char msgid[256];
	int delivered = r->final.code / 100 == 2;
	/* the relay's own words where it refused the message */
	const char *other = r->final.code / 100 > 3 ? r->final.text :
	    r->msg[0] ? r->msg : "not sent";

	account_log(p->acct, &t);
	if (t.facility < 0 && !t.file)
		return;
	memset(&m, 0, sizeof(m));
	result_log_msg(r, &m);
	m.queue_id = queue_id;
	m.msgid = log_msgid(p->m.out.data, p->m.out.len, msgid,
	    sizeof(msgid)) ? msgid : NULL;
	m.from = p->sender;
	m.size = r->octets ? (long long)r->octets : p->m.size;
	m.delay_ms = now_ms() - p->start_ms;
	lr = xmalloc(p->env.nrcpt * sizeof(*lr));
	for (size_t i = 0; i < p->env.nrcpt; i++) {
		const struct smtp_rcpt *rc = i < r->nrcpt ? &r->rcpt[i] : NULL;

		lr[i].addr = p->env.rcpt[i];
		lr[i].status = temporary(r->fail) ? "deferred" : "bounced";
		lr[i].reply = other;
		if (queue_id) {
			lr[i].status = "queued";
			lr[i].reply = why;
		} else if (rc && rc->state == RCPT_ACCEPTED && delivered) {
			lr[i].status = "sent";
			lr[i].reply = r->final.text;
		} else if (rc && rc->state == RCPT_REJECTED) {
			lr[i].status = "bounced";
			lr[i].reply = rc->reply.text;
		} else if (rc && rc->state == RCPT_DEFERRED) {
			lr[i].status = "deferred";
			lr[i].reply = rc->reply.text;
		}
	}
	log_outcome(&t, &m, lr, p->env.nrcpt);
	free(lr);
}

/* The reason a message waits, for the queue and mailq: one line. */
static void
reason_of(const struct smtp_result *r, char *out, size_t n)
{
	snprintf(out, n, "%s", r->msg);
	for (size_t i = 0; !*out && i < r->nrcpt; i++)
		if (r->rcpt[i].state == RCPT_DEFERRED)
			snprintf(out, n, "RCPT TO:<...> deferred: %s",
			    r->rcpt[i].reply.text);
}

enum fail
deliver(struct prepared *p, const struct options *o)
{
	struct smtp_result res;
	struct smtp *session;
	char reason[1024], why[1024] = "";
	enum fail f;

	memset(&res, 0, sizeof(res));
	if (o->queue_only && p->acct->queue) {
		snprintf(res.msg, sizeof(res.msg), "queued with -odq");
		res.fail = FAIL_TEMP;
		res.relay = p->relay.host;
	} else {
		/* the rest of the message is read while the session's clock
		 * runs, and kept if it may have to wait in the queue */
		if (p->acct->queue)
			msg_keep_copy(&p->m);
		msg_set_deadline(&p->m, now_ms() +
		    p->relay.timeout_session * 1000LL,
		    p->relay.timeout_session);
		progress_start(&p->progress, p->env.size);
		session = smtp_open(&p->relay, p->password, &res);
		if (res.fail == FAIL_NONE)
			smtp_send(session, &p->env, &p->src, &p->policy, 1, &res);
		progress_end(&p->progress);
		smtp_close(session);
	}
	if (p->password) {
		wipestr(p->password);
		free(p->password);
		p->password = NULL;
	}
	f = res.fail;
	/* what can't go now waits in the queue: then the queue has it */
	if (f == FAIL_TEMP && p->acct->queue) {
		reason_of(&res, reason, sizeof(reason));
		if (enqueue(p, reason, why, sizeof(why)) == 0) {
			log_delivery(p, &res, why, reason);
			trace("-- queued as %s: %s", why, reason);
			if (isatty(2))
				warn("queued as %s, to be tried again: %s", why,
				    reason);
			smtp_result_free(&res);
			return FAIL_NONE;
		}
		report(&p->env, &res, p->acct);
		warn("could not queue the message: %s", why);
		log_delivery(p, &res, NULL, NULL);
		smtp_result_free(&res);
		return f;
	}
	report(&p->env, &res, p->acct);
	log_delivery(p, &res, NULL, NULL);
	smtp_result_free(&res);
	if (f == FAIL_NONE && p->acct->queue)
		qrun_kick(o, p->acct->queue_dir);
	return f;
}

void
prepared_free(struct prepared *p)
{
	if (!p)
		return;
	if (p->password) {
		wipestr(p->password);
		free(p->password);
	}
	msg_free(&p->m);
	strset_free(&p->rcpts.seen);
	strlist_free(&p->rcpts.list);
	free(p->sender);
	aliases_free(p->ln.aliases);
	conf_free(p->conf);
	free(p);
}

/* Header text as a terminal may show it: a line each, CRLF dropped. */
static void
print_field(const char *what, const char *p, size_t n)
{
	char *text = xstrndup(p, n), *line, *next;

	fputs(what, stdout);
	for (line = text; *line; line = next) {
		next = line + strcspn(line, "\r\n");
		if (*next)
			*next++ = '\0';
		if (*next == '\n')
			next++;
		if (line != text)
			fputs("\n    ", stdout);
		print_escaped(stdout, line);
	}
	putchar('\n');
	free(text);
}

/*
 * --dry-run: the message is read to its end and encoded as it would be
 * sent, which finds what the session would refuse (a line too long); then
 * what would have gone, and to whom. No socket, no secret.
 */
static enum fail
dry_run(struct prepared *p)
{
	static const char *const tls[] = { "starttls", "tls", "none" };
	const struct message *m = &p->m;
	char *out = xmalloc(WIRE_OUT_MAX(64 * 1024));
	unsigned long long octets = 0;
	struct wire w;
	const char *data;
	size_t n, take, i;
	int eight = 0;

	wire_init(&w, 0, p->src.stop_at_dot);
	while (!w.ended && (n = p->src.next(p->src.ctx, &data)) > 0) {
		for (; n > 0 && !w.ended; data += take, n -= take) {
			take = n < 64 * 1024 ? n : 64 * 1024;
			octets += wire_encode(&w, data, take, out);
			for (i = 0; i < take && !eight; i++)
				eight = (data[i] & 0x80) != 0;
		}
	}
	if (!w.ended)
		octets += wire_finish(&w, out);
	free(out);
	if (p->src.error != FAIL_NONE)
		die(p->src.error, "%s", p->src.error_msg);
	if (w.long_line && !p->policy.long_lines_send)
		die(FAIL_DATA, "line %lu of the message is longer than %d "
		    "octets; not sent (see long_lines in sendmail.ini(5))",
		    w.long_line, WIRE_MAX_LINE);

	fputs("account: ", stdout);
	print_escaped(stdout, p->acct->name);
	fputs(" in ", stdout);
	print_escaped(stdout, p->acct->file);
	fputs("\nrelay: ", stdout);
	print_escaped(stdout, p->relay.host);
	printf(" port %s, tls %s, auth %s\n", p->relay.port,
	    tls[p->relay.tls], auth_config_name(p->relay.auth));
	fputs("sender: <", stdout);
	print_escaped(stdout, p->env.from);
	fputs(">\n", stdout);
	for (i = 0; i < p->env.nrcpt; i++) {
		fputs("recipient: <", stdout);
		print_escaped(stdout, p->env.rcpt[i]);
		fputs(">\n", stdout);
	}
	for (i = 0; i < m->nfields; i++) {
		const struct field *f = &m->fields[i];

		if (f->removed)
			print_field("removed: ", m->hdr.data + f->off, f->len);
		else if (f->rewritten) {
			print_field("rewritten: ", m->hdr.data + f->off, f->len);
			print_field("  as: ", m->out.data + f->out_off,
			    f->out_len);
		}
	}
	for (const char *a = m->out.data + m->added_off, *end = m->out.data +
	    m->added_end, *nl; a < end; a = nl + 2) {
		/* each added field is one line */
		nl = strstr(a, "\r\n");
		print_field("added: ", a, nl - a);
	}
	printf("size: %llu octets, %s\n", octets, eight ? "8-bit" : "7-bit");
	puts("not sent: --dry-run");
	return FAIL_NONE;
}

enum fail
submit(const struct options *o, int fd)
{
	struct prepared *p = prepare(o, fd);
	enum fail f = o->dry_run ? dry_run(p) : deliver(p, o);

	prepared_free(p);
	return f;
}

enum fail
check_aliases(const struct options *o)
{
	struct config *conf = conf_read(o->config ? o->config :
	    conf_default_path());
	struct account *acct = conf_account(conf, o->account, o->sender);
	struct aliases *a;

	if (!acct->aliases) {
		trace("-- [%s] names no aliases file", acct->name);
	} else {
		a = aliases_load(acct->aliases);
		trace("-- %s: %zu aliases", acct->aliases, aliases_count(a));
		aliases_free(a);
	}
	conf_free(conf);
	return FAIL_NONE;
}
