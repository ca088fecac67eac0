/*
 * auth.c: SASL mechanisms as a table: each has a name, a place in the
 * order "auth = on" tries them in, an initial response and a step that
 * sees the server's challenge decoded. All crypto is GnuTLS's.
 *
 * SCRAM-SHA-256 and SCRAM-SHA-1 (RFC 5802, RFC 7677) prove the password
 * without sending it, and make the server prove it knows it too: a 235
 * without a valid server signature fails the session. Their -PLUS forms
 * also bind the login to this TLS session (tls-exporter on TLS 1.3, RFC
 * 9266; tls-unique below), so that a relay in the middle cannot pass it
 * on. Then PLAIN (RFC 4616), which sends everything with the AUTH command
 * and so may be pipelined with MAIL, LOGIN, and last CRAM-MD5 (RFC 2195),
 * whose server must keep the password in the clear. XOAUTH2 (Google's and
 * Microsoft's), OAUTHBEARER (RFC 7628) and EXTERNAL (RFC 4422 appendix A:
 * the TLS client certificate) are used only when named. Credentials only
 * ever go over TLS (smtp.c sees to that).
 */

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "conf.h"
#include "auth.h"
#include "util.h"

#define SCRAM_MAX_ITER	1000000	/* a hostile server can't make us spin */

struct mech {
	enum auth_mode mode;
	const char *name;
	int automatic;			/* auth = on may choose it */
	int plus;			/* needs the TLS channel binding */
	gnutls_mac_algorithm_t mac;	/* SCRAM's HMAC, CRAM-MD5's */
	gnutls_digest_algorithm_t hash;	/* SCRAM's H() */
	size_t len;			/* its output */
	/* the initial response (raw), or NULL for none */
	int (*start)(struct auth *, const struct mech *, struct buf *);
	/* the response to a decoded challenge; -1 with why */
	int (*step)(struct auth *, const struct mech *, const char *, size_t,
	    struct buf *, const char **why);
};

static int plain_start(struct auth *, const struct mech *, struct buf *);
static int login_step(struct auth *, const struct mech *, const char *,
    size_t, struct buf *, const char **);
static int cram_step(struct auth *, const struct mech *, const char *,
    size_t, struct buf *, const char **);
static int scram_start(struct auth *, const struct mech *, struct buf *);
static int scram_step(struct auth *, const struct mech *, const char *,
    size_t, struct buf *, const char **);
static int xoauth2_start(struct auth *, const struct mech *, struct buf *);
static int oauthbearer_start(struct auth *, const struct mech *,
    struct buf *);
static int oauth_step(struct auth *, const struct mech *, const char *,
    size_t, struct buf *, const char **);
static int external_start(struct auth *, const struct mech *, struct buf *);

/* In the order auth = on prefers them. */
static const struct mech mechs[] = {
	{ AUTH_SCRAM_SHA_256_PLUS, "SCRAM-SHA-256-PLUS", 1, 1,
	    GNUTLS_MAC_SHA256, GNUTLS_DIG_SHA256, 32, scram_start, scram_step },
	{ AUTH_SCRAM_SHA_256, "SCRAM-SHA-256", 1, 0, GNUTLS_MAC_SHA256,
	    GNUTLS_DIG_SHA256, 32, scram_start, scram_step },
	{ AUTH_SCRAM_SHA_1_PLUS, "SCRAM-SHA-1-PLUS", 1, 1, GNUTLS_MAC_SHA1,
	    GNUTLS_DIG_SHA1, 20, scram_start, scram_step },
	{ AUTH_SCRAM_SHA_1, "SCRAM-SHA-1", 1, 0, GNUTLS_MAC_SHA1,
	    GNUTLS_DIG_SHA1, 20, scram_start, scram_step },
	{ AUTH_PLAIN, "PLAIN", 1, 0, 0, 0, 0, plain_start, NULL },
	{ AUTH_LOGIN, "LOGIN", 1, 0, 0, 0, 0, NULL, login_step },
	{ AUTH_CRAM_MD5, "CRAM-MD5", 1, 0, GNUTLS_MAC_MD5, 0, 16, NULL,
	    cram_step },
	{ AUTH_XOAUTH2, "XOAUTH2", 0, 0, 0, 0, 0, xoauth2_start, oauth_step },
	{ AUTH_OAUTHBEARER, "OAUTHBEARER", 0, 0, 0, 0, 0, oauthbearer_start,
	    oauth_step },
	{ AUTH_EXTERNAL, "EXTERNAL", 0, 0, 0, 0, 0, external_start, NULL },
};

