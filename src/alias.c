/*
 * alias.c: local names. cron, at and sudo mail "root" or a user name with
 * no domain; a relay can't deliver that. A local name (no '@', or
 * @localhost, or @ this host's name) is looked up in an aliases(5) file,
 * recursively; a name without an alias goes to admin_addr, or else gets
 * the configured domain. Aliases to commands or files can't be served by
 * a relay client: using one is an error, never a silent drop.
 *
 * Parsing and expanding report errors instead of dying, so the fuzzer
 * can run them; aliases_load() and local_expand() die with the message.
 */

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "util.h"
#include "addr.h"
#include "alias.h"
#include "strset.h"

#define MAX_DEPTH 16		/* aliases naming aliases, this deep */
#define MAX_EXPANSION 10000	/* addresses from one local name */

enum { UNSEEN, EXPANDING, EXPANDED };

struct alias {
	char *name;
	struct strlist targets;
	unsigned long line;
	unsigned long pass;	/* the expansion that last reached it */
	int state;		/* in that expansion */
};

struct aliases {
	char *path;
	struct alias *v;
	size_t n, cap;
	struct strset names;	/* name -> index in v */
	unsigned long pass;	/* expansions so far */
	char *error;		/* the first error while parsing */
};

/* Keeps the first error; returns -1 so callers can return fail(...). */
static int __attribute__((format(printf, 2, 3)))
fail(char **error, const char *fmt, ...)
{
	va_list ap;

	if (!*error) {
		va_start(ap, fmt);
		*error = xvasprintf(fmt, ap);
		va_end(ap);
	}
	return -1;
}

static void
trim(char **s)
{
	char *p = *s, *end;

	while (*p == ' ' || *p == '\t')
		p++;
	end = p + strlen(p);
	while (end > p && (end[-1] == ' ' || end[-1] == '\t' ||
	    end[-1] == '\n' || end[-1] == '\r'))
		*--end = '\0';
	*s = p;
}

static struct alias *
find(const struct aliases *a, const char *name)
{
	size_t *i = a ? strset_find(&a->names, name) : NULL;

	return i ? &a->v[*i] : NULL;
}

static int add_targets(struct aliases *, struct alias *, char *,
    unsigned long, int);

/*
 * The whole of a regular file, which may hold NUL bytes (*len says how
 * much). A FIFO or a device would block or never end: it is an error.
 */
static char *
read_file(const char *path, size_t *len, char **error)
{
	struct buf b = { 0 };
	char chunk[65536];
	ssize_t r;
	int fd = open_regular(path, 0, NULL);

	if (fd == -2) {
		fail(error, "%s: not a regular file", path);
		return NULL;
	}
	if (fd == -1) {
		fail(error, "%s: %s", path, strerror(errno));
		return NULL;
	}
	while ((r = read(fd, chunk, sizeof(chunk))) != 0) {
		if (r > 0) {
			buf_add(&b, chunk, (size_t)r);
		} else if (errno != EINTR) {
			fail(error, "%s: read error: %s", path,
			    strerror(errno));
			buf_free(&b);
			close(fd);
			return NULL;
		}
	}
	close(fd);
	buf_add(&b, "", 0);
	*len = b.len;
	return b.data;
}

/* The next line of text (NUL-terminated in place), or NULL at the end. */
static char *
next_line(char **p, char *end, size_t *len)
{
	char *line = *p, *nl;

	if (line >= end)
		return NULL;
	nl = memchr(line, '\n', (size_t)(end - line));
	*len = nl ? (size_t)(nl - line) : (size_t)(end - line);
	line[*len] = '\0';
	*p = nl ? nl + 1 : end;
	return line;
}

/* The targets of an :include: file, one list per line. */
static int
add_include(struct aliases *a, struct alias *al, const char *path,
    unsigned long line)
{
	char *text, *p, *end, *l, *why = NULL;
	size_t len, n;
	int rc = 0;

	if (!(text = read_file(path, &len, &why))) {
		fail(&a->error, "%s:%lu: :include: %s", a->path, line, why);
		free(why);
		return -1;
	}
	for (p = text, end = text + len; rc == 0 &&
	    (l = next_line(&p, end, &n)); ) {
		if (strlen(l) != n) {
			rc = fail(&a->error, "%s:%lu: :include: %s: NUL byte in "
			    "a line", a->path, line, path);
			break;
		}
		trim(&l);
		if (*l == '#' || !*l)
			continue;
		rc = add_targets(a, al, l, line, 1);
	}
	free(text);
	return rc;
}

