/*
 * conf.c: sendmail.ini. Sections are accounts; [defaults] holds keys every
 * account inherits and may name the default account. Every key and value
 * is checked while reading, so a typo is an error naming file:line, never
 * a silently ignored setting.
 */

#include <sys/stat.h>

#include <errno.h>
#include <ini.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "addr.h"
#include "util.h"
#include "cert.h"
#include "conf.h"
#include "auth.h"
#include "strset.h"

#define DEFAULTS "defaults"
#define MAX_LINE 69632		/* CONF_MAX_SECRET + 4096: "password = " a secret */
#define MAX_FILE 1048576
#define STR(n) STR_(n)
#define STR_(n) #n
#define SESSION_TIMEOUT 3600		/* a slow server can't hold us longer */
#define PASSWORD_COMMAND_TIMEOUT 60
#define RETRY_MIN	300		/* 5 minutes, doubling ... */
#define RETRY_MAX	(4 * 3600)	/* ... up to 4 hours */
#define QUEUE_LIFETIME	(5 * 86400)	/* then the message bounces */

struct setting {
	char *section, *key, *value;
	char *id;			/* "section key" */
	unsigned long line;
};

struct config {
	char *path;
	struct setting *v;
	size_t n, cap;
	struct strset ids;		/* setting ids -> index in v */
	struct strlist accounts;	/* section names in file order */
	struct strset names;		/* the same, to look up */
	unsigned long line;		/* line being parsed */
	char *error;			/* first error while parsing */
	int has_password;
	struct account *chosen;
	conf_report_fn *report;		/* --check-config: every problem */
	void *report_ctx;
	size_t problems;		/* how many were reported */
	struct strset sections;		/* with report: [name] -> its line */
	struct strlist section_names;	/* the names sections points to */
};

enum type { T_STR, T_HOST, T_PORT, T_TLS, T_AUTH, T_BOOL, T_SECS, T_SPAN, T_ADDR,
    T_DOMAIN, T_PLAINAUTH, T_ACCOUNT, T_LONGLINES, T_DSN, T_SYSLOG, T_FACILITY,
    T_LOGFORMAT, T_PINS };

#define OFF(field) offsetof(struct account, field)
#define NONE ((size_t)-1)

static const struct key {
	const char *name;
	enum type type;
	size_t off;
} keys[] = {
	{ "host",		T_HOST,		OFF(host) },
	{ "port",		T_PORT,		OFF(port) },
	{ "tls",		T_TLS,		OFF(tls) },
	{ "tls_trust_file",	T_STR,		OFF(tls_trust_file) },
	{ "tls_server_name",	T_HOST,		OFF(tls_server_name) },
	{ "tls_priorities",	T_STR,		OFF(tls_priorities) },
	{ "tls_fingerprint",	T_PINS,		OFF(tls_fingerprint) },
	{ "tls_cert_file",	T_STR,		OFF(tls_cert_file) },
	{ "tls_key_file",	T_STR,		OFF(tls_key_file) },
	{ "tls_resume",		T_BOOL,		OFF(tls_resume) },
	{ "auth",		T_AUTH,		OFF(auth) },
	{ "user",		T_STR,		OFF(user) },
	{ "password",		T_STR,		OFF(password) },
	{ "password_file",	T_STR,		OFF(password_file) },
	{ "password_command",	T_STR,		OFF(password_command) },
	{ "plaintext_auth",	T_PLAINAUTH,	OFF(plaintext_auth_loopback) },
	{ "from",		T_ADDR,		OFF(from) },
	{ "ehlo_name",		T_DOMAIN,	OFF(ehlo_name) },
	{ "pipelining",		T_BOOL,		OFF(pipelining) },
	{ "chunking",		T_BOOL,		OFF(chunking) },
	{ "aliases",		T_STR,		OFF(aliases) },
	{ "admin_addr",		T_ADDR,		OFF(admin_addr) },
	{ "qualify_domain",	T_DOMAIN,	OFF(qualify_domain) },
	{ "long_lines",		T_LONGLINES,	OFF(long_lines_send) },
	{ "dsn",		T_DSN,		OFF(dsn_required) },
	{ "timeout",		T_SECS,		NONE },
	{ "timeout_connect",	T_SECS,		OFF(timeout.connect) },
	{ "timeout_greeting",	T_SECS,		OFF(timeout.greeting) },
	{ "timeout_command",	T_SECS,		OFF(timeout.command) },
	{ "timeout_data_init",	T_SECS,		OFF(timeout.data_init) },
	{ "timeout_data_block",	T_SECS,		OFF(timeout.data_block) },
	{ "timeout_data_end",	T_SECS,		OFF(timeout.data_end) },
	{ "timeout_session",	T_SECS,		OFF(timeout_session) },
	{ "timeout_password_command", T_SECS,	OFF(timeout_password_command) },
	{ "queue",		T_BOOL,		OFF(queue) },
	{ "queue_dir",		T_STR,		OFF(queue_dir) },
	{ "retry_min",		T_SPAN,		OFF(retry_min) },
	{ "retry_max",		T_SPAN,		OFF(retry_max) },
	{ "queue_lifetime",	T_SPAN,		OFF(queue_lifetime) },
	{ "default_account",	T_ACCOUNT,	NONE },
	{ "syslog",		T_SYSLOG,	OFF(syslog) },
	{ "log_facility",	T_FACILITY,	OFF(log_facility) },
	{ "logfile",		T_STR,		OFF(logfile) },
	{ "log_format",		T_LOGFORMAT,	OFF(log_json) },
};

