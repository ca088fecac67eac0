/* t_alias.c: aliases(5) files and how local names become addresses. */

#include <sys/stat.h>

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

/* expand_child, but one that never ends dies by SIGALRM (status 142). */
static void
expand_timed(void *arg)
{
	alarm(10);
	expand_child(arg);
}

static void
load_timed(void *path)
{
	alarm(5);
	load(path);
}

/* An aliases file as a string of any length (malloc'd). */
static char *
grown(struct buf *b)
{
	char *s = b->data;

	b->data = NULL;
	b->len = b->cap = 0;
	return s;
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
	q = local_name(&ln, "x");
	CHECK(local_name(&ln, "x@example.org") == NULL && !strcmp(q, "x"),
	    "local_name");
	free(q);
	aliases_free(a);

	/* 16 levels of 8 names, each naming all 8 of the next: visit once */
	{
		struct buf b = { 0 };
		struct aliases *wide;
		struct localnames wl = { .domain = "example.org",
		    .hostname = "h" };
		struct expansion e = { &wl, "n0_0" };
		struct strlist l = { 0 };
		char *text;

		for (int lv = 0; lv < 16; lv++) {
			for (int i = 0; i < 8; i++) {
				buf_printf(&b, "n%d_%d:", lv, i);
				for (int j = 0; j < 8; j++) {
					if (lv == 15)
						buf_printf(&b, "%s u%d@example.org",
						    j ? "," : "", j);
					else
						buf_printf(&b, "%s n%d_%d",
						    j ? "," : "", lv + 1, j);
				}
				buf_addstr(&b, "\n");
			}
		}
		text = grown(&b);
		wide = aliases_load(file("wide", text));
		free(text);
		wl.aliases = wide;
		st = unit_exit_status(expand_timed, &e, err, sizeof(err));
		CHECK(st == 0, "16 levels of 8 aliases naming all 8 of the next "
		    "level: exit %d: %s", st, err);
		if (st == 0) {
			local_expand(&wl, "n0_0", &l);
			CHECK(l.n == 8 && !strcmp(l.v[0], "u0@example.org") &&
			    !strcmp(l.v[7], "u7@example.org"),
			    "... and gives the 8 addresses once: %zu", l.n);
			strlist_free(&l);
		}
		aliases_free(wide);
	}
	{
		struct buf b = { 0 };
		struct aliases *big;
		struct localnames bl = { .domain = "example.org",
		    .hostname = "h" };
		struct expansion e = { &bl, "all" };
		char *text;

		buf_addstr(&b, "all: half1, half2\nhalf1: ");
		for (int i = 0; i < 5000; i++)
			buf_printf(&b, "%sa%d@example.org", i ? ", " : "", i);
		buf_addstr(&b, "\nhalf2: ");
		for (int i = 0; i < 5001; i++)
			buf_printf(&b, "%sb%d@example.org", i ? ", " : "", i);
		buf_addstr(&b, "\nok: half1\n");
		text = grown(&b);
		big = aliases_load(file("big", text));
		free(text);
		bl.aliases = big;
		st = unit_exit_status(expand_timed, &e, err, sizeof(err));
		CHECK(st == 78 && strstr(err, "aliases: all expands to more than "
		    "10000 addresses"), "an expansion past 10000 addresses: "
		    "exit %d: %s", st, err);
		e.addr = "ok";
		st = unit_exit_status(expand_timed, &e, err, sizeof(err));
		CHECK(st == 0, "5000 addresses from one alias: exit %d: %s", st,
		    err);
		aliases_free(big);
	}
	{
		struct aliases *d;
		struct localnames dl = { .domain = "example.org",
		    .hostname = "h" };

		d = aliases_load(file("diamond", "a: b, c\nb: d, x@example.org\n"
		    "c: d\nd: y@example.org\n"));
		dl.aliases = d;
		CHECK(!strcmp(expand(&dl, "a"), "y@example.org x@example.org"),
		    "a name reached twice is no loop: %s", expand(&dl, "a"));
		aliases_free(d);
	}
	{
		struct buf b = { 0 };
		struct aliases *deep;
		struct localnames dl = { .domain = "example.org",
		    .hostname = "h" };
		struct expansion e = { &dl, "c0" };
		char *text;

		for (int i = 0; i < 40; i++)
			buf_printf(&b, "c%d: c%d\n", i, i + 1);
		text = grown(&b);
		deep = aliases_load(file("deep", text));
		free(text);
		dl.aliases = deep;
		st = unit_exit_status(expand_timed, &e, err, sizeof(err));
		CHECK(st == 78 && strstr(err, "nested more than 16 deep"),
		    "aliases nested too deep: exit %d: %s", st, err);
		e.addr = "c30";
		st = unit_exit_status(expand_timed, &e, err, sizeof(err));
		CHECK(st == 0, "a chain of 11 aliases: exit %d: %s", st, err);
		aliases_free(deep);
	}

	/* :include: and the aliases file: regular files, whole lines */
	{
		char fifo[300], text[600];

		snprintf(fifo, sizeof(fifo), "%s/fifo", dir);
		if (mkfifo(fifo, 0600) == -1)
			return 1;
		snprintf(text, sizeof(text), "a: :include:%s\n", fifo);
		st = unit_exit_status(load_timed, (void *)file("inc-fifo", text),
		    err, sizeof(err));
		CHECK(st == 78 && strstr(err, "fifo: not a regular file"),
		    ":include: of a FIFO: exit %d: %s", st, err);
		st = unit_exit_status(load_timed, "/dev/zero", err, sizeof(err));
		CHECK(st == 78 && strstr(err, "/dev/zero: not a regular file"),
		    "aliases file /dev/zero: exit %d: %s", st, err);
		st = unit_exit_status(load_timed, (void *)file("inc-zero",
		    "a: :include:/dev/zero\n"), err, sizeof(err));
		CHECK(st == 78 && strstr(err, "/dev/zero: not a regular file"),
		    ":include:/dev/zero: exit %d: %s", st, err);
		st = unit_exit_status(load_timed, fifo, err, sizeof(err));
		CHECK(st == 78 && strstr(err, "fifo: not a regular file"),
		    "aliases file is a FIFO: exit %d: %s", st, err);
		unlink(fifo);
	}
	{
		struct buf b = { 0 };
		struct localnames il = { .domain = "example.org",
		    .hostname = "h" };
		struct expansion e = { &il, "many" };
		struct strlist l = { 0 };
		char *text, incpath[300], entry[400];

		for (int i = 0; i < 400; i++)
			buf_printf(&b, "%su%03d@example.org", i ? ", " : "", i);
		buf_addstr(&b, "\n");
		text = grown(&b);
		snprintf(incpath, sizeof(incpath), "%s", file("long-inc", text));
		free(text);
		snprintf(entry, sizeof(entry), "many: :include:%s\n", incpath);
		st = unit_exit_status(load, (void *)file("inc-long", entry), err,
		    sizeof(err));
		CHECK(st == 0, ":include: with a 9 KB line: exit %d: %s", st,
		    err);
		if (st == 0) {
			il.aliases = aliases_load(file("inc-long", entry));
			st = unit_exit_status(expand_child, &e, err,
			    sizeof(err));
			if (st == 0)
				local_expand(&il, "many", &l);
			CHECK(l.n == 400 && !strcmp(l.v[178],
			    "u178@example.org") && !strcmp(l.v[399],
			    "u399@example.org"), "... every address whole: "
			    "%zu", l.n);
			strlist_free(&l);
			aliases_free(il.aliases);
		}
	}
	{
		char incpath[300], entry[400];

		snprintf(incpath, sizeof(incpath), "%s", file("quoted-inc",
		    "\"Smith, Bob\" <bob@example.org>, ann@example.org\n"));
		snprintf(entry, sizeof(entry), "q: :include:%s\n", incpath);
		st = unit_exit_status(load, (void *)file("inc-quoted", entry),
		    err, sizeof(err));
		CHECK(st == 0, ":include: splits at commas outside quotes: "
		    "exit %d: %s", st, err);
		if (st == 0) {
			struct localnames ql = { .domain = "example.org",
			    .hostname = "h" };

			ql.aliases = aliases_load(file("inc-quoted", entry));
			CHECK(!strcmp(expand(&ql, "q"), "bob@example.org "
			    "ann@example.org"), "... as in the aliases file: %s",
			    expand(&ql, "q"));
			aliases_free(ql.aliases);
		}
	}
	{
		char nul[] = "a: x@example.org_, evil@example.org\n";
		char p[300];
		FILE *fp;

		nul[16] = '\0';
		snprintf(p, sizeof(p), "%s/nul", dir);
		fp = fopen(p, "w");
		fwrite(nul, 1, sizeof(nul) - 1, fp);
		fclose(fp);
		st = unit_exit_status(load, p, err, sizeof(err));
		CHECK(st == 78 && strstr(err, "nul:1: NUL byte in line"),
		    "a NUL byte in an aliases file: exit %d: %s", st, err);
	}
	{
		char longname[400], *n;

		memset(longname, 'r', 300);
		strcpy(longname + 300, "@localhost");
		n = local_name(&ln, longname);
		CHECK(n && strlen(n) == 300, "a 300-octet local name @localhost "
		    "is local: %zu", n ? strlen(n) : 0);
		free(n);
	}

	bad("no colon", "root admin@example.com\n", "bad:1: expected NAME:");
	bad("defined twice", "a: x@y.z\nA: w@y.z\n", "bad:2: alias A defined "
	    "twice");
	bad("bad address", "a: x@\n", "bad:1: alias a: bad address");
	bad("no target", "a:\n", "bad:1: alias a has no target");
	bad("continuation first", "  x@y.z\n", "bad:1: continuation line");
	bad("missing include", "a: :include:/nonexistent/file\n",
	    "/nonexistent/file: No such file");
	bad("bad name", "a b: x@y.z\n", "bad alias name");
	bad("an empty group as a target", "team: undisclosed:;\n",
	    "bad:1: alias team: bad address 'undisclosed:;': not a single "
	    "address");
	{
		char text[300];

		snprintf(text, sizeof(text), "a: b@c.d\n\n# c\nbroken: x@\n");
		bad("error names the line", text, "bad:4:");
	}
	{
		/* in-process errors, as the fuzzer sees them: nothing leaks */
		char text[] = "d: y@exelf@host.example.net, w@example.org\n";
		char *error = NULL;
		struct aliases *none = aliases_parse("p", text, strlen(text),
		    &error);

		CHECK(!none && error && strstr(error, "p:1: alias d: bad "
		    "address"), "aliases_parse returns the error: %s",
		    error ? error : "(none)");
		free(error);
	}
	st = unit_exit_status(load, "/nonexistent/aliases", err, sizeof(err));
	CHECK(st == 78 && strstr(err, "aliases /nonexistent/aliases"),
	    "missing file: %s", err);

	snprintf(err, sizeof(err), "rm -rf %s", dir);
	if (system(err) != 0)
		return 1;
	UNIT_EXIT();
}