#define NMECHS (sizeof(mechs) / sizeof(mechs[0]))

static const struct mech *
mech_of(enum auth_mode m)
{
	for (size_t i = 0; i < NMECHS; i++)
		if (mechs[i].mode == m)
			return &mechs[i];
	return NULL;
}

const char *
auth_name(enum auth_mode m)
{
	const struct mech *me = mech_of(m);

	return me ? me->name : "none";
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
auth_choose(enum auth_mode wanted, const char *server_mechs,
    int channel_binding)
{
	const struct mech *me;

	if (wanted != AUTH_AUTO) {
		me = mech_of(wanted);
		return me && offered(server_mechs, me->name) &&
		    (!me->plus || channel_binding) ? wanted : AUTH_OFF;
	}
	for (size_t i = 0; i < NMECHS; i++)
		if (mechs[i].automatic && (!mechs[i].plus || channel_binding) &&
		    offered(server_mechs, mechs[i].name))
			return mechs[i].mode;
	return AUTH_OFF;
}

enum auth_mode
auth_mode_of(const char *name)
{
	for (size_t i = 0; i < NMECHS; i++)
		if (!strcasecmp(name, mechs[i].name))
			return mechs[i].mode;
	return AUTH_OFF;
}

const char *
auth_config_name(enum auth_mode m)
{
	/* one buffer per mechanism: two names may be in use at once */
	static char lower[NMECHS][32];
	const struct mech *me = mech_of(m);
	char *out;
	size_t i;

	if (!me)
		return m == AUTH_AUTO ? "on" : "off";
	out = lower[me - mechs];
	for (i = 0; me->name[i] && i < sizeof(lower[0]) - 1; i++)
		out[i] = (char)(me->name[i] >= 'A' && me->name[i] <= 'Z' ?
		    me->name[i] - 'A' + 'a' : me->name[i]);
	out[i] = '\0';
	return out;
}

const char *
auth_known(const char *server_mechs, char *buf, size_t size)
{
	size_t n = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < NMECHS; i++) {
		int w;

		if (!offered(server_mechs, mechs[i].name))
			continue;
		w = snprintf(buf + n, size - n, "%s%s", n ? " " : "",
		    mechs[i].name);
		if (w < 0 || (size_t)w >= size - n)
			break;
		n += (size_t)w;
	}
	return buf;
}

int
auth_needs_binding(enum auth_mode m)
{
	const struct mech *me = mech_of(m);

	return me && me->plus;
}

int
auth_one_step(enum auth_mode m)
{
	const struct mech *me = mech_of(m);

	return me && me->start && !me->step;
}

/* Base64 of a buffer that may hold a secret: sized once, then wiped. */
static char *
encode(const struct buf *b, const char *prefix)
{
	size_t plen = strlen(prefix);
	char *out = xmalloc(plen + BASE64_LEN(b->len));

	memcpy(out, prefix, plen);
	base64_encode(b->data ? b->data : "", b->len, out + plen);
	return out;
}

static void
wipe_buf(struct buf *b)
{
	wipe(b->data, b->cap);
	buf_free(b);
}

char *
auth_command(struct auth *a)
{
	const struct mech *me = mech_of(a->mech);
	struct buf ir = { 0 };
	char prefix[64], *line;

	a->step = 0;
	a->error[0] = '\0';
	if (a->pending) {
		wipestr(a->pending);
		free(a->pending);
		a->pending = NULL;
	}
	snprintf(prefix, sizeof(prefix), "AUTH %s", auth_name(a->mech));
	if (!me || !me->start || me->start(a, me, &ir) == -1) {
		wipe_buf(&ir);
		return xstrdup(prefix);
	}
	/* "=" stands for an empty initial response (RFC 4954 4) */
	if (ir.len == 0) {
		buf_free(&ir);
		return xasprintf("%s =", prefix);
	}
	strcat(prefix, " ");
	line = encode(&ir, prefix);
	if (strlen(line) > AUTH_LINE_MAX) {
		/* too long for the line: it answers the empty challenge */
		wipestr(line);
		free(line);
		a->pending = encode(&ir, "");
		prefix[strlen(prefix) - 1] = '\0';
		line = xstrdup(prefix);
	}
	wipe_buf(&ir);
	return line;
}

