/*
 * alias.c: local names. cron, at and sudo mail "root" or a user name with
 * no domain; a relay can't deliver that. A local name (no '@', or
 * @localhost, or @ this host's name) is looked up in an aliases(5) file,
 * recursively; a name without an alias goes to admin_addr, or else gets
 * the configured domain. Aliases to commands or files can't be served by
 * a relay client: using one is an error, never a silent drop.
 */

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util.h"
#include "addr.h"
#include "alias.h"

#define MAX_DEPTH 16

struct alias {
	char *name;
	struct strlist targets;
	unsigned long line;
};

struct aliases {
	char *path;
	struct alias *v;
	size_t n, cap;
};

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
	for (size_t i = 0; a && i < a->n; i++)
		if (!strcasecmp(a->v[i].name, name))
			return &a->v[i];
	return NULL;
}

/* Adds one target; addresses are checked now, so a typo shows at once. */
static void
add_target(struct aliases *a, struct alias *al, const char *t,
    unsigned long line, int in_include)
{
	struct addrlist found = { 0 };
	const char *err;

	if (*t == '|' || *t == '/') {
		strlist_add(&al->targets, xstrdup(t));
		return;
	}
	if (!strncasecmp(t, ":include:", 9)) {
		FILE *fp;
		char buf[4096], *p;

		if (in_include)
			die(FAIL_CONFIG, "%s:%lu: :include: inside an included "
			    "file", a->path, line);
		if (!(fp = fopen(t + 9, "r")))
			die(FAIL_CONFIG, "%s:%lu: %s:", a->path, line, t + 9);
		while (fgets(buf, sizeof(buf), fp)) {
			p = buf;
			trim(&p);
			if (*p == '#' || !*p)
				continue;
			for (char *tok = strtok(p, ","); tok;
			    tok = strtok(NULL, ",")) {
				trim(&tok);
				if (*tok)
					add_target(a, al, tok, line, 1);
			}
		}
		fclose(fp);
		return;
	}
	if (addr_parse_list(t, strlen(t), &found, &err) == -1 || found.n != 1)
		die(FAIL_CONFIG, "%s:%lu: alias %s: bad address '%s'%s%s",
		    a->path, line, al->name, t, found.n > 1 ? "" : ": ",
		    found.n > 1 ? "" : err);
	if ((err = addr_check(found.v[0].spec)))
		die(FAIL_CONFIG, "%s:%lu: alias %s: bad address '%s': %s",
		    a->path, line, al->name, t, err);
	strlist_add(&al->targets, xstrdup(found.v[0].spec));
	addrlist_free(&found);
}

/* One entry, "name: target, target, ..." with its continuation lines. */
static void
add_entry(struct aliases *a, char *text, unsigned long line)
{
	char *colon = strchr(text, ':'), *name = text, *p, *start;
	struct alias *al;
	int quoted = 0;

	if (!colon)
		die(FAIL_CONFIG, "%s:%lu: expected NAME: ADDRESS, ...", a->path,
		    line);
	*colon = '\0';
	trim(&name);
	if (!*name || strpbrk(name, " \t@,\""))
		die(FAIL_CONFIG, "%s:%lu: bad alias name '%s'", a->path, line,
		    name);
	if (find(a, name))
		die(FAIL_CONFIG, "%s:%lu: alias %s defined twice", a->path, line,
		    name);
	if (a->n == a->cap) {
		a->cap = a->cap ? a->cap * 2 : 32;
		a->v = xrealloc(a->v, a->cap * sizeof(*a->v));
	}
	al = &a->v[a->n++];
	memset(al, 0, sizeof(*al));
	al->name = xstrdup(name);
	al->line = line;
	/* split at commas outside quotes */
	for (p = start = colon + 1;; p++) {
		if (*p == '"')
			quoted = !quoted;
		if (*p == '\0' || (*p == ',' && !quoted)) {
			int end = *p == '\0';

			*p = '\0';
			trim(&start);
			if (*start)
				add_target(a, al, start, line, 0);
			if (end)
				break;
			start = p + 1;
		}
	}
	if (al->targets.n == 0)
		die(FAIL_CONFIG, "%s:%lu: alias %s has no target", a->path, line,
		    al->name);
}

