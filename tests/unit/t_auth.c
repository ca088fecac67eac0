/*
 * t_auth.c: SASL mechanisms against the RFCs' own examples: CRAM-MD5 (RFC
 * 2195), SCRAM-SHA-1 (RFC 5802 5), SCRAM-SHA-256 (RFC 7677 3), OAUTHBEARER
 * (RFC 7628 4.1), XOAUTH2 (Google's documented encoding); SCRAM-PLUS
 * against a server side computed here; and what a hostile server might
 * send instead.
 */

#include <gnutls/crypto.h>
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

/* The AUTH line: the mechanism, then base64 of gs2 header and bare. */
static void
client_first(struct auth *a, const char *gs2, const char *bare,
    const char *name)
{
	char *cmd = auth_command(a), *msg = xasprintf("%s%s", gs2, bare);
	char *enc = b64(msg), *want = xasprintf("AUTH %s %s",
	    auth_name(a->mech), enc);

	CHECK(!strcmp(cmd, want), "%s: client-first, gs2 header %s: %s", name,
	    gs2, cmd);
	free(want);
	free(enc);
	free(msg);
	free(cmd);
}

static void
scram(enum auth_mode m, const char *nonce, const char *server_first,
    const char *client_final, const char *server_final, const char *name)
{
	struct auth a = { .mech = m, .user = "user", .password = "pencil",
	    .fixed_nonce = nonce };
	char *bare = xasprintf("n=user,r=%s", nonce), *got;
	const char *why = "";

	client_first(&a, "n,,", bare, name);
	free(bare);
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


/* A server's side of SCRAM-SHA-256, written from RFC 5802 3 apart from
 * auth.c: checks the client's proof, returns the v= to send, or NULL. */
static char *
scram_server(const char *client_first_bare, const char *server_first,
    const char *final_without_proof, const char *proof64, const char *pw,
    const unsigned char *salt, size_t saltlen, unsigned iter)
{
	unsigned char salted[32], ckey[32], stored[32], skey[32], csig[32],
	    ssig[32], proof[32];
	gnutls_datum_t p = { (unsigned char *)pw, strlen(pw) },
	    sd = { (unsigned char *)salt, saltlen };
	char *am = xasprintf("%s,%s,%s", client_first_bare, server_first,
	    final_without_proof), *v = NULL, proof_want[64];

	gnutls_pbkdf2(GNUTLS_MAC_SHA256, &p, &sd, iter, salted, 32);
	gnutls_hmac_fast(GNUTLS_MAC_SHA256, salted, 32, "Client Key", 10, ckey);
	gnutls_hash_fast(GNUTLS_DIG_SHA256, ckey, 32, stored);
	gnutls_hmac_fast(GNUTLS_MAC_SHA256, stored, 32, am, strlen(am), csig);
	for (int i = 0; i < 32; i++)
		proof[i] = ckey[i] ^ csig[i];
	base64_encode(proof, 32, proof_want);
	gnutls_hmac_fast(GNUTLS_MAC_SHA256, salted, 32, "Server Key", 10, skey);
	gnutls_hmac_fast(GNUTLS_MAC_SHA256, skey, 32, am, strlen(am), ssig);
	if (!strcmp(proof64, proof_want)) {
		char sig64[64];

		base64_encode(ssig, 32, sig64);
		v = xasprintf("v=%s", sig64);
	}
	free(am);
	return v;
}

/* SCRAM-SHA-256 with or without -PLUS, with a binding at hand. */
static void
scram_bound(enum auth_mode m, const char *gs2, const char *name)
{
	static const unsigned char cb[32] = "0123456789abcdef0123456789abcde";
	static const unsigned char salt[] = "pepper and salt";
	struct auth a = { .mech = m, .user = "user", .password = "pencil",
	    .fixed_nonce = "clientnonce", .cb_type = "tls-exporter",
	    .cb_len = sizeof(cb) };
	char *got, *want, *bare, *sfirst, *v, *c64, saltb64[64];
	const char *why = "", *proof;
	struct buf cbind = { 0 };

	memcpy(a.cb_data, cb, sizeof(cb));
	bare = xstrdup("n=user,r=clientnonce");
	client_first(&a, gs2, bare, name);
	base64_encode(salt, sizeof(salt) - 1, saltb64);
	sfirst = xasprintf("r=clientnonceSERVER,s=%s,i=4096", saltb64);
	got = respond(&a, sfirst, &why);
	buf_addstr(&cbind, gs2);
	if (auth_needs_binding(m))
		buf_add(&cbind, cb, sizeof(cb));
	c64 = malloc(BASE64_LEN(cbind.len));
	base64_encode(cbind.data, cbind.len, c64);
	want = xasprintf("c=%s,r=clientnonceSERVER", c64);
	CHECK(got && !strncmp(got, want, strlen(want)) &&
	    got[strlen(want)] == ',', "%s: c= is the gs2 header%s: %s", name,
	    auth_needs_binding(m) ? " and the binding" : "", got ? got : why);
	proof = got ? strstr(got, ",p=") : NULL;
	v = proof ? scram_server(bare, sfirst, want, proof + 3, "pencil", salt,
	    sizeof(salt) - 1, 4096) : NULL;
	CHECK(v != NULL, "%s: the server side accepts the proof", name);
	free(got);
	got = v ? respond(&a, v, &why) : NULL;
	CHECK(got && auth_done(&a, &why) == 0, "%s: and the client accepts "
	    "the server's signature", name);
	free(got);
	free(v);
	free(want);
	free(c64);
	buf_free(&cbind);
	free(sfirst);
	free(bare);
	auth_clear(&a);
}

/* The AUTH line or the response, decoded. */
static char *
decoded(const char *line)
{
	gnutls_datum_t d = { (unsigned char *)line, strlen(line) }, raw;
	char *out;

	if (gnutls_base64_decode2(&d, &raw) < 0)
		return xstrdup("(not base64)");
	out = xstrndup((char *)raw.data, raw.size);
	gnutls_free(raw.data);
	return out;
}

static void
oauth(void)
{
	struct auth a = { .mech = AUTH_XOAUTH2, .user = "someuser@example.com",
	    .password = "vF9dft4qmTc2Nvb3RlckBhdHRhdmlzdGEuY29tCg==" };
	struct auth o = { .mech = AUTH_OAUTHBEARER, .user = "user@example.com",
	    .password = "vF9dft4qmTc2Nvb3RlckBhbHRhdmlzdGEuY29tCg==",
	    .host = "server.example.com", .port = "143" };
	const char *json = "{\"status\":\"invalid_token\",\"scope\":\"mail\"}";
	char *cmd, *got, *in, token[4097];
	const char *why = "";

	cmd = auth_command(&a);
	CHECK(!strcmp(cmd, "AUTH XOAUTH2 dXNlcj1zb21ldXNlckBleGFtcGxlLmNvbQFhdX"
	    "RoPUJlYXJlciB2RjlkZnQ0cW1UYzJOdmIzUmxja0JoZEhSaGRtbHpkR0V1WTI5dENn"
	    "PT0BAQ=="), "XOAUTH2: the documented encoding: %s", cmd);
	free(cmd);
	in = b64(json);
	got = auth_respond(&a, in, strlen(in), &why);
	CHECK(got && !*got && !strcmp(a.error, json), "XOAUTH2: the error "
	    "challenge is kept and answered empty: %s", a.error);
	free(got);
	got = auth_respond(&a, in, strlen(in), &why);
	CHECK(!got, "XOAUTH2: a second challenge is a loop: %s", why);
	free(in);
	auth_clear(&a);

	cmd = auth_command(&o);
	CHECK(!strcmp(cmd, "AUTH OAUTHBEARER bixhPXVzZXJAZXhhbXBsZS5jb20sAWhvc3"
	    "Q9c2VydmVyLmV4YW1wbGUuY29tAXBvcnQ9MTQzAWF1dGg9QmVhcmVyIHZGOWRmdDRx"
	    "bVRjMk52YjNSbGNrQmhiSFJoZG1semRHRXVZMjl0Q2c9PQEB"),
	    "OAUTHBEARER: RFC 7628 4.1's example: %s", cmd);
	free(cmd);
	in = b64(json);
	got = auth_respond(&o, in, strlen(in), &why);
	CHECK(got && !strcmp(got, "AQ=="), "OAUTHBEARER: the error challenge "
	    "is answered with ^A (RFC 7628 3.2.3)");
	free(got);
	free(in);
	auth_clear(&o);

	/* an Azure token of 4 KiB: after an empty challenge, whole */
	memset(token, 'T', sizeof(token) - 1);
	token[sizeof(token) - 1] = '\0';
	o.password = token;
	cmd = auth_command(&o);
	CHECK(!strcmp(cmd, "AUTH OAUTHBEARER"), "a 4 KiB token is not put on "
	    "the AUTH line (RFC 4954 4: 512 octets)");
	free(cmd);
	got = auth_respond(&o, "x", 1, &why);
	CHECK(!got && strstr(why, "empty"), "a challenge that is not empty "
	    "where the initial response is asked for: %s", why);
	cmd = auth_command(&o);
	free(cmd);
	got = auth_respond(&o, "", 0, &why);
	in = got ? decoded(got) : NULL;
	CHECK(in && strstr(in, token) && !strncmp(in, "n,a=user@example.com,",
	    21), "the empty challenge gets the whole initial response");
	free(in);
	free(got);
	auth_clear(&o);

	/* a user with ',' and '=' is escaped in the gs2 header */
	o.user = "a,b=c";
	o.password = "t";
	o.host = o.port = NULL;
	cmd = auth_command(&o);
	in = decoded(cmd + strlen("AUTH OAUTHBEARER "));
	CHECK(!strcmp(in, "n,a=a=2Cb=3Dc,\001auth=Bearer t\001\001"),
	    "OAUTHBEARER: the user as a saslname, host and port optional");
	free(in);
	free(cmd);
	auth_clear(&o);
}

static void
external(void)
{
	struct auth a = { .mech = AUTH_EXTERNAL };
	char *cmd = auth_command(&a);

	CHECK(!strcmp(cmd, "AUTH EXTERNAL ="), "EXTERNAL: an empty "
	    "authorization identity is \"=\": %s", cmd);
	free(cmd);
	a.user = "relay-client";
	cmd = auth_command(&a);
	CHECK(!strcmp(cmd, "AUTH EXTERNAL cmVsYXktY2xpZW50"), "EXTERNAL: user "
	    "as the authorization identity: %s", cmd);
	free(cmd);
	CHECK(auth_one_step(AUTH_EXTERNAL), "EXTERNAL may go with MAIL");
	auth_clear(&a);
}

static void
base64_edges(void)
{
	struct auth a = { .mech = AUTH_CRAM_MD5, .user = "tim",
	    .password = "tanstaaftanstaaf" };
	size_t big = 1 << 20;
	char *raw = malloc(big), *in = malloc(BASE64_LEN(big)), *got, *plain;
	unsigned char mac[16];
	char hex[33];
	const char *why = "";

	got = auth_respond(&a, "====", 4, &why);
	CHECK(!got && strstr(why, "base64"), "padding only is not base64");
	a.step = 0;
	got = auth_respond(&a, "QQ=", 3, &why);
	CHECK(!got && strstr(why, "base64"), "short padding is not base64");
	a.step = 0;
	got = auth_respond(&a, "QUJD\nREVG", 9, &why);
	CHECK(!got && strstr(why, "base64"), "a line break inside is not "
	    "base64");
	/* a challenge of 1 MiB is answered over all of it */
	for (size_t i = 0; i < big; i++)
		raw[i] = (char)('!' + i % 90);
	base64_encode(raw, big, in);
	a.step = 0;
	got = auth_respond(&a, in, strlen(in), &why);
	gnutls_hmac_fast(GNUTLS_MAC_MD5, "tanstaaftanstaaf", 16, raw, big, mac);
	for (int i = 0; i < 16; i++)
		snprintf(hex + 2 * i, 3, "%02x", mac[i]);
	plain = got ? decoded(got) : NULL;
	CHECK(plain && !strncmp(plain, "tim ", 4) && !strcmp(plain + 4, hex),
	    "a 1 MiB challenge is answered over all of it");
	free(plain);
	free(got);
	free(raw);
	free(in);
}

static void
hints(void)
{
	CHECK(auth_hint(535, "535 5.7.139 Authentication unsuccessful, SmtpClie"
	    "ntAuthentication is disabled for the Tenant.") &&
	    strstr(auth_hint(535, "535 5.7.139 x"), "xoauth2"),
	    "Microsoft's 535 5.7.139: turn SMTP AUTH on, or use OAuth2");
	CHECK(auth_hint(535, "535 5.7.3 Authentication unsuccessful") &&
	    strstr(auth_hint(535, "535 5.7.3 x"), "OAuth2"),
	    "Microsoft's 535 5.7.3");
	CHECK(auth_hint(534, "534 5.7.9 Application-specific password "
	    "required.") && strstr(auth_hint(534, "534 5.7.9 x"),
	    "app password"), "Gmail's 534 5.7.9: an app password");
	CHECK(auth_hint(535, "535 5.7.8 Username and Password not accepted. "
	    "5.7.8 https://support.google.com/mail/?p=BadCredentials - gsmtp")
	    && strstr(auth_hint(535, "535 5.7.8 x - gsmtp"), "Gmail"),
	    "Gmail's 535 5.7.8");
	CHECK(!auth_hint(535, "535 5.7.1 no") && !auth_hint(535, "535 5.7.30 x")
	    && !auth_hint(454, "454 4.7.0 later"), "no hint for other replies");
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
	{
		struct auth u = { .mech = AUTH_SCRAM_SHA_256, .user = "user",
		    .password = "p\xc3\xa4ssword", .fixed_nonce = "n0nce" };
		char *c = auth_command(&u);

		free(c);
		got = respond(&u, "r=n0nceSRV,s=QSXCR+Q6sek8bf92,i=4096", &why);
		CHECK(!got && strstr(why, "SASLprep"), "SCRAM: a password that "
		    "is not ASCII is refused, not sent unprepared: %s", why);
		free(got);
		auth_clear(&u);
	}

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
	    "SCRAM-SHA-256", 0) == AUTH_SCRAM_SHA_256, "on: SCRAM-SHA-256 first");
	CHECK(auth_choose(AUTH_AUTO, "CRAM-MD5 LOGIN PLAIN", 0) == AUTH_PLAIN,
	    "on: PLAIN before LOGIN and CRAM-MD5");
	CHECK(auth_choose(AUTH_AUTO, "cram-md5", 0) == AUTH_CRAM_MD5,
	    "on: CRAM-MD5 when nothing else");
	CHECK(auth_choose(AUTH_SCRAM_SHA_1, "PLAIN", 0) == AUTH_OFF,
	    "a mechanism named but not offered: none");
	CHECK(auth_choose(AUTH_AUTO, "SCRAM-SHA-256 SCRAM-SHA-256-PLUS "
	    "SCRAM-SHA-1-PLUS", 1) == AUTH_SCRAM_SHA_256_PLUS,
	    "on, with a channel binding: SCRAM-SHA-256-PLUS first");
	CHECK(auth_choose(AUTH_AUTO, "SCRAM-SHA-256 SCRAM-SHA-256-PLUS", 0) ==
	    AUTH_SCRAM_SHA_256, "on, without one: SCRAM-SHA-256");
	CHECK(auth_choose(AUTH_AUTO, "SCRAM-SHA-1-PLUS SCRAM-SHA-1", 1) ==
	    AUTH_SCRAM_SHA_1_PLUS, "on: SCRAM-SHA-1-PLUS before SCRAM-SHA-1");
	CHECK(auth_choose(AUTH_SCRAM_SHA_256_PLUS, "SCRAM-SHA-256-PLUS", 0) ==
	    AUTH_OFF, "-PLUS named, no binding: none");
	CHECK(auth_choose(AUTH_AUTO, "XOAUTH2 OAUTHBEARER EXTERNAL", 1) ==
	    AUTH_OFF, "on never picks OAuth or EXTERNAL");
	CHECK(auth_choose(AUTH_XOAUTH2, "PLAIN XOAUTH2", 0) == AUTH_XOAUTH2 &&
	    auth_choose(AUTH_OAUTHBEARER, "oauthbearer", 0) ==
	    AUTH_OAUTHBEARER && auth_choose(AUTH_EXTERNAL, "EXTERNAL", 0) ==
	    AUTH_EXTERNAL, "OAuth and EXTERNAL when named");
	CHECK(auth_one_step(AUTH_PLAIN) && !auth_one_step(AUTH_SCRAM_SHA_256) &&
	    !auth_one_step(AUTH_CRAM_MD5) && !auth_one_step(AUTH_XOAUTH2) &&
	    !auth_one_step(AUTH_OAUTHBEARER), "PLAIN goes with MAIL, OAuth "
	    "does not");
	CHECK(auth_mode_of("scram-sha-256-plus") == AUTH_SCRAM_SHA_256_PLUS &&
	    !strcmp(auth_config_name(AUTH_XOAUTH2), "xoauth2") &&
	    auth_mode_of("GSSAPI") == AUTH_OFF, "names both ways");
	{
		char buf[64];

		CHECK(!strcmp(auth_known("GSSAPI NTLM LOGIN XOAUTH2 PLAIN", buf,
		    sizeof(buf)), "PLAIN LOGIN XOAUTH2"), "the mechanisms "
		    "known, best first: %s", buf);
	}

	scram_bound(AUTH_SCRAM_SHA_256_PLUS, "p=tls-exporter,,",
	    "SCRAM-SHA-256-PLUS");
	scram_bound(AUTH_SCRAM_SHA_256, "y,,", "SCRAM-SHA-256 over TLS "
	    "without -PLUS offered");
	oauth();
	external();
	base64_edges();
	hints();
	UNIT_EXIT();
}