static int
base64_text(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
		    "0123456789+/=", s[i]) || s[i] == '\0')
			return 0;
	return 1;
}

char *
auth_respond(struct auth *a, const char *challenge, size_t len,
    const char **why)
{
	const struct mech *me = mech_of(a->mech);
	gnutls_datum_t in = { (unsigned char *)challenge, (unsigned)len }, raw;
	struct buf out = { 0 };
	char *line;
	int r;

	if (a->pending) {
		/* RFC 4422 5: the initial response goes after an empty one */
		if (len != 0) {
			*why = "the server sent a challenge where an empty one "
			    "asks for the initial response";
			return NULL;
		}
		line = a->pending;
		a->pending = NULL;
		return line;
	}
	*why = "unexpected AUTH challenge";
	if (++a->step > AUTH_MAX_STEPS || !me || !me->step)
		return NULL;
	raw.data = NULL;
	raw.size = 0;
	/*
	 * strict: an invalid character or length is the server's error, and
	 * so is a challenge of several lines, which GnuTLS would join
	 */
	if (len > 0 && (!base64_text(challenge, len) ||
	    gnutls_base64_decode2(&in, &raw) < 0)) {
		*why = "AUTH challenge is not valid base64";
		return NULL;
	}
	r = me->step(a, me, (const char *)raw.data, raw.size, &out, why);
	if (raw.data) {
		wipe(raw.data, raw.size);
		gnutls_free(raw.data);
	}
	if (r == -1) {
		wipe_buf(&out);
		return NULL;
	}
	line = encode(&out, "");
	wipe_buf(&out);
	return line;
}

int
auth_done(const struct auth *a, const char **why)
{
	const struct mech *me = mech_of(a->mech);

	if (me && me->step == scram_step && !a->verified) {
		*why = "the server accepted SCRAM without proving it knows the "
		    "password (no server signature)";
		return -1;
	}
	return 0;
}

void
auth_clear(struct auth *a)
{
	if (a->client_first_bare) {
		wipestr(a->client_first_bare);
		free(a->client_first_bare);
	}
	a->client_first_bare = NULL;
	if (a->pending) {
		wipestr(a->pending);
		free(a->pending);
	}
	a->pending = NULL;
	wipe(a->cb_data, sizeof(a->cb_data));
	a->cb_len = 0;
	wipe(a->server_signature, sizeof(a->server_signature));
	a->signature_len = 0;
}

/* PLAIN: authzid empty, NUL, authcid, NUL, password. */
static int
plain_start(struct auth *a, const struct mech *me, struct buf *out)
{
	size_t ulen = strlen(a->user), plen = strlen(a->password);

	(void)me;
	/* sized once: a buffer that grew would leave copies in freed memory */
	out->cap = ulen + plen + 3;
	out->data = xmalloc(out->cap);
	out->data[0] = '\0';
	memcpy(out->data + 1, a->user, ulen);
	out->data[ulen + 1] = '\0';
	memcpy(out->data + ulen + 2, a->password, plen);
	out->len = ulen + plen + 2;
	return 0;
}

static int
login_step(struct auth *a, const struct mech *me, const char *ch, size_t n,
    struct buf *out, const char **why)
{
	(void)me;
	(void)ch;
	(void)n;
	if (a->step > 2)
		return -1;
	buf_addstr(out, a->step == 1 ? a->user : a->password);
	(void)why;
	return 0;
}

static void
hex(const unsigned char *p, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++)
		snprintf(out + 2 * i, 3, "%02x", p[i]);
}

/* CRAM-MD5: "user HMAC-MD5(password, challenge)" in hex. */
static int
cram_step(struct auth *a, const struct mech *me, const char *ch, size_t n,
    struct buf *out, const char **why)
{
	unsigned char d[16];
	char h[33];

