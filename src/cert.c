/*
 * cert.c: certificates as smtpsend shows them (in errors and
 * --serverinfo) and pins them (tls_fingerprint). A pin is the SHA-256 of
 * the certificate's DER, or curl's sha256//BASE64 of its public key's
 * SubjectPublicKeyInfo, which survives a renewal with the same key.
 */

#include <sys/socket.h>

#include <arpa/inet.h>
#include <gnutls/gnutls.h>
#include <gnutls/crypto.h>
#include <gnutls/x509.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "util.h"
#include "cert.h"

#define SPKI_PREFIX	"sha256//"
#define SEPARATORS	", \t"

static int
hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* One pin of the list, decoded: 0, or -1 with why. */
static int
parse_pin(const char *p, size_t n, int *spki, unsigned char out[CERT_SHA256_LEN],
    const char **why)
{
	size_t pre = sizeof(SPKI_PREFIX) - 1, k = 0;

	if (n > pre && !strncasecmp(p, SPKI_PREFIX, pre)) {
		gnutls_datum_t in, bin;
		size_t i;
		int ok;

		*spki = 1;
		p += pre;
		n -= pre;
		/* 32 bytes are 44 base64 characters, one '=' of padding */
		if (n != 44 || p[43] != '=') {
			*why = "a sha256// pin is 44 base64 characters";
			return -1;
		}
		for (i = 0; i < 43; i++)
			if (!strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
			    "0123456789+/", p[i])) {
				*why = "a sha256// pin is base64";
				return -1;
			}
		in.data = (unsigned char *)p;
		in.size = (unsigned)n;
		if (gnutls_base64_decode2(&in, &bin) < 0) {
			*why = "a sha256// pin is base64";
			return -1;
		}
		if ((ok = bin.size == CERT_SHA256_LEN))
			memcpy(out, bin.data, CERT_SHA256_LEN);
		gnutls_free(bin.data);
		if (!ok)
			*why = "a sha256// pin is 44 base64 characters";
		return ok ? 0 : -1;
	}
	*spki = 0;
	/* 64 hex digits, or 32 pairs with a colon between each */
	if (n != 64 && n != 95) {
		*why = "a fingerprint is the SHA-256 in hex (64 digits, colons "
		    "optional) or sha256//BASE64";
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		int colon = n == 95 && i % 3 == 2, v = hex_value(p[i]);

		if (colon ? p[i] != ':' : v < 0) {
			*why = "a fingerprint is the SHA-256 in hex (64 digits, "
			    "colons optional) or sha256//BASE64";
			return -1;
		}
		if (!colon) {
			if (k % 2 == 0)
				out[k / 2] = (unsigned char)(v << 4);
			else
				out[k / 2] |= (unsigned char)v;
			k++;
		}
	}
	return 0;
}

/* Calls each pin in turn: 1 at the first match, 0 at none, -1 bad. */
static int
each_pin(const char *pins, const struct cert_digests *d, const char **why)
{
	const char *p = pins;
	int n = 0;

	for (;;) {
		unsigned char want[CERT_SHA256_LEN];
		size_t len;
		int spki;

		p += strspn(p, SEPARATORS);
		if (!*p)
			break;
		len = strcspn(p, SEPARATORS);
		if (parse_pin(p, len, &spki, want, why) == -1)
			return -1;
		n++;
		if (d && !memcmp(want, spki ? d->spki : d->der, sizeof(want)))
			return 1;
		p += len;
	}
	if (n == 0) {
		*why = "no fingerprint given";
		return -1;
	}
	return 0;
}

int
cert_pins_match(const char *pins, const struct cert_digests *d,
    const char **why)
{
	return each_pin(pins, d, why);
}

const char *
cert_pins_check(const char *pins)
{
	const char *why = NULL;

	return each_pin(pins, NULL, &why) == -1 ? why : NULL;
}

static int
import(const void *der, size_t len, gnutls_x509_crt_t *crt)
{
	gnutls_datum_t d = { (unsigned char *)der, (unsigned)len };

	if (gnutls_x509_crt_init(crt) < 0)
		return -1;
	if (gnutls_x509_crt_import(*crt, &d, GNUTLS_X509_FMT_DER) < 0) {
		gnutls_x509_crt_deinit(*crt);
		return -1;
	}
	return 0;
}

int
cert_digests(const void *der, size_t len, struct cert_digests *d)
{
	gnutls_x509_crt_t crt;
	size_t n = sizeof(d->spki);
	int r;

	if (gnutls_hash_fast(GNUTLS_DIG_SHA256, der, len, d->der) < 0 ||
	    import(der, len, &crt) == -1)
		return -1;
	/* the SHA-256 of the DER SubjectPublicKeyInfo, as curl pins it */
	r = gnutls_x509_crt_get_key_id(crt, GNUTLS_KEYID_USE_SHA256, d->spki,
	    &n);
	gnutls_x509_crt_deinit(crt);
	return r < 0 || n != sizeof(d->spki) ? -1 : 0;
}