/* Adds one target; addresses are checked now, so a typo shows at once. */
static int
add_target(struct aliases *a, struct alias *al, const char *t,
    unsigned long line, int in_include)
{
	struct addrlist found = { 0 };
	const char *err = NULL;

	if (*t == '|' || *t == '/') {
		strlist_add(&al->targets, xstrdup(t));
		return 0;
	}
	if (!strncasecmp(t, ":include:", 9)) {
		if (in_include)
			return fail(&a->error, "%s:%lu: :include: inside an "
			    "included file", a->path, line);
		return add_include(a, al, t + 9, line);
	}
	if (addr_parse_list(t, strlen(t), &found, &err) == -1) {
		addrlist_free(&found);	/* it may have grown */
		return fail(&a->error, "%s:%lu: alias %s: bad address '%s': %s",
		    a->path, line, al->name, t, err);
	}
	if (found.n != 1) {
		addrlist_free(&found);
		return fail(&a->error, "%s:%lu: alias %s: bad address '%s': "
		    "not a single address", a->path, line, al->name, t);
	}
	if ((err = addr_check(found.v[0].spec))) {
		addrlist_free(&found);
		return fail(&a->error, "%s:%lu: alias %s: bad address '%s': %s",
		    a->path, line, al->name, t, err);
	}
	strlist_add(&al->targets, xstrdup(found.v[0].spec));
	addrlist_free(&found);
	return 0;
}

/* A list of targets split at commas outside quotes, in place. */
static int
add_targets(struct aliases *a, struct alias *al, char *list,
    unsigned long line, int in_include)
{
	char *p, *start;
	int quoted = 0, end;

	for (p = start = list;; p++) {
		if (*p == '"')
			quoted = !quoted;
		if (*p == '\0' || (*p == ',' && !quoted)) {
			end = *p == '\0';
			*p = '\0';
			trim(&start);
			if (*start && add_target(a, al, start, line,
			    in_include) == -1)
				return -1;
			if (end)
				return 0;
			start = p + 1;
		}
	}
}

/* One entry, "name: target, target, ..." with its continuation lines. */
static int
add_entry(struct aliases *a, char *text, unsigned long line)
{
	char *colon = strchr(text, ':'), *name = text;
	struct alias *al;

	if (!colon)
		return fail(&a->error, "%s:%lu: expected NAME: ADDRESS, ...",
		    a->path, line);
	*colon = '\0';
	trim(&name);
	if (!*name || strpbrk(name, " \t@,\""))
		return fail(&a->error, "%s:%lu: bad alias name '%s'", a->path,
		    line, name);
	if (find(a, name))
		return fail(&a->error, "%s:%lu: alias %s defined twice",
		    a->path, line, name);
	if (a->n == a->cap) {
		a->cap = a->cap ? a->cap * 2 : 32;
		a->v = xrealloc(a->v, a->cap * sizeof(*a->v));
	}
	al = &a->v[a->n];
	memset(al, 0, sizeof(*al));
	al->name = xstrdup(name);
	al->line = line;
	strset_add(&a->names, al->name, a->n);
	a->n++;
	if (add_targets(a, al, colon + 1, line, 0) == -1)
		return -1;
	if (al->targets.n == 0)
		return fail(&a->error, "%s:%lu: alias %s has no target",
		    a->path, line, al->name);
	return 0;
}

struct aliases *
aliases_parse(const char *path, char *text, size_t len, char **error)
{
	struct aliases *a = xmalloc(sizeof(*a));
	struct buf entry = { 0 };
	unsigned long lineno = 0, entry_line = 0;
	char *p = text, *end = text + len, *line;
	size_t n;

	memset(a, 0, sizeof(*a));
	a->path = xstrdup(path);
	while (!a->error && (line = next_line(&p, end, &n))) {
		lineno++;
		if (strlen(line) != n) {
			fail(&a->error, "%s:%lu: NUL byte in line", path,
			    lineno);
			break;
		}
		if (line[0] == '#')
			continue;
		if (line[0] == ' ' || line[0] == '\t') {
			char *q = line;

			trim(&q);
			if (!*q)
				continue;
			if (!entry.len) {
				fail(&a->error, "%s:%lu: continuation line "
				    "without an alias", path, lineno);
				break;
			}
			buf_addstr(&entry, " ");
			buf_addstr(&entry, q);
			continue;
		}
		if (entry.len && add_entry(a, entry.data, entry_line) == -1)
			break;
		entry.len = 0;
		if (line[strspn(line, " \t\r")] == '\0')
			continue;
		buf_add(&entry, line, n);
		entry_line = lineno;
	}
	if (!a->error && entry.len)
		add_entry(a, entry.data, entry_line);
	buf_free(&entry);
	if (a->error) {
		*error = a->error;
		a->error = NULL;
		aliases_free(a);
		return NULL;
	}
	return a;
}

struct aliases *
aliases_load(const char *path)
{
	struct aliases *a;
	char *text, *error = NULL;
	size_t len;

	if (!(text = read_file(path, &len, &error)))
		die(FAIL_CONFIG, "aliases %s", error);
	a = aliases_parse(path, text, len, &error);
	free(text);
	if (!a)
		die(FAIL_CONFIG, "%s", error);
	return a;
}

size_t
aliases_count(const struct aliases *a)
{
	return a ? a->n : 0;
}

const char *
aliases_name(const struct aliases *a, size_t i)
{
	return a && i < a->n ? a->v[i].name : NULL;
}

void
aliases_free(struct aliases *a)
{
	if (!a)
		return;
	for (size_t i = 0; i < a->n; i++) {
		free(a->v[i].name);
		strlist_free(&a->v[i].targets);
	}
	free(a->v);
	strset_free(&a->names);
	free(a->error);
	free(a->path);
	free(a);
}

