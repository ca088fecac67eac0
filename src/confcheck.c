/*
 * confcheck.c: --check-config. Reads each config file as conf_read()
 * does, but reports every problem with file:line and goes on: what the
 * parser refuses, then what only shows once the file is read (a secret in
 * an open file, a password_file or tls_trust_file that won't do, an
 * account that is incomplete or that no -f selects, an unsafe queue).
 */

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <gnutls/gnutls.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "util.h"
#include "conf.h"
#include "confcheck.h"
#include "strset.h"

struct problem {
	unsigned long line;	/* 0: the file as a whole */
	size_t seq;		/* found in this order */
	char *what;
};

struct check {
	const char *path;
	struct problem *v;
	size_t problems;
	struct strlist dirs;	/* queue directories looked at */
};

static void
problem(void *ctx, unsigned long line, const char *what)
{
	struct check *k = ctx;

	k->v = xrealloc(k->v, (k->problems + 1) * sizeof(*k->v));
	k->v[k->problems].line = line;
	k->v[k->problems].seq = k->problems;
	k->v[k->problems].what = xstrdup(what);
	k->problems++;
}

static int
by_line(const void *a, const void *b)
{
	const struct problem *p = a, *q = b;

	if (p->line != q->line)
		return p->line < q->line ? -1 : 1;
	return p->seq < q->seq ? -1 : p->seq > q->seq;
}

/* In the file's order, as a compiler would list them. */
static void
print_problems(struct check *k)
{
	if (k->problems)
		qsort(k->v, k->problems, sizeof(*k->v), by_line);
	for (size_t i = 0; i < k->problems; i++) {
		print_escaped(stdout, k->path);
		if (k->v[i].line)
			printf(":%lu", k->v[i].line);
		fputs(": ", stdout);
		print_escaped(stdout, k->v[i].what);
		putchar('\n');
		free(k->v[i].what);
	}
	free(k->v);
}

static void __attribute__((format(printf, 3, 4)))
problemf(struct check *k, unsigned long line, const char *fmt, ...)
{
	va_list ap;
	char *what;

	va_start(ap, fmt);
	what = xvasprintf(fmt, ap);
	va_end(ap);
	problem(k, line, what);
	free(what);
}

/* As password_from_file() will open it: no link, a file we may trust. */
static void
check_password_file(struct check *k, const struct conf_item *it)
{
	struct stat st;
	char *why;
	int fd = open_regular(it->value, 1, &st);

	if (fd == -2) {
		problemf(k, it->line, "[%s] password_file %s: not a regular "
		    "file", it->section, it->value);
		return;
	}
	if (fd == -1) {
		problemf(k, it->line, "[%s] password_file %s: %s", it->section,
		    it->value, errno == ELOOP ? "a symbolic link, which "
		    "smtpsend does not follow" : strerror(errno));
		return;
	}
	close(fd);
	if ((why = conf_file_problem(&st, "", 1))) {
		problemf(k, it->line, "[%s] password_file %s: %s", it->section,
		    it->value, why);
		free(why);
	}
}

/* As tls.c will load it: at least one certificate, in PEM. */
static void
check_trust_file(struct check *k, const struct conf_item *it)
{
	gnutls_certificate_credentials_t cred;
	int fd = open_regular(it->value, 0, NULL), r;

	if (fd < 0) {
		problemf(k, it->line, "[%s] tls_trust_file %s: %s", it->section,
		    it->value, fd == -2 ? "not a regular file" : strerror(errno));
		return;
	}
	close(fd);
	if ((r = gnutls_certificate_allocate_credentials(&cred)) < 0)
		die(FAIL_OS, "gnutls: %s", gnutls_strerror(r));
	r = gnutls_certificate_set_x509_trust_file(cred, it->value,
	    GNUTLS_X509_FMT_PEM);
	gnutls_certificate_free_credentials(cred);
	if (r < 0)
		problemf(k, it->line, "[%s] tls_trust_file %s: %s", it->section,
		    it->value, gnutls_strerror(r));
	else if (r == 0)
		problemf(k, it->line, "[%s] tls_trust_file %s: no certificate "
		    "in it (PEM, BEGIN CERTIFICATE, expected)", it->section,
		    it->value);
}

/*
 * The queue and its folders, where they exist (smtpsend makes them when
 * first needed): directories, ours or root's, and the system spool
 * shared with SPOOL_GROUP only, a user's queue with no one.
 */
static void
check_queue(struct check *k, const struct account *a, unsigned long line)
{
	static const char *const sub[] = { "", "/tmp", "/corrupt", "/failed" };
	int system = !strcmp(a->queue_dir, SPOOLDIR);

	for (size_t i = 0; i < k->dirs.n; i++)
		if (!strcmp(k->dirs.v[i], a->queue_dir))
			return;
	strlist_add(&k->dirs, xstrdup(a->queue_dir));
	for (size_t i = 0; i < sizeof(sub) / sizeof(sub[0]); i++) {
		char *dir = xasprintf("%s%s", a->queue_dir, sub[i]);
		struct stat st;
		unsigned mode;

		if (lstat(dir, &st) == -1) {
			if (errno != ENOENT)
				problemf(k, line, "[%s] queue directory %s: %s",
				    a->name, dir, strerror(errno));
			free(dir);
			if (i == 0)
				return;
			continue;
		}
		mode = st.st_mode & 07777;
		if (!S_ISDIR(st.st_mode))
			problemf(k, line, "[%s] queue directory %s: not a "
			    "directory", a->name, dir);
		else if (st.st_uid != geteuid() && st.st_uid != 0)
			problemf(k, line, "[%s] queue directory %s: owned by uid "
			    "%lu, not by uid %lu or root; chown it", a->name, dir,
			    (unsigned long)st.st_uid, (unsigned long)geteuid());
		else if (!system && (mode & 077))
			problemf(k, line, "[%s] queue directory %s: open to others "
			    "(mode %03o); chmod 700 it", a->name, dir, mode);
		else if (system && (mode & 07))
			problemf(k, line, "[%s] queue directory %s: open to every "
			    "user (mode %04o); chmod o= it", a->name, dir, mode);
		else if (system && (mode & 070) && (spool_group() < 0 ||
		    st.st_gid != (gid_t)spool_group()))
			problemf(k, line, "[%s] queue directory %s: open to group "
			    "%lu, not " SPOOL_GROUP " (mode %04o); chgrp "
			    SPOOL_GROUP " it", a->name, dir,
			    (unsigned long)st.st_gid, mode);
		free(dir);
	}
}

