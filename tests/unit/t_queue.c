/*
 * t_queue.c: the queue store. ID.env round trips and strict reading; the
 * directory's defences against links and bad owners; a full disk; locks;
 * the retry policy; and a crash (SIGKILL) at every step of putting,
 * updating, removing and moving an entry.
 */

#define _XOPEN_SOURCE 700	/* nftw */

#include <sys/file.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <gnutls/gnutls.h>
#include <gnutls/crypto.h>

#include "queue.h"
#include "unit.h"

#define ID1	"20261201T082100-0123456789abcdef"
#define SHA0	"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

static char base[64];		/* the scratch directory */
static char dir[128];		/* the queue in it */
static char outside[128];	/* a file no attack may touch */

static char *
dupe(const char *s)
{
	return s ? strdup(s) : NULL;
}

/* An envelope with n recipients in mixed states. */
static void
sample(struct qentry *e, size_t n)
{
	memset(e, 0, sizeof(*e));
	memcpy(e->id, ID1, sizeof(e->id));
	memcpy(e->sha256, SHA0, sizeof(e->sha256));
	e->arrival = 1796113260;
	e->account = dupe("work");
	e->sender = dupe("alice@example.com");
	e->envid = dupe("QQ+2B314");
	e->body = 8;
	e->next_try = 1796113560;
	e->last_error = dupe("");
	e->rcpt = calloc(n, sizeof(*e->rcpt));
	e->nrcpt = n;
	for (size_t i = 0; i < n; i++) {
		char a[64];

		snprintf(a, sizeof(a), "rcpt%zu@example.net", i);
		e->rcpt[i].addr = dupe(a);
		e->rcpt[i].state = (enum qstate)(i % 3);
		e->rcpt[i].notify = dupe(i % 2 ? "SUCCESS,FAILURE" : NULL);
		e->rcpt[i].reply = dupe(i % 3 == 2 ? "550 5.1.1 no such user" :
		    i % 3 ? "250 2.1.5 Ok" : NULL);
	}
}

/* Puts the end line back after an edit, so the parser sees the edit. */
static size_t
reseal(char *buf, size_t len)
{
	unsigned char d[32];
	size_t at = len - 69;

	gnutls_hash_fast(GNUTLS_DIG_SHA256, buf, at, d);
	at += sprintf(buf + at, "end ");
	for (int i = 0; i < 32; i++)
		at += sprintf(buf + at, "%02x", d[i]);
	buf[at++] = '\n';
	return at;
}

static int
parses(const char *buf, size_t len)
{
	struct qentry e;
	char err[256];
	int r = qentry_parse(buf, len, &e, err, sizeof(err));

	qentry_free(&e);
	return r == 0;
}

/* Replaces the first "from" with "to" in a valid env and reseals it. */
static int
parses_edited(const char *env, size_t len, const char *from, const char *to)
{
	char *buf = malloc(len + strlen(to) + 80);
	const char *at = strstr(env, from);
	size_t n;
	int r;

	if (!at) {
		free(buf);
		return -1;
	}
	n = at - env;
	memcpy(buf, env, n);
	n += sprintf(buf + n, "%s", to);
	memcpy(buf + n, at + strlen(from), len - (at - env) - strlen(from));
	n += len - (at - env) - strlen(from);
	r = parses(buf, reseal(buf, n));
	free(buf);
	return r;
}

