/*
 * submit.h: one message, as sendmail's options describe it, to the relay.
 */

#include <stddef.h>

struct options {
	const char *config;	/* -C */
	const char *account;	/* -a */
	const char *sender;	/* -f / -r; "" is the null sender */
	const char *fullname;	/* -F */
	int extract;		/* -t */
	int dot_ends;		/* no -i / -oi: a "." line ends the message */
	int body;		/* -B: 7 or 8, or 0 */
	const char *notify;	/* -N, as NOTIFY= wants it */
	const char *ret;	/* -R, as RET= wants it */
	const char *envid;	/* -V, as ENVID= wants it (xtext) */
	int all_or_nothing;	/* -bs: no delivery to only some recipients */
	int queue_only;		/* -odq: into the queue, not to the relay */
	int dry_run;		/* --dry-run: prepare, report, don't connect */
	char **rcpts;		/* recipient arguments */
	size_t nrcpts;
};

struct prepared;
struct envelope;
struct smtp_result;
struct account;
struct relay;
struct log_target;
struct log_msg;

/* The engine's view of an account: its one relay. */
void account_relay(const struct account *, struct relay *);

/* Where the account's log lines go; what a result tells the log. */
void account_log(const struct account *, struct log_target *);
void result_log_msg(const struct smtp_result *, struct log_msg *);

/* Reads the config and the message's header from fd; dies on a problem. */
struct prepared *prepare(const struct options *, int fd);

/* Relays a prepared message; never exits. Every failure is reported. */
enum fail deliver(struct prepared *, const struct options *);
void prepared_free(struct prepared *);

/* One stderr line for each failure a result tells of. */
void report(const struct envelope *, const struct smtp_result *,
    const struct account *);

/*
 * prepare() and deliver(). Returns the failure class; every failure has
 * been reported on stderr.
 */
enum fail submit(const struct options *, int fd);

/* newaliases: reads the configured aliases file, to check it. */
enum fail check_aliases(const struct options *);
