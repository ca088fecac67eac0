/*
 * t_auth.c: SASL mechanisms against the RFCs' own examples: CRAM-MD5 (RFC
 * 2195), SCRAM-SHA-1 (RFC 5802 5), SCRAM-SHA-256 (RFC 7677 3); and what a
 * hostile server might send instead.
 */

#include <gnutls/gnutls.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "auth.h"
#include "util.h"
#include "unit.h"

static char *
b64(const char *s)
{
	char *out = malloc(BASE64_LEN(strlen(s)));

	base64_encode(s, strlen(s), out);
	return out;
}

/* The response to a challenge given in the clear, decoded for checks. */
static char *
respond(struct auth *a, const char *challenge, const char **why)
{
	char *in = b64(challenge), *out = auth_respond(a, in, strlen(in), why);
	char *plain = NULL;

	free(in);
	if (out) {
		gnutls_datum_t d = { (unsigned char *)out, strlen(out) }, raw;

		plain = xstrdup("");
		if (d.size && gnutls_base64_decode2(&d, &raw) >= 0) {
			free(plain);
			plain = xstrndup((char *)raw.data, raw.size);
			gnutls_free(raw.data);
		}
		free(out);
	}
	return plain;
}

static void
scram(enum auth_mode m, const char *nonce, const char *server_first,
    const char *client_final, const char *server_final, const char *name)
{
	struct auth a = { .mech = m, .user = "user", .password = "pencil",
	    .fixed_nonce = nonce };
	char *cmd = auth_command(&a), *first = b64(""), *want, *got;
	const char *why = "";

	free(first);
	want = xasprintf("n,,n=user,r=%s", nonce);
	first = b64(want);
	free(want);
	want = xasprintf("AUTH %s %s", auth_name(m), first);
	CHECK(!strcmp(cmd, want), "%s: client-first: %s", name, cmd);
	free(want);
	free(first);
	free(cmd);
	got = respond(&a, server_first, &why);
	CHECK(got && !strcmp(got, client_final), "%s: client-final: %s", name,
	    got ? got : why);
	free(got);
	CHECK(auth_done(&a, &why) == -1, "%s: 235 before the server's "
	    "signature is refused", name);
	got = respond(&a, server_final, &why);
	CHECK(got && !*got && auth_done(&a, &why) == 0, "%s: the server's "
	    "signature verifies; an empty response ends it", name);
	free(got);
	auth_clear(&a);
}

static void
scram_bad(const char *server_first, const char *server_final,
    const char *want, const char *name)
{
	struct auth a = { .mech = AUTH_SCRAM_SHA_1, .user = "user",
	    .password = "pencil", .fixed_nonce = "fyko+d2lbbFgONRv9qkxdawL" };
	char *cmd = auth_command(&a), *got;
	const char *why = "";

	free(cmd);
	got = respond(&a, server_first, &why);
	if (got && server_final) {
		free(got);
		got = respond(&a, server_final, &why);
	}
	CHECK(!got && strstr(why, want), "%s: %s", name, why);
	free(got);
	auth_clear(&a);
}

int
main(void)
{
	struct auth a = { .mech = AUTH_CRAM_MD5, .user = "tim",
	    .password = "tanstaaftanstaaf" };
	char *got, *cmd;
	const char *why = "";

	unit_suite = "auth";

	cmd = auth_command(&a);
	CHECK(!strcmp(cmd, "AUTH CRAM-MD5"), "CRAM-MD5: no initial response");
	free(cmd);
	got = respond(&a, "<1896.697170952@postoffice.reston.mci.net>", &why);
	CHECK(got && !strcmp(got, "tim b913a602c7eda7a495b4e6e7334d3890"),
	    "CRAM-MD5: RFC 2195's example: %s", got ? got : why);
	free(got);

	scram(AUTH_SCRAM_SHA_1, "fyko+d2lbbFgONRv9qkxdawL",
	    "r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,"
	    "i=4096",
	    "c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,"
	    "p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=",
	    "v=rmF9pqV8S7suAoZWja4dJRkFsKQ=", "SCRAM-SHA-1 (RFC 5802 5)");
	scram(AUTH_SCRAM_SHA_256, "rOprNGfwEbeRWgbNEkqO",
	    "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
	    "s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096",
	    "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
	    "p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=",
	    "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=",
	    "SCRAM-SHA-256 (RFC 7677 3)");

	scram_bad("r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,"
	    "s=QSXCR+Q6sek8bf92,i=4096", "v=AAAAAAAAAAAAAAAAAAAAAAAAAAA=",
	    "signature is wrong", "SCRAM: a wrong server signature");
	scram_bad("r=someoneelse3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096",
	    NULL, "does not extend ours", "SCRAM: a nonce not extending ours");
	scram_bad("r=fyko+d2lbbFgONRv9qkxdawL,s=QSXCR+Q6sek8bf92,i=4096",
	    NULL, "does not extend ours", "SCRAM: the nonce only ours");
	scram_bad("r=fyko+d2lbbFgONRv9qkxdawLx,s=QSXCR+Q6sek8bf92,i=9999999",
	    NULL, "iteration count", "SCRAM: an endless iteration count");
	scram_bad("r=fyko+d2lbbFgONRv9qkxdawLx,s=!!!,i=4096", NULL, "salt",
	    "SCRAM: a salt that is not base64");
	scram_bad("m=ext,r=fyko+d2lbbFgONRv9qkxdawLx,s=QSXCR+Q6sek8bf92,i=1",
	    NULL, "extension", "SCRAM: a mandatory extension");
	scram_bad("r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,"
	    "s=QSXCR+Q6sek8bf92,i=4096", "e=invalid-proof", "refused",
	    "SCRAM: the server's error");

	/* base64 from the server is checked strictly */
	a.mech = AUTH_LOGIN;
	a.step = 0;
	got = auth_respond(&a, "VXNlcm5hbWU6*", 13, &why);
	CHECK(!got && strstr(why, "base64"), "an invalid character: %s", why);
	got = auth_respond(&a, "VXNlcm5hbWU", 11, &why);
	CHECK(!got && strstr(why, "base64"), "a length that is no base64: %s",
	    why);
	a.step = 0;
	got = auth_respond(&a, "", 0, &why);
	CHECK(got && !strcmp(got, "dGlt"), "an empty challenge: LOGIN still "
	    "answers");
	free(got);

	/* auth = on: the strongest the server offers */
	CHECK(auth_choose(AUTH_AUTO, "PLAIN LOGIN CRAM-MD5 SCRAM-SHA-1 "
	    "SCRAM-SHA-256") == AUTH_SCRAM_SHA_256, "on: SCRAM-SHA-256 first");
	CHECK(auth_choose(AUTH_AUTO, "CRAM-MD5 LOGIN PLAIN") == AUTH_PLAIN,
	    "on: PLAIN before LOGIN and CRAM-MD5");
	CHECK(auth_choose(AUTH_AUTO, "cram-md5") == AUTH_CRAM_MD5,
	    "on: CRAM-MD5 when nothing else");
	CHECK(auth_choose(AUTH_SCRAM_SHA_1, "PLAIN") == AUTH_OFF,
	    "a mechanism named but not offered: none");
	CHECK(auth_one_step(AUTH_PLAIN) && !auth_one_step(AUTH_SCRAM_SHA_256) &&
	    !auth_one_step(AUTH_CRAM_MD5), "only PLAIN goes with MAIL");
	UNIT_EXIT();
}
