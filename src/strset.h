/*
 * strset.h: a set of strings compared case-insensitively (ASCII), or
 * exactly if exact is set before the first add, each with a number, for
 * finding duplicates and names in linear time. The set keeps pointers to
 * the strings, not copies: they must outlive it.
 */

#include <stddef.h>

struct strset {
	struct strset_slot *v;
	size_t n, cap;		/* cap is 0 or a power of two */
	int exact;		/* compare case too */
};

/*
 * Adds s with the number val, unless a string equal to it ignoring case
 * is there. Returns 1 if added, 0 if it was there already.
 */
int strset_add(struct strset *, const char *s, size_t val);

/* The number of the string equal to s ignoring case, or NULL. */
size_t *strset_find(const struct strset *, const char *s);

void strset_free(struct strset *);