static void
round_trips(void)
{
	static const char *const escaped[] = {
		"ops team", "j\303\266rg@b\303\274cher.example",
		"421 4.7.0 try later\r\n%41 100% \x01\x7f\xff\t", "a%b@x.example",
		"\"john doe\"@example.com",
	};
	struct qentry e, back;
	char *out, *again, err[256];
	size_t len, len2;
	int ok;

	for (size_t n = 1; n <= 3; n += 2) {
		for (int ret = QRET_NONE; ret <= QRET_HDRS; ret++) {
			sample(&e, n);
			e.ret = (enum qret)ret;
			if (n == 3) {
				free(e.account);
				free(e.sender);
				free(e.last_error);
				free(e.rcpt[1].addr);
				free(e.rcpt[2].reply);
				e.account = dupe(escaped[0]);
				e.sender = dupe(escaped[1]);
				e.last_error = dupe(escaped[2]);
				e.rcpt[1].addr = dupe(escaped[3]);
				e.rcpt[2].reply = dupe(escaped[2]);
				e.rcpt[0].notify = dupe("NEVER");
				e.smtputf8 = 1;
				e.body = 7;
				e.attempts = 4294967295u;
				e.size = 9223372036854775807ULL;
				e.arrival = 0;
			}
			ok = qentry_format(&e, &out, &len, err, sizeof(err)) == 0 &&
			    qentry_parse(out, len, &back, err, sizeof(err)) == 0 &&
			    qentry_equal(&e, &back) &&
			    qentry_format(&back, &again, &len2, err,
			    sizeof(err)) == 0 && len == len2 &&
			    !memcmp(out, again, len);
			CHECK(ok, "round trip, %zu recipient%s, ret %d%s%s", n,
			    n > 1 ? "s, escaped bytes" : "", ret, ok ? "" : ": ",
			    ok ? "" : err);
			if (ok)
				free(again);
			free(out);
			qentry_free(&back);
			qentry_free(&e);
		}
	}

	sample(&e, 1);
	free(e.sender);
	e.sender = dupe("");
	qentry_format(&e, &out, &len, err, sizeof(err));
	{
		static const char want[] = "smtpsend-queue 1\nid " ID1 "\n"
		    "arrival 1796113260\naccount work\nsender \n"
		    "envid QQ+2B314\nbody 8\nsmtputf8 0\nsize 0\n"
		    "sha256 " SHA0 "\nattempts 0\nnext-try 1796113560\n"
		    "last-error \nrcpt pending rcpt0@example.net\nreply \nend ";

		CHECK(len == sizeof(want) - 1 + 65 && !memcmp(out, want,
		    sizeof(want) - 1), "the null sender, empty values: the "
		    "text as documented");
	}
	free(out);
	qentry_free(&e);

	sample(&e, 1);
	free(e.last_error);
	e.last_error = malloc(5000);
	memset(e.last_error, '%', 4999);
	e.last_error[4999] = '\0';
	ok = qentry_format(&e, &out, &len, err, sizeof(err)) == 0 &&
	    qentry_parse(out, len, &back, err, sizeof(err)) == 0 &&
	    strlen(back.last_error) == QUEUE_TEXT_MAX;
	CHECK(ok, "a long text is cut to %d octets", QUEUE_TEXT_MAX);
	free(out);
	qentry_free(&back);
	qentry_free(&e);

	/* what the writer refuses, the reader would too */
	{
		static const char *const bad[] = { "CR in an address",
		    "empty address", "no recipients", "bad NOTIFY",
		    "ENVID not xtext", "bad id", "BODY 9", "negative time" };
		int refused = 0;

		for (int k = 0; k < 8; k++) {
			sample(&e, 1);
			switch (k) {
			case 0: e.rcpt[0].addr[2] = '\r'; break;
			case 1: e.rcpt[0].addr[0] = '\0'; break;
			case 2: e.nrcpt = 0; break;
			case 3: e.rcpt[0].notify = dupe("NEVER,SUCCESS"); break;
			case 4: e.envid[0] = '='; break;
			case 5: e.id[8] = 'x'; break;
			case 6: e.body = 9; break;
			case 7: e.next_try = -1; break;
			}
			if (qentry_format(&e, &out, &len, err, sizeof(err)) == -1)
				refused++;
			else
				printf("# writer took: %s\n", bad[k]), free(out);
			e.nrcpt = 1;
			qentry_free(&e);
		}
		CHECK(refused == 8, "the writer refuses 8 bad envelopes (%d)",
		    refused);
	}
}

