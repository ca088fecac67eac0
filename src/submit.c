/*
 * submit.c: one message from a file descriptor to the relay: the account,
 * the envelope (recipients from arguments and -t, local names resolved),
 * the header rewritten, then the SMTP session.
 */

#include <pwd.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "util.h"
#include "addr.h"
#include "alias.h"
#include "conf.h"
#include "msg.h"
#include "smtp.h"
#include "strset.h"
#include "submit.h"

static const char *
domain_of(const char *addr)
{
	const char *at = addr ? strrchr(addr, '@') : NULL;

	return at && at[1] ? at + 1 : NULL;
}

/* The envelope's recipients, each once ignoring case. */
struct rcpts {
	struct strlist list;
	struct strset seen;
};

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

static size_t
next_piece(void *ctx, const char **data)
{
	return msg_next(ctx, data);
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

enum fail
submit(const struct options *o, int fd)
{
	struct rcpts rcpts = { 0 };
	struct addrlist found = { 0 };
	struct localnames ln;
	struct message m;
	struct rewrite rw;
	struct envelope env;
	struct source src;
	struct smtp_result res;
	struct config *conf;
	struct account *acct;
	struct smtp *session;
	const char *err;
	char *password = NULL, *sender;
	size_t i;

	for (i = 0; i < o->nrcpts; i++)
		if (addr_parse_list(o->rcpts[i], strlen(o->rcpts[i]), &found,
		    &err))
			die(FAIL_USAGE, "bad recipient '%s': %s", o->rcpts[i],
			    err);
	if (o->sender && *o->sender && (err = addr_check(o->sender)))
		die(FAIL_USAGE, "bad sender '%s': %s", o->sender, err);

	conf = conf_read(o->config ? o->config : conf_default_path());
	acct = conf_account(conf, o->account, o->sender);
	load_locals(acct, &ln);
	add_rcpts(&rcpts, &found, &ln, FAIL_USAGE, "the command line");
	addrlist_free(&found);
	sender = o->sender ? local_qualify(&ln, o->sender) :
	    default_sender(acct, &ln);
	if (acct->auth != AUTH_OFF)
		password = conf_password(acct);
	signal(SIGPIPE, SIG_IGN);

	msg_open(&m, fd, o->dot_ends);
	msg_read_header(&m);
	if (o->extract) {
		char why[512];

		if (msg_recipients(&m, &found, why, sizeof(why)) == -1)
			die(FAIL_DATA, "%s", why);
		add_rcpts(&rcpts, &found, &ln, FAIL_DATA, "the message header");
		addrlist_free(&found);
	}
	if (rcpts.list.n == 0)
		die(FAIL_USAGE, "no recipients");

	memset(&rw, 0, sizeof(rw));
	rw.from_addr = *sender ? sender : acct->from;
	rw.from_name = o->fullname;
	rw.id_domain = domain_of(rw.from_addr) ? domain_of(rw.from_addr) :
	    acct->ehlo_name;
	rw.now = time(NULL);
	rw.address = rewrite_address;
	rw.ctx = &ln;
	msg_rewrite(&m, &rw);
	msg_estimate(&m);

	memset(&env, 0, sizeof(env));
	env.from = sender;
	env.rcpt = rcpts.list.v;
	env.nrcpt = rcpts.list.n;
	env.size = m.size;
	env.eight_bit = m.eight_bit;
	env.body = o->body;
	env.utf8 = m.header_8bit || !is_ascii(env.from);
	for (i = 0; i < rcpts.list.n; i++)
		env.utf8 |= !is_ascii(rcpts.list.v[i]);
	env.notify = o->notify;
	env.ret = o->ret;
	env.envid = o->envid;
	env.all_or_nothing = o->all_or_nothing;
	src.next = next_piece;
	src.ctx = &m;
	src.stop_at_dot = o->dot_ends;

	/* the rest of the message is read while the session's clock runs */
	msg_set_deadline(&m, now_ms() + acct->timeout_session * 1000LL,
	    acct->timeout_session);
	session = smtp_open(acct, password, &res);
	if (res.fail == FAIL_NONE)
		smtp_send(session, &env, &src, 1, &res);
	smtp_close(session);
	if (password) {
		wipestr(password);
		free(password);
	}
	if (res.msg[0])
		warn("%s", res.msg);
	msg_free(&m);
	strset_free(&rcpts.seen);
	strlist_free(&rcpts.list);
	free(sender);
	aliases_free(ln.aliases);
	conf_free(conf);
	return res.fail;
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
