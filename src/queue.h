/*
 * queue.h: the durable queue store. A queue directory holds, per message,
 * ID.msg (the message as it will be sent, written once) and ID.env (its
 * envelope and state, replaced atomically). Nothing here prints or exits:
 * functions return QUEUE_OK (0) or a negative QUEUE_* code, with the reason
 * in queue.err (and errno kept). qenv.c reads and writes ID.env; queue.c
 * keeps the files.
 */

#include <stddef.h>
#include <sys/types.h>

enum {
	QUEUE_OK = 0,
	QUEUE_ERR = -1,		/* a system error or a bad argument */
	QUEUE_BUSY = -2,	/* another process holds the entry */
	QUEUE_CORRUPT = -3,	/* the entry was torn or did not parse */
	QUEUE_GONE = -4,	/* the entry is not (or no longer) there */
};

#define QUEUE_ID_LEN	32	/* 20261201T082100-0123456789abcdef */
#define QUEUE_RCPT_MAX	100000	/* recipients in one entry */
#define QUEUE_LINE_MAX	4096	/* octets in one ID.env line, LF included */
#define QUEUE_ENV_MAX	(32 * 1024 * 1024)	/* octets in one ID.env */
#define QUEUE_ADDR_MAX	998	/* octets in an address */
#define QUEUE_ACCOUNT_MAX 255	/* octets in an account name */
#define QUEUE_TEXT_MAX	1000	/* octets of a reply text kept */
#define QUEUE_ENVID_MAX	300	/* octets of an ENVID as xtext */

#define QUEUE_BACKOFF_BASE 300	/* the first retry, seconds */
#define QUEUE_BACKOFF_MAX 14400	/* the longest wait between tries */
#define QUEUE_MAX_AGE	(5 * 86400)	/* when to give up */
#define QUEUE_STALE	3600	/* age of a leftover queue_clean removes */

enum qret { QRET_NONE, QRET_FULL, QRET_HDRS };
enum qstate { QRCPT_PENDING, QRCPT_SENT, QRCPT_FAILED };

struct qrcpt {
	enum qstate state;
	char *addr;		/* never empty */
	char *notify;		/* NULL/"" or NEVER, or SUCCESS,FAILURE,DELAY */
	char *reply;		/* the last reply for it, NULL/"" if none */
};

/* ID.env as data. Strings are malloc'd; NULL reads as "". */
struct qentry {
	char id[QUEUE_ID_LEN + 1];
	long long arrival;	/* unix time */
	char *account;		/* config section, may be empty */
	char *sender;		/* empty for the null sender */
	enum qret ret;
	char *envid;		/* as xtext, empty if none */
	int body;		/* 0: no BODY=, 7: 7BIT, 8: 8BITMIME */
	int smtputf8;
	unsigned long long size;	/* of ID.msg */
	char sha256[65];	/* of ID.msg, lower-case hex */
	unsigned attempts;
	long long next_try;	/* unix time */
	char *last_error;
	struct qrcpt *rcpt;
	size_t nrcpt;
};

/* qenv.c */
int queue_id_valid(const char *);
/* ID.env from e into a malloc'd *out; texts over QUEUE_TEXT_MAX are cut. */
int qentry_format(const struct qentry *e, char **out, size_t *outlen,
    char *err, size_t errlen);
/* Exactly what qentry_format writes, or -1 with err set and e empty. */
int qentry_parse(const char *buf, size_t len, struct qentry *e,
    char *err, size_t errlen);
int qentry_equal(const struct qentry *, const struct qentry *);
/*
 * ID.env from fd (a regular file, one link, at most QUEUE_ENV_MAX octets);
 * whether ID.msg at fd has e's size and SHA-256: QUEUE_OK, QUEUE_CORRUPT
 * or QUEUE_ERR, with why set.
 */
int qentry_read(int fd, struct qentry *e, char *why, size_t whylen);
int qentry_check_msg(const struct qentry *e, int fd, char *why,
    size_t whylen);
void qentry_free(struct qentry *);

/* Retry policy: when to try again after attempts tries; when to give up. */
long long queue_next_try(unsigned attempts, long long arrival, long long now,
    long long base, long long max);
int queue_expired(long long arrival, long long now, long long max_age);

/* queue.c */
struct queue {
	int dirfd, tmpfd, corruptfd, failedfd;
	mode_t mode;		/* of the files; directories get x where r */
	char err[512];
};

struct qlock {
	int fd;			/* ID.msg, flock'd */
	char id[QUEUE_ID_LEN + 1];
};

struct qput;

struct qids {
	char (*id)[QUEUE_ID_LEN + 1];
	size_t n;
};

/* Test only: called before each write, fsync, link, rename and unlink. */
extern void (*queue_step_hook)(unsigned step, const char *what);
/* Test only: the id queue_put_begin uses instead of a fresh one. */
extern const char *queue_test_id;

int queue_open(struct queue *, const char *dir, int create, mode_t mode);
void queue_close(struct queue *);

int queue_put_begin(struct queue *, struct qput **);
const char *queue_put_id(const struct qput *);
/* Buffered; a write error sticks (errno EFBIG needs SIGXFSZ ignored). */
int queue_put_write(struct qput *, const void *, size_t);
/*
 * Writes ID.msg and ID.env for e (its id, arrival, size and sha256 are
 * the message's own). With lock, the entry stays locked for the caller.
 * Frees p either way.
 */
int queue_put_commit(struct qput *p, const struct qentry *e,
    struct qlock *lock);
void queue_put_abort(struct qput *);

int queue_list(struct queue *, struct qids *);
void queue_ids_free(struct qids *);
/* Removes leftovers older than min_age seconds; the count, or -1. */
int queue_clean(struct queue *, long long now, long long min_age);

int queue_lock(struct queue *, const char *id, struct qlock *);
void queue_unlock(struct qlock *);
int queue_load(struct queue *, const struct qlock *, struct qentry *);
/* ID.env without a lock, to show (mailq): never verifies or moves. */
int queue_peek(struct queue *, const char *id, struct qentry *);
int queue_msg_fd(struct queue *, const struct qlock *);
int queue_update(struct queue *, const struct qlock *, const struct qentry *);
int queue_remove(struct queue *, const struct qlock *);
/* where: "failed" or "corrupt" */
int queue_move(struct queue *, const struct qlock *, const char *where);
