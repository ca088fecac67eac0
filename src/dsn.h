/* dsn.h: the DSN arguments of -N and -V as RFC 3461 wants them. */

#include <stddef.h>

#define DSN_NOTIFY_MAX	32	/* "SUCCESS,FAILURE,DELAY" and its NUL */
#define DSN_ENVID_MAX	100	/* characters of an envelope id */
#define DSN_XTEXT_MAX	(3 * DSN_ENVID_MAX + 1)

/*
 * -N never | success,failure,delay (any case, each once) as NOTIFY=
 * wants it, into out (DSN_NOTIFY_MAX bytes). 0, or -1 if it is not that.
 */
int dsn_notify(const char *, char *out);

/*
 * -V envid (1 to 100 printable ASCII characters) as xtext (RFC 3461 4:
 * '+', '=' and blanks as +XX) into out (DSN_XTEXT_MAX bytes). 0, or -1
 * with why set.
 */
int dsn_envid(const char *, char *out, const char **why);