static void
strict_reading(void)
{
	static const struct {
		const char *from, *to, *name;
	} edits[] = {
		{ "smtpsend-queue 1", "smtpsend-queue 2", "unknown version" },
		{ "smtpsend-queue 1", "smtpsend-queue 01", "version 01" },
		{ "arrival 1796113260", "arrival 01796113260", "leading zero" },
		{ "arrival 1796113260", "arrival  1796113260", "two blanks" },
		{ "arrival 1796113260", "arrival 99999999999999999999",
		    "number overflow" },
		{ "account ops%20team", "account o%70s%20team", "needless escape" },
		{ "account ops%20team", "account ops%2fteam", "lower-case hex" },
		{ "account ops%20team", "account ops team", "literal blank" },
		{ "account ops%20team", "account ops%00team", "escaped NUL" },
		{ "\nlast-error ", "\nlast-error %0D%0A.%0D%0A", "CR LF in a text ok" },
		{ "account ops%20team", "account ops%0Ateam", "LF in an account" },
		{ "sender ", "sender a%0D@b", "CR in the sender" },
		{ "body 7", "body 9", "BODY 9" },
		{ "smtputf8 1", "smtputf8 2", "SMTPUTF8 2" },
		{ "ret HDRS\n", "", "no ret (fine)" },
		{ "ret HDRS", "ret hdrs", "ret in lower case" },
		{ "envid QQ+2B314", "envid QQ+2b314", "xtext lower-case hex" },
		{ "attempts 4294967295", "attempts 4294967296", "attempts over" },
		{ "\nreply ", "\nreplies ", "no reply line" },
		{ "rcpt pending", "rcpt waiting", "unknown state" },
		{ "rcpt sent rcpt1", "rcpt sent  rcpt1", "empty address" },
		{ "SUCCESS,FAILURE", "SUCCESS,SUCCESS", "NOTIFY twice" },
		{ "SUCCESS,FAILURE", "SUCCESS,FAILURE ", "NOTIFY empty" },
		{ "NEVER", "never", "NOTIFY lower case" },
		{ "\nid ", "\nid  ", "id with a blank" },
		{ ID1, "20261201T082100-0123456789ABCDEF", "id upper-case hex" },
		{ "\nsize ", "\nsize  ", "size empty" },
		{ "next-try 1796113560\n", "next-try 1796113560\nnext-try 1\n",
		    "a field twice" },
		{ "\nbody 7\nsmtputf8 1", "\nsmtputf8 1\nbody 7", "out of order" },
		{ "\nlast-error ", "\r\nlast-error ", "a CR line end" },
		{ "\nrcpt pending", "\n\nrcpt pending", "an empty line" },
		{ "\nrcpt pending", "\nrcpt pending ", "blank then nothing" },
	};
	struct qentry e;
	char *env, err[256];
	size_t len;
	int all = 1, none = 1;

	sample(&e, 3);
	free(e.account);
	e.account = dupe("ops team");
	e.ret = QRET_HDRS;
	e.body = 7;
	e.smtputf8 = 1;
	e.attempts = 4294967295u;
	e.rcpt[0].notify = dupe("NEVER");
	free(e.sender);
	e.sender = dupe("");
	qentry_format(&e, &env, &len, err, sizeof(err));
	qentry_free(&e);
	CHECK(parses(env, len), "the sample parses");

	/* truncated at every octet, and each octet changed, are rejected */
	for (size_t n = 0; n < len; n++)
		if (parses(env, n))
			all = 0;
	CHECK(all, "truncated at each of %zu offsets: always rejected", len);
	for (size_t n = 0; n < len && all; n++) {
		env[n] ^= 0x20;
		if (parses(env, len))
			all = 0;
		env[n] ^= 0x20;
	}
	CHECK(all, "a flipped bit at each offset: always rejected");
	CHECK(!parses(env, len - 1) && !parses("", 0), "no final newline; empty");

	/* with the checksum fixed, every edit either fails or is canonical */
	{
		static const unsigned char to[] = { ' ', '%', '\n', '0', 'A',
		    'a', '\0', 0xff, '+', ',' };
		char *m = malloc(len + 80), *out;
		size_t outlen, n2;
		int canonical = 1;

		for (size_t n = 0; n < len - 69; n++) {
			for (size_t t = 0; t < sizeof(to); t++) {
				memcpy(m, env, len);
				m[n] = to[t];
				n2 = reseal(m, len);
				if (qentry_parse(m, n2, &e, err, sizeof(err)))
					continue;
				if (qentry_format(&e, &out, &outlen, err,
				    sizeof(err)) || outlen != n2 ||
				    memcmp(out, m, n2))
					canonical = 0;
				else
					free(out);
				qentry_free(&e);
			}
		}
		CHECK(canonical, "every one-octet edit, resealed, is rejected or "
		    "reads back as the same text");
		free(m);
	}

	for (size_t k = 0; k < sizeof(edits) / sizeof(edits[0]); k++) {
		int fine = strstr(edits[k].name, "fine") ||
		    strstr(edits[k].name, " ok");
		int r = parses_edited(env, len, edits[k].from, edits[k].to);

		if (r == -1)
			printf("# edit not found: %s\n", edits[k].from);
		if (r != fine)
			none = 0, printf("# %s: %s\n", edits[k].name,
			    r ? "accepted" : "rejected");
	}
	CHECK(none, "%zu hand-made edits: rejected, but for the harmless",
	    sizeof(edits) / sizeof(edits[0]));

	/* bounds: a line over QUEUE_LINE_MAX, recipients over the cap */
	{
		size_t big = QUEUE_LINE_MAX + len + 100, at;
		char *m = malloc(big);
		const char *r = strstr(env, "\nlast-error ") + 12;

		at = r - env;
		memcpy(m, env, at);
		memset(m + at, 'x', QUEUE_LINE_MAX);
		memcpy(m + at + QUEUE_LINE_MAX, r, len - at);
		CHECK(!parses(m, reseal(m, len + QUEUE_LINE_MAX)),
		    "a line of %d octets", QUEUE_LINE_MAX + 12);
		free(m);
	}
	{
		const char *r = strstr(env, "\nrcpt ") + 1;
		size_t head = r - env, at = head;
		size_t cap = head + (size_t)(QUEUE_RCPT_MAX + 1) * 40 + 100;
		char *m = malloc(cap);
		int ok;

		memcpy(m, env, head);
		for (int i = 0; i <= QUEUE_RCPT_MAX; i++)
			at += sprintf(m + at, "rcpt pending r%d@x\nreply \n", i);
		memcpy(m + at, env + len - 69, 69);
		at = reseal(m, at + 69);
		ok = !parses(m, at);
		CHECK(ok, "%d recipients are too many", QUEUE_RCPT_MAX + 1);
		free(m);
	}
	free(env);
}

/* Scratch directories and files. */

static int
rm_one(const char *p, const struct stat *st, int flag, struct FTW *f)
{
	(void)st, (void)flag, (void)f;
	return remove(p);
}

