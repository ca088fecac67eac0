/*
 * fuzz/dsn.c: -N and -V (make fuzz). What dsn_notify() accepts is NEVER
 * alone or each of SUCCESS, FAILURE, DELAY at most once; what dsn_envid()
 * makes is xtext that decodes back to the input.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dsn.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static int
hexval(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'A' && c <= 'F' ?
	    c - 'A' + 10 : -1;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *v = malloc(size + 1), notify[DSN_NOTIFY_MAX];
	char xtext[DSN_XTEXT_MAX], back[DSN_ENVID_MAX + 1];
	const char *why;
	size_t o = 0;

	memcpy(v, data, size);
	v[size] = '\0';
	if (dsn_notify(v, notify) == 0) {
		size_t n = strlen(notify);

		if (n >= DSN_NOTIFY_MAX || (strstr(notify, "NEVER") &&
		    strcmp(notify, "NEVER")) || strspn(notify,
		    "NEVRSUCFAILDY,") != n)
			abort();
	}
	if (dsn_envid(v, xtext, &why) == 0) {
		for (const char *p = xtext; *p; p++) {
			if (*p < '!' || *p > '~' || *p == '=')
				abort();
			if (*p == '+') {
				if (hexval(p[1]) < 0 || hexval(p[2]) < 0)
					abort();
				back[o++] = hexval(p[1]) << 4 | hexval(p[2]);
				p += 2;
			} else {
				back[o++] = *p;
			}
		}
		if (o != strlen(v) || memcmp(back, v, o))
			abort();
	}
	free(v);
	return 0;
}