	if (a->step > 1 || n == 0) {
		*why = "unexpected CRAM-MD5 challenge";
		return -1;
	}
	if (gnutls_hmac_fast(me->mac, a->password, strlen(a->password), ch, n,
	    d) < 0) {
		*why = "HMAC-MD5 is not available";
		return -1;
	}
	hex(d, sizeof(d), h);
	buf_printf(out, "%s %s", a->user, h);
	wipe(d, sizeof(d));
	return 0;
}

/* A SCRAM name: '=' and ',' written =3D and =2C (RFC 5802 5.1). */
static void
add_saslname(struct buf *b, const char *s)
{
	for (; *s; s++)
		buf_addstr(b, *s == '=' ? "=3D" : *s == ',' ? "=2C" :
		    (char[2]){ *s, 0 });
}

static int
ascii_printable(const char *s)
{
	for (; *s; s++)
		if (*s < 0x20 || *s > 0x7e)
			return 0;
	return 1;
}

static int
scram_start(struct auth *a, const struct mech *me, struct buf *out)
{
	unsigned char rnd[18];
	struct buf bare = { 0 };

	if (a->fixed_nonce) {
		snprintf(a->nonce, sizeof(a->nonce), "%s", a->fixed_nonce);
	} else {
		if (gnutls_rnd(GNUTLS_RND_NONCE, rnd, sizeof(rnd)) < 0)
			return -1;
		base64_encode(rnd, sizeof(rnd), a->nonce);	/* 24, no ',' */
	}
	/*
	 * RFC 5802 6: "p=" binds to this TLS session; "y" says we could
	 * have, so that a server that can too knows -PLUS was stripped.
	 */
	if (me->plus && !a->cb_type)
		return -1;
	snprintf(a->gs2_header, sizeof(a->gs2_header), "%s%s%s,,",
	    me->plus ? "p=" : a->cb_type ? "y" : "n",
	    me->plus ? a->cb_type : "", "");
	buf_addstr(&bare, "n=");
	add_saslname(&bare, a->user);
	buf_printf(&bare, ",r=%s", a->nonce);
	free(a->client_first_bare);
	a->client_first_bare = bare.data;
	a->verified = 0;
	buf_printf(out, "%s%s", a->gs2_header, a->client_first_bare);
	return 0;
}

/* The value of attribute c in a SCRAM message: "c=value", or NULL. */
static const char *
attr(const char *msg, char c, size_t *len)
{
	for (const char *p = msg; *p; p += strcspn(p, ",") + (p[strcspn(p,
	    ",")] == ',')) {
		if (p[0] == c && p[1] == '=') {
			*len = strcspn(p + 2, ",");
			return p + 2;
		}
	}
	return NULL;
}

static int
hmac(const struct mech *me, const void *key, size_t klen, const void *msg,
    size_t mlen, unsigned char *out)
{
	return gnutls_hmac_fast(me->mac, key, klen, msg, mlen, out) < 0 ? -1 : 0;
}

/* The server's first message, then its last (the server signature). */
static int
scram_step(struct auth *a, const struct mech *me, const char *ch, size_t n,
    struct buf *out, const char **why)
{
	unsigned char salted[64], ckey[64], stored[64], csig[64], proof[64],
	    skey[64];
	char *msg = xstrndup(ch ? ch : "", n), proof64[BASE64_LEN(64)];
	const char *r, *s, *i, *v;
	size_t rl, sl, il, vl, k;
	gnutls_datum_t salt64, salt = { NULL, 0 }, pw;
	struct buf am = { 0 }, final = { 0 }, cbind = { 0 };
	char *cbind64 = NULL;
	unsigned long iter;
	int rc = -1;

