/* alias.h: local names (cron's "root"): aliases, a catch-all, a domain. */

struct strlist;
struct aliases;

/* How local names become mail addresses. */
struct localnames {
	struct aliases *aliases;	/* NULL: no aliases file */
	const char *admin_addr;		/* every other local name goes here */
	const char *domain;		/* else name@domain; also for senders */
	const char *hostname;		/* name@hostname is local too */
};

/* Reads an aliases(5) file; dies with FAIL_CONFIG naming file:line. */
struct aliases *aliases_load(const char *path);
size_t aliases_count(const struct aliases *);
void aliases_free(struct aliases *);

/* The local part of addr if it names a local user, else NULL (static). */
const char *local_name(const struct localnames *, const char *addr);

/*
 * The addresses a recipient stands for: itself if it is not local, else
 * the expansion of its aliases, else admin_addr, else name@domain. Dies
 * with FAIL_CONFIG on an alias loop or a target smtpsend cannot reach.
 */
void local_expand(const struct localnames *, const char *addr,
    struct strlist *out);

/* A sender address, qualified with the domain if it is local (malloc'd). */
char *local_qualify(const struct localnames *, const char *addr);
