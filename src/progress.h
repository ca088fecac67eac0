/*
 * progress.h: a progress line on stderr while a large message goes out,
 * when stderr is a terminal or -v is given; nothing otherwise.
 */

#define PROGRESS_FROM	(4LL * 1024 * 1024)	/* smaller messages: none */

struct progress {
	int on;			/* 0: nothing to do, the one test per piece */
	int tty;		/* a line updated in place, else a line each */
	long long total;	/* octets expected, -1: unknown (a pipe) */
	long long done;
	long long start, next;	/* ms: the first piece, the next update */
	int shown;		/* a line was written */
	int width;		/* of the line on the screen, to blank it */
};

/* For a message of total octets (-1 if unknown). */
void progress_start(struct progress *, long long total);

/* n more octets handed to the session. */
void progress_step(struct progress *, size_t n);

/* The last state, and the line ended; nothing if none was shown. */
void progress_end(struct progress *);
