/*
 * tlscache.c: TLS sessions kept between runs, one file per user and
 * relay, named UID-SHA256(key), mode 0600. A file holds a header line,
 * the key it was kept under and the session data:
 *
 *	smtpsend-tls-session 1 VERIFIED KEYLEN DATALEN\n KEY DATA
 *
 * VERIFIED is when a full handshake last checked the server's certificate.
 * A resumed session checks none, and the one the server hands out in it
 * keeps that time: sessions chain for a day at most, then a full
 * handshake checks the certificate again.
 *
 * A session is taken out of the cache before it is used (so each is
 * offered once) and the one the server hands out is kept at the end.
 * The key holds every setting the session's trust rests on, so that a
 * session is resumed only with the relay and the trust that set it up.
 *
 * The user's config keeps them in the user's state directory. The
 * system's in SPOOLDIR/tls, which make install makes root's and
 * SPOOL_GROUP's alone: a user reaches it only through the setgid
 * smtpsend, and may not plant a session there that would make smtpsend
 * trust a server with the system's password. Each user's files are
 * theirs and 0600, so no user's session is offered for another.
 */

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <gnutls/gnutls.h>
#include <gnutls/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "util.h"
#include "tls.h"
#include "tlscache.h"

#define MAGIC		"smtpsend-tls-session 1"
#define MAX_FILE	(64 * 1024)
#define MAX_AGE		86400	/* a day; servers' tickets live shorter */

void
tlscache_key(struct buf *b, const char *host, const char *port,
    int implicit, const struct tls_params *p)
{
	buf_printf(b, "uid %lu\nhost %s\nport %s\ntls %s\nserver_name %s\n"
	    "trust %s\nfingerprint %s\npriorities %s\ncert %s\nkey %s\n",
	    (unsigned long)getuid(), host, port, implicit ? "tls" : "starttls",
	    p->server_name, p->trust_file ? p->trust_file : "(system)",
	    p->pins ? p->pins : "", p->priorities ? p->priorities : "",
	    p->cert_file ? p->cert_file : "", p->key_file ? p->key_file : "");
}

static int
is_system(const char *dir)
{
	return !strcmp(dir, SPOOLDIR "/tls");
}

/* Makes the user's directory and the ones above it, 0700. */
static void
make_dirs(const char *dir)
{
	char *path = xstrdup(dir);

	for (char *p = strchr(path + 1, '/'); p; p = strchr(p + 1, '/')) {
		*p = '\0';
		mkdir(path, 0700);
		*p = '/';
	}
	mkdir(path, 0700);
	free(path);
}

/* The cache directory, checked to be safe to trust; -1 if none. */
static int
open_dir(const char *dir)
{
	struct stat st;
	int fd, ok;

	if (*dir != '/')
		return -1;
	if (!is_system(dir))
		make_dirs(dir);
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC)) == -1) {
		trace("-- no TLS session cache: %s: %s", dir, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) == -1) {
		close(fd);
		return -1;
	}
	if (is_system(dir))
		ok = st.st_uid == 0 && !(st.st_mode & S_IRWXO);
	else
		ok = st.st_uid == geteuid() && !(st.st_mode & 077);
	if (!ok) {
		warn("%s: not used for TLS sessions: must be %s", dir,
		    is_system(dir) ? "root's, and closed to others (chmod "
		    "2770, group " SPOOL_GROUP ")" : "yours, mode 700");
		close(fd);
		return -1;
	}
	return fd;
}

static void
file_name(const struct buf *key, char *name, size_t len)
{
	unsigned char d[32];
	size_t n;

	gnutls_hash_fast(GNUTLS_DIG_SHA256, key->data, key->len, d);
	n = (size_t)snprintf(name, len, "%lu-", (unsigned long)getuid());
	for (size_t i = 0; i < sizeof(d) && n + 3 <= len; i++)
		n += (size_t)snprintf(name + n, len - n, "%02x", d[i]);
}

