/* t_alias.c: aliases(5) files and how local names become addresses. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util.h"
#include "alias.h"
#include "unit.h"

static char dir[] = "/tmp/t_alias.XXXXXX";

static const char *
file(const char *name, const char *text)
{
	static char path[256];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fp = fopen(path, "w");
	fputs(text, fp);
	fclose(fp);
	return path;
}

static void
load(void *path)
{
	aliases_free(aliases_load(path));
}

static void
bad(const char *name, const char *text, const char *want)
{
	char err[512];
	int st = unit_exit_status(load, (void *)file("bad", text), err,
	    sizeof(err));

	CHECK(st == 78 && strstr(err, want), "%s: exit %d: %s", name, st, err);
}

/* The expansion of addr, space separated. */
static char *
expand(const struct localnames *ln, const char *addr)
{
	static char out[1024];
	struct strlist l = { 0 };

	out[0] = '\0';
	local_expand(ln, addr, &l);
	for (size_t i = 0; i < l.n; i++)
		snprintf(out + strlen(out), sizeof(out) - strlen(out), "%s%s",
		    i ? " " : "", l.v[i]);
	strlist_free(&l);
	return out;
}

struct expansion {
	const struct localnames *ln;
	const char *addr;
};

static void
expand_child(void *arg)
{
	struct expansion *e = arg;

	expand(e->ln, e->addr);
}

int
main(void)
{
	struct localnames ln = { .domain = "example.org",
	    .hostname = "host.example.net" };
	struct aliases *a;
	char err[512], *q;
	const char *inc;
	int st;

	unit_suite = "alias";
	if (!mkdtemp(dir))
		return 1;
	inc = file("team", "# the team\nann@example.org, bob@example.org\n"
	    "carl@example.org\n");
	{
		char text[1024];

		snprintf(text, sizeof(text),
		    "# Debian's default, more or less\n"
		    "mailer-daemon: postmaster\n"
		    "postmaster: root\n"
		    "Root: admin@example.com\n"
		    "\n"
		    "ops: alice@example.org,\n"
		    "  \"Bob Smith\" <bob@example.org>,\n"
		    "\tcarol\n"
		    "carol: carol@example.net\n"
		    "self: self, watcher@example.org\n"
		    "team: :include:%s\n"
		    "pipe: |/usr/bin/procmail\n"
		    "loop1: loop2\n"
		    "loop2: loop1\n"
		    "www-data: root, web@example.org\n", inc);
		a = aliases_load(file("aliases", text));
	}
	CHECK(aliases_count(a) == 11, "aliases read: %zu", aliases_count(a));
	ln.aliases = a;

	CHECK(!strcmp(expand(&ln, "root"), "admin@example.com"),
	    "alias, name case-insensitive: %s", expand(&ln, "root"));
	CHECK(!strcmp(expand(&ln, "mailer-daemon"), "admin@example.com"),
	    "alias chain: %s", expand(&ln, "mailer-daemon"));
	CHECK(!strcmp(expand(&ln, "ops"), "alice@example.org bob@example.org "
	    "carol@example.net"), "list with continuation lines: %s",
	    expand(&ln, "ops"));
	CHECK(!strcmp(expand(&ln, "self"), "self@example.org "
	    "watcher@example.org"), "alias naming itself stops: %s",
	    expand(&ln, "self"));
	CHECK(!strcmp(expand(&ln, "team"), "ann@example.org bob@example.org "
	    "carl@example.org"), ":include: %s", expand(&ln, "team"));
	CHECK(!strcmp(expand(&ln, "www-data"), "admin@example.com "
	    "web@example.org"), "nested alias in a list: %s",
	    expand(&ln, "www-data"));
	CHECK(!strcmp(expand(&ln, "root@localhost"), "admin@example.com"),
	    "name@localhost is local");
	CHECK(!strcmp(expand(&ln, "root@host.example.net"), "admin@example.com"),
	    "name@hostname is local");
	CHECK(!strcmp(expand(&ln, "root@HOST"), "admin@example.com"),
	    "name@short-hostname is local");
	CHECK(!strcmp(expand(&ln, "root@example.com"), "root@example.com"),
	    "other domains are not local");
	CHECK(!strcmp(expand(&ln, "nobody"), "nobody@example.org"),
	    "no alias: qualified");
	ln.admin_addr = "catchall@example.com";
	CHECK(!strcmp(expand(&ln, "nobody"), "catchall@example.com"),
	    "no alias: admin_addr");
	CHECK(!strcmp(expand(&ln, "self"), "catchall@example.com "
	    "watcher@example.org"), "self-alias goes to admin_addr");
	ln.admin_addr = NULL;
	{
		struct localnames bare = { .hostname = "h" };

		CHECK(!strcmp(expand(&bare, "nobody"), "nobody"),
		    "no aliases, no domain: left as it is");
	}
	{
		struct expansion e = { &ln, "pipe" };

		st = unit_exit_status(expand_child, &e, err, sizeof(err));
		CHECK(st == 78 && strstr(err, "cannot deliver to "
		    "|/usr/bin/procmail"), "alias to a command: %s", err);
		e.addr = "loop1";
		st = unit_exit_status(expand_child, &e, err, sizeof(err));
		CHECK(st == 78 && strstr(err, "loop"), "alias loop: %s", err);
	}

	q = local_qualify(&ln, "fail2ban");
	CHECK(!strcmp(q, "fail2ban@example.org"), "sender qualified: %s", q);
	free(q);
	q = local_qualify(&ln, "root@localhost");
	CHECK(!strcmp(q, "root@example.org"), "sender @localhost: %s", q);
	free(q);
	q = local_qualify(&ln, "a@b.example");
	CHECK(!strcmp(q, "a@b.example"), "remote sender kept");
	free(q);
	q = local_qualify(&ln, "");
	CHECK(!strcmp(q, ""), "null sender kept");
	free(q);
	CHECK(local_name(&ln, "x@example.org") == NULL &&
	    !strcmp(local_name(&ln, "x"), "x"), "local_name");
	aliases_free(a);

	bad("no colon", "root admin@example.com\n", "bad:1: expected NAME:");
	bad("defined twice", "a: x@y.z\nA: w@y.z\n", "bad:2: alias A defined "
	    "twice");
	bad("bad address", "a: x@\n", "bad:1: alias a: bad address");
	bad("no target", "a:\n", "bad:1: alias a has no target");
	bad("continuation first", "  x@y.z\n", "bad:1: continuation line");
	bad("missing include", "a: :include:/nonexistent/file\n",
	    "/nonexistent/file: No such file");
	bad("bad name", "a b: x@y.z\n", "bad alias name");
	{
		char text[300];

		snprintf(text, sizeof(text), "a: b@c.d\n\n# c\nbroken: x@\n");
		bad("error names the line", text, "bad:4:");
	}
	st = unit_exit_status(load, "/nonexistent/aliases", err, sizeof(err));
	CHECK(st == 78 && strstr(err, "aliases /nonexistent/aliases"),
	    "missing file: %s", err);

	snprintf(err, sizeof(err), "rm -rf %s", dir);
	if (system(err) != 0)
		return 1;
	UNIT_EXIT();
}
