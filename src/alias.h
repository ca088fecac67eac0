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

/*
 * The parser behind aliases_load, for tests and the fuzzer: the file's
 * text, changed in place (text[len] must be writable). Returns NULL and
 * the message in *error (malloc'd) instead of dying. :include: files
 * are read.
 */
struct aliases *aliases_parse(const char *path, char *text, size_t len,
    char **error);
size_t aliases_count(const struct aliases *);

/* The name of the i-th alias in file order, or NULL past the last. */
const char *aliases_name(const struct aliases *, size_t i);
void aliases_free(struct aliases *);

/* The local part of addr if it names a local user (malloc'd), else NULL. */
char *local_name(const struct localnames *, const char *addr);

/*
 * The addresses a recipient stands for, each once (ignoring case): itself
 * if it is not local, else the expansion of its aliases, else admin_addr,
 * else name@domain. Dies with FAIL_CONFIG on an alias loop, aliases
 * nested more than 16 deep, more than 10000 addresses, or a target
 * smtpsend cannot reach.
 */
void local_expand(const struct localnames *, const char *addr,
    struct strlist *out);

/* The same, returning -1 and the message in *error (malloc'd). */
int local_expand_checked(const struct localnames *, const char *addr,
    struct strlist *out, char **error);

/* A sender address, qualified with the domain if it is local (malloc'd). */
char *local_qualify(const struct localnames *, const char *addr);