static const struct timeouts rfc5321_timeouts = {
	.connect = 30, .greeting = 300, .command = 300,
	.data_init = 120, .data_block = 180, .data_end = 600,
};

const char *
conf_default_path(void)
{
	static char path[PATH_MAX];
	const char *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");
	struct stat st;
	int n = -1;

	if (xdg && *xdg == '/')
		n = snprintf(path, sizeof(path), "%s/smtpsend/sendmail.ini", xdg);
	else if (home && *home == '/')
		n = snprintf(path, sizeof(path),
		    "%s/.config/smtpsend/sendmail.ini", home);
	if (n > 0 && (size_t)n < sizeof(path) && stat(path, &st) == 0)
		return path;
	return SYSCONFDIR "/sendmail.ini";
}

static const struct key *
find_key(const char *name)
{
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (strcmp(keys[i].name, name) == 0)
			return &keys[i];
	return NULL;
}

/* Edit distance with transpositions, for a typo's likely key; capped. */
static size_t
distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), d[3][40], i, j;
	size_t *prev2 = d[0], *prev = d[1], *cur = d[2], *t;

	if (la >= 40 || lb >= 40)
		return (size_t)-1;
	for (j = 0; j <= lb; j++)
		prev[j] = j;
	for (i = 1; i <= la; i++) {
		cur[0] = i;
		for (j = 1; j <= lb; j++) {
			size_t sub = prev[j - 1] + (a[i - 1] != b[j - 1]);
			size_t del = prev[j] + 1, ins = cur[j - 1] + 1;

			cur[j] = sub < del ? sub : del;
			if (ins < cur[j])
				cur[j] = ins;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] &&
			    a[i - 2] == b[j - 1] && prev2[j - 2] + 1 < cur[j])
				cur[j] = prev2[j - 2] + 1;
		}
		t = prev2, prev2 = prev, prev = cur, cur = t;
	}
	return prev[lb];
}

/* The known key closest to an unknown one, if close enough to be meant. */
static const char *
likely_key(const char *name)
{
	/* one edit in four, at least one and at most three */
	size_t best = (size_t)-1, limit = (strlen(name) + 2) / 4, d;
	const char *key = NULL;

	if (limit < 1)
		limit = 1;
	if (limit > 3)
		limit = 3;
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if ((d = distance(name, keys[i].name)) < best)
			best = d, key = keys[i].name;
	return best <= limit ? key : NULL;
}

static int
parse_bool(const char *v, int *out)
{
	if (!strcmp(v, "on") || !strcmp(v, "yes") || !strcmp(v, "true") ||
	    !strcmp(v, "1"))
		*out = 1;
	else if (!strcmp(v, "off") || !strcmp(v, "no") ||
	    !strcmp(v, "false") || !strcmp(v, "0"))
		*out = 0;
	else
		return -1;
	return 0;
}

static int
parse_number(const char *v, long min, long max, long *out)
{
	char *end;
	long n;

	if (*v < '0' || *v > '9')
		return -1;
	errno = 0;
	n = strtol(v, &end, 10);
	if (errno || *end || n < min || n > max)
		return -1;
	*out = n;
	return 0;
}

/* "300", "5m", "4h", "5d": a span of time in seconds, at most a year. */
static int
parse_span(const char *v, long *out)
{
	static const struct { char unit; long secs; } units[] = {
		{ 's', 1 }, { 'm', 60 }, { 'h', 3600 }, { 'd', 86400 },
	};
	size_t n = strlen(v);
	long mult = 1;
	char num[16];

	if (n == 0 || n >= sizeof(num))
		return -1;
	for (size_t i = 0; i < 4; i++)
		if (v[n - 1] == units[i].unit) {
			mult = units[i].secs;
			n--;
			break;
		}
	memcpy(num, v, n);
	num[n] = '\0';
	if (parse_number(num, 1, 365L * 86400 / mult, out))
		return -1;
	*out *= mult;
	return 0;
}

