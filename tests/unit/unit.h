/* unit.h: the smallest test harness: one "ok"/"not ok" line per check. */

#include <stdarg.h>
#include <stdio.h>

static int unit_failed;
static const char *unit_suite = "unit";

static void __attribute__((unused))
unit_report(int ok, const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	printf("%s %s: ", ok ? "ok" : "not ok", unit_suite);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	if (!ok) {
		printf(" (%s:%d)", file, line);
		unit_failed++;
	}
	putchar('\n');
	fflush(stdout);
}

#define CHECK(cond, ...) unit_report(!!(cond), __FILE__, __LINE__, __VA_ARGS__)
#define UNIT_EXIT() return unit_failed ? 1 : 0

#include <sys/wait.h>
#include <string.h>
#include <unistd.h>

/*
 * Runs fn(arg) in a child, as code that ends by die() must be run.
 * Returns the child's exit status (or 128 + signal) and its stderr.
 */
static int __attribute__((unused))
unit_exit_status(void (*fn)(void *), void *arg, char *err, size_t errlen)
{
	int pfd[2], status;
	size_t n = 0;
	ssize_t r;
	pid_t pid;

	fflush(stdout);
	if (pipe(pfd) == -1 || (pid = fork()) == -1)
		return -1;
	if (pid == 0) {
		dup2(pfd[1], 2);
		close(pfd[0]);
		fn(arg);
		_exit(0);
	}
	close(pfd[1]);
	while (n + 1 < errlen && (r = read(pfd[0], err + n, errlen - n - 1)) > 0)
		n += r;
	/* one report line per check: fold the child's lines */
	while (n > 0 && err[n - 1] == '\n')
		n--;
	err[n] = '\0';
	for (char *p = err; (p = strchr(p, '\n')); )
		*p = '|';
	close(pfd[0]);
	waitpid(pid, &status, 0);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
