/* wire.h: message bytes to SMTP wire form: CRLF line ends, dot-stuffing. */

#include <stddef.h>

struct wire {
	int stuff;		/* double a leading dot (DATA; BDAT sends lines as they are) */
	int stop_at_dot;	/* a line holding only "." ends the message (no -i) */

	/* carried between chunks */
	int bol;		/* at the beginning of a line */
	int after_cr;		/* last byte was CR: a following LF belongs to it */
	int dot_pending;	/* line so far is "." and might be the end */
	int ended;		/* the terminating "." line was seen */
	size_t linelen;		/* octets in the current line, CRLF excluded */
	unsigned long lineno;	/* current line, from 1 */
	unsigned long long_line; /* first line longer than WIRE_MAX_LINE, or 0 */
};

/* RFC 5321 4.5.3.1.6: 1000 octets with CRLF. */
#define WIRE_MAX_LINE 998

void wire_init(struct wire *, int stuff, int stop_at_dot);

/*
 * Encode n input bytes into out, which must hold WIRE_OUT_MAX(n) bytes.
 * Returns the number of bytes written. Input after the terminating dot
 * line is ignored (w->ended tells).
 */
size_t wire_encode(struct wire *, const char *in, size_t n, char *out);
#define WIRE_OUT_MAX(n) (2 * (n) + 2)

/* At end of input: end the last line if it has no line break (out >= 2). */
size_t wire_finish(struct wire *, char *out);
