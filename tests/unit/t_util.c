/* t_util.c: base64 (RFC 4648 vectors), line-break checks, buffers. */

#include <string.h>

#include "util.h"
#include "unit.h"

int
main(void)
{
	static const char *vec[][2] = {
		{ "", "" }, { "f", "Zg==" }, { "fo", "Zm8=" }, { "foo", "Zm9v" },
		{ "foob", "Zm9vYg==" }, { "fooba", "Zm9vYmE=" },
		{ "foobar", "Zm9vYmFy" },
	};
	char out[64];
	struct buf b = { 0 };
	size_t i;

	unit_suite = "util";
	for (i = 0; i < sizeof(vec) / sizeof(vec[0]); i++) {
		base64_encode(vec[i][0], strlen(vec[i][0]), out);
		CHECK(!strcmp(out, vec[i][1]), "base64 \"%s\" -> %s", vec[i][0],
		    out);
	}
	base64_encode("\0u\0p", 4, out);
	CHECK(!strcmp(out, "AHUAcA=="), "base64 with NULs (AUTH PLAIN)");

	CHECK(has_line_break("a\rb") && has_line_break("a\nb") &&
	    !has_line_break("ab"), "has_line_break");
	for (i = 0; i < 1000; i++)
		buf_printf(&b, "%zu,", i);
	CHECK(b.len == 3890 && !strncmp(b.data + b.len - 4, "999,", 4),
	    "buf grows (%zu)", b.len);
	buf_printf(&b, "%0600d", 7);
	CHECK(b.len == 4490 && b.data[b.len - 1] == '7', "long buf_printf");
	buf_free(&b);
	CHECK(exit_status(FAIL_TEMP) == 75 && exit_status(FAIL_USAGE) == 64 &&
	    exit_status(FAIL_DATA) == 65 && exit_status(FAIL_RCPT) == 67 &&
	    exit_status(FAIL_PERM) == 69 && exit_status(FAIL_PROTO) == 76 &&
	    exit_status(FAIL_AUTH) == 77 && exit_status(FAIL_CONFIG) == 78 &&
	    exit_status(FAIL_NONE) == 0, "failure classes map to sysexits");
	UNIT_EXIT();
}
