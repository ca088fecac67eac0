/*
 * fuzz/conf.c: libFuzzer target for the sendmail.ini parser and account
 * choice (make fuzz). conf_parse() and conf_pick() report errors instead
 * of dying, so every input runs in-process. Passwords are never fetched:
 * that would run password_command.
 */

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "util.h"
#include "conf.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
pick(struct config *c, const char *name, const char *sender)
{
	char *error = NULL;
	struct account *a = conf_pick(c, name, sender, &error);

	/* one or the other, never both */
	if (!a == !error)
		abort();
	if (a && (!a->host || !a->port || !a->ehlo_name))
		abort();
	free(error);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *error = NULL;
	struct config *c = conf_parse("fuzz.ini", (const char *)data, size,
	    &error);
	const char *name;

	if (!c) {
		if (!error)
			abort();
		free(error);
		return 0;
	}
	for (size_t i = 0; (name = conf_account_name(c, i)); i++)
		pick(c, name, NULL);
	pick(c, NULL, "alice@example.org");
	pick(c, NULL, NULL);
	pick(c, "nonexistent", NULL);
	conf_free(c);
	return 0;
}
