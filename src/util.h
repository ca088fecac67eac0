/* util.h: failure classes, die/warn, tracing and small helpers. */

#include <stddef.h>

/*
 * Failure classes used inside smtpsend. exit_status() in util.c is the one
 * place where they become sysexits(3) codes.
 */
enum fail {
	FAIL_NONE,
	FAIL_USAGE,	/* bad command line */
	FAIL_DATA,		/* bad message */
	FAIL_CONFIG,	/* bad or unsafe configuration */
	FAIL_TEMP,		/* try again later: 4xx, network, timeout, TLS */
	FAIL_PERM,		/* 5xx at MAIL, DATA or the final dot */
	FAIL_RCPT,		/* recipients permanently rejected */
	FAIL_AUTH,		/* authentication rejected */
	FAIL_PROTO,	/* the server broke the protocol */
	FAIL_IO,		/* reading the message failed */
	FAIL_OS,		/* the system failed us (fork, memory) */
};

#include <stdarg.h>
#include <stdio.h>

extern const char *progname;
extern int verbose;		/* -v: trace to stderr */
extern FILE *trace_file;	/* -X: trace to this file too */
extern int privileged;		/* running setgid SPOOL_GROUP for the user */
extern int stderr_midline;	/* a progress line waits for its end there */

void drop_privilege(void);	/* for good: the user's own rights only */
int as_user(int);		/* 1: the user's rights for a while, 0: back */
int spool_group(void);		/* SPOOL_GROUP's gid, or -1 */

int exit_status(enum fail);
void die(enum fail, const char *, ...)
    __attribute__((noreturn, format(printf, 2, 3)));
void warn(const char *, ...) __attribute__((format(printf, 1, 2)));
char *xasprintf(const char *, ...) __attribute__((format(printf, 1, 2)));
void trace(const char *, ...) __attribute__((format(printf, 1, 2)));
/* s with what a terminal would obey (controls, bad UTF-8) as \xNN */
void print_escaped(FILE *, const char *s);

void *xmalloc(size_t);
void *xrealloc(void *, size_t);
char *xstrdup(const char *);
char *xstrndup(const char *, size_t);
char *xvasprintf(const char *, va_list);
void wipe(void *, size_t);
void wipestr(char *);

/*
 * Opens path to read without blocking on a FIFO or a device: the file is
 * checked, as opened, to be a regular file before anything reads it. With
 * nofollow, a symbolic link as the last component fails with ELOOP. The
 * descriptor is close-on-exec and blocking; *st (if given) is its fstat.
 * Returns it, or -1 with errno set, or -2 if it is not a regular file.
 */
struct stat;
int open_regular(const char *path, int nofollow, struct stat *st);

int has_line_break(const char *);
long long now_ms(void);		/* a monotonic clock, in milliseconds */
const char *host_name(void);

/* A growable byte buffer. */
struct buf {
	char *data;
	size_t len, cap;
};

void buf_add(struct buf *, const void *, size_t);
void buf_addstr(struct buf *, const char *);
void buf_printf(struct buf *, const char *, ...)
    __attribute__((format(printf, 2, 3)));
void buf_free(struct buf *);
/* s with controls, DEL, C1 and invalid UTF-8 as \xNN, as stderr shows it */
void buf_add_escaped(struct buf *, const char *s, size_t n);

/* A growable list of strings. */
struct strlist {
	char **v;
	size_t n, cap;
};

void strlist_add(struct strlist *, char *);
void strlist_free(struct strlist *);

size_t base64_encode(const void *, size_t, char *out);
#define BASE64_LEN(n) (((n) + 2) / 3 * 4 + 1)