	if (strlen(msg) != n) {
		*why = "SCRAM message holds a NUL byte";
		goto out;
	}
	if (a->step == 2) {
		/* server-final: v=signature, or e=error */
		if (attr(msg, 'e', &vl)) {
			*why = "the server refused SCRAM (e=)";
			goto out;
		}
		v = attr(msg, 'v', &vl);
		salt64.data = (unsigned char *)v;
		salt64.size = v ? (unsigned)vl : 0;
		if (!v || gnutls_base64_decode2(&salt64, &salt) < 0 ||
		    salt.size != a->signature_len ||
		    gnutls_memcmp(salt.data, a->server_signature,
		    a->signature_len) != 0) {
			*why = "the server's SCRAM signature is wrong: it does "
			    "not know the password (or is not the relay)";
			goto out;
		}
		a->verified = 1;
		rc = 0;		/* an empty response ends the exchange */
		goto out;
	}
	if (a->step != 1 || !a->client_first_bare) {
		*why = "unexpected SCRAM challenge";
		goto out;
	}
	if (msg[0] == 'm') {
		*why = "the server requires a SCRAM extension (m=)";
		goto out;
	}
	r = attr(msg, 'r', &rl);
	s = attr(msg, 's', &sl);
	i = attr(msg, 'i', &il);
	if (!r || !s || !i || il == 0 || il > 7 ||
	    strspn(i, "0123456789") < il) {
		*why = "malformed SCRAM server-first message";
		goto out;
	}
	/* the server's nonce must extend ours */
	if (rl <= strlen(a->nonce) || strncmp(r, a->nonce, strlen(a->nonce))) {
		*why = "the server's SCRAM nonce does not extend ours";
		goto out;
	}
	iter = strtoul(i, NULL, 10);
	if (iter == 0 || iter > SCRAM_MAX_ITER) {
		*why = "SCRAM iteration count out of range";
		goto out;
	}
	salt64.data = (unsigned char *)s;
	salt64.size = (unsigned)sl;
	if (sl == 0 || gnutls_base64_decode2(&salt64, &salt) < 0) {
		*why = "SCRAM salt is not valid base64";
		goto out;
	}
	/* SASLprep of an ASCII password is the password itself */
	if (!ascii_printable(a->password)) {
		*why = "SCRAM with a non-ASCII password needs SASLprep, which "
		    "smtpsend does not do: use auth = plain over TLS";
		goto out;
	}
	pw.data = (unsigned char *)a->password;
	pw.size = (unsigned)strlen(a->password);
	if (gnutls_pbkdf2(me->mac, &pw, &salt, (unsigned)iter, salted,
	    me->len) < 0 ||
	    hmac(me, salted, me->len, "Client Key", 10, ckey) == -1 ||
	    gnutls_hash_fast(me->hash, ckey, me->len, stored) < 0 ||
	    hmac(me, salted, me->len, "Server Key", 10, skey) == -1) {
		*why = "SCRAM's hash is not available";
		goto out;
	}
	/* c= is the gs2 header, and with -PLUS the binding data after it */
	buf_addstr(&cbind, a->gs2_header);
	if (me->plus)
		buf_add(&cbind, a->cb_data, a->cb_len);
	cbind64 = encode(&cbind, "c=");
	buf_printf(&final, "%s,r=%.*s", cbind64, (int)rl, r);
	buf_printf(&am, "%s,%s,%s", a->client_first_bare, msg, final.data);
	if (hmac(me, stored, me->len, am.data, am.len, csig) == -1 ||
	    hmac(me, skey, me->len, am.data, am.len,
	    a->server_signature) == -1) {
		*why = "SCRAM's HMAC is not available";
		goto out;
	}
	a->signature_len = me->len;
	for (k = 0; k < me->len; k++)
		proof[k] = ckey[k] ^ csig[k];
	base64_encode(proof, me->len, proof64);
	buf_printf(out, "%s,p=%s", final.data, proof64);
	rc = 0;
out:
	wipe(salted, sizeof(salted));
	wipe(ckey, sizeof(ckey));
	wipe(stored, sizeof(stored));
	wipe(csig, sizeof(csig));
	wipe(proof, sizeof(proof));
	wipe(skey, sizeof(skey));
	wipe(proof64, sizeof(proof64));
	if (salt.data)
		gnutls_free(salt.data);
	wipe_buf(&am);
	wipe_buf(&final);
	wipe_buf(&cbind);
	free(cbind64);
	free(msg);
	return rc;
}

/* XOAUTH2: "user=" user ^A "auth=Bearer " token ^A ^A. */
static int
xoauth2_start(struct auth *a, const struct mech *me, struct buf *out)
{
	size_t ulen = strlen(a->user), tlen = strlen(a->password);

	(void)me;
	out->cap = ulen + tlen + 21;	/* sized once, as for PLAIN */
	out->data = xmalloc(out->cap);
	out->len = (size_t)snprintf(out->data, out->cap,
	    "user=%s\001auth=Bearer %s\001\001", a->user, a->password);
	return 0;
}

