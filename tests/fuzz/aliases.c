/*
 * fuzz/aliases.c: libFuzzer target for aliases(5) parsing and the
 * expansion of every alias (make fuzz). aliases_parse() and
 * local_expand_checked() report errors instead of dying. Inputs naming
 * :include: are skipped: they would read whatever files they name.
 */

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util.h"
#include "alias.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
expand(const struct localnames *ln, const char *addr)
{
	struct strlist out = { 0 };
	char *error = NULL;

	if (local_expand_checked(ln, addr, &out, &error) == -1) {
		if (!error)
			abort();
		free(error);
	} else if (out.n == 0 || out.n > 10000) {
		abort();
	}
	/* each address once, ignoring case */
	for (size_t i = 0; i < out.n && out.n < 200; i++)
		for (size_t j = i + 1; j < out.n; j++)
			if (!strcasecmp(out.v[i], out.v[j]))
				abort();
	strlist_free(&out);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct localnames ln = { .domain = "example.org",
	    .hostname = "host.example.net" };
	struct aliases *a;
	char *text, *error = NULL;
	const char *name;

	for (size_t i = 0; i + 8 <= size; i++)
		if (!strncasecmp((const char *)data + i, "include:", 8))
			return 0;
	text = xmalloc(size + 1);
	memcpy(text, data, size);
	text[size] = '\0';
	a = aliases_parse("fuzz", text, size, &error);
	free(text);
	if (!a) {
		if (!error)
			abort();
		free(error);
		return 0;
	}
	ln.aliases = a;
	if (size & 1)
		ln.admin_addr = "admin@example.org";
	for (size_t i = 0; (name = aliases_name(a, i)); i++) {
		char *at = xasprintf("%s@localhost", name);

		expand(&ln, name);
		expand(&ln, at);
		free(at);
	}
	expand(&ln, "root");
	expand(&ln, "someone@example.com");
	aliases_free(a);
	return 0;
}
