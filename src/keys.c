/*
 * keys.c: the keys of sendmail.ini and how each value is read: a table of
 * names, types and the account field each sets, one parser per type.
 * conf.c reads the file and builds accounts with it; a key or a type is
 * added here alone.
 */

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>

#include "addr.h"
#include "util.h"
#include "cert.h"
#include "conf.h"
#include "auth.h"
#include "keys.h"

enum type { T_STR, T_HOST, T_PORT, T_TLS, T_AUTH, T_BOOL, T_SECS, T_SPAN, T_ADDR,
    T_DOMAIN, T_PLAINAUTH, T_ACCOUNT, T_LONGLINES, T_DSN, T_SYSLOG, T_FACILITY,
    T_LOGFORMAT, T_PINS };

#define OFF(field) offsetof(struct account, field)
#define NONE ((size_t)-1)

struct key {
	const char *name;
	enum type type;
	size_t off;
};

static const struct key keys[] = {
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

const struct key *
key_find(const char *name)
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
const char *
key_likely(const char *name)
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
const char *
key_apply(const struct key *k, const char *v, struct account *acct,
    int *all)
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

int
key_defaults_only(const struct key *k)
{
	return k->type == T_ACCOUNT;
}
