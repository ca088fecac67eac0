/* t_conf.c: sendmail.ini: accounts, inheritance, values, errors, secrets. */

#include <sys/stat.h>

#include <fcntl.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util.h"
#include "conf.h"
#include "unit.h"

static char dir[] = "/tmp/t_conf.XXXXXX";
static char path[256];

static const char *
write_file(const char *name, const char *text, int mode)
{
	static char p[256];
	FILE *fp;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	unlink(p);
	fp = fopen(p, "w");
	fputs(text, fp);
	fclose(fp);
	chmod(p, mode);
	return p;
}

static void
config(const char *text)
{
	snprintf(path, sizeof(path), "%s", write_file("t.ini", text, 0600));
}

struct pick {
	const char *account, *sender;
};

static void
load(void *arg)
{
	struct pick *p = arg;
	struct config *c = conf_read(path);
	struct account *a = conf_account(c, p ? p->account : NULL,
	    p ? p->sender : NULL);
	char *pw = a->auth != AUTH_OFF ? conf_password(a) : NULL;

	if (pw)
		wipestr(pw);
	free(pw);
	conf_free(c);
}

/* conf_read_all: every problem, in order, and what is valid kept. */
static void
collect(void *ctx, unsigned long line, const char *what)
{
	struct buf *b = ctx;

	buf_printf(b, "%lu %s|", line, what);
}

static void
all_problems(void)
{
	struct buf b = { 0 };
	struct config *c;
	char *why;

	config("[a]\nhost = h\nport = x\nhots = y\nnonsense\nhost = h2\n"
	    "[a]\nfrom = a@example.org\n[b\n");
	c = conf_read_all(path, collect, &b);
	CHECK(c && b.data && !strcmp(b.data, "3 [a] port: not a port number "
	    "(1-65535)|4 [a] hots: unknown key (did you mean host?)|5 syntax "
	    "error: expected [section] or key = value|6 [a] host: set twice "
	    "in one section|7 [a] again, first at line 1: its keys join that "
	    "section's|9 syntax error: no ] after [|"), "conf_read_all: %s",
	    b.data ? b.data : "(nothing)");
	if (c) {
		struct account *a = conf_build(c, "a", &why);

		CHECK(conf_section_line(c, "a") == 1, "[a] is on line 1");
		CHECK(!why && !strcmp(a->host, "h") && a->from &&
		    !strcmp(a->from, "a@example.org"), "conf_read_all keeps "
		    "what is valid: host %s, %s", a->host, why ? why : "");
		free(why);
	}
	conf_free(c);
	buf_free(&b);
}

/* The config in path must fail with 78 and a message containing want. */
static void
bad(const char *name, const char *text, const char *want)
{
	char err[1024];
	int st;

	config(text);
	st = unit_exit_status(load, NULL, err, sizeof(err));
	err[strcspn(err, "\n")] = '\0';
	CHECK(st == 78 && strstr(err, want), "%s: exit %d: %s", name, st, err);
}

static void
bad_pick(const char *name, const char *account, const char *want)
{
	struct pick p = { account, NULL };
	char err[1024];
	int st = unit_exit_status(load, &p, err, sizeof(err));

	err[strcspn(err, "\n")] = '\0';
	CHECK(st == 78 && strstr(err, want), "%s: exit %d: %s", name, st, err);
}

static struct account *
pick(struct config **c, const char *text, const char *account,
    const char *sender)
{
	config(text);
	*c = conf_read(path);
	return conf_account(*c, account, sender);
}

/* load, but a read that hangs ends the child by SIGALRM (status 142). */
static void
load_timed(void *arg)
{
	alarm(5);
	load(arg);
}

/* As the user nobody: a config owned by root must still be accepted. */
static void
load_as_nobody(void *arg)
{
	if (setgid(65534) == -1 || setuid(65534) == -1)
		_exit(99);
	load(arg);
}

/* The length of the password, on stderr, so a child can report it. */
static void
password_length(void *arg)
{
	struct config *c;
	struct account *a;
	char *pw;

	(void)arg;
	alarm(5);
	c = conf_read(path);
	a = conf_account(c, NULL, NULL);
	pw = conf_password(a);
	fprintf(stderr, "length %zu", strlen(pw));
	wipestr(pw);
	free(pw);
	conf_free(c);
}

/* A file of n copies of ch and a newline, mode 0600. */
static const char *
long_file(const char *name, size_t n, int ch)
{
	char *text = malloc(n + 2);
	const char *p;

	memset(text, ch, n);
	text[n] = '\n';
	text[n + 1] = '\0';
	p = write_file(name, text, 0600);
	free(text);
	return p;
}

