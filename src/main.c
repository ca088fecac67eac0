/*
 * main.c: the sendmail command line, as Postfix's sendmail(1) reads it.
 * Flags may be bundled (-ti) and take values attached (-FCronDaemon,
 * -B8BITMIME) or separate (-B 8BITMIME). The program's name picks the
 * mode too: mailq is -bp, newaliases is -bi. Every exit goes through
 * exit_status().
 */

#include <sys/resource.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

#include <errno.h>
#include <signal.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "util.h"
#include "conf.h"
#include "confcheck.h"
#include "dsn.h"
#include "log.h"
#include "queue.h"
#include "qrun.h"
#include "serve.h"
#include "serverinfo.h"
#include "submit.h"

enum mode { MODE_SEND, MODE_QUEUE_LIST, MODE_QUEUE_RUN, MODE_QUEUE_DELETE,
    MODE_SERVE, MODE_ALIASES, MODE_SERVERINFO, MODE_CHECK };

/* -q's: which entries, and the one -qI or --delete names */
static enum qrun_mode run_mode = QRUN_ALL;
static const char *queue_id;
/* --check-config=FILE */
static char *check_path;

static void
usage(int status)
{
	FILE *fp = status ? stderr : stdout;

	fprintf(fp,
	    "usage: smtpsend [-itv] [-a account] [-B type] [-b mode] [-C file] "
	    "[-F name]\n"
	    "                [-f sender] [-N dsn] [-R ret] [-V envid] "
	    "[-X logfile]\n"
	    "                [--dry-run] [--] [recipient ...]\n"
	    "       mailq | smtpsend -bp\n"
	    "       smtpsend -q [time] | -qI id | --delete id\n"
	    "       newaliases | smtpsend -bi\n"
	    "       smtpsend -bs\n"
	    "       smtpsend [-v] [-C file] --serverinfo [account]\n"
	    "       smtpsend --check-config [file ...]\n"
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

/* A header field's text: no line break, and no ESC, DEL or other control. */
static const char *
printable_text(const char *what, const char *value)
{
	checked(what, value);
	for (const char *p = value; *p; p++)
		if ((*p > 0 && *p < ' ' && *p != '\t') || *p == 0x7f)
			die(FAIL_USAGE, "%s contains a control character", what);
	return value;
}

/*
 * Before anything else: descriptors 0 to 2 must be open, or the relay's
 * socket could become stderr and carry our messages into the SMTP stream;
 * and no core dump or ptrace may show the password.
 */
static void
start_safely(void)
{
	struct rlimit none = { 0, 0 };

	for (int fd = 0; fd <= 2; fd++)
		if (fcntl(fd, F_GETFD) == -1 && errno == EBADF &&
		    open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY) != fd)
			_exit(exit_status(FAIL_OS));
	/* a file grown past RLIMIT_FSIZE is a write error to handle, not a
	 * signal that kills us with the message half queued */
	signal(SIGXFSZ, SIG_IGN);
	/* setgid SPOOL_GROUP: the group may read the system's secrets and
	 * write its spool, for this user's message only */
	privileged = getegid() != getgid() && (int)getegid() == spool_group();
	if (getegid() != getgid() && !privileged)
		drop_privilege();
	if (setrlimit(RLIMIT_CORE, &none) == -1)
		die(FAIL_OS, "setrlimit:");
#ifdef __linux__
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) == -1)
		die(FAIL_OS, "prctl:");
#endif
}

/* -N never | success,failure,delay: the NOTIFY= value. */
static const char *
notify_of(const char *v)
{
	static char out[DSN_NOTIFY_MAX];

	if (dsn_notify(v, out) == -1)
		die(FAIL_USAGE, "-N takes never, or success, failure and delay "
		    "separated by commas");
	return out;
}

/* -V envid as xtext (RFC 3461 4). */
static const char *
envid_of(const char *v)
{
	static char out[DSN_XTEXT_MAX];
	const char *why;

	if (dsn_envid(v, out, &why) == -1)
		die(FAIL_USAGE, "-V: %s", why);
	return out;
}

static enum mode
mode_of(const char *m)
{
	if (!strcmp(m, "m"))
		return MODE_SEND;
	if (!strcmp(m, "p"))
		return MODE_QUEUE_LIST;
	if (!strcmp(m, "s"))
		return MODE_SERVE;
	if (!strcmp(m, "i"))
		return MODE_ALIASES;
	die(FAIL_USAGE, "-b%s: mode not supported (use -bm, -bp, -bs or -bi)",
	    m);
}

static void
open_log(const char *path)
{
	int fd;

	/* the user's file, opened with the user's rights, never the group's */
	if (as_user(1) == -1)
		die(FAIL_OS, "setegid:");
	fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (as_user(0) == -1)
		die(FAIL_OS, "setegid:");

	if (fd == -1 || !(trace_file = fdopen(fd, "a")))
		die(FAIL_USAGE, "-X %s:", path);
	setvbuf(trace_file, NULL, _IOLBF, 0);
}

