/*
 * fuzz/msg.c: libFuzzer target for header parsing, -t extraction and
 * rewriting (make fuzz). Inputs that the checks reject end the process by design, so
 * those (NUL, CR, lines near the length limit) are skipped here.
 */

#define _GNU_SOURCE
#include <sys/mman.h>

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util.h"
#include "addr.h"
#include "msg.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static char *
mark(void *ctx, const char *spec, int recipient)
{
	char *out = malloc(strlen(spec) + 3);

	(void)ctx;
	strcpy(out, spec);
	strcat(out, recipient ? "+r" : "+s");
	return out;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rewrite rw = { .from_addr = "a@example.org",
	    .id_domain = "example.org", .address = mark };
	struct message m;
	const char *p;
	int fd;

	if (size > 900 || memchr(data, '\0', size) || memchr(data, '\r', size))
		return 0;
	if ((fd = memfd_create("message", 0)) == -1 ||
	    write(fd, data, size) != (ssize_t)size)
		abort();
	lseek(fd, 0, SEEK_SET);
	msg_open(&m, fd, size & 1);
	msg_read_header(&m);
	{
		struct addrlist l = { 0 };
		char why[256];

		/* -t: every address found is one that could go into RCPT */
		if (msg_recipients(&m, &l, why, sizeof(why)) == 0)
			for (size_t i = 0; i < l.n; i++)
				if (strpbrk(l.v[i].spec, "\r\n<>") &&
				    !addr_check(l.v[i].spec))
					abort();
		addrlist_free(&l);
	}
	msg_rewrite(&m, &rw);
	msg_estimate(&m);
	while (msg_next(&m, &p) > 0)
		;
	msg_free(&m);
	close(fd);
	return 0;
}
