/*
 * dsn.c: -N and -V, checked and put in the form RCPT's NOTIFY= and MAIL's
 * ENVID= take (RFC 3461). Nothing here dies: main.c says what is wrong.
 */

#include <string.h>
#include <strings.h>

#include "dsn.h"

int
dsn_notify(const char *v, char *out)
{
	static const char *const words[] = { "NEVER", "SUCCESS", "FAILURE",
	    "DELAY" };
	unsigned seen = 0;
	size_t i, n;

	out[0] = '\0';
	for (const char *p = v;; p += n + 1) {
		n = strcspn(p, ",");
		for (i = 0; i < 4; i++)
			if (n == strlen(words[i]) && !strncasecmp(p, words[i], n))
				break;
		if (i == 4 || (seen & (1u << i)))
			return -1;
		seen |= 1u << i;
		if (*out)
			strcat(out, ",");
		strcat(out, words[i]);
		if (!p[n])
			break;
	}
	/* NEVER stands alone */
	return (seen & 1) && seen != 1 ? -1 : 0;
}

int
dsn_envid(const char *v, char *out, const char **why)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t o = 0;

	if (strlen(v) > DSN_ENVID_MAX || !*v) {
		*why = "the envelope id must be 1 to 100 characters";
		return -1;
	}
	for (const unsigned char *p = (const void *)v; *p; p++) {
		if (*p < 32 || *p > 126) {
			*why = "the envelope id must be printable ASCII";
			return -1;
		}
		if (*p == '+' || *p == '=' || *p == ' ') {
			out[o++] = '+';
			out[o++] = hex[*p >> 4];
			out[o++] = hex[*p & 15];
		} else {
			out[o++] = *p;
		}
	}
	out[o] = '\0';
	return 0;
}