/* The session in the file's text, or why not. */
static const char *
parse(const char *text, size_t len, const struct buf *key, struct buf *out,
    long long *verified)
{
	char head[128];
	long long created;
	size_t klen, dlen, hlen = 0;
	int n = -1;

	while (hlen < len && hlen < sizeof(head) - 1 && text[hlen] != '\n')
		hlen++;
	if (hlen == len || text[hlen] != '\n')
		return "corrupt (no header)";
	memcpy(head, text, hlen);
	head[hlen] = '\0';
	if (sscanf(head, MAGIC " %lld %zu %zu%n", &created, &klen, &dlen, &n)
	    != 3 || n != (int)hlen)
		return "corrupt (bad header)";
	/* the header as it would be written: nothing else passes */
	snprintf(head, sizeof(head), MAGIC " %lld %zu %zu", created, klen, dlen);
	if (strlen(head) != hlen || memcmp(head, text, hlen))
		return "corrupt (bad header)";
	text += hlen + 1;
	len -= hlen + 1;
	if (klen > len || dlen != len - klen || dlen == 0)
		return "corrupt (wrong length)";
	if (klen != key->len || memcmp(text, key->data, klen))
		return "foreign (kept for another relay or user)";
	if (created > (long long)time(NULL) ||
	    (long long)time(NULL) - created > MAX_AGE)
		return "";	/* stale: dropped without a word */
	buf_add(out, text + klen, dlen);
	*verified = created;
	return NULL;
}

int
tlscache_take(const char *dir, const struct buf *key, struct buf *out,
    long long *verified)
{
	char name[128], *text = NULL;
	const char *why = NULL;
	struct stat st;
	ssize_t r = 0;
	int dfd, fd;

	if ((dfd = open_dir(dir)) == -1)
		return -1;
	file_name(key, name, sizeof(name));
	fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd == -1 && errno == ENOENT) {
		close(dfd);
		return -1;
	}
	/* used once, whatever it holds */
	unlinkat(dfd, name, 0);
	close(dfd);
	if (fd == -1)
		why = "not a regular file";
	else if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode))
		why = "not a regular file";
	else if (st.st_uid != geteuid() || (st.st_mode & 077))
		why = "foreign (not yours alone)";
	else if (st.st_size <= 0 || st.st_size > MAX_FILE)
		why = "corrupt (wrong size)";
	if (!why) {
		text = xmalloc((size_t)st.st_size);
		while ((r = read(fd, text, (size_t)st.st_size)) == -1 &&
		    errno == EINTR)
			;
		why = r != st.st_size ? "corrupt (short read)" :
		    parse(text, (size_t)r, key, out, verified);
		wipe(text, (size_t)st.st_size);
		free(text);
	}
	if (fd != -1)
		close(fd);
	if (why && *why)
		warn("%s/%s: ignoring this TLS session file: %s", dir, name,
		    why);
	return why ? -1 : 0;
}

void
tlscache_put(const char *dir, const struct buf *key, const void *data,
    size_t len, long long verified)
{
	char name[128], tmp[160];
	struct buf b = { 0 };
	ssize_t r;
	int dfd, fd;

	if ((dfd = open_dir(dir)) == -1)
		return;
	file_name(key, name, sizeof(name));
	snprintf(tmp, sizeof(tmp), ".%s.%ld", name, (long)getpid());
	buf_printf(&b, MAGIC " %lld %zu %zu\n", verified, key->len, len);
	buf_add(&b, key->data, key->len);
	buf_add(&b, data, len);
	fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, 0600);
	if (fd == -1) {
		trace("-- TLS session not kept: %s/%s: %s", dir, tmp,
		    strerror(errno));
	} else {
		r = write(fd, b.data, b.len);
		if (close(fd) == -1 || r != (ssize_t)b.len ||
		    renameat(dfd, tmp, dfd, name) == -1) {
			trace("-- TLS session not kept: %s/%s: %s", dir, name,
			    strerror(errno));
			unlinkat(dfd, tmp, 0);
		}
	}
	wipe(b.data, b.cap);
	buf_free(&b);
	close(dfd);
}
