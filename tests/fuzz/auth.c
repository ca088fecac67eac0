/*
 * fuzz/auth.c: SASL against a server's fuzzed mechanism list and
 * challenges, SCRAM's and CRAM-MD5's decoding included (make fuzz). Whatever the server says, the mechanism chosen
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
	    AUTH_LOGIN, AUTH_CRAM_MD5, AUTH_SCRAM_SHA_1, AUTH_SCRAM_SHA_256,
	    AUTH_SCRAM_SHA_1_PLUS, AUTH_SCRAM_SHA_256_PLUS, AUTH_XOAUTH2,
	    AUTH_OAUTHBEARER, AUTH_EXTERNAL };
	/* a fixed nonce, so that the fuzzer can get past SCRAM's check */
	struct auth a = { .user = "alice,=x@example.org", .password = "s3cret",
	    .fixed_nonce = "nOnCe" };
	const char *why;
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
	if (data[0] & 16) {
		a.cb_type = "tls-exporter";
		a.cb_len = 32;
	}
	a.host = "relay.example";
	a.port = "587";
	a.mech = auth_choose(wanted[data[0] % 11], mechs, a.cb_type != NULL);
	if (a.mech == AUTH_OFF) {
		free(text);
		return 0;
	}
	if (!strcasestr(mechs, auth_name(a.mech)))
		abort();	/* chosen, yet not offered */
	line = auth_command(&a);
	check_line(line, strchr(line + 5, ' ') ? (size_t)(strchr(line + 5,
	    ' ') + 1 - line) : strlen(line));
	wipestr(line);
	free(line);
	/* each further line is a 334 challenge's text */
	while (*p) {
		char *challenge = p, *resp;

		p += strcspn(p, "\n");
		if (*p)
			*p++ = '\0';
		/* as the server would send it, base64, or as the fuzzer says */
		if (data[0] & 8) {
			char *enc = malloc(BASE64_LEN(strlen(challenge)));

			base64_encode(challenge, strlen(challenge), enc);
			resp = auth_respond(&a, enc, strlen(enc), &why);
			free(enc);
		} else {
			resp = auth_respond(&a, challenge, strlen(challenge),
			    &why);
		}
		if (!resp)
			break;
		check_line(resp, 0);
		wipestr(resp);
		free(resp);
	}
	auth_done(&a, &why);
	auth_clear(&a);
	free(text);
	return 0;
}