/* A config holding "password = " n bytes. */
static void
long_password_config(size_t n)
{
	size_t head;
	char *text = malloc(n + 100);

	head = (size_t)sprintf(text, "[a]\nhost = h\nuser = u\npassword = ");
	memset(text + head, 'p', n);
	strcpy(text + head + n, "\n");
	config(text);
	free(text);
}

/* What state /proc gives the process pid: 'R', 'S', 'Z', or 0 if gone. */
static char
proc_state(long pid)
{
	char p[64], line[256], *paren;
	FILE *fp;

	snprintf(p, sizeof(p), "/proc/%ld/stat", pid);
	if (!(fp = fopen(p, "r")))
		return 0;
	if (!fgets(line, sizeof(line), fp))
		line[0] = '\0';
	fclose(fp);
	paren = strrchr(line, ')');
	return paren && paren[1] == ' ' ? paren[2] : '?';
}

static const char two[] =
    "# comment\n"
    "; comment\n"
    "[defaults]\n"
    "port = 2525\n"
    "tls = starttls\n"
    "timeout = 7\n"
    "default_account = work\n"
    "\n"
    "[home]\n"
    "host = mail.home.example\n"
    "from = me@home.example\n"
    "timeout_data_end = 99\n"
    "\n"
    "[work]\n"
    "host = smtp.work.example\n"
    "port = 587\n"
    "from = me@work.example\n"
    "user = me\n"
    "password = s3cret ; not a comment\n";

/* tls_fingerprint, the client certificate's key, tls_resume. */
static void
tls_keys(void)
{
	static const char *const good[] = {
		"sha256//x+tnhAO3V7rzqTZYPQOuztnZ36x/7JfKaHIVRbUvRdM=",
		"2fca2dc904f7b178145fa1f179d5f0bfef2853f62ca6a59ff4ca8d641f135d27",
		"2F:CA:2D:C9:04:F7:B1:78:14:5F:A1:F1:79:D5:F0:BF:EF:28:53:F6:"
		    "2C:A6:A5:9F:F4:CA:8D:64:1F:13:5D:27",
		"sha256//x+tnhAO3V7rzqTZYPQOuztnZ36x/7JfKaHIVRbUvRdM=, "
		    "2fca2dc904f7b178145fa1f179d5f0bfef2853f62ca6a59ff4ca8d641f135d27",
	};
	static const char *const wrong[] = {
		"sha256//x+tnhAO3V7rzqTZYPQOuztnZ36x/7JfKaHIVRbUvRd=",
		"sha256//x+tnhAO3V7rzqTZYPQOuztnZ36x/7JfKaHIVRbUvRdM",
		"sha256//x+tnhAO3V7rzqTZYPQOuztnZ36x*7JfKaHIVRbUvRdM=",
		"2fca2dc904f7b178145fa1f179d5f0bfef2853f62ca6a59ff4ca8d641f135d2",
		"2fca2dc904f7b178145fa1f179d5f0bfef2853f62ca6a59ff4ca8d641f135d2g",
		"2F:CA:2D:C9:04:F7:B1:78:14:5F:A1:F1:79:D5:F0:BF:EF:28:53:F6:"
		    "2C:A6:A5:9F:F4:CA:8D:64:1F:13:5D27:",
		"md5//abc", ",",
	};
	struct config *c;
	struct account *a;
	char text[512], *key;

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		snprintf(text, sizeof(text), "[a]\nhost = h\ntls_fingerprint = "
		    "%s\n", good[i]);
		a = pick(&c, text, NULL, NULL);
		CHECK(a->tls_fingerprint && !strcmp(a->tls_fingerprint, good[i]),
		    "tls_fingerprint %zu accepted", i);
		conf_free(c);
	}
	for (size_t i = 0; i < sizeof(wrong) / sizeof(wrong[0]); i++) {
		snprintf(text, sizeof(text), "[a]\nhost = h\ntls_fingerprint = "
		    "%s\n", wrong[i]);
		bad(wrong[i], text, ":3: [a] tls_fingerprint:");
	}

	a = pick(&c, "[a]\nhost = h\n", NULL, NULL);
	CHECK(a->tls_resume && a->tls_cache_dir && strstr(a->tls_cache_dir,
	    "/smtpsend/tls"), "tls_resume on by default, beside the queue");
	conf_free(c);
	a = pick(&c, "[a]\nhost = h\ntls_resume = off\n", NULL, NULL);
	CHECK(!a->tls_resume && !a->tls_cache_dir, "tls_resume = off");
	conf_free(c);

	key = xstrdup(write_file("client.key", "key\n", 0600));
	snprintf(text, sizeof(text), "[a]\nhost = h\ntls_cert_file = %s\n"
	    "tls_key_file = %s\n", key, key);
	a = pick(&c, text, NULL, NULL);
	CHECK(a->tls_key_file && !strcmp(a->tls_key_file, key),
	    "a private key file is accepted");
	conf_free(c);
	chmod(key, 0644);
	bad("key file readable by others", text, "the key file is accessible "
	    "by others (mode 644)");
	snprintf(text, sizeof(text), "[a]\nhost = h\ntls_cert_file = %s\n",
	    key);
	bad("the key in the certificate file", text, "the key file is "
	    "accessible by others");
	snprintf(text, sizeof(text), "[a]\nhost = h\ntls_key_file = %s\n", key);
	bad("a key without a certificate", text, "tls_key_file needs "
	    "tls_cert_file");
	a = pick(&c, "[a]\nhost = h\ntls_cert_file = pkcs11:token=t;object=o\n",
	    NULL, NULL);
	CHECK(a->tls_cert_file && !strncmp(a->tls_cert_file, "pkcs11:", 7),
	    "a PKCS#11 URI is passed through");
	conf_free(c);
	free(key);
}

