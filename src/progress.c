/*
 * progress.c: octets sent, rate and time left, at most four times a
 * second, the first as soon as the message is under way. A message under
 * PROGRESS_FROM shows nothing; one of unknown size (a pipe) shows once
 * that much has gone. On a terminal the line is
 * rewritten in place with \r; with -v into a file, a line every second.
 */

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "util.h"
#include "progress.h"

#define MIB (1024.0 * 1024.0)

void
progress_start(struct progress *p, long long total)
{
	memset(p, 0, sizeof(*p));
	p->tty = isatty(2);
	p->total = total;
	p->on = (p->tty || verbose) && (total < 0 || total >= PROGRESS_FROM);
}

static void
show(struct progress *p, long long now, int last)
{
	double secs = (now - p->start) / 1000.0, rate;
	char line[160];
	int n;

	rate = secs > 0 ? p->done / secs : 0;
	n = snprintf(line, sizeof(line), "%s: %.1f MiB", progname,
	    p->done / MIB);
	if (p->total > 0 && n < (int)sizeof(line))
		n += snprintf(line + n, sizeof(line) - n, " of %.1f MiB (%d%%)",
		    p->total / MIB, (int)(p->done * 100 / p->total));
	if (rate > 0 && n < (int)sizeof(line))
		n += snprintf(line + n, sizeof(line) - n, ", %.1f MiB/s",
		    rate / MIB);
	if (!last && rate > 0 && p->total > p->done && n < (int)sizeof(line))
		n += snprintf(line + n, sizeof(line) - n, ", %lld s left",
		    (long long)((p->total - p->done) / rate + 0.5));
	if (n >= (int)sizeof(line))
		n = sizeof(line) - 1;
	p->shown = 1;
	if (p->tty) {
		/* blanks over what a longer line before left */
		fprintf(stderr, "\r%s%*s%s", line, p->width > n ?
		    p->width - n : 0, "", last ? "\n" : "");
		p->width = n;
		stderr_midline = !last;
	} else {
		fprintf(stderr, "%s\n", line);
	}
}

void
progress_step(struct progress *p, size_t n)
{
	long long now = now_ms();

	if (p->done == 0 && !p->start)
		p->start = now;
	p->done += n;
	if (p->total < 0 && p->done < PROGRESS_FROM)
		return;
	if (now < p->next)
		return;
	p->next = now + (p->tty ? 250 : 1000);
	show(p, now, 0);
}

void
progress_end(struct progress *p)
{
	if (p->on && p->shown)
		show(p, now_ms(), 1);
	p->on = 0;
}
