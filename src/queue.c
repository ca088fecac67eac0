/*
 * queue.c: the queue directory. DIR holds ID.msg and ID.env per entry,
 * and tmp/, corrupt/ and failed/. An entry exists once its ID.env does.
 * Ids are the UTC arrival time and 64 random bits: sorting names sorts by
 * arrival. Files get the caller's mode (0600; 0660 for a spool shared by
 * a group), directories the same with x where r is set (0700, 0770).
 *
 * queue_put_begin creates tmp/ID.msg (O_EXCL, O_NOFOLLOW) and locks it;
 * the message streams in through a 64 KiB buffer, hashed on the way.
 * Commit formats the envelope before it touches DIR, fsyncs the message,
 * links it to ID.msg (a link never replaces what is there), unlinks the
 * tmp name, fsyncs tmp/ and DIR, then writes and fsyncs tmp/ID.env,
 * renames it to ID.env and fsyncs DIR. If a step fails, what was made is
 * removed: -1 with errno (ENOSPC, EFBIG) and DIR as before. The putter
 * holds the lock until commit returns, or hands it to the caller to try
 * delivery at once: no runner and no queue_clean sees a half-made entry.
 *
 * The lock is flock(2) on ID.msg, which is never replaced; flock is not
 * reliable on network file systems, so keep DIR on a local one. Only the
 * holder updates (rename over ID.env; a tmp/ID.env left by a crash is its
 * own and is replaced), removes (ID.env, then ID.msg) or moves (ID.env,
 * then ID.msg, to failed/ or corrupt/) an entry. A crash anywhere leaves
 * the entry whole, or gone, plus tmp files and orphan ID.msg files that
 * queue_clean removes once an hour old and unlocked; it also finishes a
 * move that a crash interrupted.
 *
 * Corrupt: ID.env that does not parse exactly (qenv.c), names another id,
 * is not a regular file with one link, or has no ID.msg; ID.msg that is
 * not a regular file with one link, or whose size or SHA-256 differ from
 * ID.env. Both go to corrupt/, never deleted, never sent. A read error is
 * an error, not corruption. DIR and its subdirectories must be real
 * directories owned by us or root and not writable by others unless
 * sticky. After queue_open every name is relative to a directory fd and
 * opened with O_NOFOLLOW, so no planted link is ever followed.
 */

#include <sys/file.h>
#include <sys/stat.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <gnutls/gnutls.h>
#include <gnutls/crypto.h>

#include "queue.h"

#define IOBUF		(64 * 1024)
#define NAME_MAX_Q	(QUEUE_ID_LEN + 5)	/* ID.env and its NUL */
#define RDFLAGS		(O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | \
			    O_CLOEXEC)

void (*queue_step_hook)(unsigned, const char *);
const char *queue_test_id;
static unsigned steps;

struct qput {
	struct queue *q;
	char id[QUEUE_ID_LEN + 1];
	char name[NAME_MAX_Q];	/* in tmp/, until linked */
	int fd;
	gnutls_hash_hd_t hash;
	unsigned long long size;
	long long arrival;
	char *buf;
	size_t len;
	int err;		/* errno of the first failure */
};

/* Every write, fsync, link, rename and unlink is a step a test may stop. */
static void
step(const char *what)
{
	steps++;
	if (queue_step_hook)
		queue_step_hook(steps, what);
}

/* Sets queue.err; a format ending in ':' gets strerror. Keeps errno. */
static int __attribute__((format(printf, 3, 4)))
qerr(struct queue *q, int code, const char *fmt, ...)
{
	int saved = errno;
	size_t n = strlen(fmt), len;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(q->err, sizeof(q->err), fmt, ap);
	va_end(ap);
	len = strlen(q->err);
	if (n && fmt[n - 1] == ':')
		snprintf(q->err + len, sizeof(q->err) - len, " %s",
		    strerror(saved));
	errno = saved;
	return code;
}

static void
name(char out[NAME_MAX_Q], const char *id, const char *ext)
{
	snprintf(out, NAME_MAX_Q, "%s.%s", id, ext);
}

static int
sync_fd(int fd, const char *what)
{
	step(what);
	return fsync(fd);
}

