/*
 * qrun.h: the queue in use: opening it, running it (sendmail -q), listing
 * it (mailq) and taking an entry out. Include util.h and queue.h first.
 */

struct options;

enum qrun_mode {
	QRUN_ALL,	/* -q: every entry, now */
	QRUN_DUE,	/* -q TIME: only those whose next try has come */
	QRUN_ONE,	/* -qI ID: that one, now */
};

/*
 * Opens the queue in dir, making it (and, for create, the directories
 * above it, 0700) if needed. QUEUE_OK, or an error with q->err set.
 */
int qrun_open(struct queue *, const char *dir, int create);

/* Tries the entries; what failed for good is bounced. */
enum fail qrun(const struct options *, enum qrun_mode, const char *id);

/* mailq: each entry, Postfix's way, then a total. */
enum fail qrun_list(const struct options *);

/* Takes one entry out of the queue, unsent. */
enum fail qrun_delete(const struct options *, const char *id);

/*
 * After a message went: if entries are due, a queue run of those starts
 * in a detached child, so that an outage heals with the next message.
 */
void qrun_kick(const struct options *, const char *dir);
