/* t_strset.c: the case-insensitive string set behind de-duplication. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util.h"
#include "strset.h"
#include "unit.h"

int
main(void)
{
	struct strset set = { 0 };
	struct strlist words = { 0 };
	size_t *val, i, bad = 0, dups = 0;
	char w[64];

	unit_suite = "strset";
	CHECK(strset_find(&set, "a") == NULL, "an empty set finds nothing");
	CHECK(strset_add(&set, "Root@Example.org", 7) == 1, "add");
	CHECK(strset_add(&set, "root@example.ORG", 8) == 0,
	    "the same string in other case is there already");
	val = strset_find(&set, "ROOT@EXAMPLE.ORG");
	CHECK(val && *val == 7, "find ignores case and keeps the first number");
	CHECK(strset_find(&set, "root@example.org.") == NULL &&
	    strset_find(&set, "root@example.or") == NULL &&
	    strset_find(&set, "") == NULL, "no prefix or extension matches");
	CHECK(strset_add(&set, "", 1) == 1 && strset_find(&set, "") != NULL,
	    "the empty string is a string");
	strset_free(&set);

	set.exact = 1;
	CHECK(strset_add(&set, "Work", 1) == 1 && strset_add(&set, "work", 2)
	    == 1 && *strset_find(&set, "work") == 2 &&
	    strset_find(&set, "WORK") == NULL, "an exact set tells case apart");
	strset_free(&set);
	set.exact = 0;

	/* through many resizes: each string once, each number kept */
	for (i = 0; i < 100000; i++) {
		snprintf(w, sizeof(w), "User%zu@Example.org", i);
		strlist_add(&words, xstrdup(w));
	}
	for (i = 0; i < words.n; i++)
		bad += strset_add(&set, words.v[i], i) != 1;
	for (i = 0; i < words.n; i++) {
		snprintf(w, sizeof(w), "USER%zu@example.ORG", i);
		dups += strset_add(&set, w, 0) == 0;
		val = strset_find(&set, w);
		bad += !val || *val != i;
	}
	CHECK(bad == 0 && dups == words.n && set.n == words.n,
	    "100000 strings: each added once, found in any case (%zu wrong, "
	    "%zu duplicates, %zu in the set)", bad, dups, set.n);
	CHECK(strset_find(&set, "user100000@example.org") == NULL,
	    "a string never added is not found");
	strset_free(&set);
	strlist_free(&words);
	UNIT_EXIT();
}
