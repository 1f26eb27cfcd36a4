/*
 * The hooks that run in the container namespace: createContainer (before
 * pivot_root, so the path resolves in the runtime namespace as the spec
 * says) and startContainer (after `berth start`, path resolved in the
 * container). Each gets the container state on stdin, its own args and
 * env, and is killed after its timeout. A failing hook fails the step.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "init.h"

static const char *kind_name(uint32_t kind)
{
	return kind == HOOK_CREATE_CONTAINER ? "createContainer" : "startContainer";
}

/* wait_hook waits for pid for at most timeout seconds (0: no limit). Its
 * failures are the hook's: reported as MSG_HOOK_ERROR. */
static int wait_hook(pid_t pid, uint32_t timeout, const struct hook_entry *h)
{
	int status;
	if (timeout) {
		int pfd = (int)syscall(SYS_pidfd_open, pid, 0);
		if (pfd < 0)
			bail_hook(errno, "pidfd_open of %s hook", kind_name(h->kind));
		struct pollfd pf = {pfd, POLLIN, 0};
		int r;
		do
			r = poll(&pf, 1, (int)(timeout > 2000000 ? 2000000000 : timeout * 1000));
		while (r < 0 && errno == EINTR);
		close(pfd);
		if (r == 0) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			bail_hook(0, "%s hook %s: timed out after %u s", kind_name(h->kind), h->path, timeout);
		}
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			bail_hook(errno, "wait for %s hook %s", kind_name(h->kind), h->path);
	return status;
}

static void run_hook(const struct hook_entry *h, const char *state, size_t state_len)
{
	int pipefd[2];
	if (pipe2(pipefd, O_CLOEXEC) < 0)
		bail("pipe for %s hook", kind_name(h->kind));
	pid_t pid = fork();
	if (pid < 0)
		bail("fork %s hook", kind_name(h->kind));
	if (pid == 0) {
		static const char *none[] = {NULL};
		const char *argv0[] = {h->path, NULL};
		if (dup2(pipefd[0], 0) < 0)
			_exit(127);
		execve(h->path, (char *const *)(h->args.n ? h->args.v : argv0),
		       (char *const *)(h->env.n ? h->env.v : none));
		_exit(127);
	}
	close(pipefd[0]);
	/* a hook may exit without reading its stdin: ignore EPIPE */
	signal(SIGPIPE, SIG_IGN);
	if (state_len)
		(void)!write(pipefd[1], state, state_len);
	close(pipefd[1]);
	signal(SIGPIPE, SIG_DFL);
	/* from here on, a failure is the hook's */
	int status = wait_hook(pid, h->timeout, h);
	if (WIFSIGNALED(status))
		bail_hook(0, "%s hook %s: killed by signal %d", kind_name(h->kind), h->path, WTERMSIG(status));
	if (WEXITSTATUS(status) == 127)
		bail_hook(0, "%s hook %s: could not be executed (exit status 127)", kind_name(h->kind), h->path);
	if (WEXITSTATUS(status))
		bail_hook(0, "%s hook %s: exit status %d", kind_name(h->kind), h->path, WEXITSTATUS(status));
}

void run_hooks(struct plan *p, uint32_t kind, const char *state, size_t state_len)
{
	for (size_t i = 0; i < p->nhooks; i++)
		if (p->hooks[i].kind == kind)
			run_hook(&p->hooks[i], state, state_len);
}
