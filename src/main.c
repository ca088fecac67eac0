/*
 * main.c: the sendmail command line. Parses flags and the config, reads
 * the message header, builds the envelope and hands both to the SMTP
 * engine. Every exit goes through exit_status().
 */

#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "util.h"
#include "addr.h"
#include "conf.h"
#include "msg.h"
#include "smtp.h"

struct options {
	int extract;		/* -t */
	int dot_ends;		/* no -i / -oi */
	const char *sender;	/* -f / -r, "" for <> */
	const char *fullname;	/* -F */
	const char *config;	/* -C */
	const char *account;	/* -a */
	const char *envid;	/* -V envid */
	int body;		/* -B 7BIT or 8BITMIME: 7 or 8 */
};

static void
usage(int status)
{
	FILE *fp = status ? stderr : stdout;

	fprintf(fp,
	    "usage: smtpsend [-itv] [-a account] [-B type] [-C file] [-F name]\n"
	    "                [-f sender] [-V envid] [--] [recipient ...]\n"
	    "       smtpsend -V | --version\n"
	    "       smtpsend -h | --help\n");
	exit(status ? exit_status(FAIL_USAGE) : 0);
}

static void
version(void)
{
	printf("smtpsend %s\n", VERSION);
	exit(0);
}

/* Nothing from the command line may break a command or a header line. */
static const char *
checked(const char *what, const char *value)
{
	if (has_line_break(value))
		die(FAIL_USAGE, "%s contains a line break", what);
	return value;
}

static int
parse_options(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'H' },
		{ "version", no_argument, NULL, 'W' },
		{ NULL, 0, NULL, 0 },
	};
	int ch;

	opterr = 0;
	/* '+': stop at the first recipient; ':': report a missing value */
	while ((ch = getopt_long(argc, argv, "+:a:B:C:F:f:h:io:r:tvV:", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'H':
			usage(0);
			break;
		case 'W':
			version();
			break;
		case 'a':
			o->account = optarg;
			break;
		case 'B':
			if (!strcasecmp(optarg, "8BITMIME"))
				o->body = 8;
			else if (!strcasecmp(optarg, "7BIT"))
				o->body = 7;
			else
				die(FAIL_USAGE, "-B must be 7BIT or 8BITMIME");
			break;
		case 'C':
			o->config = optarg;
			break;
		case 'F':
			o->fullname = checked("the full name (-F)", optarg);
			break;
		case 'f':
		case 'r':
			o->sender = checked("the sender (-f)", optarg);
			if (!strcmp(o->sender, "<>"))
				o->sender = "";
			break;
		case 'i':
			o->dot_ends = 0;
			break;
		case 'o':
			/* -oi is -i; other -o options tune sendmail itself */
			if (!strcmp(optarg, "i"))
				o->dot_ends = 0;
			break;
		case 't':
			o->extract = 1;
			break;
		case 'v':
			verbose = 1;
			break;
		case 'V':
			o->envid = checked("the envelope id (-V)", optarg);
			break;
		case 'h':
			/* -h N is sendmail's hop count: nothing to do here */
			break;
		case ':':
			if (optopt == 'h')
				usage(0);
			if (optopt == 'V')
				version();
			warn("option -%c needs a value", optopt);
			usage(1);
			break;
		default:
			if (optopt)
				warn("unknown option -%c", optopt);
			else
				warn("unknown option %s", argv[optind - 1]);
			usage(1);
		}
	}
	return optind;
}

static int
has_rcpt(const struct strlist *l, const char *spec)
{
	for (size_t i = 0; i < l->n; i++)
		if (!strcasecmp(l->v[i], spec))
			return 1;
	return 0;
}

/* Adds each mailbox once; bad ones are the caller's fault (status f). */
static void
add_rcpts(struct strlist *rcpts, const struct addrlist *found, enum fail f,
    const char *where)
{
	for (size_t i = 0; i < found->n; i++) {
		const char *why = addr_check(found->v[i].spec);

		if (why)
			die(f, "bad recipient %s in %s: %s", found->v[i].spec,
			    where, why);
		if (!has_rcpt(rcpts, found->v[i].spec))
			strlist_add(rcpts, xstrdup(found->v[i].spec));
	}
}

static const char *
domain_of(const char *addr, const char *fallback)
{
	const char *at = strrchr(addr, '@');

	return at && at[1] ? at + 1 : fallback;
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

int
main(int argc, char **argv)
{
	struct options o = { .dot_ends = 1 };
	struct strlist rcpts = { 0 };
	struct addrlist found = { 0 };
	struct message m;
	struct rewrite rw;
	struct envelope env;
	struct source src;
	struct smtp_result res;
	struct config *conf;
	struct account *acct;
	struct smtp *session;
	const char *err;
	char *password = NULL;
	int i;

	i = parse_options(argc, argv, &o);

	for (; i < argc; i++) {
		checked("a recipient", argv[i]);
		if (addr_parse_list(argv[i], strlen(argv[i]), &found, &err))
			die(FAIL_USAGE, "bad recipient '%s': %s", argv[i], err);
	}
	add_rcpts(&rcpts, &found, FAIL_USAGE, "the command line");
	addrlist_free(&found);
	if (o.sender && *o.sender && (err = addr_check(o.sender)))
		die(FAIL_USAGE, "bad sender '%s': %s", o.sender, err);

	conf = conf_read(o.config ? o.config : conf_default_path());
	acct = conf_account(conf, o.account, o.sender);
	if (!o.sender && !acct->from)
		die(FAIL_CONFIG, "%s: [%s]: no sender: set from, or use -f",
		    acct->file, acct->name);
	if (acct->auth != AUTH_OFF)
		password = conf_password(acct);
	signal(SIGPIPE, SIG_IGN);

	msg_open(&m, 0, o.dot_ends);
	msg_read_header(&m);
	if (o.extract) {
		msg_recipients(&m, &found);
		add_rcpts(&rcpts, &found, FAIL_DATA, "the message header");
		addrlist_free(&found);
	}
	if (rcpts.n == 0)
		die(FAIL_USAGE, "no recipients");

	memset(&rw, 0, sizeof(rw));
	rw.from_addr = o.sender && *o.sender ? o.sender : acct->from;
	rw.from_name = o.fullname;
	rw.id_domain = domain_of(rw.from_addr ? rw.from_addr : "",
	    acct->ehlo_name);
	rw.now = time(NULL);
	msg_rewrite(&m, &rw);
	msg_estimate(&m);

	memset(&env, 0, sizeof(env));
	env.from = o.sender ? o.sender : acct->from;
	env.rcpt = rcpts.v;
	env.nrcpt = rcpts.n;
	env.size = m.size;
	env.eight_bit = m.eight_bit;
	env.body = o.body;
	env.utf8 = m.header_8bit || !is_ascii(env.from);
	for (i = 0; i < (int)rcpts.n; i++)
		env.utf8 |= !is_ascii(rcpts.v[i]);
	src.next = next_piece;
	src.ctx = &m;
	src.stop_at_dot = o.dot_ends;

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
	strlist_free(&rcpts);
	conf_free(conf);
	return exit_status(res.fail);
}
