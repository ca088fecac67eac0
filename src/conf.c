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

#include "util.h"
#include "conf.h"
#include "keys.h"
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
	if (!(k = key_find(key))) {
		const char *like = key_likely(key);
		char *msg = like ? xasprintf("unknown key (did you mean %s?)",
		    like) : xstrdup("unknown key");

		parse_error(c, section, key, msg);
		free(msg);
		return 0;
	}
	if (key_defaults_only(k) && strcmp(section, DEFAULTS) != 0) {
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
	if ((why = key_apply(k, value, NULL, NULL))) {
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
			key_apply(key_find(c->v[i].key), c->v[i].value, a,
			    all);
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
