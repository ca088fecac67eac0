/* serve.h: sendmail -bs, an SMTP dialogue with a client. */

#include <stddef.h>

#include "lines.h"

/* One message to relay: its envelope and the spooled body. */
struct delivery {
	const char *sender;	/* "" is the null sender */
	char **rcpts;
	size_t nrcpts;
	int body;		/* BODY= of MAIL: 7, 8 or 0 */
	int fd;			/* the message, at offset 0, dot-unstuffed */
};

/*
 * Relays one message. Returns a sysexits(3) status, 0 when the relay
 * took it, and leaves in report (size bytes, NUL-terminated) the lines
 * to tell the client: those starting "smtpsend: " become the reply.
 */
typedef int deliver_fn(void *ctx, const struct delivery *, char *report,
    size_t size);

struct serve_io {
	lines_read_fn *read;	/* the client's commands and messages */
	void *read_ctx;
	int out;		/* the replies */
	deliver_fn *deliver;
	void *deliver_ctx;
};

/*
 * Serves one session; each message is relayed before its final dot is
 * answered. Returns the exit status: 0, 74 when the client stopped
 * reading, 75 when it left with a transaction open.
 */
int serve(const struct serve_io *);

/* The deliver_fn of smtpsend -bs: a child runs submit(); ctx: options. */
int serve_relay(void *ctx, const struct delivery *, char *report,
    size_t size);