/* An account's own setting of key (not the one [defaults] gives). */
static const struct conf_item *
own(const struct config *c, const char *section, const char *key,
    struct conf_item *it)
{
	for (size_t i = 0; conf_item(c, i, it); i++)
		if (!strcmp(it->section, section) && !strcmp(it->key, key))
			return it;
	return NULL;
}

/* The account conf_pick() takes when neither -a nor -f picks one. */
static const char *
default_account(const struct config *c, struct strset *names)
{
	struct conf_item it;

	if (own(c, "defaults", "default_account", &it))
		return strset_find(names, it.value) ? it.value : NULL;
	if (strset_find(names, "default"))
		return "default";
	return conf_account_name(c, 1) ? NULL : conf_account_name(c, 0);
}

/*
 * What conf_pick()'s rules leave out: -f picks the first account whose
 * own from is the sender, else the default. An account that is neither
 * can be had with -a only, which callers such as cron never give.
 */
static void
check_reachable(struct check *k, const struct config *c)
{
	struct strset names = { 0 };
	struct conf_item it, other;
	const char *dflt, *name;
	size_t i, j;

	for (i = 0; (name = conf_account_name(c, i)); i++)
		strset_add(&names, name, i);
	if (own(c, "defaults", "default_account", &it) &&
	    !strset_find(&names, it.value))
		problemf(k, it.line, "[defaults] default_account: no account "
		    "[%s]", it.value);
	dflt = default_account(c, &names);
	for (i = 0; (name = conf_account_name(c, i)); i++) {
		if (dflt && !strcmp(name, dflt))
			continue;
		if (!own(c, name, "from", &it)) {
			problemf(k, conf_section_line(c, name), "[%s]: no -f "
			    "selects it (no from of its own, and not the default "
			    "account): only -a %s does", name, name);
			continue;
		}
		for (j = 0; j < i; j++)
			if (own(c, conf_account_name(c, j), "from", &other) &&
			    !strcasecmp(other.value, it.value))
				break;
		if (j < i)
			problemf(k, it.line, "[%s]: no -f selects it: [%s] (line "
			    "%lu) has the same from and comes first", name,
			    conf_account_name(c, j), other.line);
	}
	if (!dflt && i > 1)
		problemf(k, 0, "no default account: mail sent without -a or "
		    "a matching -f fails; add [default] or default_account in "
		    "[defaults]");
	strset_free(&names);
}

static size_t
check_one(const char *path)
{
	struct check k = { path, NULL, 0, { 0 } };
	struct config *c = conf_read_all(path, problem, &k);
	struct conf_item it;
	struct account *a;
	const char *name;
	char *why;

	if (!c) {
		print_problems(&k);
		return k.problems;
	}
	for (size_t i = 0; conf_item(c, i, &it); i++) {
		if (!strcmp(it.key, "password_file"))
			check_password_file(&k, &it);
		else if (!strcmp(it.key, "tls_trust_file"))
			check_trust_file(&k, &it);
	}
	if (!conf_account_name(c, 0))
		problemf(&k, 0, "no account: add a section [NAME] with a host");
	for (size_t i = 0; (name = conf_account_name(c, i)); i++) {
		unsigned long line = conf_section_line(c, name);

		a = conf_build(c, name, &why);
		if (why) {
			problem(&k, line, why);
			free(why);
		}
		if (a->queue && a->queue_dir)
			check_queue(&k, a, own(c, name, "queue_dir", &it) ?
			    it.line : own(c, "defaults", "queue_dir", &it) ?
			    it.line : line);
	}
	check_reachable(&k, c);
	print_problems(&k);
	if (k.problems == 0) {
		print_escaped(stdout, path);
		puts(": ok");
	}
	strlist_free(&k.dirs);
	conf_free(c);
	return k.problems;
}

enum fail
conf_check(char *const *paths, size_t n)
{
	const char *user = conf_default_path(), *sys = SYSCONFDIR "/sendmail.ini";
	size_t problems = 0, files = 0;
	struct stat st;

	if (n > 0) {
		drop_privilege();	/* files the user names: the user's rights */
		for (size_t i = 0; i < n; i++, files++)
			problems += check_one(paths[i]);
	} else {
		/* the system's, which the user's own (if any) overrides for
		 * them, but which cron and other users still get */
		if (strcmp(user, sys) == 0 || stat(sys, &st) == 0) {
			problems += check_one(sys);
			files++;
		}
		drop_privilege();
		if (strcmp(user, sys) != 0) {
			problems += check_one(user);
			files++;
		}
	}
	fflush(stdout);
	if (problems) {
		warn("%zu problem%s in %zu file%s", problems, problems == 1 ?
		    "" : "s", files, files == 1 ? "" : "s");
		return FAIL_CONFIG;
	}
	return FAIL_NONE;
}