void
cert_spki_pin(const struct cert_digests *d, char *out, size_t len)
{
	char b64[BASE64_LEN(CERT_SHA256_LEN)];

	base64_encode(d->spki, sizeof(d->spki), b64);
	snprintf(out, len, SPKI_PREFIX "%s", b64);
}

static void
add_time(struct buf *b, time_t t)
{
	char s[64];
	struct tm tm;

	if (t == (time_t)-1 || !gmtime_r(&t, &tm) ||
	    !strftime(s, sizeof(s), "%Y-%m-%d %H:%M:%S UTC", &tm))
		snprintf(s, sizeof(s), "?");
	buf_addstr(b, s);
}

/* The DNS names, addresses and e-mail names it is valid for. */
static void
add_names(struct buf *b, gnutls_x509_crt_t crt)
{
	int n = 0;

	for (unsigned i = 0;; i++) {
		unsigned char v[256];
		char ip[INET6_ADDRSTRLEN];
		size_t size = sizeof(v);
		int r = gnutls_x509_crt_get_subject_alt_name2(crt, i, v, &size,
		    NULL, NULL);

		if (r == GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE)
			break;
		if (r != GNUTLS_SAN_DNSNAME && r != GNUTLS_SAN_RFC822NAME &&
		    r != GNUTLS_SAN_IPADDRESS)
			continue;	/* too long, or a kind we don't show */
		if (n++)
			buf_addstr(b, ", ");
		if (r != GNUTLS_SAN_IPADDRESS)
			buf_add(b, v, size);
		else if ((size == 4 || size == 16) && inet_ntop(size == 4 ?
		    AF_INET : AF_INET6, v, ip, sizeof(ip)))
			buf_addstr(b, ip);
		else
			buf_addstr(b, "?");
	}
	if (n == 0) {
		/* no subjectAltName: clients fall back to the CN */
		buf_addstr(b, "(none; CN only)");
	}
}

int
cert_describe(const void *der, size_t len, const char *indent, struct buf *b)
{
	gnutls_x509_crt_t crt;
	gnutls_datum_t dn;
	struct cert_digests d;
	char pin[64];

	if (cert_digests(der, len, &d) == -1 || import(der, len, &crt) == -1)
		return -1;
	buf_printf(b, "%ssubject: ", indent);
	if (gnutls_x509_crt_get_dn3(crt, &dn, 0) >= 0) {
		buf_add(b, dn.data, dn.size);
		gnutls_free(dn.data);
	}
	buf_printf(b, "\n%sissuer: ", indent);
	if (gnutls_x509_crt_get_issuer_dn3(crt, &dn, 0) >= 0) {
		buf_add(b, dn.data, dn.size);
		gnutls_free(dn.data);
	}
	buf_printf(b, "\n%svalid: from ", indent);
	add_time(b, gnutls_x509_crt_get_activation_time(crt));
	buf_addstr(b, " until ");
	add_time(b, gnutls_x509_crt_get_expiration_time(crt));
	buf_printf(b, "\n%snames: ", indent);
	add_names(b, crt);
	buf_printf(b, "\n%ssha256: ", indent);
	for (size_t i = 0; i < sizeof(d.der); i++)
		buf_printf(b, "%02x", d.der[i]);
	cert_spki_pin(&d, pin, sizeof(pin));
	buf_printf(b, "\n%spin: %s\n", indent, pin);
	gnutls_x509_crt_deinit(crt);
	return 0;
}

int
cert_self_signed(const void *der, size_t len)
{
	gnutls_x509_crt_t crt;
	int r;

	if (import(der, len, &crt) == -1)
		return 0;
	r = gnutls_x509_crt_check_issuer(crt, crt) != 0;
	gnutls_x509_crt_deinit(crt);
	return r;
}

const char *
cert_reason(unsigned status, int chain_len, int top_self_signed)
{
	if (status & GNUTLS_CERT_REVOKED)
		return "the certificate has been revoked";
	if (status & GNUTLS_CERT_EXPIRED)
		return "a certificate in the chain has expired";
	if (status & GNUTLS_CERT_NOT_ACTIVATED)
		return "a certificate in the chain is not yet valid";
	if (status & (GNUTLS_CERT_SIGNER_NOT_FOUND | GNUTLS_CERT_SIGNER_NOT_CA)) {
		if (top_self_signed)
			return "issued by a CA that is not trusted here (not in "
			    "the trust store or tls_trust_file)";
		return chain_len > 1 ? "its issuer is unknown: the server "
		    "sent an incomplete chain (a missing intermediate "
		    "certificate?) or the CA is not trusted here" :
		    "its issuer is unknown: the server sent no intermediate "
		    "certificate (a missing intermediate?) or the CA is not "
		    "trusted here";
	}
	if (status & GNUTLS_CERT_INSECURE_ALGORITHM)
		return "the certificate uses an insecure algorithm";
	if (status & GNUTLS_CERT_SIGNATURE_FAILURE)
		return "a signature in the chain is not valid";
	if (status & GNUTLS_CERT_UNEXPECTED_OWNER)
		return "the certificate is not valid for this host name";
	return "the certificate is not trusted";
}
