/* fuzz/addr.c: libFuzzer target for RFC 5322 address lists (make fuzz). */

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "util.h"
#include "addr.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct addrlist l = { 0 };
	const char *err;

	if (addr_parse_list((const char *)data, size, &l, &err) == 0) {
		for (size_t i = 0; i < l.n; i++) {
			/* spans must lie inside the input, for rewriting */
			if (l.v[i].start > l.v[i].end || l.v[i].end > size)
				abort();
			addr_check(l.v[i].spec);
		}
	}
	addrlist_free(&l);
	return 0;
}
