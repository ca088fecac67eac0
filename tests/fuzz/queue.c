/*
 * fuzz/queue.c: the ID.env reader as a round-trip property (make fuzz).
 *
 * Each input is parsed as it is, and once more with the end line that
 * makes its checksum right appended, so that mutations reach the fields
 * behind the checksum. Whatever parses must be written back as the very
 * same bytes (there is one way to write each entry), and those must parse
 * again to an equal entry; anything else abort()s.
 */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <gnutls/gnutls.h>
#include <gnutls/crypto.h>

#include "queue.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
round_trip(const char *buf, size_t len)
{
	struct qentry e, again;
	char err[256], *out;
	size_t outlen;

	if (qentry_parse(buf, len, &e, err, sizeof(err)) != 0)
		return;
	if (qentry_format(&e, &out, &outlen, err, sizeof(err)) != 0 ||
	    outlen != len || memcmp(out, buf, len))
		abort();
	if (qentry_parse(out, outlen, &again, err, sizeof(err)) != 0 ||
	    !qentry_equal(&e, &again))
		abort();
	free(out);
	qentry_free(&e);
	qentry_free(&again);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned char d[32];
	char *buf = malloc(size + 69);
	size_t at = size;

	round_trip((const char *)data, size);
	memcpy(buf, data, size);
	gnutls_hash_fast(GNUTLS_DIG_SHA256, data, size, d);
	memcpy(buf + at, "end ", 4);
	at += 4;
	for (int i = 0; i < 32; i++, at += 2)
		snprintf(buf + at, 3, "%02x", d[i]);
	buf[at++] = '\n';
	round_trip(buf, at);
	free(buf);
	return 0;
}