static int
valid_domain(const char *v)
{
	size_t n = strlen(v);

	if (n == 0 || n > 253)
		return 0;
	if (v[0] == '[')
		return n > 2 && v[n - 1] == ']' && strspn(v + 1,
		    "0123456789abcdefABCDEF.:IPv") == n - 2;
	return strspn(v, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789.-") == n && v[0] != '.' && v[0] != '-';
}

/* mail, user, daemon, local0-7; msmtp's LOG_MAIL too: the code, or -1. */
static int
parse_facility(const char *v)
{
	static const struct { const char *name; int code; } fac[] = {
		{ "mail", LOG_MAIL }, { "user", LOG_USER },
		{ "daemon", LOG_DAEMON }, { "local0", LOG_LOCAL0 },
		{ "local1", LOG_LOCAL1 }, { "local2", LOG_LOCAL2 },
		{ "local3", LOG_LOCAL3 }, { "local4", LOG_LOCAL4 },
		{ "local5", LOG_LOCAL5 }, { "local6", LOG_LOCAL6 },
		{ "local7", LOG_LOCAL7 },
	};

	if (!strncasecmp(v, "LOG_", 4))
		v += 4;
	for (size_t i = 0; i < sizeof(fac) / sizeof(fac[0]); i++)
		if (!strcasecmp(v, fac[i].name))
			return fac[i].code;
	return -1;
}

/*
 * Check a value and, when acct is given, store it there. Returns NULL or
 * a description of what is wrong.
 */
static const char *
apply(const struct key *k, const char *v, struct account *acct, int *all)
{
	long n;
	int b;
	char *field = acct && k->off != NONE ? (char *)acct + k->off : NULL;

	switch (k->type) {
	case T_STR:
		if (!*v)
			return "empty value";
		break;
	case T_HOST:
		if (!*v || strpbrk(v, " \t/"))
			return "not a host name or address";
		break;
	case T_PORT:
		if (parse_number(v, 1, 65535, &n))
			return "not a port number (1-65535)";
		break;
	case T_TLS:
		if (!strcmp(v, "starttls"))
			b = TLS_STARTTLS;
		else if (!strcmp(v, "tls"))
			b = TLS_IMPLICIT;
		else if (!strcmp(v, "none"))
			b = TLS_NONE;
		else
			return "must be starttls, tls or none";
		if (field)
			*(enum tls_mode *)field = b;
		return NULL;
	case T_AUTH:
		if (!strcmp(v, "on"))
			b = AUTH_AUTO;
		else if (!strcmp(v, "off"))
			b = AUTH_OFF;
		else if ((b = auth_mode_of(v)) == AUTH_OFF)
			return "must be on, off, plain, login, cram-md5, "
			    "scram-sha-1, scram-sha-256, scram-sha-1-plus, "
			    "scram-sha-256-plus, xoauth2, oauthbearer or external";
		if (field)
			*(enum auth_mode *)field = b;
		return NULL;
	case T_BOOL:
		if (parse_bool(v, &b))
			return "must be on or off";
		if (field)
			*(int *)field = b;
		return NULL;
	case T_SYSLOG:
	case T_FACILITY:
		/* syslog = on | off | FACILITY, as msmtp has it */
		if (k->type == T_SYSLOG && !parse_bool(v, &b))
			b = b ? 0 : -1;
		else if ((b = parse_facility(v)) == -1)
			return k->type == T_SYSLOG ? "must be on, off or a "
			    "facility (mail, user, daemon, local0 to local7)" :
			    "must be mail, user, daemon or local0 to local7";
		if (field)
			*(int *)field = b;
		return NULL;
	case T_PLAINAUTH:
	case T_LONGLINES:
	case T_LOGFORMAT:
	case T_DSN: {
		static const char *const words[][3] = {
			[T_PLAINAUTH] = { "no", "loopback",
			    "must be no or loopback" },
			[T_LONGLINES] = { "reject", "send",
			    "must be reject or send" },
			[T_DSN] = { "optional", "required",
			    "must be optional or required" },
			[T_LOGFORMAT] = { "text", "json",
			    "must be text or json" },
		};

		if (!strcmp(v, words[k->type][0]))
			b = 0;
		else if (!strcmp(v, words[k->type][1]))
			b = 1;
		else
			return words[k->type][2];
		if (field)
			*(int *)field = b;
		return NULL;
	}
	case T_SECS:
		if (parse_number(v, 1, 86400, &n))
			return "not a number of seconds (1-86400)";
		if (field)
			*(int *)field = n;
		else if (all)
			*all = n;
		return NULL;
	case T_SPAN:
		if (parse_span(v, &n))
			return "not a time: seconds, or a number and s, m, h or d "
			    "(at most 365d)";
		if (field)
			*(int *)field = n;
		return NULL;
	case T_ADDR: {
		const char *why = addr_check(v);

		if (why)
			return why;
		break;
	}
	case T_DOMAIN:
		if (!valid_domain(v))
			return "not a domain name or address literal";
		break;
	case T_PINS: {
		const char *why = cert_pins_check(v);

		if (why)
			return why;
		break;
	}
	case T_ACCOUNT:
		return NULL;
	}
	if (field)
		*(const char **)field = v;
	return NULL;
}

static void
parse_error(struct config *c, const char *section, const char *key,
    const char *why)
{
	struct buf b = { 0 };

	if (c->error && !c->report)
		return;
	if (key)
		buf_printf(&b, "[%s] %s: ", section, key);
	buf_addstr(&b, why);
	if (c->report) {
		c->report(c->report_ctx, c->line, b.data);
		c->problems++;
	} else {
		c->error = xasprintf("%s:%lu: %s", c->path, c->line, b.data);
	}
	buf_free(&b);
}

static int
valid_section(const char *s)
{
	return *s && strspn(s, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-@") == strlen(s);
}

static int
on_setting(void *user, const char *section, const char *key,
    const char *value)
{
	struct config *c = user;
	const struct key *k;
	const char *why;
	char *id;

	if (!*section) {
		parse_error(c, section, NULL,
		    "setting outside a section: start with [defaults] or "
		    "[ACCOUNT]");
		return 0;
	}
	if (!valid_section(section)) {
		parse_error(c, section, NULL, "bad section name");
		return 0;
	}
	if (!(k = find_key(key))) {
		const char *like = likely_key(key);
		char *msg = like ? xasprintf("unknown key (did you mean %s?)",
		    like) : xstrdup("unknown key");

		parse_error(c, section, key, msg);
		free(msg);
		return 0;
	}
	if (k->type == T_ACCOUNT && strcmp(section, DEFAULTS) != 0) {
		parse_error(c, section, key, "allowed only in [defaults]");
		return 0;
	}
	for (const char *p = value; *p; p++) {
		if ((unsigned char)*p < ' ' || *p == 127) {
			parse_error(c, section, key, "control character in "
			    "value");
			return 0;
		}
	}
	if ((why = apply(k, value, NULL, NULL))) {
		parse_error(c, section, key, why);
		return 0;
	}
	if (!strcmp(key, "password") && strlen(value) > CONF_MAX_SECRET) {
		parse_error(c, section, key, "longer than " STR(CONF_MAX_SECRET)
		    " bytes");
		return 0;
	}
	id = xasprintf("%s %s", section, key);
	c->ids.exact = c->names.exact = 1;
	if (!strset_add(&c->ids, id, c->n)) {
		free(id);
		parse_error(c, section, key, "set twice in one section");
		return 0;
	}
	if (!strcmp(key, "password"))
		c->has_password = 1;
	if (strcmp(section, DEFAULTS) != 0 && !strset_find(&c->names,
	    section)) {
		strlist_add(&c->accounts, xstrdup(section));
		strset_add(&c->names, c->accounts.v[c->accounts.n - 1], 0);
	}
	if (c->n == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 32;
		c->v = xrealloc(c->v, c->cap * sizeof(*c->v));
	}
	c->v[c->n].section = xstrdup(section);
	c->v[c->n].key = xstrdup(key);
	c->v[c->n].value = xstrdup(value);
	c->v[c->n].id = id;
	c->v[c->n].line = c->line;
	c->n++;
	return 1;
}

/*
 * With a reporter: what inih would refuse on a line, and a section named
 * a second time, each with its line number (inih tells only the first).
 * The same rules as inih's: blanks skipped, ';' and '#' start comments.
 */
static void
scan_line(struct config *c, const char *p, size_t len)
{
	const char *end = p + len, *close;
	size_t *first;
	char *name;

	if (c->line == 1 && len >= 3 && !memcmp(p, "\xef\xbb\xbf", 3))
		p += 3;
	while (p < end && (*p == ' ' || *p == '\t' || *p == '\v' ||
	    *p == '\f' || *p == '\r'))
		p++;
	if (p == end || *p == ';' || *p == '#')
		return;
	if (*p != '[') {
		if (!memchr(p, '=', end - p) && !memchr(p, ':', end - p))
			parse_error(c, "", NULL, "syntax error: expected "
			    "[section] or key = value");
		return;
	}
	if (!(close = memchr(p, ']', end - p))) {
		parse_error(c, "", NULL, "syntax error: no ] after [");
		return;
	}
	name = xstrndup(p + 1, close - p - 1);
	c->sections.exact = 1;
	if ((first = strset_find(&c->sections, name))) {
		char *why = xasprintf("[%s] again, first at line %zu: its keys "
		    "join that section's", name, *first);

		parse_error(c, "", NULL, why);
		free(why);
		free(name);
		return;
	}
	strlist_add(&c->section_names, name);
	strset_add(&c->sections, name, c->line);
}

/* The file's text, handed to inih a line at a time. */
struct reader {
	const char *text;
	size_t len, off;
	struct config *c;
};

/*
 * fgets for inih, from the text in memory: counts lines so errors can
 * name them, and hands over whole lines only: a line too long for inih's
 * buffer, or holding a NUL byte, is an error and reaches inih empty, never
 * cut in two. inih's line buffer is str, num bytes: it can hold a password,
 * so the last call, which ends the parse, wipes it before inih frees it.
 */
static char *
read_line(char *str, int num, void *stream)
{
	struct reader *r = stream;
	const char *p = r->text + r->off, *nl;
	size_t n, len;

	if (r->off >= r->len) {
		wipe(str, (size_t)num);
		return NULL;
	}
	nl = memchr(p, '\n', r->len - r->off);
	n = nl ? (size_t)(nl - p) + 1 : r->len - r->off;
	len = nl ? n - 1 : n;
	if (len > 0 && p[len - 1] == '\r')
		len--;
	r->off += n;
	r->c->line++;
	if (memchr(p, '\0', n)) {
		parse_error(r->c, "", NULL, "NUL byte in line");
		n = 0;
	} else if (len > MAX_LINE || n + 1 > (size_t)num) {
		parse_error(r->c, "", NULL, "line too long (more than "
		    STR(MAX_LINE) " bytes)");
		n = 0;
	} else if (r->c->report) {
		scan_line(r->c, p, len);
	}
	memcpy(str, p, n);
	str[n] = '\0';
	return str;
}

/*
 * A file smtpsend takes orders from must be the user's or root's, and
 * nobody else may write it: the config can run password_command as the
 * user, or send a password_file's secret to another host. subject starts
 * the messages: "" for the config, else e.g. "the password file is ".
 */
static char *
trust_problem(const struct stat *st, const char *subject)
{
	if (st->st_uid != geteuid() && st->st_uid != 0)
		return xasprintf("%sowned by uid %lu, not by uid %lu or root; "
		    "chown it", subject, (unsigned long)st->st_uid,
		    (unsigned long)geteuid());
	if (st->st_mode & (S_IWGRP | S_IWOTH))
		return xasprintf("%swritable by others (mode %03o); chmod go-w "
		    "it", subject, (unsigned)st->st_mode & 0777);
	return NULL;
}

/* A file holding a secret must also be private. */
static char *
private_problem(const struct stat *st, const char *what)
{
	/* readable by SPOOL_GROUP, for the setgid smtpsend every user runs */
	int group_ok = spool_group() >= 0 && st->st_gid == (gid_t)spool_group() &&
	    !(st->st_mode & (S_IWGRP | S_IXGRP));

	if ((st->st_mode & S_IRWXO) || ((st->st_mode & S_IRWXG) && !group_ok))
		return xasprintf("%s%saccessible by others (mode %03o); "
		    "chmod 600 it (or 640, group " SPOOL_GROUP ")", what,
		    *what ? " is " : "", (unsigned)st->st_mode & 0777);
	return NULL;
}

void
conf_check_trusted(const struct stat *st, const char *path,
    const char *subject)
{
	char *why = trust_problem(st, subject);

	if (why)
		die(FAIL_CONFIG, "%s: %s", path, why);
}

void
conf_check_private(const struct stat *st, const char *path, const char *what)
{
	char *why = private_problem(st, what);

	if (why)
		die(FAIL_CONFIG, "%s: %s", path, why);
}

char *
conf_file_problem(const struct stat *st, const char *subject, int secret)
{
	char *why = trust_problem(st, subject);

	if (!why && secret)
		why = private_problem(st, "");
	return why;
}

static struct config *
parse(const char *path, const char *text, size_t len, conf_report_fn *report,
    void *ctx, char **error)
{
	struct config *c = xmalloc(sizeof(*c));
	struct reader r = { text, len, 0, c };
	int rc;

	memset(c, 0, sizeof(*c));
	c->path = xstrdup(path);
	c->report = report;
	c->report_ctx = ctx;
	ini_allow_inline_comments = 0;
	ini_allow_multiline = 0;
	ini_stop_on_first_error = 0;	/* the reader's last call wipes */
	ini_use_stack = 0;
	ini_allow_realloc = 0;		/* realloc would leave copies */
	ini_max_line = ini_initial_alloc = MAX_LINE + 3;
	rc = ini_parse_stream(read_line, &r, on_setting, c);
	if (rc < 0)
		die(FAIL_OS, "%s: out of memory while parsing", path);
	if (rc > 0 && !c->error && !c->problems) {
		c->line = rc;
		parse_error(c, "", NULL, "syntax error: expected [section] or "
		    "key = value");
	}
	if (c->error) {
		*error = c->error;
		c->error = NULL;
		conf_free(c);
		return NULL;
	}
	return c;
}

struct config *
conf_parse(const char *path, const char *text, size_t len, char **error)
{
	return parse(path, text, len, NULL, NULL, error);
}

/* The whole file; every buffer that held it is wiped before it is freed. */
static char *
read_all(int fd, const char *path, size_t *len, size_t *cap)
{
	size_t n = 0, size = 4096;
	char *s = xmalloc(size), *t;
	ssize_t r;

	for (;;) {
		if (n == size) {
			if (size > MAX_FILE) {
				wipe(s, size);
				die(FAIL_CONFIG, "%s: larger than %d bytes", path,
				    MAX_FILE);
			}
			t = xmalloc(size * 2);
			memcpy(t, s, n);
			wipe(s, size);
			free(s);
			s = t;
			size *= 2;
		}
		if ((r = read(fd, s + n, size - n)) == 0)
			break;
		if (r < 0 && errno != EINTR) {
			wipe(s, size);
			die(FAIL_CONFIG, "%s: read error:", path);
		}
		if (r > 0)
			n += (size_t)r;
	}
	if (n > MAX_FILE) {
		wipe(s, size);
		die(FAIL_CONFIG, "%s: larger than %d bytes", path, MAX_FILE);
	}
	*len = n;
	*cap = size;
	return s;
}

struct config *
conf_read(const char *path)
{
	struct config *c;
	struct stat st;
	char *text, *error = NULL;
	size_t len, cap;
	int fd;

	if ((fd = open_regular(path, 0, &st)) == -2)
		die(FAIL_CONFIG, "%s: not a regular file", path);
	/* every user reads the system's through the setgid smtpsend */
	if (fd == -1 && errno == EACCES && !strcmp(path, SYSCONFDIR
	    "/sendmail.ini"))
		die(FAIL_CONFIG, "%s: permission denied: %s; or use a config "
		    "of your own (~/.config/smtpsend/sendmail.ini or -C)", path,
		    privileged ? "for every user, it must be root:" SPOOL_GROUP
		    " mode 0640 (chgrp " SPOOL_GROUP " it; chmod 640 it)" :
		    "for every user, smtpsend reads it setgid " SPOOL_GROUP
		    " (install it as root with make install), the file "
		    "root:" SPOOL_GROUP " mode 0640");
	if (fd == -1)
		die(FAIL_CONFIG, "%s:", path);
	conf_check_trusted(&st, path, "");
	text = read_all(fd, path, &len, &cap);
	close(fd);
	c = conf_parse(path, text, len, &error);
	wipe(text, cap);
	free(text);
	if (!c)
		die(FAIL_CONFIG, "%s", error);
	if (c->has_password)
		conf_check_private(&st, path, "a file holding a password");
	return c;
}

struct config *
conf_read_all(const char *path, conf_report_fn *report, void *ctx)
{
	struct config *c;
	struct stat st;
	char *text, *why, *error = NULL;
	size_t len, cap;
	int fd;

	if ((fd = open_regular(path, 0, &st)) < 0) {
		why = fd == -2 ? xstrdup("not a regular file") :
		    xasprintf("%s", strerror(errno));
		report(ctx, 0, why);
		free(why);
		return NULL;
	}
	if ((why = trust_problem(&st, ""))) {
		report(ctx, 0, why);
		free(why);
	}
	text = read_all(fd, path, &len, &cap);
	close(fd);
	c = parse(path, text, len, report, ctx, &error);
	wipe(text, cap);
	free(text);
	if (c && c->has_password && (why = private_problem(&st,
	    "a file holding a password"))) {
		for (size_t i = 0; i < c->n; i++)
			if (!strcmp(c->v[i].key, "password")) {
				c->line = c->v[i].line;
				break;
			}
		report(ctx, c->line, why);
		free(why);
	}
	return c;
}

unsigned long
conf_section_line(const struct config *c, const char *name)
{
	size_t *line = strset_find(&c->sections, name);

	if (line)
		return *line;
	for (size_t i = 0; i < c->n; i++)
		if (!strcmp(c->v[i].section, name))
			return c->v[i].line;
	return 0;
}

int
conf_item(const struct config *c, size_t i, struct conf_item *it)
{
	if (i >= c->n)
		return 0;
	it->section = c->v[i].section;
	it->key = c->v[i].key;
	it->value = c->v[i].value;
	it->line = c->v[i].line;
	return 1;
}

static const char *
lookup(const struct config *c, const char *section, const char *key)
{
	char *id = xasprintf("%s %s", section, key);
	size_t *i = strset_find(&c->ids, id);

	free(id);
	return i ? c->v[*i].value : NULL;
}

static int
has_account(const struct config *c, const char *name)
{
	return strset_find(&c->names, name) != NULL;
}

static void
set_section(const struct config *c, const char *section, struct account *a,
    int *all)
{
	for (size_t i = 0; i < c->n; i++)
		if (!strcmp(c->v[i].section, section))
			apply(find_key(c->v[i].key), c->v[i].value, a, all);
}

/*
 * Where an account keeps its state, the "queue" or the "tls" sessions to
 * resume: the system's config in the system's spool (the queue is the
 * spool itself; each user's sessions are apart in tls/), any other (the
 * user's own, or one named with -C) in the user's state directory, which
 * is theirs alone. No HOME (cron, at): none.
 */
static char *
state_dir(const char *conf_path, const char *what, char *buf, size_t len)
{
	const char *xdg = getenv("XDG_STATE_HOME"), *home = getenv("HOME");
	int n;

	if (!strcmp(conf_path, SYSCONFDIR "/sendmail.ini"))
		n = strcmp(what, "queue") ? snprintf(buf, len, "%s/%s", SPOOLDIR,
		    what) : snprintf(buf, len, "%s", SPOOLDIR);
	else if (xdg && *xdg == '/')
		n = snprintf(buf, len, "%s/smtpsend/%s", xdg, what);
	else if (home && *home == '/')
		n = snprintf(buf, len, "%s/.local/state/smtpsend/%s", home, what);
	else
		return NULL;
	return n > 0 && (size_t)n < len ? buf : NULL;
}

static struct account *
build(struct config *c, const char *name)
{
	struct account *a = xmalloc(sizeof(*a));
	struct timeouts unset = { -1, -1, -1, -1, -1, -1 };
	int all = -1, *t, *dflt;
	size_t i, n;

	memset(a, 0, sizeof(*a));
	a->tls = TLS_STARTTLS;
	a->auth = -1;
	a->pipelining = 1;
	a->chunking = 1;
	a->timeout = unset;
	a->timeout_session = SESSION_TIMEOUT;
	a->timeout_password_command = PASSWORD_COMMAND_TIMEOUT;
	a->queue = 1;
	a->retry_min = RETRY_MIN;
	a->retry_max = RETRY_MAX;
	a->queue_lifetime = QUEUE_LIFETIME;
	a->syslog = -1;
	a->log_facility = LOG_MAIL;
	a->tls_resume = 1;
	set_section(c, DEFAULTS, a, &all);
	set_section(c, name, a, &all);
	a->name = (char *)name;
	a->file = c->path;
	if (!a->queue_dir)
		a->queue_dir = state_dir(c->path, "queue", a->queue_dir_default,
		    sizeof(a->queue_dir_default));
	if (a->tls_resume)
		a->tls_cache_dir = state_dir(c->path, "tls",
		    a->tls_cache_dir_default, sizeof(a->tls_cache_dir_default));

	/* a phase's own timeout, else "timeout", else RFC 5321's */
	t = (int *)&a->timeout;
	dflt = (int *)&rfc5321_timeouts;
	n = sizeof(a->timeout) / sizeof(int);
	for (i = 0; i < n; i++)
		if (t[i] < 0)
			t[i] = all > 0 ? all : dflt[i];
	if ((int)a->auth == -1)
		a->auth = a->user ? AUTH_AUTO : AUTH_OFF;
	if (!a->ehlo_name)
		a->ehlo_name = (char *)host_name();
	if (!a->port)
		a->port = a->tls == TLS_IMPLICIT ? "465" :
		    a->tls == TLS_STARTTLS ? "587" : "25";
	return a;
}

int
conf_needs_secret(const struct account *a)
{
	/* EXTERNAL's proof is the client certificate */
	return a->auth != AUTH_OFF && a->auth != AUTH_EXTERNAL;
}

/* What an account lacks or gets wrong (malloc'd), or NULL. */
static char *
check_account(const struct account *a)
{
	int secrets = !!a->password + !!a->password_file +
	    !!a->password_command;

	if (!a->host)
		return xasprintf("[%s]: no host", a->name);
	if (a->auth != AUTH_OFF) {
		if (!a->user && a->auth != AUTH_EXTERNAL)
			return xasprintf("[%s]: auth needs a user", a->name);
		if (secrets == 0 && conf_needs_secret(a))
			return xasprintf("[%s]: auth needs password, "
			    "password_file or password_command", a->name);
		if (a->tls == TLS_NONE && !a->plaintext_auth_loopback)
			return xasprintf("[%s]: auth with tls = none would "
			    "send the password in the clear; use TLS, or "
			    "plaintext_auth = loopback for a relay on this "
			    "machine", a->name);
	}
	if (secrets > 1)
		return xasprintf("[%s]: set only one of password, "
		    "password_file and password_command", a->name);
	if (a->auth == AUTH_EXTERNAL && !a->tls_cert_file)
		return xasprintf("[%s]: auth = external needs tls_cert_file: "
		    "the client certificate is the login", a->name);
	if (a->tls_key_file && !a->tls_cert_file)
		return xasprintf("[%s]: tls_key_file needs tls_cert_file",
		    a->name);
	return NULL;
}

/*
 * The client certificate's key is a secret like a password file: the
 * user's or root's, and private. A PKCS#11 URI is the token's business.
 */
static char *
check_key_file(const struct account *a)
{
	const char *key = a->tls_key_file ? a->tls_key_file : a->tls_cert_file;
	struct stat st;
	char *why;

	if (!key || !strncmp(key, "pkcs11:", 7))
		return NULL;
	if (stat(key, &st) == -1)
		return xasprintf("[%s]: %s %s: %s", a->name,
		    a->tls_key_file ? "tls_key_file" : "tls_cert_file", key,
		    strerror(errno));
	if (!S_ISREG(st.st_mode))
		return xasprintf("%s: the key file is not a regular file", key);
	if (st.st_uid != geteuid() && st.st_uid != 0)
		return xasprintf("%s: the key file is owned by uid %lu, not by "
		    "uid %lu or root; chown it", key, (unsigned long)st.st_uid,
		    (unsigned long)geteuid());
	if ((why = private_problem(&st, "the key file"))) {
		char *line = xasprintf("%s: %s", key, why);

		free(why);
		return line;
	}
	return NULL;
}

struct account *
conf_build(struct config *c, const char *name, char **why)
{
	free(c->chosen);
	c->chosen = build(c, name);
	if (!(*why = check_account(c->chosen)))
		*why = check_key_file(c->chosen);
	return c->chosen;
}

struct account *
conf_pick(struct config *c, const char *name, const char *sender,
    char **error)
{
	const char *dflt;
	char *why;

	if (name) {
		if (!has_account(c, name)) {
			*error = xasprintf("%s: no account [%s]", c->path, name);
			return NULL;
		}
	} else if (sender && *sender) {
		for (size_t i = 0; i < c->accounts.n && !name; i++) {
			const char *from = lookup(c, c->accounts.v[i], "from");

			if (from && !strcasecmp(from, sender))
				name = c->accounts.v[i];
		}
	}
	if (!name) {
		if ((dflt = lookup(c, DEFAULTS, "default_account"))) {
			if (!has_account(c, dflt)) {
				*error = xasprintf("%s: default_account names "
				    "no account: [%s]", c->path, dflt);
				return NULL;
			}
			name = dflt;
		} else if (has_account(c, "default")) {
			name = "default";
		} else if (c->accounts.n == 1) {
			name = c->accounts.v[0];
		} else {
			*error = xasprintf("%s: no default account: add "
			    "[default] or default_account in [defaults]",
			    c->path);
			return NULL;
		}
	}
	conf_build(c, name, &why);
	if (why) {
		*error = xasprintf("%s: %s", c->path, why);
		free(why);
		return NULL;
	}
	return c->chosen;
}

struct account *
conf_account(struct config *c, const char *name, const char *sender)
{
	char *error = NULL;
	struct account *a = conf_pick(c, name, sender, &error);

	if (!a)
		die(FAIL_CONFIG, "%s", error);
	return a;
}

const char *
conf_account_name(const struct config *c, size_t i)
{
	return i < c->accounts.n ? c->accounts.v[i] : NULL;
}

void
conf_free(struct config *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->n; i++) {
		free(c->v[i].section);
		free(c->v[i].key);
		wipestr(c->v[i].value);
		free(c->v[i].value);
		free(c->v[i].id);
	}
	free(c->v);
	strset_free(&c->ids);
	strset_free(&c->names);
	strlist_free(&c->accounts);
	strset_free(&c->sections);
	strlist_free(&c->section_names);
	free(c->chosen);
	free(c->error);
	free(c->path);
	free(c);
}
