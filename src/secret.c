/*
 * secret.c: an account's password or OAuth2 token, from password_file or
 * password_command. Every buffer that held it is wiped before it is freed;
 * the command runs with nothing of ours but its standard error, in its own
 * process group, within timeout_password_command.
 */

#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "util.h"
#include "conf.h"

/* A buffer that holds a secret: wiped in full before it is freed. */
struct secret {
	char *data;
	size_t len, cap;
};

static void
secret_free(struct secret *s)
{
	wipe(s->data, s->cap);
	free(s->data);
	s->data = NULL;
	s->len = s->cap = 0;
}

/*
 * The password: the first line of what was read, in a buffer of its own
 * size. The whole buffer read is wiped and freed, whatever happens.
 * full says whether more followed than the buffer holds.
 */
static char *
first_line(struct secret *s, int full, const char *what)
{
	size_t len = 0;
	char *pw;

	while (len < s->len && s->data[len] != '\n' && s->data[len] != '\r')
		len++;
	if (len > CONF_MAX_SECRET || (len == s->len && full)) {
		secret_free(s);
		die(FAIL_CONFIG, "%s: the password is longer than %d bytes", what,
		    CONF_MAX_SECRET);
	}
	if (len == 0 || memchr(s->data, '\0', len)) {
		secret_free(s);
		die(FAIL_CONFIG, "%s gave an empty or binary password", what);
	}
	pw = xstrndup(s->data, len);
	secret_free(s);
	return pw;
}

static char *
password_from_file(const struct account *a)
{
	struct secret s = { 0 };
	struct stat st;
	char *what, *pw;
	ssize_t r;
	int fd = open_regular(a->password_file, 1, &st);

	if (fd == -2)
		die(FAIL_CONFIG, "%s: the password file is not a regular file",
		    a->password_file);
	if (fd == -1 && errno == ELOOP)
		die(FAIL_CONFIG, "password_file %s: a symbolic link, which "
		    "smtpsend does not follow: name the file itself",
		    a->password_file);
	if (fd == -1)
		die(FAIL_CONFIG, "password_file %s:", a->password_file);
	conf_check_trusted(&st, a->password_file, "the password file is ");
	conf_check_private(&st, a->password_file, "the password file");
	/* room for the longest password and its line end */
	s.cap = CONF_MAX_SECRET + 2;
	s.data = xmalloc(s.cap);
	while (s.len < s.cap && (r = read(fd, s.data + s.len,
	    s.cap - s.len)) != 0) {
		if (r < 0 && errno != EINTR) {
			secret_free(&s);
			die(FAIL_CONFIG, "password_file %s:", a->password_file);
		}
		if (r > 0)
			s.len += (size_t)r;
	}
	close(fd);
	what = xasprintf("password_file %s", a->password_file);
	pw = first_line(&s, s.len == s.cap, what);
	free(what);
	return pw;
}

/* The command took too long: it and its children are killed. */
static void
command_timed_out(const struct account *a, pid_t pid, struct secret *s)
{
	kill(-pid, SIGKILL);
	while (waitpid(pid, NULL, 0) == -1 && errno == EINTR)
		;
	secret_free(s);
	die(FAIL_CONFIG, "password_command timed out after %d s and was "
	    "killed; raise timeout_password_command if it needs longer",
	    a->timeout_password_command);
}

/* dup2, but a descriptor already in place loses its close-on-exec. */
static int
move_fd(int from, int to)
{
	if (from == to)
		return fcntl(to, F_SETFD, 0);
	return dup2(from, to) == -1 ? -1 : 0;
}

static char *
password_from_command(const struct account *a)
{
	struct secret s = { 0 };
	struct pollfd pfd_in;
	long long deadline = now_ms() + a->timeout_password_command * 1000LL;
	int pfd[2], null, status, full = 0;
	char drain[4096];
	pid_t pid;
	ssize_t r;

	if ((null = open("/dev/null", O_RDONLY | O_CLOEXEC)) == -1)
		die(FAIL_OS, "/dev/null:");
	if (pipe(pfd) == -1 || fcntl(pfd[0], F_SETFD, FD_CLOEXEC) == -1 ||
	    fcntl(pfd[1], F_SETFD, FD_CLOEXEC) == -1)
		die(FAIL_OS, "pipe:");
	if ((pid = fork()) == -1)
		die(FAIL_OS, "fork:");
	if (pid == 0) {
		/*
		 * stdin is the message: the command must not read it. Its
		 * own process group, so that a timeout kills its children
		 * too; nothing of ours but 0-2.
		 */
		setpgid(0, 0);
		signal(SIGPIPE, SIG_DFL);
		if (move_fd(null, 0) == -1 || move_fd(pfd[1], 1) == -1)
			_exit(127);
		closefrom(3);
		/* run for another user, it sees nothing of theirs */
		if (privileged) {
			static char *const clean[] = { "PATH=/usr/bin:/bin",
			    "HOME=/", NULL };
			gid_t g = getegid();

			/* wholly the group's, or the shell would drop it */
			if (setregid(g, g) == -1)
				_exit(127);

			execle("/bin/sh", "sh", "-c", a->password_command,
			    (char *)NULL, clean);
			_exit(127);
		}
		execl("/bin/sh", "sh", "-c", a->password_command, (char *)NULL);
		_exit(127);
	}
	setpgid(pid, pid);	/* either may run first */
	close(null);
	close(pfd[1]);
	s.cap = CONF_MAX_SECRET + 2;
	s.data = xmalloc(s.cap);
	pfd_in.fd = pfd[0];
	pfd_in.events = POLLIN;
	for (;;) {
		long long left = deadline - now_ms();
		int n;

		if (left <= 0)
			command_timed_out(a, pid, &s);
		if ((n = poll(&pfd_in, 1, left > INT_MAX ? INT_MAX :
		    (int)left)) == -1 && errno != EINTR)
			die(FAIL_OS, "poll:");
		if (n <= 0)
			continue;
		/* past the longest password, the rest is read and dropped */
		if (s.len < s.cap)
			r = read(pfd[0], s.data + s.len, s.cap - s.len);
		else
			r = read(pfd[0], drain, sizeof(drain));
		if (r == 0)
			break;
		if (r < 0 && errno != EINTR && errno != EAGAIN) {
			wipe(drain, sizeof(drain));
			secret_free(&s);
			die(FAIL_OS, "password_command: read:");
		}
		if (r > 0 && s.len < s.cap)
			s.len += (size_t)r;
		else if (r > 0)
			full = 1;
	}
	wipe(drain, sizeof(drain));
	close(pfd[0]);
	/* it closed its output; it must still exit in time */
	while ((r = waitpid(pid, &status, WNOHANG)) == 0 ||
	    (r == -1 && errno == EINTR)) {
		struct timespec tick = { 0, 10 * 1000 * 1000 };

		if (now_ms() >= deadline)
			command_timed_out(a, pid, &s);
		nanosleep(&tick, NULL);
	}
	if (r == -1)
		die(FAIL_OS, "waitpid:");
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		secret_free(&s);
		die(FAIL_CONFIG, "password_command failed (%s %d)",
		    WIFEXITED(status) ? "exit status" : "signal",
		    WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
	}
	return first_line(&s, full || s.len == s.cap, "password_command");
}

char *
conf_password(const struct account *a)
{
	if (a->password)
		return xstrdup(a->password);
	if (a->password_file)
		return password_from_file(a);
	if (a->password_command)
		return password_from_command(a);
	return NULL;
}