/*
 * OAUTHBEARER (RFC 7628 3.1): a gs2 header naming the user, then host,
 * port and the token as key=value pairs, each ended by ^A.
 */
static int
oauthbearer_start(struct auth *a, const struct mech *me, struct buf *out)
{
	struct buf name = { 0 };

	(void)me;
	add_saslname(&name, a->user);
	out->cap = name.len + strlen(a->password) + 64 +
	    (a->host ? strlen(a->host) : 0) + (a->port ? strlen(a->port) : 0);
	out->data = xmalloc(out->cap);
	out->len = (size_t)snprintf(out->data, out->cap, "n,a=%s,\001", name.data);
	if (a->host)
		out->len += (size_t)snprintf(out->data + out->len,
		    out->cap - out->len, "host=%s\001", a->host);
	if (a->port)
		out->len += (size_t)snprintf(out->data + out->len,
		    out->cap - out->len, "port=%s\001", a->port);
	out->len += (size_t)snprintf(out->data + out->len, out->cap - out->len,
	    "auth=Bearer %s\001\001", a->password);
	buf_free(&name);
	return 0;
}

/*
 * A challenge after an OAuth initial response is the server's error, as
 * JSON (RFC 7628 3.2.2): kept for the message, answered with what ends the
 * exchange (^A for OAUTHBEARER, nothing for XOAUTH2), and a 535 follows.
 */
static int
oauth_step(struct auth *a, const struct mech *me, const char *ch, size_t n,
    struct buf *out, const char **why)
{
	size_t k = 0;

	if (a->step > 1) {
		*why = "unexpected challenge after the OAuth error";
		return -1;
	}
	for (size_t i = 0; i < n && k < sizeof(a->error) - 1; i++)
		if (ch[i] >= 0x20 && ch[i] <= 0x7e)
			a->error[k++] = ch[i];
	a->error[k] = '\0';
	if (me->mode == AUTH_OAUTHBEARER)
		buf_add(out, "\001", 1);
	return 0;
}

/* EXTERNAL: the certificate says who we are; user, if set, whom we act as. */
static int
external_start(struct auth *a, const struct mech *me, struct buf *out)
{
	(void)me;
	if (a->user)
		buf_addstr(out, a->user);
	return 0;
}

/* What known providers' refusals mean, by code, enhanced code and text. */
static const struct {
	int code;
	const char *enhanced;	/* at the start of the text */
	const char *needle;	/* in the text, or NULL */
	const char *hint;
} hints[] = {
	{ 535, "5.7.139", NULL, "the tenant or the mailbox has SMTP AUTH "
	    "turned off (Microsoft 365): an administrator can turn on "
	    "authenticated SMTP for the mailbox, or log in with OAuth2: "
	    "auth = xoauth2 and password_command printing the access token" },
	{ 535, "5.7.3", NULL, "Microsoft 365 refused the user or password; "
	    "where Basic authentication is off, only OAuth2 works: "
	    "auth = xoauth2 and password_command printing the access token" },
	{ 534, "5.7.9", NULL, "Gmail wants an app password (Google account, "
	    "Security, 2-Step Verification, App passwords) in password_file, "
	    "or OAuth2: auth = oauthbearer with password_command printing the "
	    "access token" },
	{ 535, "5.7.8", "gsmtp", "Gmail refused the user or password: user "
	    "is the whole address, and password an app password, not the "
	    "account's; with OAuth2 the token may have expired" },
};

const char *
auth_hint(int code, const char *text)
{
	size_t n = sizeof(hints) / sizeof(hints[0]);

	if (!text)
		return NULL;
	/* the engine's reply lines start with the code: skip it */
	if (strspn(text, "0123456789") == 3 && text[3] == ' ')
		text += 4;
	for (size_t i = 0; i < n; i++) {
		size_t elen = strlen(hints[i].enhanced);

		if (hints[i].code != code ||
		    strncmp(text, hints[i].enhanced, elen) ||
		    (text[elen] != ' ' && text[elen] != '\0'))
			continue;
		if (hints[i].needle && !strstr(text, hints[i].needle))
			continue;
		return hints[i].hint;
	}
	return NULL;
}