int
main(void)
{
	struct config *c;
	struct account *a;
	char err[1024], text[8192];
	int st;

	unit_suite = "conf";
	if (!mkdtemp(dir))
		return 1;

	a = pick(&c, two, NULL, NULL);
	CHECK(!strcmp(a->name, "work"), "default_account picks [work]");
	CHECK(!strcmp(a->port, "587"), "account port overrides [defaults]");
	CHECK(a->auth == AUTH_AUTO, "auth is on when a user is set");
	CHECK(a->timeout.command == 7 && a->timeout.connect == 7,
	    "timeout sets every phase");
	{
		char *pw = conf_password(a);

		CHECK(!strcmp(pw, "s3cret ; not a comment"),
		    "values are literal: no inline comments (%s)", pw);
		free(pw);
	}
	conf_free(c);

	a = pick(&c, two, "home", NULL);
	CHECK(!strcmp(a->host, "mail.home.example"), "-a picks an account");
	CHECK(!strcmp(a->port, "2525"), "port inherited from [defaults]");
	CHECK(a->auth == AUTH_OFF, "auth is off without a user");
	CHECK(a->timeout.data_end == 99 && a->timeout.greeting == 7,
	    "a phase's own timeout wins over timeout");
	conf_free(c);

	a = pick(&c, two, NULL, "ME@home.example");
	CHECK(!strcmp(a->name, "home"), "-f picks the account with that from");
	conf_free(c);
	a = pick(&c, two, NULL, "other@example.org");
	CHECK(!strcmp(a->name, "work"), "unmatched -f falls back to default");
	conf_free(c);

	a = pick(&c, "[x]\nhost = h\n", NULL, NULL);
	CHECK(!strcmp(a->name, "x"), "a lone account is the default");
	CHECK(a->tls == TLS_STARTTLS && !strcmp(a->port, "587"),
	    "starttls on 587 by default");
	CHECK(a->timeout.connect == 30 && a->timeout.greeting == 300 &&
	    a->timeout.data_init == 120 && a->timeout.data_block == 180 &&
	    a->timeout.data_end == 600, "RFC 5321 timeouts by default");
	CHECK(a->pipelining && a->chunking, "pipelining and chunking on");
	CHECK(a->ehlo_name && *a->ehlo_name, "ehlo_name from the host name");
	conf_free(c);
	a = pick(&c, "[default]\nhost = h\ntls = tls\n[y]\nhost = i\n", NULL,
	    NULL);
	CHECK(!strcmp(a->name, "default") && !strcmp(a->port, "465"),
	    "[default] is the default; tls on 465");
	conf_free(c);
	a = pick(&c, "[x]\nhost = 127.0.0.1\ntls = none\nuser = u\n"
	    "password = p\nplaintext_auth = loopback\n", NULL, NULL);
	CHECK(!strcmp(a->port, "25") && a->plaintext_auth_loopback,
	    "tls = none on 25; plaintext_auth = loopback allowed");
	conf_free(c);

	/* the queue: on, in the user's state directory, 5 min to 4 h, 5 days */
	setenv("HOME", "/home/u", 1);
	unsetenv("XDG_STATE_HOME");
	a = pick(&c, "[x]\nhost = h\n", NULL, NULL);
	CHECK(a->queue && a->queue_dir &&
	    !strcmp(a->queue_dir, "/home/u/.local/state/smtpsend/queue") &&
	    a->retry_min == 300 && a->retry_max == 14400 &&
	    a->queue_lifetime == 5 * 86400, "queue defaults: %s", a->queue_dir);
	conf_free(c);
	setenv("XDG_STATE_HOME", "/st", 1);
	a = pick(&c, "[x]\nhost = h\nqueue = off\nretry_min = 90s\n"
	    "retry_max = 2h\nqueue_lifetime = 3d\n", NULL, NULL);
	CHECK(!a->queue && !strcmp(a->queue_dir, "/st/smtpsend/queue") &&
	    a->retry_min == 90 && a->retry_max == 7200 &&
	    a->queue_lifetime == 3 * 86400, "queue settings, spans with units");
	conf_free(c);
	unsetenv("XDG_STATE_HOME");
	unsetenv("HOME");
	a = pick(&c, "[x]\nhost = h\n", NULL, NULL);
	CHECK(a->queue_dir == NULL, "no HOME: no user queue");
	conf_free(c);
	a = pick(&c, "[x]\nhost = h\nqueue_dir = /q\n", NULL, NULL);
	CHECK(!strcmp(a->queue_dir, "/q"), "queue_dir set");
	conf_free(c);
	bad("span with two units", "[a]\nhost = h\nretry_min = 5ds\n",
	    "[a] retry_min: not a time");
	bad("span over a year", "[a]\nhost = h\nqueue_lifetime = 366d\n",
	    "[a] queue_lifetime: not a time");
	bad("span of nothing", "[a]\nhost = h\nretry_max = m\n",
	    "[a] retry_max: not a time");

	bad("unknown key", "[a]\nhost = h\nhots = x\n", "t.ini:3: [a] hots: "
	    "unknown key (did you mean host?)");
	bad("unknown key, nothing like it", "[a]\nhost = h\nqqqqqq = x\n",
	    "t.ini:3: [a] qqqqqq: unknown key");
	bad("only the first problem", "[a]\nhost = h\nport = x\nhots = y\n",
	    "t.ini:3: [a] port: not a port number (1-65535)");
	all_problems();
	bad("bad port", "[a]\nhost = h\nport = 70000\n", ":3: [a] port: not a "
	    "port number");
	bad("bad tls", "[a]\nhost = h\ntls = maybe\n", ":3: [a] tls: must be");
	bad("bad auth", "[a]\nauth = sometimes\n", ":2: [a] auth: must be");
	bad("bad boolean", "[defaults]\npipelining = perhaps\n",
	    ":2: [defaults] pipelining: must be on or off");
	bad("zero timeout", "[a]\ntimeout_command = 0\n", "not a number of "
	    "seconds");
	bad("bad from", "[a]\nhost = h\nfrom = a b@x\n", ":3: [a] from:");
	bad("bad ehlo_name", "[a]\nehlo_name = bad name\n", "not a domain");
	bad("empty value", "[a]\nhost =\n", ":2: [a] host:");
	bad("CR in a value", "[a]\nhost = h\nuser = u\rRCPT TO:<x>\n",
	    ":3: [a] user: control character in value");
	bad("setting outside a section", "host = h\n", ":1: setting outside "
	    "a section");
	bad("syntax error", "[a]\nhost = h\njust words\n", ":3: syntax error");
	bad("default_account in an account", "[a]\ndefault_account = a\n",
	    "allowed only in [defaults]");
	bad("key set twice", "[a]\nhost = h\nhost = i\n", ":3: [a] host: set "
	    "twice");
	{
		char *huge = malloc(70000);

		memset(huge, 'x', 70000);
		memcpy(huge, "[a]\nhost = ", 11);
		strcpy(huge + 69700, "\n");
		bad("line too long", huge, ":2: line too long (more than 69632 "
		    "bytes)");
		free(huge);
	}
	bad("first error is reported", "[a]\nfoo = 1\nbar = 2\n", ":2: [a] foo");
	bad("no host", "[a]\nport = 25\n", "[a]: no host");
	bad("auth without user", "[a]\nhost = h\nauth = on\npassword = p\n",
	    "auth needs a user");
	bad("auth without password", "[a]\nhost = h\nuser = u\n",
	    "auth needs password");
	bad("two password sources", "[a]\nhost = h\nuser = u\npassword = p\n"
	    "password_command = echo p\n", "only one of");
	bad("auth in the clear", "[a]\nhost = h\ntls = none\nuser = u\n"
	    "password = p\n", "in the clear");
	config("[a]\nhost = h\n[b]\nhost = i\n");
	bad_pick("no such account", "c", "no account [c]");
	bad_pick("no default among two", NULL, "no default account");
	bad("default_account names nothing", "[defaults]\ndefault_account = z\n"
	    "[a]\nhost = h\n", "default_account names no account");

	/* secrets */
	config("[a]\nhost = h\nuser = u\npassword = p\n");
	chmod(path, 0644);
	st = unit_exit_status(load, NULL, err, sizeof(err));
	CHECK(st == 78 && strstr(err, "accessible by others (mode 644)"),
	    "password in a world-readable config: %s", err);
	chmod(path, 0640);
	st = unit_exit_status(load, NULL, err, sizeof(err));
	CHECK(st == 78 && strstr(err, "mode 640"), "password in a "
	    "group-readable config: %s", err);
	chmod(path, 0644);
	write_file("nopass.ini", "[a]\nhost = h\n", 0644);
	snprintf(path, sizeof(path), "%s/nopass.ini", dir);
	c = conf_read(path);
	CHECK(c != NULL, "a readable config without secrets is fine");
	conf_free(c);
	if (geteuid() == 0) {
		config("[a]\nhost = h\nuser = u\npassword = p\n");
		if (chown(path, 65534, 65534) == 0) {
			st = unit_exit_status(load, NULL, err, sizeof(err));
			CHECK(st == 78 && strstr(err, "owned by uid 65534"),
			    "password in someone else's config: %s", err);
		}
	} else {
		printf("skip conf: config owned by another user: needs root "
		    "to chown\n");
	}

	{
		char cfg[512], pf[256];

		snprintf(pf, sizeof(pf), "%s", write_file("pass",
		    "pa ss\nsecond line\n", 0600));

		snprintf(cfg, sizeof(cfg), "[a]\nhost = h\nuser = u\n"
		    "password_file = %s\n", pf);
		config(cfg);
		st = unit_exit_status(load, NULL, err, sizeof(err));
		CHECK(st == 0, "password_file read (exit %d)", st);
		a = pick(&c, cfg, NULL, NULL);
		{
			char *pw = conf_password(a);

			CHECK(!strcmp(pw, "pa ss"), "password_file: first line");
			free(pw);
		}
		conf_free(c);
		chmod(pf, 0604);
		st = unit_exit_status(load, NULL, err, sizeof(err));
		CHECK(st == 78 && strstr(err, "the password file is accessible "
		    "by others"), "password_file readable by others: %s", err);
		unlink(pf);
		st = unit_exit_status(load, NULL, err, sizeof(err));
		CHECK(st == 78 && strstr(err, "No such file"),
		    "missing password_file: %s", err);
		write_file("pass", "", 0600);
		st = unit_exit_status(load, NULL, err, sizeof(err));
		CHECK(st == 78 && strstr(err, "empty"), "empty password_file: %s",
		    err);
	}
	a = pick(&c, "[a]\nhost = h\nuser = u\npassword_command = printf "
	    "'cmd pw\\nrest\\n'\n", NULL, NULL);
	{
		char *pw = conf_password(a);

		CHECK(!strcmp(pw, "cmd pw"), "password_command: first line (%s)",
		    pw);
		free(pw);
	}
	conf_free(c);
	config("[a]\nhost = h\nuser = u\npassword_command = echo x; exit 3\n");
	st = unit_exit_status(load, NULL, err, sizeof(err));
	CHECK(st == 78 && strstr(err, "exit status 3"), "failing "
	    "password_command: %s", err);
	config("[a]\nhost = h\nuser = u\npassword_command = cat\n");
	st = unit_exit_status(load, NULL, err, sizeof(err));
	CHECK(st == 78 && strstr(err, "empty"), "password_command can't read "
	    "the message on stdin: %s", err);
	bad("missing config file", "", "");
	unlink(path);
	snprintf(path, sizeof(path), "%s/none.ini", dir);
	st = unit_exit_status(load, NULL, err, sizeof(err));
	CHECK(st == 78 && strstr(err, "none.ini: No such file"),
	    "missing config file: %s", err);

	/* where the config is looked for: cron has no HOME, sudo sets HOME=/ */
	{
		char home[100], user_conf[400];

		unsetenv("XDG_CONFIG_HOME");
		unsetenv("HOME");
		CHECK(!strcmp(conf_default_path(), SYSCONFDIR "/sendmail.ini"),
		    "no HOME: the system config");
		setenv("HOME", "/", 1);
		CHECK(!strcmp(conf_default_path(), SYSCONFDIR "/sendmail.ini"),
		    "HOME=/ without a user config: the system config");
		snprintf(home, sizeof(home), "%s/home", dir);
		setenv("HOME", home, 1);
		CHECK(!strcmp(conf_default_path(), SYSCONFDIR "/sendmail.ini"),
		    "HOME without a user config: the system config");
		snprintf(user_conf, sizeof(user_conf), "mkdir -p %s/.config/"
		    "smtpsend && touch %s/.config/smtpsend/sendmail.ini", home,
		    home);
		if (system(user_conf) != 0)
			return 1;
		snprintf(user_conf, sizeof(user_conf),
		    "%s/.config/smtpsend/sendmail.ini", home);
		CHECK(!strcmp(conf_default_path(), user_conf),
		    "~/.config/smtpsend/sendmail.ini when it exists");
		setenv("XDG_CONFIG_HOME", "relative", 1);
		CHECK(!strcmp(conf_default_path(), user_conf),
		    "a relative XDG_CONFIG_HOME is ignored");
		setenv("XDG_CONFIG_HOME", home, 1);
		CHECK(!strcmp(conf_default_path(), SYSCONFDIR "/sendmail.ini"),
		    "XDG_CONFIG_HOME without the file: the system config");
		unsetenv("XDG_CONFIG_HOME");
	}

	/* files that are not regular files must not hang the read */
	{
		char cfg[512], fifo[256], pf[256], link[256];

		snprintf(fifo, sizeof(fifo), "%s/fifo", dir);
		if (mkfifo(fifo, 0600) == -1)
			return 1;
		snprintf(cfg, sizeof(cfg), "[a]\nhost = h\nuser = u\n"
		    "password_file = %s\n", fifo);
		config(cfg);
		st = unit_exit_status(load_timed, NULL, err, sizeof(err));
		CHECK(st == 78 && strstr(err, "password file is not a regular "
		    "file"), "password_file is a FIFO: exit %d: %s", st, err);
		snprintf(path, sizeof(path), "%s", fifo);
		st = unit_exit_status(load_timed, NULL, err, sizeof(err));
		CHECK(st == 78 && strstr(err, "fifo: not a regular file"),
		    "config file is a FIFO: exit %d: %s", st, err);
		snprintf(path, sizeof(path), "/dev/zero");
		st = unit_exit_status(load_timed, NULL, err, sizeof(err));
		CHECK(st == 78 && strstr(err, "/dev/zero: not a regular file"),
		    "config file is /dev/zero: exit %d: %s", st, err);

		/* a symbolic link as password_file is refused */
		snprintf(pf, sizeof(pf), "%s", write_file("real.pass", "pw\n",
		    0600));
		snprintf(link, sizeof(link), "%s/link.pass", dir);
		unlink(link);
		if (symlink(pf, link) == -1)
			return 1;
		snprintf(cfg, sizeof(cfg), "[a]\nhost = h\nuser = u\n"
		    "password_file = %s\n", link);
		config(cfg);
		st = unit_exit_status(load, NULL, err, sizeof(err));
		CHECK(st == 78 && strstr(err, "link.pass: a symbolic link"),
		    "password_file is a symbolic link: exit %d: %s", st, err);
		unlink(link);
		unlink(fifo);
	}

	/* a config others can write can run commands as us */
	config("[a]\nhost = h\n");
	chmod(path, 0666);
	st = unit_exit_status(load, NULL, err, sizeof(err));
	CHECK(st == 78 && strstr(err, "t.ini: writable by others (mode 666); "
	    "chmod go-w"), "world-writable config: exit %d: %s", st, err);
	chmod(path, 0620);
	st = unit_exit_status(load, NULL, err, sizeof(err));
	CHECK(st == 78 && strstr(err, "t.ini: writable by others (mode 620)"),
	    "group-writable config: exit %d: %s", st, err);
	{
		char cfg[512], pf[256];

		snprintf(pf, sizeof(pf), "%s", write_file("gw.pass", "pw\n",
		    0620));
		snprintf(cfg, sizeof(cfg), "[a]\nhost = h\nuser = u\n"
		    "password_file = %s\n", pf);
		config(cfg);
		st = unit_exit_status(load, NULL, err, sizeof(err));
		CHECK(st == 78 && strstr(err, "gw.pass: the password file is "
		    "writable by others"), "group-writable password_file: "
		    "exit %d: %s", st, err);
	}
	if (geteuid() == 0) {
		config("[a]\nhost = h\n");
		chmod(path, 0644);
		if (chown(path, 65534, 65534) == 0) {
			st = unit_exit_status(load, NULL, err, sizeof(err));
			CHECK(st == 78 && strstr(err, "t.ini: owned by uid 65534,"
			    " not by uid 0 or root; chown"), "config owned by "
			    "another user, no password: exit %d: %s", st, err);
		}
		config("[a]\nhost = h\n");
		chmod(path, 0644);
		chmod(dir, 0755);
		st = unit_exit_status(load_as_nobody, NULL, err, sizeof(err));
		CHECK(st == 0, "a config owned by root is accepted for another "
		    "user: exit %d: %s", st, err);
		chmod(dir, 0700);
	} else {
		printf("skip conf: configs owned by another user: needs root "
		    "to chown and change user\n");
	}

	/* secrets: the whole buffer that held one is the caller's to wipe */
	{
		char cfg[512], pf[256], *pw;

		snprintf(pf, sizeof(pf), "%s", write_file("two.pass",
		    "pw\nsecond line, also secret\n", 0600));
		snprintf(cfg, sizeof(cfg), "[a]\nhost = h\nuser = u\n"
		    "password_file = %s\n", pf);
		a = pick(&c, cfg, NULL, NULL);
		pw = conf_password(a);
		CHECK(!strcmp(pw, "pw") && malloc_usable_size(pw) < 64,
		    "the password is in a buffer of its own size (%zu bytes)",
		    malloc_usable_size(pw));
		wipestr(pw);
		free(pw);
		conf_free(c);
	}

	/* long secrets: OAuth tokens are longer than 4 KiB */
	{
		char cfg[1024], pf[256];

		snprintf(pf, sizeof(pf), "%s", long_file("long.pass", 16384,
		    'a'));
		snprintf(cfg, sizeof(cfg), "[a]\nhost = h\nuser = u\n"
		    "password_file = %s\n", pf);
		config(cfg);
		st = unit_exit_status(password_length, NULL, err, sizeof(err));
		CHECK(st == 0 && !strcmp(err, "length 16384"),
		    "16 KiB password_file: exit %d: %s", st, err);
		snprintf(cfg, sizeof(cfg), "[a]\nhost = h\nuser = u\n"
		    "password_command = cat %s\n", pf);
		config(cfg);
		st = unit_exit_status(password_length, NULL, err, sizeof(err));
		CHECK(st == 0 && !strcmp(err, "length 16384"),
		    "16 KiB password_command: exit %d: %s", st, err);
		long_password_config(16384);
		st = unit_exit_status(password_length, NULL, err, sizeof(err));
		CHECK(st == 0 && !strcmp(err, "length 16384"),
		    "16 KiB password = in the config: exit %d: %s", st, err);
		long_password_config(65536);
		st = unit_exit_status(password_length, NULL, err, sizeof(err));
		CHECK(st == 0 && !strcmp(err, "length 65536"),
		    "64 KiB password = in the config: exit %d: %s", st, err);
		long_password_config(65537);
		st = unit_exit_status(password_length, NULL, err, sizeof(err));
		CHECK(st == 78 && strstr(err, ":4: [a] password: longer than "
		    "65536 bytes"), "password = over 64 KiB: exit %d: %s", st,
		    err);

		snprintf(pf, sizeof(pf), "%s", long_file("long.pass", 65536,
		    'b'));
		snprintf(cfg, sizeof(cfg), "[a]\nhost = h\nuser = u\n"
		    "password_file = %s\n", pf);
		config(cfg);
		st = unit_exit_status(password_length, NULL, err, sizeof(err));
		CHECK(st == 0 && !strcmp(err, "length 65536"),
		    "64 KiB password_file: exit %d: %s", st, err);
		snprintf(pf, sizeof(pf), "%s", long_file("long.pass", 65537,
		    'b'));
		st = unit_exit_status(password_length, NULL, err, sizeof(err));
		CHECK(st == 78 && strstr(err, "long.pass: the password is "
		    "longer than 65536 bytes"), "password_file over 64 KiB: "
		    "exit %d: %s", st, err);
		snprintf(cfg, sizeof(cfg), "[a]\nhost = h\nuser = u\n"
		    "password_command = cat %s\n", pf);
		config(cfg);
		st = unit_exit_status(password_length, NULL, err, sizeof(err));
		CHECK(st == 78 && strstr(err, "password_command: the password "
		    "is longer than 65536 bytes"), "password_command over "
		    "64 KiB: exit %d: %s", st, err);
		snprintf(cfg, sizeof(cfg), "[a]\nhost = h\nuser = u\n"
		    "password_command = echo short; cat %s %s\n", pf, pf);
		config(cfg);
		st = unit_exit_status(password_length, NULL, err, sizeof(err));
		CHECK(st == 0 && !strcmp(err, "length 5"), "password_command: "
		    "a short first line, then 128 KiB: exit %d: %s", st, err);
	}

	/* password_command: a deadline, its own descriptors, stderr */
	config("[a]\nhost = h\nuser = u\npassword_command = sleep 30\n"
	    "timeout_password_command = 1\n");
	st = unit_exit_status(load_timed, NULL, err, sizeof(err));
	CHECK(st == 78 && strstr(err, "password_command timed out after 1 s"),
	    "password_command past timeout_password_command: exit %d: %s", st,
	    err);
	{
		char cfg[512], bg[256];
		long pid = 0;
		FILE *fp;

		snprintf(bg, sizeof(bg), "%s/bg.pid", dir);
		snprintf(cfg, sizeof(cfg), "[a]\nhost = h\nuser = u\n"
		    "password_command = sleep 30 & echo $! >%s; wait\n"
		    "timeout_password_command = 1\n", bg);
		config(cfg);
		st = unit_exit_status(load_timed, NULL, err, sizeof(err));
		if ((fp = fopen(bg, "r"))) {
			if (fscanf(fp, "%ld", &pid) != 1)
				pid = 0;
			fclose(fp);
		}
		CHECK(st == 78 && pid > 0 && (proc_state(pid) == 0 ||
		    proc_state(pid) == 'Z'), "a timed-out password_command's "
		    "children are killed too: exit %d, state %c", st,
		    pid > 0 && proc_state(pid) ? proc_state(pid) : '-');
		if (pid > 0 && proc_state(pid) && proc_state(pid) != 'Z')
			kill((pid_t)pid, SIGKILL);
	}
	{
		int extra = open("/dev/null", O_RDONLY);
		char *pw;

		a = pick(&c, "[a]\nhost = h\nuser = u\npassword_command = "
		    "for f in 3 4 5 6 7 8 9 10 11 12; do "
		    "[ -e /proc/self/fd/$f ] && printf \"$f \"; done; echo x\n",
		    NULL, NULL);
		pw = conf_password(a);
		CHECK(!strcmp(pw, "x"), "password_command inherits only "
		    "descriptors 0-2: inherited %s", pw);
		wipestr(pw);
		free(pw);
		conf_free(c);
		close(extra);
	}
	config("[a]\nhost = h\nuser = u\npassword_command = echo to-stderr "
	    ">&2; echo pw\n");
	st = unit_exit_status(load, NULL, err, sizeof(err));
	CHECK(st == 0 && !strcmp(err, "to-stderr"), "password_command's "
	    "stderr passes through: %s", err);

	/* the reader: no NUL bytes, no address literal without an address */
	config("[a]\n");
	{
		char nul[] = "[a]\nhost = h\nuser = u\npassword = ab_cd\n";
		int fd;

		nul[sizeof(nul) - 5] = '\0';
		fd = open(path, O_WRONLY | O_TRUNC);
		if (fd == -1 || write(fd, nul, sizeof(nul) - 1) == -1)
			return 1;
		close(fd);
	}
	st = unit_exit_status(load, NULL, err, sizeof(err));
	CHECK(st == 78 && strstr(err, "t.ini:4: NUL byte in line"),
	    "a NUL byte in the config: exit %d: %s", st, err);
	bad("empty address literal", "[a]\nhost = h\nehlo_name = []\n",
	    ":3: [a] ehlo_name: not a domain");
	{
		char text2[300];

		memset(text2, 0, sizeof(text2));
		strcpy(text2, "[a]\nhost = h\nuser = u\npassword = ");
		memset(text2 + strlen(text2), 'q', 250);
		strcat(text2, "\n");
		config(text2);
		st = unit_exit_status(password_length, NULL, err, sizeof(err));
		CHECK(st == 0 && !strcmp(err, "length 250"),
		    "a 250-byte password = line: exit %d: %s", st, err);
	}
	a = pick(&c, "[Work]\nhost = upper\n[work]\nhost = lower\n", "work",
	    NULL);
	CHECK(!strcmp(a->host, "lower"), "section names are case-sensitive");
	conf_free(c);
	{
		char *huge = malloc(1048578);

		memset(huge, '#', 1048577);
		for (size_t i = 99; i < 1048577; i += 100)
			huge[i] = '\n';
		huge[1048577] = '\0';
		bad("a config over 1 MiB", huge, "t.ini: larger than 1048576 "
		    "bytes");
		free(huge);
	}
	a = pick(&c, two, "home", NULL);
	a = conf_account(c, "work", NULL);
	CHECK(!strcmp(a->name, "work"), "conf_account twice on one config");
	conf_free(c);

	tls_keys();

	/* the shipped example must be a valid configuration */
	c = conf_read("sendmail.ini.example");
	a = conf_account(c, NULL, NULL);
	CHECK(!strcmp(a->name, "work") && a->auth == AUTH_AUTO,
	    "sendmail.ini.example: default account [work]");
	conf_free(c);
	c = conf_read("sendmail.ini.example");
	a = conf_account(c, NULL, "alice@gmail.com");
	CHECK(!strcmp(a->name, "gmail") && a->tls == TLS_IMPLICIT &&
	    !strcmp(a->port, "465"), "sendmail.ini.example: [gmail] by -f");
	conf_free(c);
	c = conf_read("sendmail.ini.example");
	a = conf_account(c, "local", NULL);
	CHECK(a->plaintext_auth_loopback && !strcmp(a->port, "587"),
	    "sendmail.ini.example: [local]");
	conf_free(c);

	snprintf(text, sizeof(text), "rm -rf %s", dir);
	if (system(text) != 0)
		return 1;
	UNIT_EXIT();
}