struct aliases *
aliases_load(const char *path)
{
	struct aliases *a = xmalloc(sizeof(*a));
	struct buf entry = { 0 };
	unsigned long lineno = 0, entry_line = 0;
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	FILE *fp;

	memset(a, 0, sizeof(*a));
	a->path = xstrdup(path);
	if (!(fp = fopen(path, "r")))
		die(FAIL_CONFIG, "aliases %s:", path);
	while ((n = getline(&line, &cap, fp)) != -1) {
		lineno++;
		if (line[0] == '#')
			continue;
		if (line[0] == ' ' || line[0] == '\t') {
			char *p = line;

			trim(&p);
			if (!*p)
				continue;
			if (!entry.len)
				die(FAIL_CONFIG, "%s:%lu: continuation line "
				    "without an alias", path, lineno);
			buf_addstr(&entry, " ");
			buf_addstr(&entry, p);
			continue;
		}
		if (entry.len)
			add_entry(a, entry.data, entry_line);
		entry.len = 0;
		if (line[strspn(line, " \t\r\n")] == '\0')
			continue;
		buf_add(&entry, line, n);
		entry_line = lineno;
	}
	if (ferror(fp))
		die(FAIL_CONFIG, "aliases %s: read error", path);
	if (entry.len)
		add_entry(a, entry.data, entry_line);
	buf_free(&entry);
	free(line);
	fclose(fp);
	return a;
}

size_t
aliases_count(const struct aliases *a)
{
	return a ? a->n : 0;
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

const char *
local_name(const struct localnames *ln, const char *addr)
{
	static char name[256];
	const char *at = strrchr(addr, '@');

	if (!at)
		return addr;
	if (!is_this_host(ln, at + 1) || (size_t)(at - addr) >= sizeof(name))
		return NULL;
	memcpy(name, addr, at - addr);
	name[at - addr] = '\0';
	return name;
}

static void
add_once(struct strlist *out, const char *addr)
{
	for (size_t i = 0; i < out->n; i++)
		if (!strcasecmp(out->v[i], addr))
			return;
	strlist_add(out, xstrdup(addr));
}

static char *
at_domain(const char *name, const char *domain)
{
	char *q = xmalloc(strlen(name) + strlen(domain) + 2);

	sprintf(q, "%s@%s", name, domain);
	return q;
}

/* Where a local name without an alias goes. */
static void
unaliased(const struct localnames *ln, const char *name, struct strlist *out)
{
	char *q;

	if (ln->admin_addr) {
		add_once(out, ln->admin_addr);
	} else if (ln->domain) {
		q = at_domain(name, ln->domain);
		add_once(out, q);
		free(q);
	} else {
		add_once(out, name);
	}
}

static void
expand(const struct localnames *ln, const char *name, struct strlist *out,
    int depth)
{
	const struct alias *al = find(ln->aliases, name);

	if (depth > MAX_DEPTH)
		die(FAIL_CONFIG, "aliases: loop while expanding %s", name);
	if (!al) {
		unaliased(ln, name, out);
		return;
	}
	for (size_t i = 0; i < al->targets.n; i++) {
		const char *t = al->targets.v[i], *tn;

		if (*t == '|' || *t == '/')
			die(FAIL_CONFIG, "%s:%lu: alias %s: smtpsend relays mail "
			    "and cannot deliver to %s", ln->aliases->path,
			    al->line, al->name, t);
		if (!(tn = local_name(ln, t))) {
			add_once(out, t);
		} else if (!strcasecmp(tn, name)) {
			unaliased(ln, name, out);	/* "root: root, ..." */
		} else {
			char *copy = xstrdup(tn);

			expand(ln, copy, out, depth + 1);
			free(copy);
		}
	}
}

void
local_expand(const struct localnames *ln, const char *addr,
    struct strlist *out)
{
	const char *name = local_name(ln, addr);
	char *copy;

	if (!name) {
		add_once(out, addr);
		return;
	}
	copy = xstrdup(name);
	expand(ln, copy, out, 0);
	free(copy);
}

char *
local_qualify(const struct localnames *ln, const char *addr)
{
	const char *name = local_name(ln, addr);

	if (!name || !ln->domain || !*addr)
		return xstrdup(addr);
	return at_domain(name, ln->domain);
}
