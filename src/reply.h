/* reply.h: reading and checking SMTP replies. */

#define REPLY_MAX_LINE	1000	/* RFC 5321 says 512; allow some slack */
#define REPLY_MAX_LINES	100

struct reply {
	int code;
	struct buf text;	/* the lines' text, '\n' between them */
};

/*
 * Reads one reply, within c->timeout seconds in all. Returns 0, or -1 with *f and why set: FAIL_TEMP when
 * the connection broke or timed out, FAIL_PROTO when the server broke the
 * protocol.
 */
int reply_read(struct conn *, struct reply *, enum fail *f, char *why,
    size_t);

/* The reply on one line, for messages; the caller frees it. */
char *reply_line(const struct reply *);

/* The RFC 3463 code of a reply on one line, "5.1.1", or "". */
void reply_enhanced(const char *line, char *out, size_t);