static int
write_all(int fd, const char *p, size_t n, const char *what)
{
	ssize_t w;

	while (n > 0) {
		step(what);
		if ((w = write(fd, p, n)) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		n -= w;
	}
	return 0;
}

/* A directory stream of its own on the directory at fd. */
static DIR *
stream(struct queue *q, int fd, const char *show)
{
	DIR *d = NULL;

	if ((fd = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0 &&
	    !(d = fdopendir(fd)))
		close(fd);
	if (!d)
		qerr(q, QUEUE_ERR, "%s:", show);
	return d;
}

static int
same_file(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino;
}

static int
dir_ok(struct queue *q, int fd, const char *show)
{
	struct stat st;

	if (fstat(fd, &st) == -1)
		return qerr(q, QUEUE_ERR, "%s:", show);
	if (!S_ISDIR(st.st_mode))
		return qerr(q, QUEUE_ERR, "%s: not a directory", show);
	if (st.st_uid != geteuid() && st.st_uid != 0)
		return qerr(q, QUEUE_ERR, "%s: owned by uid %lu, not by us or"
		    " root", show, (unsigned long)st.st_uid);
	if ((st.st_mode & S_IWOTH) && !(st.st_mode & S_ISVTX))
		return qerr(q, QUEUE_ERR, "%s: writable by anyone", show);
	return QUEUE_OK;
}

static int
open_dir(struct queue *q, int at, const char *path, const char *show,
    int create, mode_t mode, int *fd)
{
	int made = 0;

	if (create) {
		if (mkdirat(at, path, mode) == 0)
			made = 1;
		else if (errno != EEXIST)
			return qerr(q, QUEUE_ERR, "%s: mkdir:", show);
	}
	if ((*fd = openat(at, path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC)) == -1) {
		if (errno == ELOOP || errno == ENOTDIR)
			return qerr(q, QUEUE_ERR, "%s: not a directory (a "
			    "symbolic link?)", show);
		return qerr(q, QUEUE_ERR, "%s:", show);
	}
	/* exactly the mode asked for, whatever the umask */
	if (made && fchmod(*fd, mode) == -1)
		return qerr(q, QUEUE_ERR, "%s: chmod:", show);
	return dir_ok(q, *fd, show);
}

int
queue_open(struct queue *q, const char *dir, int create, mode_t mode)
{
	static const char *const sub[] = { "tmp", "corrupt", "failed" };
	mode_t dmode;
	int *fds[] = { &q->tmpfd, &q->corruptfd, &q->failedfd };

	q->dirfd = q->tmpfd = q->corruptfd = q->failedfd = -1;
	if (!(mode & 0777))
		mode = 0600;
	dmode = (mode & 0777) | (mode & 0444) >> 2;
	q->mode = mode & 0777;
	q->err[0] = '\0';
	if (open_dir(q, AT_FDCWD, dir, "queue directory", create, dmode,
	    &q->dirfd) != QUEUE_OK)
		goto fail;
	for (int i = 0; i < 3; i++)
		if (open_dir(q, q->dirfd, sub[i], sub[i], create, dmode,
		    fds[i]) != QUEUE_OK)
			goto fail;
	if (create && sync_fd(q->dirfd, "fsync dir") == -1) {
		qerr(q, QUEUE_ERR, "queue directory: fsync:");
		goto fail;
	}
	return QUEUE_OK;
fail:
	queue_close(q);
	return QUEUE_ERR;
}

void
queue_close(struct queue *q)
{
	int saved = errno;
	int *fds[] = { &q->dirfd, &q->tmpfd, &q->corruptfd, &q->failedfd };

	for (int i = 0; i < 4; i++) {
		if (*fds[i] >= 0)
			close(*fds[i]);
		*fds[i] = -1;
	}
	errno = saved;
}

/* A new file in tmp/, flock'd: a name there already is removed only if
 * replace is set (the caller holds the entry's lock). */
static int
tmp_create(struct queue *q, const char *file, int replace, int *fd)
{
	int flags = O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC;

	*fd = openat(q->tmpfd, file, flags, q->mode);
	if (*fd == -1 && errno == EEXIST && replace) {
		step("unlink tmp");
		if (unlinkat(q->tmpfd, file, 0) == 0 || errno == ENOENT)
			*fd = openat(q->tmpfd, file, flags, q->mode);
	}
	if (*fd == -1)
		return qerr(q, QUEUE_ERR, "tmp/%s:", file);
	if (fchmod(*fd, q->mode) == -1 || flock(*fd, LOCK_EX | LOCK_NB) == -1) {
		qerr(q, QUEUE_ERR, "tmp/%s:", file);
		unlinkat(q->tmpfd, file, 0);
		close(*fd);
		*fd = -1;
		return QUEUE_ERR;
	}
	return QUEUE_OK;
}

/*
 * ID.env from buf through tmp/ID.env. *renamed says whether ID.env was
 * replaced (so a failure after it needs undoing). fresh: ID.env must not
 * exist yet.
 */
static int
write_env(struct queue *q, const char *id, const char *buf, size_t len,
    int fresh, int *renamed)
{
	char env[NAME_MAX_Q];
	struct stat st;
	int fd;

	*renamed = 0;
	name(env, id, "env");
	if (tmp_create(q, env, 1, &fd) != QUEUE_OK)
		return QUEUE_ERR;
	if (write_all(fd, buf, len, "write env") == -1) {
		qerr(q, QUEUE_ERR, "tmp/%s: write:", env);
		goto fail;
	}
	if (sync_fd(fd, "fsync env") == -1) {
		qerr(q, QUEUE_ERR, "tmp/%s: fsync:", env);
		goto fail;
	}
	if (fresh && fstatat(q->dirfd, env, &st, AT_SYMLINK_NOFOLLOW) == 0) {
		errno = EEXIST;
		qerr(q, QUEUE_ERR, "%s: already there", env);
		goto fail;
	}
	step("rename env");
	if (renameat(q->tmpfd, env, q->dirfd, env) == -1) {
		qerr(q, QUEUE_ERR, "%s: rename:", env);
		goto fail;
	}
	*renamed = 1;
	if (close(fd) == -1)
		return qerr(q, QUEUE_ERR, "%s: close:", env);
	if (sync_fd(q->dirfd, "fsync dir") == -1)
		return qerr(q, QUEUE_ERR, "queue directory: fsync:");
	return QUEUE_OK;
fail:
	step("unlink tmp");
	unlinkat(q->tmpfd, env, 0);
	close(fd);
	return QUEUE_ERR;
}

static void
to_hex(const unsigned char *p, size_t n, char *out)
{
	static const char hex[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = hex[p[i] >> 4];
		out[2 * i + 1] = hex[p[i] & 15];
	}
	out[2 * n] = '\0';
}

int
queue_put_begin(struct queue *q, struct qput **pp)
{
	struct qput *p = calloc(1, sizeof(*p));
	time_t now = time(NULL);
	unsigned char rnd[8];
	struct tm tm;

	*pp = NULL;
	if (!p || !(p->buf = malloc(IOBUF))) {
		free(p);
		return qerr(q, QUEUE_ERR, "out of memory");
	}
	p->q = q;
	p->fd = -1;
	p->arrival = now;
	if (queue_test_id) {
		snprintf(p->id, sizeof(p->id), "%s", queue_test_id);
	} else if (gnutls_rnd(GNUTLS_RND_NONCE, rnd, sizeof(rnd)) == 0) {
		gmtime_r(&now, &tm);
		strftime(p->id, sizeof(p->id), "%Y%m%dT%H%M%S-", &tm);
		to_hex(rnd, sizeof(rnd), p->id + 16);
	}
	name(p->name, p->id, "msg");
	if (!queue_id_valid(p->id) ||
	    gnutls_hash_init(&p->hash, GNUTLS_DIG_SHA256) < 0) {
		errno = EINVAL;
		qerr(q, QUEUE_ERR, "cannot make a queue id");
		free(p->buf);
		free(p);
		return QUEUE_ERR;
	}
	if (tmp_create(q, p->name, 0, &p->fd) != QUEUE_OK) {
		queue_put_abort(p);
		return QUEUE_ERR;
	}
	*pp = p;
	return QUEUE_OK;
}

const char *
queue_put_id(const struct qput *p)
{
	return p->id;
}

static int
flush(struct qput *p)
{
	if (p->len && write_all(p->fd, p->buf, p->len, "write msg") == -1) {
		p->err = errno;
		return qerr(p->q, QUEUE_ERR, "tmp/%s: write:", p->name);
	}
	p->len = 0;
	return QUEUE_OK;
}

int
queue_put_write(struct qput *p, const void *data, size_t n)
{
	const char *s = data;

	if (p->err) {
		errno = p->err;
		return QUEUE_ERR;
	}
	gnutls_hash(p->hash, data, n);
	p->size += n;
	while (n > 0) {
		size_t room = IOBUF - p->len, k = n < room ? n : room;

		memcpy(p->buf + p->len, s, k);
		p->len += k;
		s += k;
		n -= k;
		if (p->len == IOBUF && flush(p) != QUEUE_OK)
			return QUEUE_ERR;
	}
	return QUEUE_OK;
}

int
queue_put_commit(struct qput *p, const struct qentry *e, struct qlock *lock)
{
	struct queue *q = p->q;
	struct qentry c = *e;
	unsigned char d[32];
	char msg[NAME_MAX_Q], env[NAME_MAX_Q], *buf = NULL;
	size_t len;
	int linked = 0, renamed = 0, r = QUEUE_ERR;

	if (lock)
		lock->fd = -1;
	if (p->err) {
		errno = p->err;
		goto out;
	}
	if (flush(p) != QUEUE_OK)
		goto out;
	gnutls_hash_deinit(p->hash, d);
	p->hash = NULL;
	to_hex(d, sizeof(d), c.sha256);
	memcpy(c.id, p->id, sizeof(c.id));
	c.arrival = p->arrival;
	c.size = p->size;
	if (qentry_format(&c, &buf, &len, q->err, sizeof(q->err)) == -1)
		goto out;
	name(msg, p->id, "msg");
	name(env, p->id, "env");
	if (sync_fd(p->fd, "fsync msg") == -1) {
		qerr(q, QUEUE_ERR, "tmp/%s: fsync:", p->name);
		goto out;
	}
	step("link msg");
	if (linkat(q->tmpfd, p->name, q->dirfd, msg, 0) == -1) {
		qerr(q, QUEUE_ERR, "%s: link:", msg);
		goto out;
	}
	linked = 1;
	step("unlink tmp");
	if (unlinkat(q->tmpfd, p->name, 0) == -1) {
		qerr(q, QUEUE_ERR, "tmp/%s: unlink:", p->name);
		goto out;
	}
	p->name[0] = '\0';
	if (sync_fd(q->tmpfd, "fsync tmp") == -1 ||
	    sync_fd(q->dirfd, "fsync dir") == -1) {
		qerr(q, QUEUE_ERR, "queue directory: fsync:");
		goto out;
	}
	if (write_env(q, p->id, buf, len, 1, &renamed) != QUEUE_OK)
		goto out;
	r = QUEUE_OK;
	if (lock) {
		lock->fd = p->fd;
		memcpy(lock->id, p->id, sizeof(lock->id));
		p->fd = -1;
	}
out:
	if (r != QUEUE_OK) {
		int saved = errno;

		if (renamed) {
			step("unlink env");
			unlinkat(q->dirfd, env, 0);
		}
		if (linked) {
			step("unlink msg");
			unlinkat(q->dirfd, msg, 0);
			step("fsync dir");
			fsync(q->dirfd);
		}
		errno = saved;
	}
	free(buf);
	queue_put_abort(p);
	return r;
}

void
queue_put_abort(struct qput *p)
{
	int saved = errno;

	if (!p)
		return;
	if (p->fd >= 0) {
		if (p->name[0]) {
			step("unlink tmp");
			unlinkat(p->q->tmpfd, p->name, 0);
		}
		close(p->fd);
	}
	if (p->hash)
		gnutls_hash_deinit(p->hash, NULL);
	free(p->buf);
	free(p);
	errno = saved;
}

static int
by_name(const void *a, const void *b)
{
	return strcmp(a, b);
}

int
queue_list(struct queue *q, struct qids *ids)
{
	size_t cap = 0;
	struct dirent *de;
	DIR *d;

	ids->id = NULL;
	ids->n = 0;
	if (!(d = stream(q, q->dirfd, "queue directory")))
		return QUEUE_ERR;
	while ((errno = 0, de = readdir(d))) {
		size_t n = strlen(de->d_name);

		if (n != QUEUE_ID_LEN + 4 || strcmp(de->d_name + QUEUE_ID_LEN,
		    ".env"))
			continue;
		de->d_name[QUEUE_ID_LEN] = '\0';
		if (!queue_id_valid(de->d_name))
			continue;
		if (ids->n == cap) {
			void *v = realloc(ids->id, (cap = cap ? 2 * cap : 64) *
			    sizeof(*ids->id));

			if (!v)
				break;
			ids->id = v;
		}
		memcpy(ids->id[ids->n++], de->d_name, QUEUE_ID_LEN + 1);
	}
	if (errno) {
		qerr(q, QUEUE_ERR, "queue directory: list:");
		closedir(d);
		queue_ids_free(ids);
		return QUEUE_ERR;
	}
	closedir(d);
	if (ids->n)
		qsort(ids->id, ids->n, sizeof(*ids->id), by_name);
	return QUEUE_OK;
}

void
queue_ids_free(struct qids *ids)
{
	free(ids->id);
	ids->id = NULL;
	ids->n = 0;
}

static int
exists(int at, const char *file)
{
	struct stat st;

	return fstatat(at, file, &st, AT_SYMLINK_NOFOLLOW) == 0;
}

/* Opens a leftover regular file and takes its lock: the fd, or -1. */
static int
grab(int at, const char *file, struct stat *st)
{
	struct stat now;
	int fd;

	if ((fd = openat(at, file, RDFLAGS)) == -1)
		return -1;
	if (flock(fd, LOCK_EX | LOCK_NB) == -1 || fstatat(at, file, &now,
	    AT_SYMLINK_NOFOLLOW) == -1 || !same_file(st, &now)) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Moves id's files, ID.env first, into the subdir at to. */
static int
move(struct queue *q, const char *id, int to, const char *where)
{
	char msg[NAME_MAX_Q], env[NAME_MAX_Q];

	name(msg, id, "msg");
	name(env, id, "env");
	step("rename env");
	if (renameat(q->dirfd, env, to, env) == -1 && errno != ENOENT)
		return qerr(q, QUEUE_ERR, "%s: rename to %s/:", env, where);
	step("rename msg");
	if (renameat(q->dirfd, msg, to, msg) == -1 && errno != ENOENT)
		return qerr(q, QUEUE_ERR, "%s: rename to %s/:", msg, where);
	if (sync_fd(to, "fsync subdir") == -1 ||
	    sync_fd(q->dirfd, "fsync dir") == -1)
		return qerr(q, QUEUE_ERR, "%s/: fsync:", where);
	return QUEUE_OK;
}

static int
corrupt(struct queue *q, const char *id, const char *why)
{
	if (move(q, id, q->corruptfd, "corrupt") != QUEUE_OK) {
		char saved[sizeof(q->err)];

		memcpy(saved, q->err, sizeof(saved));
		return qerr(q, QUEUE_CORRUPT, "%s: %s; not moved: %s", id, why,
		    saved);
	}
	return qerr(q, QUEUE_CORRUPT, "%s: %s; moved to corrupt/", id, why);
}

/* Leftovers in tmp/, unlocked and at least min_age old. */
static int
clean_tmp(struct queue *q, long long now, long long min_age)
{
	struct dirent *de;
	struct stat st;
	int fd, n = 0;
	DIR *d;

	if (!(d = stream(q, q->tmpfd, "tmp/")))
		return QUEUE_ERR;
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..") ||
		    fstatat(q->tmpfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) ||
		    S_ISDIR(st.st_mode) || now - st.st_mtime < min_age)
			continue;
		fd = -1;
		if (S_ISREG(st.st_mode) && (fd = grab(q->tmpfd, de->d_name,
		    &st)) == -1)
			continue;
		step("unlink tmp");
		if (unlinkat(q->tmpfd, de->d_name, 0) == 0)
			n++;
		if (fd >= 0)
			close(fd);
	}
	closedir(d);
	if (n && sync_fd(q->tmpfd, "fsync tmp") == -1)
		return qerr(q, QUEUE_ERR, "tmp/: fsync:");
	return n;
}

int
queue_clean(struct queue *q, long long now, long long min_age)
{
	char env[NAME_MAX_Q];
	struct dirent *de;
	struct stat st;
	int fd, n, r;
	DIR *d;

	if ((n = clean_tmp(q, now, min_age)) < 0)
		return QUEUE_ERR;
	r = n;
	if (!(d = stream(q, q->dirfd, "queue directory")))
		return QUEUE_ERR;
	n = 0;
	while ((de = readdir(d))) {
		char *file = de->d_name;

		if (strlen(file) != QUEUE_ID_LEN + 4 ||
		    strcmp(file + QUEUE_ID_LEN, ".msg"))
			continue;
		snprintf(env, sizeof(env), "%.*s.env", QUEUE_ID_LEN, file);
		if (exists(q->dirfd, env) || fstatat(q->dirfd, file, &st,
		    AT_SYMLINK_NOFOLLOW) || !S_ISREG(st.st_mode) ||
		    (fd = grab(q->dirfd, file, &st)) == -1)
			continue;
		/* under the lock: whoever had it is done or dead */
		if (exists(q->dirfd, env)) {
			close(fd);
			continue;
		}
		/* a move to failed/ or corrupt/ stopped half-way */
		if (exists(q->failedfd, env) || exists(q->corruptfd, env)) {
			int to = exists(q->failedfd, env) ? q->failedfd :
			    q->corruptfd;

			step("rename msg");
			if (renameat(q->dirfd, file, to, file) == 0 &&
			    sync_fd(to, "fsync subdir") == 0)
				n++;
		} else if (now - st.st_mtime >= min_age) {
			step("unlink msg");
			if (unlinkat(q->dirfd, file, 0) == 0)
				n++;
		}
		close(fd);
	}
	closedir(d);
	if (n && sync_fd(q->dirfd, "fsync dir") == -1)
		return qerr(q, QUEUE_ERR, "queue directory: fsync:");
	return r + n;
}

int
queue_lock(struct queue *q, const char *id, struct qlock *l)
{
	char msg[NAME_MAX_Q], env[NAME_MAX_Q];
	struct stat st, now;
	int fd;

	l->fd = -1;
	if (!queue_id_valid(id)) {
		errno = EINVAL;
		return qerr(q, QUEUE_ERR, "not a queue id");
	}
	name(msg, id, "msg");
	name(env, id, "env");
	if (fstatat(q->dirfd, msg, &st, AT_SYMLINK_NOFOLLOW) == -1) {
		if (errno != ENOENT)
			return qerr(q, QUEUE_ERR, "%s:", msg);
		if (exists(q->dirfd, env))
			return corrupt(q, id, "ID.env without ID.msg");
		return qerr(q, QUEUE_GONE, "%s: no such entry", id);
	}
	if (!S_ISREG(st.st_mode))
		return corrupt(q, id, "ID.msg is not a regular file");
	if ((fd = openat(q->dirfd, msg, RDFLAGS)) == -1) {
		if (errno == ENOENT)
			return qerr(q, QUEUE_GONE, "%s: no such entry", id);
		return qerr(q, QUEUE_ERR, "%s:", msg);
	}
	if (flock(fd, LOCK_EX | LOCK_NB) == -1) {
		int busy = errno == EWOULDBLOCK;

		close(fd);
		if (busy)
			return qerr(q, QUEUE_BUSY, "%s: busy", id);
		return qerr(q, QUEUE_ERR, "%s: flock:", msg);
	}
	/* whoever had the lock may have removed or moved the entry */
	if (fstat(fd, &st) == -1 || st.st_nlink == 0 ||
	    fstatat(q->dirfd, msg, &now, AT_SYMLINK_NOFOLLOW) == -1 ||
	    !same_file(&st, &now) || !exists(q->dirfd, env)) {
		close(fd);
		return qerr(q, QUEUE_GONE, "%s: no such entry", id);
	}
	if (!S_ISREG(st.st_mode) || st.st_nlink != 1) {
		close(fd);
		return corrupt(q, id, "ID.msg is not a file with one link");
	}
	l->fd = fd;
	memcpy(l->id, id, sizeof(l->id));
	return QUEUE_OK;
}

void
queue_unlock(struct qlock *l)
{
	if (l->fd >= 0)
		close(l->fd);
	l->fd = -1;
}

/* ID.env of id into e; QUEUE_CORRUPT with why set, or an error. */
static int
read_env(struct queue *q, const char *id, struct qentry *e, char *why,
    size_t whylen)
{
	char env[NAME_MAX_Q];
	int fd, r;

	memset(e, 0, sizeof(*e));
	name(env, id, "env");
	if ((fd = openat(q->dirfd, env, RDFLAGS)) == -1) {
		if (errno == ENOENT)
			return qerr(q, QUEUE_GONE, "%s: no such entry", id);
		if (errno != ELOOP)
			return qerr(q, QUEUE_ERR, "%s:", env);
		snprintf(why, whylen, "ID.env is a symbolic link");
		return QUEUE_CORRUPT;
	}
	r = qentry_read(fd, e, why, whylen);
	close(fd);
	if (r == QUEUE_ERR)
		return qerr(q, r, "%s: %s", env, why);
	if (r == QUEUE_OK && strcmp(e->id, id)) {
		qentry_free(e);
		snprintf(why, whylen, "ID.env is for another id");
		return QUEUE_CORRUPT;
	}
	return r;
}

int
queue_load(struct queue *q, const struct qlock *l, struct qentry *e)
{
	char why[256];
	int r;

	if ((r = read_env(q, l->id, e, why, sizeof(why))) == QUEUE_OK &&
	    (r = qentry_check_msg(e, l->fd, why, sizeof(why))) != QUEUE_OK) {
		qentry_free(e);
		if (r == QUEUE_ERR)
			return qerr(q, r, "%s.msg: %s", l->id, why);
	}
	if (r == QUEUE_CORRUPT)
		return corrupt(q, l->id, why);
	return r;
}

int
queue_peek(struct queue *q, const char *id, struct qentry *e)
{
	char why[256];
	int r;

	memset(e, 0, sizeof(*e));
	if (!queue_id_valid(id)) {
		errno = EINVAL;
		return qerr(q, QUEUE_ERR, "not a queue id");
	}
	if ((r = read_env(q, id, e, why, sizeof(why))) == QUEUE_CORRUPT)
		return qerr(q, r, "%s: %s", id, why);
	return r;
}

int
queue_msg_fd(struct queue *q, const struct qlock *l)
{
	char msg[NAME_MAX_Q];
	struct stat a, b;
	int fd;

	name(msg, l->id, "msg");
	if ((fd = openat(q->dirfd, msg, RDFLAGS & ~O_NONBLOCK)) == -1)
		return qerr(q, QUEUE_ERR, "%s:", msg);
	if (fstat(fd, &a) == -1 || fstat(l->fd, &b) == -1 ||
	    !same_file(&a, &b)) {
		close(fd);
		errno = ESTALE;
		return qerr(q, QUEUE_ERR, "%s: not the locked file", msg);
	}
	return fd;
}

int
queue_update(struct queue *q, const struct qlock *l, const struct qentry *e)
{
	struct stat st;
	size_t len;
	char *buf;
	int renamed, r;

	if (strcmp(e->id, l->id) || fstat(l->fd, &st) == -1 ||
	    (unsigned long long)st.st_size != e->size) {
		errno = EINVAL;
		return qerr(q, QUEUE_ERR, "%s: not the locked entry", l->id);
	}
	if (qentry_format(e, &buf, &len, q->err, sizeof(q->err)) == -1)
		return QUEUE_ERR;
	r = write_env(q, l->id, buf, len, 0, &renamed);
	free(buf);
	return r;
}

int
queue_remove(struct queue *q, const struct qlock *l)
{
	char msg[NAME_MAX_Q], env[NAME_MAX_Q];
	struct stat a, b;

	name(msg, l->id, "msg");
	name(env, l->id, "env");
	step("unlink env");
	if (unlinkat(q->dirfd, env, 0) == -1 && errno != ENOENT)
		return qerr(q, QUEUE_ERR, "%s: unlink:", env);
	if (fstat(l->fd, &a) == 0 && fstatat(q->dirfd, msg, &b,
	    AT_SYMLINK_NOFOLLOW) == 0 && same_file(&a, &b)) {
		step("unlink msg");
		if (unlinkat(q->dirfd, msg, 0) == -1)
			return qerr(q, QUEUE_ERR, "%s: unlink:", msg);
	}
	if (sync_fd(q->dirfd, "fsync dir") == -1)
		return qerr(q, QUEUE_ERR, "queue directory: fsync:");
	return QUEUE_OK;
}

int
queue_move(struct queue *q, const struct qlock *l, const char *where)
{
	if (!strcmp(where, "failed"))
		return move(q, l->id, q->failedfd, where);
	if (!strcmp(where, "corrupt"))
		return move(q, l->id, q->corruptfd, where);
	errno = EINVAL;
	return qerr(q, QUEUE_ERR, "%s: no such queue subdirectory", where);
}
