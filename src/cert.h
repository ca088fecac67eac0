/*
 * cert.h: X.509 certificates as smtpsend shows and pins them. Include
 * util.h first (struct buf).
 */

#include <stddef.h>

#define CERT_SHA256_LEN	32

/* A certificate's two digests: of its DER, and of its public key (SPKI). */
struct cert_digests {
	unsigned char der[CERT_SHA256_LEN];
	unsigned char spki[CERT_SHA256_LEN];
};

/* Fills d from a DER certificate; 0, or -1 if it does not parse. */
int cert_digests(const void *der, size_t len, struct cert_digests *d);

/*
 * Whether tls_fingerprint's value (pins separated by commas or blanks,
 * each a SHA-256 of the certificate in hex, colons optional, or a
 * sha256//BASE64 SPKI pin) matches. -1: the value is malformed (why set);
 * conf.c has checked it, so that is a bug.
 */
int cert_pins_match(const char *pins, const struct cert_digests *,
    const char **why);

/* The same syntax check without GnuTLS, for the config: NULL, or why. */
const char *cert_pins_check(const char *pins);

/* "sha256//BASE64" of the SPKI digest, for a tls_fingerprint line. */
void cert_spki_pin(const struct cert_digests *, char *out, size_t len);

/*
 * Appends lines describing the certificate: subject, issuer, validity,
 * the names it is valid for, its SHA-256 and its SPKI pin; each line
 * starts with indent. -1 if it does not parse.
 */
int cert_describe(const void *der, size_t len, const char *indent,
    struct buf *);

/* 1 if the certificate is its own issuer (a root). */
int cert_self_signed(const void *der, size_t len);

/* What a GnuTLS verification status means, in a few words. */
const char *cert_reason(unsigned status, int chain_len, int top_self_signed);