static void
rmtree(const char *p)
{
	nftw(p, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static int
fresh(struct queue *q, mode_t mode)
{
	rmtree(dir);
	return queue_open(q, dir, 1, mode);
}

static char *
path(const char *sub, const char *id, const char *ext)
{
	static char p[4][256];
	static int i;

	i = (i + 1) % 4;
	snprintf(p[i], sizeof(p[i]), "%s/%s%s%s%s%s", dir, sub ? sub : "",
	    sub && id ? "/" : "", id ? id : "", ext ? "." : "", ext ? ext : "");
	return p[i];
}

/* Files in a subdirectory of the queue (NULL: DIR itself, not subdirs). */
static int
count(const char *sub)
{
	DIR *d = opendir(sub ? path(sub, NULL, NULL) : dir);
	struct dirent *de;
	int n = 0;

	if (!d)
		return -1;
	while ((de = readdir(d)))
		if (de->d_name[0] != '.' && strcmp(de->d_name, "tmp") &&
		    strcmp(de->d_name, "corrupt") && strcmp(de->d_name, "failed"))
			n++;
	closedir(d);
	return n;
}

static char *
slurp(const char *p, size_t *len)
{
	struct stat st;
	char *buf;
	int fd = open(p, O_RDONLY);

	if (fd == -1 || fstat(fd, &st) == -1) {
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	buf = malloc(st.st_size + 1);
	*len = read(fd, buf, st.st_size);
	close(fd);
	return buf;
}

static void
spit(const char *p, const char *buf, size_t len)
{
	int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	if (fd >= 0) {
		if (write(fd, buf, len) != (ssize_t)len)
			perror(p);
		close(fd);
	}
}

static int
outside_intact(void)
{
	size_t n;
	char *s = slurp(outside, &n);
	int ok = s && n == 9 && !memcmp(s, "precious\n", 9);

	free(s);
	return ok;
}

static char *message;
static size_t message_len = 150000;

/* Puts the message in chunks; the id into id. */
static int
put(struct queue *q, size_t nrcpt, char *id, struct qlock *lock)
{
	struct qentry e;
	struct qput *p;
	int r;

	sample(&e, nrcpt);
	if (queue_put_begin(q, &p) != QUEUE_OK) {
		qentry_free(&e);
		return -1;
	}
	if (id)
		strcpy(id, queue_put_id(p));
	for (size_t at = 0; at < message_len; at += 10000) {
		size_t n = message_len - at < 10000 ? message_len - at : 10000;

		if (queue_put_write(p, message + at, n) != QUEUE_OK) {
			queue_put_abort(p);
			qentry_free(&e);
			return -1;
		}
	}
	r = queue_put_commit(p, &e, lock);
	qentry_free(&e);
	return r;
}

/* Does the entry load, with the message's bytes? */
static int
loads(struct queue *q, const char *id, struct qentry *e)
{
	struct qlock l;
	char *buf = malloc(message_len + 1);
	size_t n = 0;
	ssize_t r;
	int fd, ok;

	if (queue_lock(q, id, &l) != QUEUE_OK) {
		free(buf);
		return 0;
	}
	ok = queue_load(q, &l, e) == QUEUE_OK;
	if (ok && (fd = queue_msg_fd(q, &l)) >= 0) {
		while ((r = read(fd, buf + n, message_len + 1 - n)) > 0)
			n += r;
		close(fd);
		ok = n == message_len && !memcmp(buf, message, n);
	} else if (ok) {
		ok = 0;
	}
	if (!ok)
		printf("# %s: %s\n", id, q->err);
	queue_unlock(&l);
	free(buf);
	return ok;
}

static void
store(void)
{
	struct queue q;
	struct qentry e, f;
	struct qlock l, l2;
	struct qids ids;
	char id[QUEUE_ID_LEN + 1];
	struct stat st;
	int ok;

	CHECK(fresh(&q, 0) == QUEUE_OK, "a new queue directory: %s", q.err);
	ok = stat(dir, &st) == 0 && (st.st_mode & 07777) == 0700 &&
	    stat(path("tmp", NULL, NULL), &st) == 0 &&
	    (st.st_mode & 07777) == 0700;
	CHECK(put(&q, 3, id, NULL) == 0 && ok, "put: %s", q.err);
	ok = stat(path(NULL, id, "msg"), &st) == 0 &&
	    (st.st_mode & 07777) == 0600 && stat(path(NULL, id, "env"), &st) ==
	    0 && (st.st_mode & 07777) == 0600;
	CHECK(ok && queue_id_valid(id) && count("tmp") == 0 &&
	    count(NULL) == 2, "ID.msg and ID.env, 0600, directories 0700, "
	    "tmp/ empty");
	ok = queue_list(&q, &ids) == QUEUE_OK && ids.n == 1 &&
	    !strcmp(ids.id[0], id);
	queue_ids_free(&ids);
	CHECK(ok, "listed");
	CHECK(loads(&q, id, &e) && e.nrcpt == 3 && e.size == message_len &&
	    !strcmp(e.id, id) && e.arrival > 1700000000 && e.arrival <=
	    time(NULL), "loads: the message as written, its size and arrival");
	CHECK(queue_peek(&q, id, &f) == QUEUE_OK && qentry_equal(&e, &f),
	    "peek without a lock reads the same");
	qentry_free(&f);

	CHECK(queue_lock(&q, id, &l) == QUEUE_OK, "lock");
	CHECK(queue_lock(&q, id, &l2) == QUEUE_BUSY, "a second lock, even in "
	    "the same process, is busy");
	e.attempts = 1;
	e.rcpt[0].state = QRCPT_SENT;
	free(e.last_error);
	e.last_error = dupe("451 4.3.0 later");
	CHECK(queue_update(&q, &l, &e) == QUEUE_OK && count("tmp") == 0,
	    "update");
	CHECK(queue_load(&q, &l, &f) == QUEUE_OK && qentry_equal(&e, &f),
	    "the update reads back");
	qentry_free(&f);
	e.size++;
	CHECK(queue_update(&q, &l, &e) == QUEUE_ERR, "an update that changes "
	    "the message size is refused");
	e.size--;
	CHECK(queue_remove(&q, &l) == QUEUE_OK && count(NULL) == 0, "remove");
	queue_unlock(&l);
	CHECK(queue_lock(&q, id, &l) == QUEUE_GONE, "a removed entry is gone");
	qentry_free(&e);

	/* moved to failed/ whole */
	put(&q, 1, id, &l);
	CHECK(queue_move(&q, &l, "failed") == QUEUE_OK && count(NULL) == 0 &&
	    count("failed") == 2, "move to failed/");
	CHECK(queue_move(&q, &l, "elsewhere") == QUEUE_ERR, "move elsewhere "
	    "refused");
	queue_unlock(&l);

	/* sorted by arrival: the id starts with it */
	{
		static const char *const order[] = {
			"20261201T082100-00000000000000cc",
			"20250101T000000-ffffffffffffffff",
			"20261201T082059-0000000000000001" };
		int sorted;

		for (int i = 0; i < 3; i++) {
			queue_test_id = order[i];
			put(&q, 1, NULL, NULL);
		}
		queue_test_id = NULL;
		sorted = queue_list(&q, &ids) == QUEUE_OK && ids.n == 3 &&
		    !strcmp(ids.id[0], order[1]) && !strcmp(ids.id[1],
		    order[2]) && !strcmp(ids.id[2], order[0]);
		queue_ids_free(&ids);
		CHECK(sorted, "listed by arrival");
	}
	queue_close(&q);

	/* a spool shared by a group */
	{
		mode_t old = umask(077);

		ok = fresh(&q, 0660) == QUEUE_OK && put(&q, 1, id, NULL) == 0 &&
		    stat(path(NULL, id, "env"), &st) == 0 &&
		    (st.st_mode & 07777) == 0660 && stat(path(NULL, id, "msg"),
		    &st) == 0 && (st.st_mode & 07777) == 0660 &&
		    stat(path("failed", NULL, NULL), &st) == 0 &&
		    (st.st_mode & 07777) == 0770 && stat(dir, &st) == 0 &&
		    (st.st_mode & 07777) == 0770;
		umask(old);
		CHECK(ok, "mode 0660: files 0660, directories 0770, whatever "
		    "the umask");
		queue_close(&q);
	}
}

/* An entry made, then damaged: QUEUE_CORRUPT and both files in corrupt/. */
static void
corruption(void)
{
	static const char *const kinds[] = { "truncated ID.env",
	    "a changed octet in ID.env", "unknown version",
	    "ID.msg a byte longer", "ID.msg with a changed octet",
	    "ID.env a symbolic link", "ID.env a hard link",
	    "ID.msg a hard link", "ID.env without ID.msg",
	    "ID.env for another id", "ID.msg a symbolic link",
	    "ID.env a FIFO" };
	char id[QUEUE_ID_LEN + 1], *buf, link_to[160], why[512];
	struct queue q;
	struct qentry e;
	struct qlock l;
	struct qids ids;
	size_t len;

	snprintf(link_to, sizeof(link_to), "%s/linked", base);
	for (int k = 0; k < 12; k++) {
		int r, listed;

		fresh(&q, 0);
		put(&q, 2, id, NULL);
		buf = slurp(path(NULL, id, "env"), &len);
		switch (k) {
		case 0:
			spit(path(NULL, id, "env"), buf, len - 30);
			break;
		case 1:
			buf[40] ^= 1;
			spit(path(NULL, id, "env"), buf, len);
			break;
		case 2:
			buf[15] = '2';
			spit(path(NULL, id, "env"), buf, reseal(buf, len));
			break;
		case 3:
		case 4: {
			size_t n;
			char *m = slurp(path(NULL, id, "msg"), &n);

			if (k == 3)
				m[n++] = 'x';
			else
				m[n / 2] ^= 1;
			spit(path(NULL, id, "msg"), m, n);
			free(m);
			break;
		}
		case 5:
			unlink(path(NULL, id, "env"));
			spit(link_to, buf, len);
			symlink(link_to, path(NULL, id, "env"));
			break;
		case 6:
			unlink(link_to);
			link(path(NULL, id, "env"), link_to);
			break;
		case 7:
			unlink(link_to);
			link(path(NULL, id, "msg"), link_to);
			break;
		case 8:
			unlink(path(NULL, id, "msg"));
			break;
		case 9:
			memcpy(strstr(buf, "\nid ") + 4, "1", 1);
			spit(path(NULL, id, "env"), buf, reseal(buf, len));
			break;
		case 10:
			unlink(path(NULL, id, "msg"));
			symlink(link_to, path(NULL, id, "msg"));
			break;
		case 11:
			unlink(path(NULL, id, "env"));
			mkfifo(path(NULL, id, "env"), 0600);
			break;
		}
		free(buf);
		listed = queue_list(&q, &ids) == QUEUE_OK && ids.n == 1;
		queue_ids_free(&ids);
		if ((r = queue_lock(&q, id, &l)) == QUEUE_OK) {
			r = queue_load(&q, &l, &e);
			queue_unlock(&l);
		}
		snprintf(why, sizeof(why), "%s", q.err);
		CHECK(listed && r == QUEUE_CORRUPT && count(NULL) == 0 &&
		    count("corrupt") == (k == 8 ? 1 : 2) &&
		    queue_lock(&q, id, &l) == QUEUE_GONE,
		    "%s: corrupt, moved to corrupt/ (%s)", kinds[k], why);
		if (k >= 5 && k != 8 && k != 9 && k != 11) {
			size_t n;
			char *s = slurp(link_to, &n);
			struct stat st;

			CHECK(s && lstat(link_to, &st) == 0 && S_ISREG(st.st_mode),
			    "%s: the file it points to is still there", kinds[k]);
			free(s);
		}
		queue_close(&q);
	}
	unlink(link_to);
}

static void
defences(void)
{
	char id[QUEUE_ID_LEN + 1], real[160];
	struct queue q;
	struct qlock l;
	struct qput *put_;

	spit(outside, "precious\n", 9);
	rmtree(dir);
	snprintf(real, sizeof(real), "%s/real", base);
	rmtree(real);
	mkdir(real, 0700);
	symlink(real, dir);
	CHECK(queue_open(&q, dir, 1, 0) == QUEUE_ERR && count("tmp") == -1,
	    "a symbolic link as the queue directory is refused (%s)", q.err);
	unlink(dir);
	rmtree(real);
	spit(dir, "x", 1);
	CHECK(queue_open(&q, dir, 1, 0) == QUEUE_ERR, "a file as the queue "
	    "directory is refused (%s)", q.err);
	unlink(dir);
	CHECK(queue_open(&q, dir, 0, 0) == QUEUE_ERR, "no directory, no create:"
	    " refused (%s)", q.err);

	fresh(&q, 0);
	queue_close(&q);
	chmod(dir, 0777);
	CHECK(queue_open(&q, dir, 0, 0) == QUEUE_ERR, "a world-writable "
	    "directory is refused (%s)", q.err);
	chmod(dir, 01777);
	CHECK(queue_open(&q, dir, 0, 0) == QUEUE_OK, "a world-writable sticky "
	    "directory is taken (%s)", q.err);
	queue_close(&q);
	chmod(dir, 0700);
	chmod(path("tmp", NULL, NULL), 0777);
	CHECK(queue_open(&q, dir, 0, 0) == QUEUE_ERR, "a world-writable tmp/ "
	    "is refused (%s)", q.err);
	chmod(path("tmp", NULL, NULL), 0700);
	rmdir(path("failed", NULL, NULL));
	symlink(real, path("failed", NULL, NULL));
	mkdir(real, 0700);
	CHECK(queue_open(&q, dir, 1, 0) == QUEUE_ERR, "failed/ a symbolic link"
	    " is refused (%s)", q.err);
	unlink(path("failed", NULL, NULL));
	rmtree(real);
	if (geteuid() == 0) {
		fresh(&q, 0);
		queue_close(&q);
		chown(dir, 65534, 65534);
		CHECK(queue_open(&q, dir, 0, 0) == QUEUE_ERR, "a directory owned "
		    "by nobody is refused (%s)", q.err);
		chown(dir, 0, 0);
		chown(path("corrupt", NULL, NULL), 65534, 65534);
		CHECK(queue_open(&q, dir, 0, 0) == QUEUE_ERR, "corrupt/ owned by "
		    "nobody is refused (%s)", q.err);
	} else {
		printf("skip queue: a directory owned by another user: needs "
		    "root to chown\n");
	}

	/* links planted at names that will be used */
	queue_test_id = ID1;
	fresh(&q, 0);
	symlink(outside, path("tmp", ID1, "msg"));
	CHECK(queue_put_begin(&q, &put_) == QUEUE_ERR && outside_intact(),
	    "a symbolic link at tmp/ID.msg: refused, not followed (%s)", q.err);
	unlink(path("tmp", ID1, "msg"));
	link(outside, path("tmp", ID1, "msg"));
	CHECK(queue_put_begin(&q, &put_) == QUEUE_ERR && outside_intact(),
	    "a hard link at tmp/ID.msg: refused (%s)", q.err);
	unlink(path("tmp", ID1, "msg"));
	symlink(outside, path(NULL, ID1, "msg"));
	CHECK(put(&q, 1, NULL, NULL) == -1 && outside_intact() &&
	    count("tmp") == 0 && count(NULL) == 1, "a symbolic link at ID.msg: "
	    "refused, nothing left (%s)", q.err);
	unlink(path(NULL, ID1, "msg"));
	symlink(outside, path(NULL, ID1, "env"));
	CHECK(put(&q, 1, NULL, NULL) == -1 && outside_intact() &&
	    count("tmp") == 0 && count(NULL) == 1, "a symbolic link at ID.env: "
	    "refused, nothing left (%s)", q.err);
	unlink(path(NULL, ID1, "env"));
	CHECK(put(&q, 1, id, &l) == 0, "then the id is free");
	symlink(outside, path("tmp", ID1, "env"));
	{
		struct qentry e;

		queue_load(&q, &l, &e);
		e.attempts = 7;
		CHECK(queue_update(&q, &l, &e) == QUEUE_OK && outside_intact() &&
		    count("tmp") == 0, "a symbolic link at tmp/ID.env: replaced, "
		    "not followed (%s)", q.err);
		qentry_free(&e);
	}
	queue_unlock(&l);
	queue_test_id = NULL;
	CHECK(queue_lock(&q, "../x", &l) == QUEUE_ERR && queue_lock(&q,
	    "20261201T082100-0123456789abcde/", &l) == QUEUE_ERR,
	    "ids that are not ids are refused");
	queue_close(&q);
}

/* Runs fn in a child with RLIMIT_FSIZE at limit: its exit status. */
static int
limited(size_t limit, int (*fn)(struct queue *), struct queue *q)
{
	int status;
	pid_t pid;

	fflush(stdout);
	if ((pid = fork()) == 0) {
		struct rlimit rl = { limit, limit };

		signal(SIGXFSZ, SIG_IGN);
		setrlimit(RLIMIT_FSIZE, &rl);
		_exit(fn(q));
	}
	waitpid(pid, &status, 0);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 100;
}

static int
put_expecting_efbig(struct queue *q)
{
	return put(q, 200, NULL, NULL) == -1 && errno == EFBIG ? 0 : 1;
}

static void
disk_full(void)
{
	struct queue q;

	fresh(&q, 0);
	CHECK(limited(65536, put_expecting_efbig, &q) == 0 && count(NULL) == 0
	    && count("tmp") == 0, "the message does not fit: EFBIG, no entry, "
	    "no tmp file");
	message_len = 1000;
	CHECK(limited(4096, put_expecting_efbig, &q) == 0 && count(NULL) == 0
	    && count("tmp") == 0, "the message fits, ID.env does not: EFBIG, "
	    "no ID.msg left");
	message_len = 150000;
	queue_close(&q);
}

static int
child_lock(struct queue *q)
{
	struct qids ids;
	struct qlock l;
	int r;

	queue_list(q, &ids);
	r = ids.n == 1 ? queue_lock(q, ids.id[0], &l) : 99;
	queue_ids_free(&ids);
	return -r;
}

static void
locks(void)
{
	char id[QUEUE_ID_LEN + 1];
	struct queue q;
	struct qlock l;

	fresh(&q, 0);
	put(&q, 1, id, &l);
	CHECK(limited(1 << 30, child_lock, &q) == -QUEUE_BUSY, "held from "
	    "commit: another process gets busy");
	queue_unlock(&l);
	CHECK(limited(1 << 30, child_lock, &q) == 0, "after unlock another "
	    "process gets it");
	queue_lock(&q, id, &l);
	CHECK(limited(1 << 30, child_lock, &q) == -QUEUE_BUSY, "queue_lock: "
	    "another process gets busy");
	queue_unlock(&l);
	queue_close(&q);
}

static void
cleaning(void)
{
	char id[QUEUE_ID_LEN + 1], id2[QUEUE_ID_LEN + 1];
	struct queue q;
	struct qlock l;
	struct qput *p;
	long long now = time(NULL);

	fresh(&q, 0);
	put(&q, 1, id, NULL);
	put(&q, 1, id2, NULL);
	unlink(path(NULL, id, "env"));
	spit(path("tmp", "junk", NULL), "x", 1);
	queue_put_begin(&q, &p);
	queue_put_write(p, "x", 1);
	CHECK(queue_clean(&q, now, QUEUE_STALE) == 0 && count(NULL) == 3 &&
	    count("tmp") == 2, "young leftovers stay");
	CHECK(queue_clean(&q, now + 2 * QUEUE_STALE, QUEUE_STALE) == 2 &&
	    count(NULL) == 2 && count("tmp") == 1, "old ones go: an orphan "
	    "ID.msg, a tmp file; a put in progress stays (locked)");
	queue_put_abort(p);
	CHECK(count("tmp") == 0, "abort removes its tmp file");
	queue_lock(&q, id2, &l);
	rename(path(NULL, id2, "env"), path("failed", id2, "env"));
	CHECK(queue_clean(&q, now + 1, 0) == 0 && count(NULL) == 1,
	    "a locked orphan stays");
	queue_unlock(&l);
	CHECK(queue_clean(&q, now + 1, 0) == 1 && count(NULL) == 0 &&
	    count("failed") == 2, "a move a crash stopped is finished");
	queue_close(&q);
}

static void
policy(void)
{
	long long t = 1796113260, b = QUEUE_BACKOFF_BASE, m = QUEUE_BACKOFF_MAX;

	CHECK(queue_next_try(0, t, t, b, m) == t &&
	    queue_next_try(1, t, t + 5, b, m) == t + 5 + 300 &&
	    queue_next_try(2, t, t, b, m) == t + 600 &&
	    queue_next_try(3, t, t, b, m) == t + 1200 &&
	    queue_next_try(6, t, t, b, m) == t + 9600 &&
	    queue_next_try(7, t, t, b, m) == t + 14400 &&
	    queue_next_try(100, t, t, b, m) == t + 14400 &&
	    queue_next_try(4294967295u, t, t, b, m) == t + 14400,
	    "backoff: now, 300, 600, 1200 ... 9600, then 14400 s");
	CHECK(queue_next_try(1, t, t - 86400, b, m) == t + 300 &&
	    queue_next_try(3, t, t, 0, m) == t + 4,
	    "backoff from the arrival if the clock went back; base 0 is 1 s");
	CHECK(!queue_expired(t, t + QUEUE_MAX_AGE - 1, QUEUE_MAX_AGE) &&
	    queue_expired(t, t + QUEUE_MAX_AGE, QUEUE_MAX_AGE) &&
	    !queue_expired(t, t - 10, QUEUE_MAX_AGE) && QUEUE_MAX_AGE == 432000,
	    "expiry after 5 days, never before the arrival");
}

/* Crashes: the child is SIGKILLed at its kill_at-th step. */

static unsigned kill_at, seen;
static int report_fd = -1;

static void
killer(unsigned step, const char *what)
{
	(void)step;
	if (++seen == kill_at) {
		if (write(report_fd, what, strlen(what)) < 0)
			_exit(98);
		raise(SIGKILL);
	}
}

enum series { PUT, UPDATE, REMOVE, MOVE };

static void
crash_child(struct queue *q, enum series s, const char *id)
{
	struct qentry e;
	struct qlock l;

	queue_step_hook = killer;
	if (s == PUT) {
		if (put(q, 3, NULL, &l) != 0)
			_exit(1);
		/* committed: from here on it must survive */
		if (write(report_fd, "C", 1) != 1)
			_exit(98);
	} else if (queue_lock(q, id, &l) != QUEUE_OK) {
		_exit(2);
	}
	if (s == REMOVE)
		_exit(queue_remove(q, &l) == QUEUE_OK ? 0 : 3);
	if (s == MOVE)
		_exit(queue_move(q, &l, "failed") == QUEUE_OK ? 0 : 3);
	if (queue_load(q, &l, &e) != QUEUE_OK)
		_exit(4);
	e.attempts++;
	e.rcpt[1].state = QRCPT_SENT;
	e.next_try = queue_next_try(e.attempts, e.arrival, e.arrival, 300,
	    14400);
	_exit(queue_update(q, &l, &e) == QUEUE_OK ? 0 : 5);
}

/* What a crash may leave: whole entries only, or none. */
static int
after_crash(struct queue *q, enum series s, int committed, const char *what)
{
	struct qids ids;
	struct qentry e;
	int ok = 1, n;

	if (queue_list(q, &ids) != QUEUE_OK)
		return 0;
	for (size_t i = 0; i < ids.n; i++) {
		if (!loads(q, ids.id[i], &e))
			ok = 0;
		else if (e.attempts > 1 || e.nrcpt != 3)
			ok = 0;
		qentry_free(&e);
	}
	if (ids.n > 1 || (committed && ids.n == 0) || count("corrupt") != 0 ||
	    (s != MOVE && count("failed") != 0) ||
	    (s == UPDATE && ids.n != 1))
		ok = 0;
	n = (int)ids.n;
	queue_ids_free(&ids);
	/* queue_clean leaves whole entries and nothing else */
	/* a second ahead: a file's mtime may run ahead of time() */
	if (queue_clean(q, time(NULL) + 1, 0) < 0 || count("tmp") != 0 ||
	    count(NULL) != 2 * n || (s == MOVE && count("failed") % 2))
		ok = 0;
	if (!ok)
		printf("# killed at \"%s\" (step %u): %d entries, %d files, "
		    "%d in tmp/\n", what, kill_at, n, count(NULL),
		    count("tmp"));
	return ok;
}

static void
crashes(void)
{
	static const char *const names[] = { "put (then update)", "update",
	    "remove", "move to failed/" };
	unsigned total = 0;

	for (enum series s = PUT; s <= MOVE; s++) {
		unsigned points = 0;
		int ok = 1, done = 0;

		for (kill_at = 1; !done && kill_at < 200; kill_at++) {
			char id[QUEUE_ID_LEN + 1] = "", what[64] = "";
			struct queue q;
			int pfd[2], status, committed;
			ssize_t r;
			pid_t pid;

			fresh(&q, 0);
			if (s != PUT)
				put(&q, 3, id, NULL);
			if (pipe(pfd) == -1)
				return;
			fflush(stdout);
			if ((pid = fork()) == 0) {
				close(pfd[0]);
				report_fd = pfd[1];
				seen = 0;
				crash_child(&q, s, id);
			}
			close(pfd[1]);
			for (size_t n = 0; (r = read(pfd[0], what + n,
			    sizeof(what) - 1 - n)) > 0; n += r)
				what[n + r] = '\0';
			close(pfd[0]);
			committed = what[0] == 'C';
			waitpid(pid, &status, 0);
			if (WIFEXITED(status)) {
				/* ran to the end: no step was left to kill */
				done = 1;
				if (WEXITSTATUS(status) != 0)
					ok = 0;
			} else {
				points++;
			}
			if (!after_crash(&q, s, committed, committed ?
			    what + 1 : what))
				ok = 0;
			queue_close(&q);
		}
		CHECK(ok && done && points >= 3, "a crash at each of %u steps of "
		    "%s: every entry whole or gone", points, names[s]);
		total += points;
	}
	CHECK(total > 0, "%u kill points in all", total);
}

int
main(void)
{
	unit_suite = "queue";
	snprintf(base, sizeof(base), "/tmp/t_queue.XXXXXX");
	if (!mkdtemp(base)) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(dir, sizeof(dir), "%s/q", base);
	snprintf(outside, sizeof(outside), "%s/outside", base);
	message = malloc(message_len);
	for (size_t i = 0; i < message_len; i++)
		message[i] = (char)(i * 7 + i / 251);
	round_trips();
	strict_reading();
	store();
	corruption();
	defences();
	disk_full();
	locks();
	cleaning();
	policy();
	crashes();
	free(message);
	rmtree(base);
	UNIT_EXIT();
}
