/*
 * The hooks that run in the container namespace: createContainer (before
 * pivot_root, so the path resolves in the runtime namespace as the spec
 * says) and startContainer (after `berth start`, path resolved in the
 * container). Each gets the container state on stdin, its own args and
 * env, and is killed after its timeout; its stdout and stderr are kept
 * for the error. A failing hook fails the step.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "init.h"

static const char *kind_name(uint32_t kind)
{
	return kind == HOOK_CREATE_CONTAINER ? "createContainer" : "startContainer";
}

/* The first OUT_MAX bytes of a hook's stdout and stderr (one pipe) go
 * into its error, folded onto one line. */
#define OUT_MAX 1024

struct hook_run {
	const struct hook_entry *h;
	unsigned index; /* among the hooks of its kind: #n in the error */
	char out[OUT_MAX + 1];
	size_t out_len;
};

/* fail reports the hook as failing, with its output, in the words runc
 * uses: `error running <kind> hook #<n>: ` (runc's hooks.bats and the
 * engines that show hook errors read it). Never returns. */
__attribute__((noreturn)) static void fail(struct hook_run *r, const char *what)
{
	size_t n = r->out_len;
	while (n && (r->out[n - 1] == '\n' || r->out[n - 1] == ' '))
		n--;
	char folded[OUT_MAX * 3 + 1];
	size_t m = 0;
	for (size_t i = 0; i < n; i++) {
		if (r->out[i] == '\n') {
			memcpy(folded + m, " | ", 3);
			m += 3;
		} else {
			folded[m++] = r->out[i];
		}
	}
	folded[m] = 0;
	bail_hook(0, "error running %s hook #%u: %s: %s%s%s", kind_name(r->h->kind), r->index,
		  r->h->path, what, m ? ", output: " : "", folded);
}

/* drain reads what the hook wrote (the pipe is non-blocking); it returns
 * 0 at EOF. */
static int drain(struct hook_run *r, int fd)
{
	char buf[4096];
	for (;;) {
		ssize_t k = read(fd, buf, sizeof(buf));
		if (k == 0)
			return 0;
		if (k < 0)
			return errno == EINTR || errno == EAGAIN ? 1 : 0;
		size_t keep = OUT_MAX - r->out_len < (size_t)k ? OUT_MAX - r->out_len : (size_t)k;
		memcpy(r->out + r->out_len, buf, keep);
		r->out_len += keep;
	}
}

/* wait_hook collects the hook's output until it exits, for at most its
 * timeout (0: no limit), and returns its wait status. A hook that leaves
 * a child holding the pipe open does not hold the init: its exit ends
 * the wait. */
static int wait_hook(struct hook_run *r, pid_t pid, int out)
{
	int status;
	int pfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (pfd < 0)
		bail_hook(errno, "pidfd_open of %s hook", kind_name(r->h->kind));
	struct timespec now, end;
	clock_gettime(CLOCK_MONOTONIC, &end);
	end.tv_sec += r->h->timeout;
	int open_out = 1;
	for (;;) {
		struct pollfd pf[2] = {{pfd, POLLIN, 0}, {open_out ? out : -1, POLLIN, 0}};
		int wait_ms = -1;
		if (r->h->timeout) {
			clock_gettime(CLOCK_MONOTONIC, &now);
			long long left = (end.tv_sec - now.tv_sec) * 1000LL + (end.tv_nsec - now.tv_nsec) / 1000000;
			wait_ms = left < 0 ? 0 : left > 2000000000 ? 2000000000 : (int)left;
		}
		int k = poll(pf, 2, wait_ms);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			bail_hook(errno, "wait for %s hook %s", kind_name(r->h->kind), r->h->path);
		if (pf[1].revents)
			open_out = drain(r, out);
		if (pf[0].revents)
			break;
		if (k == 0) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			close(pfd);
			char what[64];
			snprintf(what, sizeof(what), "timed out after %u s", r->h->timeout);
			fail(r, what);
		}
	}
	close(pfd);
	if (open_out)
		drain(r, out);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			bail_hook(errno, "wait for %s hook %s", kind_name(r->h->kind), r->h->path);
	return status;
}

/* hook_env: a hook without env of its own gets what runc gives it: a
 * startContainer hook the process's environment (HOME included, as
 * set_home left it), a createContainer hook none. */
static char *const *hook_env(const struct plan *p, const struct hook_entry *h)
{
	static const char *none[] = {NULL};
	if (h->env.n)
		return (char *const *)h->env.v;
	if (h->kind == HOOK_START_CONTAINER && p->env.n)
		return (char *const *)p->env.v;
	return (char *const *)none;
}

static void run_hook(const struct plan *p, struct hook_run *r, const char *state, size_t state_len)
{
	const struct hook_entry *h = r->h;
	int in[2], out[2];
	if (pipe2(in, O_CLOEXEC) < 0 || pipe2(out, O_CLOEXEC) < 0)
		bail("pipe for %s hook", kind_name(h->kind));
	pid_t pid = fork();
	if (pid < 0)
		bail("fork %s hook", kind_name(h->kind));
	if (pid == 0) {
		/* argv as written in the config: args[0] is argv[0], path is
		 * what runs */
		const char *argv0[] = {h->path, NULL};
		if (dup2(in[0], 0) < 0 || dup2(out[1], 1) < 0 || dup2(out[1], 2) < 0)
			_exit(127);
		execve(h->path, (char *const *)(h->args.n ? h->args.v : argv0), hook_env(p, h));
		dprintf(2, "exec %s: %s\n", h->path, strerror(errno));
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	fcntl(out[0], F_SETFL, O_NONBLOCK);
	/* a hook may exit without reading its stdin: ignore EPIPE */
	signal(SIGPIPE, SIG_IGN);
	if (state_len)
		(void)!write(in[1], state, state_len);
	close(in[1]);
	signal(SIGPIPE, SIG_DFL);
	/* from here on, a failure is the hook's */
	int status = wait_hook(r, pid, out[0]);
	close(out[0]);
	char what[64];
	if (WIFSIGNALED(status)) {
		/* as Go words it for runc's host-side hooks ("signal: killed");
		 * runc's seccomp.bats looks for "bad system call" */
		int n = snprintf(what, sizeof(what), "signal: %s", strsignal(WTERMSIG(status)));
		if (n > 8)
			what[8] = (char)tolower((unsigned char)what[8]);
		fail(r, what);
	}
	if (WEXITSTATUS(status)) {
		snprintf(what, sizeof(what), "exit status %d", WEXITSTATUS(status));
		fail(r, what);
	}
}

void run_hooks(struct plan *p, uint32_t kind, const char *state, size_t state_len)
{
	static struct hook_run r;
	unsigned n = 0;
	for (size_t i = 0; i < p->nhooks; i++) {
		if (p->hooks[i].kind != kind)
			continue;
		memset(&r, 0, sizeof(r));
		r.h = &p->hooks[i];
		r.index = n++;
		run_hook(p, &r, state, state_len);
	}
}
