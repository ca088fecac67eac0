/*
 * conf.c: sendmail.ini. Sections are accounts; [defaults] holds keys every
 * account inherits and may name the default account. Every key and value
 * is checked while reading, so a typo is an error naming file:line, never
 * a silently ignored setting.
 */

#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <ini.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "addr.h"
#include "conf.h"
#include "util.h"

#define DEFAULTS "defaults"
#define MAX_LINE 4096
#define MAX_SECRET 4096
#define SESSION_TIMEOUT 3600		/* a slow server can't hold us longer */
#define PASSWORD_COMMAND_TIMEOUT 60

struct setting {
	char *section, *key, *value;
	unsigned long line;
};

struct config {
	char *path;
	struct setting *v;
	size_t n, cap;
	struct strlist accounts;	/* section names in file order */
	unsigned long line;		/* line being parsed */
	char *error;			/* first error while parsing */
	int has_password;
	struct account *chosen;
};

enum type { T_STR, T_HOST, T_PORT, T_TLS, T_AUTH, T_BOOL, T_SECS, T_ADDR,
    T_DOMAIN, T_PLAINAUTH, T_ACCOUNT, T_LONGLINES, T_DSN };

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
	{ "default_account",	T_ACCOUNT,	NONE },
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

static int
valid_domain(const char *v)
{
	size_t n = strlen(v);

	if (n == 0 || n > 253)
		return 0;
	if (v[0] == '[')
		return v[n - 1] == ']' && strspn(v + 1,
		    "0123456789abcdefABCDEF.:IPv") == n - 2;
	return strspn(v, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789.-") == n && v[0] != '.' && v[0] != '-';
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
		else if (!strcasecmp(v, "plain"))
			b = AUTH_PLAIN;
		else if (!strcasecmp(v, "login"))
			b = AUTH_LOGIN;
		else
			return "must be on, off, plain or login";
		if (field)
			*(enum auth_mode *)field = b;
		return NULL;
	case T_BOOL:
		if (parse_bool(v, &b))
			return "must be on or off";
		if (field)
			*(int *)field = b;
		return NULL;
	case T_PLAINAUTH:
	case T_LONGLINES:
	case T_DSN: {
		static const char *const words[][3] = {
			[T_PLAINAUTH] = { "no", "loopback",
			    "must be no or loopback" },
			[T_LONGLINES] = { "reject", "send",
			    "must be reject or send" },
			[T_DSN] = { "optional", "required",
			    "must be optional or required" },
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

	if (c->error)
		return;
	buf_printf(&b, "%s:%lu: ", c->path, c->line);
	if (key)
		buf_printf(&b, "[%s] %s: ", section, key);
	buf_addstr(&b, why);
	c->error = b.data;
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
	size_t i;

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
		parse_error(c, section, key, "unknown key");
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
	for (i = 0; i < c->n; i++) {
		if (!strcmp(c->v[i].section, section) &&
		    !strcmp(c->v[i].key, key)) {
			parse_error(c, section, key, "set twice in one section");
			return 0;
		}
	}
	if (!strcmp(key, "password"))
		c->has_password = 1;
	if (strcmp(section, DEFAULTS) != 0) {
		for (i = 0; i < c->accounts.n; i++)
			if (!strcmp(c->accounts.v[i], section))
				break;
		if (i == c->accounts.n)
			strlist_add(&c->accounts, xstrdup(section));
	}
	if (c->n == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 32;
		c->v = xrealloc(c->v, c->cap * sizeof(*c->v));
	}
	c->v[c->n].section = xstrdup(section);
	c->v[c->n].key = xstrdup(key);
	c->v[c->n].value = xstrdup(value);
	c->v[c->n].line = c->line;
	c->n++;
	return 1;
}

struct reader {
	FILE *fp;
	struct config *c;
};

/* fgets for inih that counts lines, so errors can name them. */
static char *
read_line(char *str, int num, void *stream)
{
	struct reader *r = stream;
	char *s = fgets(str, num, r->fp);
	size_t n;

	if (!s)
		return NULL;
	r->c->line++;
	n = strlen(s);
	if (n > 0 && s[n - 1] != '\n' && !feof(r->fp)) {
		int ch;

		parse_error(r->c, "", NULL, "line too long");
		while ((ch = getc(r->fp)) != EOF && ch != '\n')
			;
	}
	return s;
}

/* A file holding a secret must be the user's own and private. */
static void
check_private(int fd, const char *path, const char *what)
{
	struct stat st;

	if (fstat(fd, &st) == -1)
		die(FAIL_CONFIG, "%s:", path);
	if (!S_ISREG(st.st_mode))
		die(FAIL_CONFIG, "%s: %s is not a regular file", path, what);
	if (st.st_uid != geteuid())
		die(FAIL_CONFIG, "%s: %s is owned by uid %lu, not by uid %lu",
		    path, what, (unsigned long)st.st_uid,
		    (unsigned long)geteuid());
	if (st.st_mode & (S_IRWXG | S_IRWXO))
		die(FAIL_CONFIG, "%s: %s is accessible by others (mode %03o); "
		    "chmod 600 it", path, what, (unsigned)st.st_mode & 0777);
}

struct config *
conf_read(const char *path)
{
	struct config *c = xmalloc(sizeof(*c));
	struct reader r;
	FILE *fp;
	int rc;

	memset(c, 0, sizeof(*c));
	c->path = xstrdup(path);
	if (!(fp = fopen(path, "r")))
		die(FAIL_CONFIG, "%s:", path);
	ini_allow_inline_comments = 0;
	ini_allow_multiline = 0;
	ini_stop_on_first_error = 0;
	ini_use_stack = 0;
	ini_max_line = MAX_LINE;
	r.fp = fp;
	r.c = c;
	rc = ini_parse_stream(read_line, &r, on_setting, c);
	if (ferror(fp))
		die(FAIL_CONFIG, "%s: read error", path);
	if (rc > 0 && !c->error) {
		c->line = rc;
		parse_error(c, "", NULL, "syntax error: expected [section] or "
		    "key = value");
	}
	if (rc < 0)
		die(FAIL_OS, "%s: out of memory while parsing", path);
	if (c->error)
		die(FAIL_CONFIG, "%s", c->error);
	if (c->has_password)
		check_private(fileno(fp), path, "a file holding a password");
	fclose(fp);
	return c;
}

static const char *
lookup(const struct config *c, const char *section, const char *key)
{
	for (size_t i = 0; i < c->n; i++)
		if (!strcmp(c->v[i].section, section) &&
		    !strcmp(c->v[i].key, key))
			return c->v[i].value;
	return NULL;
}

static int
has_account(const struct config *c, const char *name)
{
	for (size_t i = 0; i < c->accounts.n; i++)
		if (!strcmp(c->accounts.v[i], name))
			return 1;
	return 0;
}

static void
set_section(const struct config *c, const char *section, struct account *a,
    int *all)
{
	for (size_t i = 0; i < c->n; i++)
		if (!strcmp(c->v[i].section, section))
			apply(find_key(c->v[i].key), c->v[i].value, a, all);
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
	set_section(c, DEFAULTS, a, &all);
	set_section(c, name, a, &all);
	a->name = (char *)name;
	a->file = c->path;

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

static void
check_account(const struct account *a)
{
	int secrets = !!a->password + !!a->password_file +
	    !!a->password_command;

	if (!a->host)
		die(FAIL_CONFIG, "%s: [%s]: no host", a->file, a->name);
	if (a->auth != AUTH_OFF) {
		if (!a->user)
			die(FAIL_CONFIG, "%s: [%s]: auth needs a user", a->file,
			    a->name);
		if (secrets == 0)
			die(FAIL_CONFIG, "%s: [%s]: auth needs password, "
			    "password_file or password_command", a->file,
			    a->name);
		if (a->tls == TLS_NONE && !a->plaintext_auth_loopback)
			die(FAIL_CONFIG, "%s: [%s]: auth with tls = none would "
			    "send the password in the clear; use TLS, or "
			    "plaintext_auth = loopback for a relay on this "
			    "machine", a->file, a->name);
	}
	if (secrets > 1)
		die(FAIL_CONFIG, "%s: [%s]: set only one of password, "
		    "password_file and password_command", a->file, a->name);
}

struct account *
conf_account(struct config *c, const char *name, const char *sender)
{
	const char *dflt;

	if (name) {
		if (!has_account(c, name))
			die(FAIL_CONFIG, "%s: no account [%s]", c->path, name);
	} else if (sender && *sender) {
		for (size_t i = 0; i < c->accounts.n && !name; i++) {
			const char *from = lookup(c, c->accounts.v[i], "from");

			if (from && !strcasecmp(from, sender))
				name = c->accounts.v[i];
		}
	}
	if (!name) {
		if ((dflt = lookup(c, DEFAULTS, "default_account"))) {
			if (!has_account(c, dflt))
				die(FAIL_CONFIG, "%s: default_account names no "
				    "account: [%s]", c->path, dflt);
			name = dflt;
		} else if (has_account(c, "default")) {
			name = "default";
		} else if (c->accounts.n == 1) {
			name = c->accounts.v[0];
		} else {
			die(FAIL_CONFIG, "%s: no default account: add [default] "
			    "or default_account in [defaults]", c->path);
		}
	}
	c->chosen = build(c, name);
	check_account(c->chosen);
	return c->chosen;
}

static char *
first_line(char *s, size_t n, const char *what)
{
	size_t len = strcspn(s, "\r\n");

	if (memchr(s, 0, n) || len == 0)
		die(FAIL_CONFIG, "%s gave an empty or binary password", what);
	s[len] = '\0';
	return s;
}

static char *
read_secret(int fd, size_t *n)
{
	char *s = xmalloc(MAX_SECRET + 1);
	size_t len = 0;
	ssize_t r;

	while (len < MAX_SECRET &&
	    (r = read(fd, s + len, MAX_SECRET - len)) != 0) {
		if (r < 0) {
			if (errno == EINTR)
				continue;
			wipe(s, MAX_SECRET);
			free(s);
			return NULL;
		}
		len += r;
	}
	s[len] = '\0';
	*n = len;
	return s;
}

static char *
password_from_file(const struct account *a)
{
	int fd = open(a->password_file, O_RDONLY | O_NOCTTY | O_CLOEXEC);
	char *s;
	size_t n;

	if (fd == -1)
		die(FAIL_CONFIG, "password_file %s:", a->password_file);
	check_private(fd, a->password_file, "the password file");
	if (!(s = read_secret(fd, &n)))
		die(FAIL_CONFIG, "password_file %s:", a->password_file);
	close(fd);
	return first_line(s, n, a->password_file);
}

static char *
password_from_command(const struct account *a)
{
	int pfd[2], status;
	pid_t pid;
	char *s;
	size_t n;

	if (pipe(pfd) == -1)
		die(FAIL_OS, "pipe:");
	if ((pid = fork()) == -1)
		die(FAIL_OS, "fork:");
	if (pid == 0) {
		/* stdin is the message: the command must not read it */
		int null = open("/dev/null", O_RDONLY);

		if (null == -1 || dup2(null, 0) == -1 ||
		    dup2(pfd[1], 1) == -1)
			_exit(127);
		close(pfd[0]);
		close(pfd[1]);
		execl("/bin/sh", "sh", "-c", a->password_command, (char *)NULL);
		_exit(127);
	}
	close(pfd[1]);
	s = read_secret(pfd[0], &n);
	close(pfd[0]);
	while (waitpid(pid, &status, 0) == -1)
		if (errno != EINTR)
			die(FAIL_OS, "waitpid:");
	if (!s || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		if (s) {
			wipe(s, n);
			free(s);
		}
		die(FAIL_CONFIG, "password_command failed (%s %d)",
		    WIFEXITED(status) ? "exit status" : "signal",
		    WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
	}
	return first_line(s, n, "password_command");
}

char *
conf_password(const struct account *a)
{
	if (a->password)
		return xstrdup(a->password);
	if (a->password_file)
		return password_from_file(a);
	if (a->password_command)
		return password_from_command(a);
	return NULL;
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
	}
	free(c->v);
	strlist_free(&c->accounts);
	free(c->chosen);
	free(c->error);
	free(c->path);
	free(c);
}