/* -L tag: what syslog(3) takes as a tag (RFC 3164: at most 32). */
static const char *
tag_of(const char *v)
{
	if (!*v || strlen(v) > 32 || strspn(v, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-/") != strlen(v))
		die(FAIL_USAGE, "-L: a tag is 1 to 32 letters, digits and "
		    "_ . - /");
	return v;
}

static int
parse_options(int argc, char **argv, struct options *o, enum mode *mode)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'H' },
		{ "version", no_argument, NULL, 'W' },
		{ "delete", required_argument, NULL, 'D' },
		{ "serverinfo", optional_argument, NULL, 'S' },
		{ "check-config", optional_argument, NULL, 'K' },
		{ "dry-run", no_argument, NULL, 'Y' },
		{ NULL, 0, NULL, 0 },
	};
	int ch;

	opterr = 0;
	/* '+': stop at the first recipient; ':': report a missing value */
	while ((ch = getopt_long(argc, argv,
	    "+:A:a:B:b:C:e::F:f:Gh:iL:mN:nO:o:q::R:r:tUV:vX:", longopts,
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
		case 'b':
			*mode = mode_of(optarg);
			break;
		case 'C':
			o->config = optarg;
			break;
		case 'F':
			o->fullname = printable_text("the full name (-F)",
			    optarg);
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
		case 'N':
			o->notify = notify_of(checked("-N", optarg));
			break;
		case 'o':
			/* -oi is -i; the other -o options tune sendmail's own
			 * queue, delivery and error modes (-odb, -odi, -oem) */
			if (!strcmp(optarg, "dq"))
				o->queue_only = 1;
			if (!strcmp(optarg, "i"))
				o->dot_ends = 0;
			break;
		case 'q':
			/* -q: all now; -qI ID: that one; -q TIME (sendmail's
			 * interval, as a timer runs it): those that are due */
			*mode = MODE_QUEUE_RUN;
			if (optarg && optarg[0] == 'I') {
				run_mode = QRUN_ONE;
				queue_id = optarg[1] ? optarg + 1 :
				    optind < argc ? argv[optind++] : NULL;
				if (!queue_id)
					die(FAIL_USAGE, "-qI needs a queue id");
			} else if (optarg) {
				run_mode = QRUN_DUE;
			}
			break;
		case 'S':
			*mode = MODE_SERVERINFO;
			if (optarg)
				o->account = optarg;
			break;
		case 'K':
			*mode = MODE_CHECK;
			check_path = optarg;
			break;
		case 'Y':
			o->dry_run = 1;
			break;
		case 'D':
			*mode = MODE_QUEUE_DELETE;
			queue_id = optarg;
			break;
		case 'R':
			if (!strcasecmp(optarg, "full"))
				o->ret = "FULL";
			else if (!strcasecmp(optarg, "hdrs"))
				o->ret = "HDRS";
			else
				die(FAIL_USAGE, "-R must be full or hdrs");
			break;
		case 't':
			o->extract = 1;
			break;
		case 'V':
			o->envid = envid_of(optarg);
			break;
		case 'v':
			verbose = 1;
			break;
		case 'X':
			open_log(optarg);
			break;
		case 'L':
			log_ident(tag_of(optarg));
			break;
		/* Accepted and ignored: they tune sendmail's own queue and
		 * delivery, which a relay client doesn't have. */
		case 'A':	/* -Ac, -Am: which sendmail.cf */
		case 'e':	/* -e*: error mode */
		case 'G':	/* gateway submission */
		case 'h':	/* -h N: hop count */
		case 'm':	/* me too */
		case 'n':	/* no aliasing */
		case 'O':	/* -O option=value */
		case 'U':	/* initial user submission */
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

int
main(int argc, char **argv)
{
	struct options o = { .dot_ends = 1 };
	enum mode mode = MODE_SEND;
	const char *name = strrchr(argv[0], '/');
	int i;

	start_safely();
	name = name ? name + 1 : argv[0];
	if (!strcmp(name, "mailq"))
		mode = MODE_QUEUE_LIST;
	else if (!strcmp(name, "newaliases"))
		mode = MODE_ALIASES;
	i = parse_options(argc, argv, &o, &mode);
	for (int j = i; j < argc; j++)
		checked("a recipient", argv[j]);
	/* a config the user names, or has, is read with the user's rights,
	 * and its queue is the user's own */
	if (privileged && (o.config || strcmp(conf_default_path(),
	    SYSCONFDIR "/sendmail.ini")))
		drop_privilege();
	o.rcpts = argv + i;
	o.nrcpts = argc - i;

	switch (mode) {
	case MODE_QUEUE_LIST:
		return exit_status(qrun_list(&o));
	case MODE_QUEUE_RUN:
		return exit_status(qrun(&o, run_mode, queue_id));
	case MODE_QUEUE_DELETE:
		return exit_status(qrun_delete(&o, queue_id));
	case MODE_ALIASES:
		return exit_status(check_aliases(&o));
	case MODE_SERVERINFO:
		/* --serverinfo NAME: the account, as -a NAME */
		if (o.nrcpts > 1 || (o.nrcpts == 1 && o.account))
			usage(1);
		if (o.nrcpts == 1)
			o.account = o.rcpts[0];
		return exit_status(serverinfo(&o));
	case MODE_SERVE: {
		int in = 0;
		struct serve_io io = { lines_read_fd, &in, 1, serve_relay, &o };

		return serve(&io);
	}
	case MODE_CHECK: {
		/* --check-config=FILE, -C FILE and the files after the flags */
		char **files = xmalloc((argc - i + 2) * sizeof(*files));
		size_t n = 0;
		enum fail f;

		if (check_path)
			files[n++] = check_path;
		if (o.config)
			files[n++] = (char *)o.config;
		for (int j = i; j < argc; j++)
			files[n++] = argv[j];
		f = conf_check(files, n);
		free(files);
		return exit_status(f);
	}
	case MODE_SEND:
		break;
	}
	return exit_status(submit(&o, 0));
}