/* Is domain this host: localhost, the host name, or its first label? */
static int
is_this_host(const struct localnames *ln, const char *domain)
{
	size_t short_len;

	if (!strcasecmp(domain, "localhost") ||
	    !strcasecmp(domain, "localhost.localdomain"))
		return 1;
	if (!ln->hostname || !*ln->hostname)
		return 0;
	if (!strcasecmp(domain, ln->hostname))
		return 1;
	short_len = strcspn(ln->hostname, ".");
	return strlen(domain) == short_len &&
	    !strncasecmp(domain, ln->hostname, short_len);
}

char *
local_name(const struct localnames *ln, const char *addr)
{
	const char *at = strrchr(addr, '@');

	if (!at)
		return xstrdup(addr);
	if (!is_this_host(ln, at + 1))
		return NULL;
	return xstrndup(addr, (size_t)(at - addr));
}

/* One expansion: its output, what is in it, and the first error. */
struct expansion {
	const struct localnames *ln;
	const char *top;	/* the name being expanded */
	struct strlist *out;
	struct strset seen;	/* the addresses in out */
	size_t added;
	char *error;
};

static int
add_once(struct expansion *x, const char *addr)
{
	char *copy;

	if (strset_find(&x->seen, addr))
		return 0;
	if (x->added == MAX_EXPANSION)
		return fail(&x->error, "aliases: %s expands to more than %d "
		    "addresses", x->top, MAX_EXPANSION);
	copy = xstrdup(addr);
	strlist_add(x->out, copy);
	strset_add(&x->seen, copy, 0);
	x->added++;
	return 0;
}

static char *
at_domain(const char *name, const char *domain)
{
	size_t n = strlen(name), d = strlen(domain);
	char *q = xmalloc(n + d + 2);

	memcpy(q, name, n);
	q[n] = '@';
	memcpy(q + n + 1, domain, d + 1);
	return q;
}

/* Where a local name without an alias goes. */
static int
unaliased(struct expansion *x, const char *name)
{
	char *q;
	int rc;

	if (x->ln->admin_addr)
		return add_once(x, x->ln->admin_addr);
	if (!x->ln->domain)
		return add_once(x, name);
	q = at_domain(name, x->ln->domain);
	rc = add_once(x, q);
	free(q);
	return rc;
}

/*
 * Each alias is expanded once per expansion: reaching it again adds
 * nothing new, so the work is linear in the size of the aliases file,
 * however the aliases name each other. Reaching it while it is being
 * expanded is a loop.
 */
static int
expand(struct expansion *x, const char *name, int depth)
{
	struct aliases *a = x->ln->aliases;
	struct alias *al = find(a, name);
	int rc = 0;

	if (!al)
		return unaliased(x, name);
	if (al->pass == a->pass) {
		if (al->state == EXPANDING)
			return fail(&x->error, "aliases: loop while expanding "
			    "%s: %s names itself through other aliases",
			    x->top, al->name);
		return 0;
	}
	if (depth > MAX_DEPTH)
		return fail(&x->error, "aliases: %s: aliases nested more than "
		    "%d deep", x->top, MAX_DEPTH);
	al->pass = a->pass;
	al->state = EXPANDING;
	for (size_t i = 0; rc == 0 && i < al->targets.n; i++) {
		const char *t = al->targets.v[i];
		char *tn;

		if (*t == '|' || *t == '/')
			return fail(&x->error, "%s:%lu: alias %s: smtpsend "
			    "relays mail and cannot deliver to %s", a->path,
			    al->line, al->name, t);
		if (!(tn = local_name(x->ln, t)))
			rc = add_once(x, t);
		else if (!strcasecmp(tn, al->name))
			rc = unaliased(x, name);	/* "root: root, ..." */
		else
			rc = expand(x, tn, depth + 1);
		free(tn);
	}
	al->state = EXPANDED;
	return rc;
}

int
local_expand_checked(const struct localnames *ln, const char *addr,
    struct strlist *out, char **error)
{
	struct expansion x = { .ln = ln, .top = addr, .out = out };
	char *name = local_name(ln, addr);
	int rc;

	for (size_t i = 0; i < out->n; i++)
		strset_add(&x.seen, out->v[i], 0);
	if (!name) {
		rc = add_once(&x, addr);
	} else {
		if (ln->aliases)
			ln->aliases->pass++;
		rc = expand(&x, name, 0);
		free(name);
	}
	strset_free(&x.seen);
	if (rc == -1)
		*error = x.error;
	return rc;
}

void
local_expand(const struct localnames *ln, const char *addr,
    struct strlist *out)
{
	char *error = NULL;

	if (local_expand_checked(ln, addr, out, &error) == -1)
		die(FAIL_CONFIG, "%s", error);
}

char *
local_qualify(const struct localnames *ln, const char *addr)
{
	char *name, *q;

	if (!*addr || !ln->domain || !(name = local_name(ln, addr)))
		return xstrdup(addr);
	q = at_domain(name, ln->domain);
	free(name);
	return q;
}
