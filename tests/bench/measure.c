/*
 * measure.c: runs a command for make bench and prints, as one line on
 * stdout, its wall time, user and system CPU time (seconds), peak
 * resident set size (KiB) and exit status (-1 if killed by a signal):
 *
 *	0.001234 0.000800 0.000400 3456 0
 *
 * usage: measure [-i file] command [arg ...]
 *
 * The command's standard input is file (else /dev/null) and its standard
 * output goes to standard error. Why not measure from the Python runner:
 * Linux carries the high-water RSS of the address space a process leaves
 * at execve(2) into its ru_maxrss, so every command forked (or vforked,
 * as posix_spawn does) from a Python parent would show at least the
 * parent's peak. Forked from this small program, it shows its own.
 */

#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double
seconds(struct timeval tv)
{
	return tv.tv_sec + tv.tv_usec / 1e6;
}

int
main(int argc, char *argv[])
{
	const char *input = "/dev/null";
	struct timespec t0, t1;
	struct rusage ru;
	int argi = 1, in, status;
	pid_t pid;

	if (argc > 2 && !strcmp(argv[1], "-i")) {
		input = argv[2];
		argi = 3;
	}
	if (argi >= argc) {
		fputs("usage: measure [-i file] command [arg ...]\n", stderr);
		return 64;
	}
	if ((in = open(input, O_RDONLY)) == -1) {
		fprintf(stderr, "measure: %s: %s\n", input, strerror(errno));
		return 66;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if ((pid = fork()) == -1) {
		perror("measure: fork");
		return 71;
	}
	if (pid == 0) {
		dup2(in, 0);
		dup2(2, 1);
		close(in);
		execvp(argv[argi], argv + argi);
		fprintf(stderr, "measure: %s: %s\n", argv[argi],
		    strerror(errno));
		_exit(127);
	}
	while (wait4(pid, &status, 0, &ru) == -1)
		if (errno != EINTR) {
			perror("measure: wait4");
			return 71;
		}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("%.6f %.6f %.6f %ld %d\n", (t1.tv_sec - t0.tv_sec) +
	    (t1.tv_nsec - t0.tv_nsec) / 1e9, seconds(ru.ru_utime),
	    seconds(ru.ru_stime), ru.ru_maxrss,
	    WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	return 0;
}
