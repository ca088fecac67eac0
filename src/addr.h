/* addr.h: RFC 5322 address lists, reduced to the addr-specs SMTP needs. */

#include <stddef.h>

/* One mailbox found in an address list. */
struct addr {
	char *spec;		/* canonical addr-spec: local@domain, or a bare local name */
	size_t start, end;	/* where the addr-spec was written in the input */
};

struct addrlist {
	struct addr *v;
	size_t n, cap;
};

/*
 * Parse an address-list as found in To/Cc/Bcc (folded or not) or on the
 * command line: mailboxes, name-addr, groups, comments, quoted strings,
 * obsolete routes and empty list elements. Appends each mailbox to list.
 * Returns 0, or -1 with *err set to a static description of the problem
 * and list left as it was before the call.
 */
int addr_parse_list(const char *text, size_t len, struct addrlist *list,
    const char **err);

/*
 * Check an addr-spec before it goes into MAIL FROM or RCPT TO. Returns NULL
 * when it is usable, otherwise a static description of the problem.
 */
const char *addr_check(const char *spec);

void addrlist_free(struct addrlist *);
