/*
 * auth.c: SASL PLAIN (RFC 4616) and LOGIN. PLAIN goes first when both are
 * offered: it sends its one message with the AUTH command, so it costs no
 * extra round trip and may be pipelined with MAIL (RFC 4954 4).
 */

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "conf.h"
#include "auth.h"
#include "util.h"

static const enum auth_mode preference[] = { AUTH_PLAIN, AUTH_LOGIN };

const char *
auth_name(enum auth_mode m)
{
	switch (m) {
	case AUTH_PLAIN:	return "PLAIN";
	case AUTH_LOGIN:	return "LOGIN";
	default:		return "none";
	}
}

/* Is word in the space-separated list? */
static int
offered(const char *list, const char *word)
{
	size_t n = strlen(word);

	for (const char *p = list; *p;) {
		size_t len = strcspn(p, " ");

		if (len == n && !strncasecmp(p, word, n))
			return 1;
		p += len;
		p += strspn(p, " ");
	}
	return 0;
}

enum auth_mode
auth_choose(enum auth_mode wanted, const char *server_mechs)
{
	size_t i;

	if (wanted != AUTH_AUTO)
		return offered(server_mechs, auth_name(wanted)) ? wanted :
		    AUTH_OFF;
	for (i = 0; i < sizeof(preference) / sizeof(preference[0]); i++)
		if (offered(server_mechs, auth_name(preference[i])))
			return preference[i];
	return AUTH_OFF;
}

int
auth_one_step(enum auth_mode m)
{
	return m == AUTH_PLAIN;
}

static char *
b64(const char *p, size_t n)
{
	char *out = xmalloc(BASE64_LEN(n));

	base64_encode(p, n, out);
	return out;
}

char *
auth_command(struct auth *a)
{
	static const char verb[] = "AUTH PLAIN ";
	size_t ulen, plen, n;
	char *msg, *line;

	a->step = 0;
	if (a->mech != AUTH_PLAIN)
		return xstrdup("AUTH LOGIN");
	/* authzid empty, NUL, authcid, NUL, password */
	ulen = strlen(a->user);
	plen = strlen(a->password);
	n = ulen + plen + 2;
	msg = xmalloc(n);
	msg[0] = '\0';
	memcpy(msg + 1, a->user, ulen);
	msg[ulen + 1] = '\0';
	memcpy(msg + ulen + 2, a->password, plen);
	/* sized once: a buffer that grew would leave copies in freed memory */
	line = xmalloc(sizeof(verb) - 1 + BASE64_LEN(n));
	memcpy(line, verb, sizeof(verb) - 1);
	base64_encode(msg, n, line + sizeof(verb) - 1);
	wipe(msg, n);
	free(msg);
	return line;
}

char *
auth_respond(struct auth *a, const char *challenge, size_t len)
{
	(void)challenge;
	(void)len;
	if (++a->step > AUTH_MAX_STEPS)
		return NULL;
	if (a->mech == AUTH_LOGIN && a->step == 1)
		return b64(a->user, strlen(a->user));
	if (a->mech == AUTH_LOGIN && a->step == 2)
		return b64(a->password, strlen(a->password));
	return NULL;
}
