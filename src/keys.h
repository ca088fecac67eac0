/*
 * keys.h: the keys of sendmail.ini, each with a type that says how its
 * value is checked and where it goes. Include conf.h first.
 */

struct key;

/* The key of that name, or NULL. */
const struct key *key_find(const char *name);

/* The known key an unknown name was likely meant to be, or NULL. */
const char *key_likely(const char *name);

/*
 * Checks a value and, with acct, stores it there ("timeout", which sets
 * every phase not set on its own, sets *all). NULL, or what is wrong.
 */
const char *key_apply(const struct key *, const char *value,
    struct account *acct, int *all);

/* A key allowed only in [defaults] (default_account). */
int key_defaults_only(const struct key *);
