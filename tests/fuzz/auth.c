/*
 * fuzz/auth.c: SASL against a server's fuzzed mechanism list and
 * challenges (make fuzz). Whatever the server says, the mechanism chosen
 * is one it offered (or none), and nothing smtpsend answers can break the
 * command line: no CR, LF or NUL, base64 only after the verb.
 */

#define _GNU_SOURCE
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "auth.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
check_line(const char *s, size_t skip)
{
	if (strpbrk(s, "\r\n"))
		abort();
	if (strspn(s + skip, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789+/=") != strlen(s + skip))
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum auth_mode wanted[] = { AUTH_AUTO, AUTH_PLAIN,
	    AUTH_LOGIN };
	struct auth a = { .user = "alice@example.org", .password = "s3cret" };
	char *text, *mechs, *p, *line;

	if (size < 1)
		return 0;
	text = malloc(size);
	memcpy(text, data + 1, size - 1);
	text[size - 1] = '\0';
	mechs = text;
	p = mechs + strcspn(mechs, "\n");
	if (*p)
		*p++ = '\0';
	a.mech = auth_choose(wanted[data[0] % 3], mechs);
	if (a.mech == AUTH_OFF) {
		free(text);
		return 0;
	}
	if (!strcasestr(mechs, auth_name(a.mech)))
		abort();	/* chosen, yet not offered */
	line = auth_command(&a);
	check_line(line, a.mech == AUTH_PLAIN ? strlen("AUTH PLAIN ") :
	    strlen(line));
	wipestr(line);
	free(line);
	/* each further line is a 334 challenge's text */
	while (*p) {
		char *challenge = p, *resp;

		p += strcspn(p, "\n");
		if (*p)
			*p++ = '\0';
		if (!(resp = auth_respond(&a, challenge, strlen(challenge))))
			break;
		check_line(resp, 0);
		wipestr(resp);
		free(resp);
	}
	free(text);
	return 0;
}
