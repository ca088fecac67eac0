/*
 * strset.c: an open-addressing hash table of borrowed strings, keyed by
 * their ASCII-lowercased bytes. It replaces comparing each new address
 * with every earlier one, which took minutes for 100 000 recipients.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "strset.h"
#include "util.h"

struct strset_slot {
	const char *key;	/* NULL: empty */
	uint64_t hash;
	size_t val;
};

static uint64_t
hash(const struct strset *set, const char *s)
{
	uint64_t h = 14695981039346656037ULL;	/* FNV-1a */

	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (!set->exact && c >= 'A' && c <= 'Z')
			c += 'a' - 'A';
		h = (h ^ c) * 1099511628211ULL;
	}
	return h;
}

/* The slot holding s, or the empty slot where it would go. */
static struct strset_slot *
slot(const struct strset *set, const char *s, uint64_t h)
{
	size_t mask = set->cap - 1, i = (size_t)h & mask;

	while (set->v[i].key && (set->v[i].hash != h || (set->exact ?
	    strcmp(set->v[i].key, s) : strcasecmp(set->v[i].key, s)) != 0))
		i = (i + 1) & mask;
	return &set->v[i];
}

static void
grow(struct strset *set)
{
	struct strset old = *set;

	set->cap = old.cap ? old.cap * 2 : 64;
	if (set->cap < old.cap || set->cap > SIZE_MAX / sizeof(*set->v))
		die(FAIL_OS, "out of memory");
	set->v = xmalloc(set->cap * sizeof(*set->v));
	memset(set->v, 0, set->cap * sizeof(*set->v));
	for (size_t i = 0; i < old.cap; i++)
		if (old.v[i].key)
			*slot(set, old.v[i].key, old.v[i].hash) = old.v[i];
	free(old.v);
}

int
strset_add(struct strset *set, const char *s, size_t val)
{
	uint64_t h = hash(set, s);
	struct strset_slot *p;

	/* at most half full, so a probe always ends at an empty slot */
	if ((set->n + 1) * 2 > set->cap)
		grow(set);
	p = slot(set, s, h);
	if (p->key)
		return 0;
	p->key = s;
	p->hash = h;
	p->val = val;
	set->n++;
	return 1;
}

size_t *
strset_find(const struct strset *set, const char *s)
{
	struct strset_slot *p;

	if (set->n == 0)
		return NULL;
	p = slot(set, s, hash(set, s));
	return p->key ? &p->val : NULL;
}

void
strset_free(struct strset *set)
{
	free(set->v);
	set->v = NULL;
	set->n = set->cap = 0;
}
