/*
 * berth-init: the small program that runs in the container instead of the
 * Go runtime. The berth binary embeds it and runs it from a sealed memfd,
 * so the container never maps the host binary. It reads a plan from the
 * parent (argv[1] is the socket), and carries it out step by step; it
 * decides nothing the parent could decide. See docs/architecture.md.
 *
 *   berth-init FD     carry out the plan read from socket FD
 *   berth-init hold   sleep until killed: holds a user namespace whose maps
 *                     the parent writes, for idmapped mounts
 *   berth-init maps   join the user namespace of fd 3 and print its
 *                     uid_map, a line "-", and its gid_map (the parent
 *                     reads the maps of a joined user namespace known only
 *                     by a file)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "init.h"

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

/* hide_fds closes every fd past the sync socket (the last fd berth hands
 * over: anything above it was leaked to berth by its caller) and marks
 * every fd past the preserved ones close-on-exec: the process (and the
 * hooks) inherit stdio and the preserved fds only. */
static void hide_fds(struct plan *p)
{
	unsigned int first = 3 + p->preserve_fds;
	if (syscall(SYS_close_range, (unsigned int)sync_fd + 1, ~0U, 0) < 0)
		for (int fd = sync_fd + 1; fd < 4096; fd++)
			close(fd);
	if (syscall(SYS_close_range, first, ~0U, CLOSE_RANGE_CLOEXEC) == 0)
		return;
	/* before Linux 5.11: one fcntl per open fd */
	for (int fd = (int)first; fd < 4096; fd++) {
		int fl = fcntl(fd, F_GETFD);
		if (fl >= 0)
			fcntl(fd, F_SETFD, fl | FD_CLOEXEC);
	}
}

/* join_cgroups moves the init into its v1 cgroups: a thread writing "0"
 * to a hierarchy's `tasks` file moves itself without the kernel's global
 * threadgroup lock, whose writers wait an RCU grace period; the init is
 * single-threaded, so the whole process moves. (The cgroup2 part, if any,
 * was done by clone3 CLONE_INTO_CGROUP.) */
static void join_cgroups(struct plan *p)
{
	for (size_t i = 0; i < p->ncgroup_tasks; i++) {
		if (write(p->cgroup_tasks[i], "0", 1) != 1) {
			/* name the file: the init still sees the host's /proc */
			char link[64], path[PATH_MAX] = "?";
			int err = errno;
			snprintf(link, sizeof(link), "/proc/self/fd/%d", p->cgroup_tasks[i]);
			ssize_t n = readlink(link, path, sizeof(path) - 1);
			path[n > 0 ? n : 1] = '\0';
			errno = err;
			bail("join cgroup %s", path);
		}
		close(p->cgroup_tasks[i]);
	}
}

/* reset_cpu_affinity allows every CPU: the kernel keeps those of the
 * cgroup's cpuset, so the process does not inherit the affinity of
 * berth's caller (taskset). A huge mask, as runc uses: CPUs the kernel
 * does not have are ignored, CPUs added to the cpuset later are allowed.
 * As runc (which only logs it), a failure keeps the inherited affinity. */
static void reset_cpu_affinity(void)
{
	static uint8_t all[64 * 1024 / 8];
	memset(all, 0xff, sizeof(all));
	(void)sched_setaffinity(0, sizeof(all), (const cpu_set_t *)(void *)all);
}

/* cwd_origin names where the cwd came from, for errors. */
static const char *cwd_origin(struct plan *p)
{
	return p->mode == MODE_EXEC ? "the exec's process (--cwd or process.json)" : "config.json";
}

/* enter_cwd enters the process's cwd, resolved inside the container's
 * root (no magic links: a cwd such as /proc/self/fd/N naming a leaked host
 * fd is refused, CVE-2024-21626). As runc does, the init tries first with
 * its own privileges (as_user 0), before the identity changes: a cwd only
 * root may search still works for another user. If that is refused
 * (EACCES, EPERM: a directory only the process's user may reach, such as a
 * volume of another owner in a user namespace, or root squashed on NFS), it
 * returns 0 and the caller tries again as the process's user (as_user 1),
 * where any failure is fatal. The first try runs before the seccomp filter
 * is loaded, so a profile that denies openat2 does not stop the init. */
static int enter_cwd(struct plan *p, int as_user)
{
	if (!p->cwd)
		return 1;
	int root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root < 0)
		bail("open /");
	int fd = in_root(root, p->cwd, O_PATH | O_DIRECTORY);
	int ok = fd >= 0 && fchdir(fd) == 0;
	int err = errno;
	if (fd >= 0)
		close(fd);
	close(root);
	if (ok)
		return 1;
	if (!as_user && (err == EACCES || err == EPERM))
		return 0;
	errno = err;
	bail("chdir to cwd (\"%s\") set in %s", p->cwd, cwd_origin(p));
}

/* wait_for_start blocks until `berth start` opens the exec fifo. The fifo
 * is reopened for writing through a procfs (the container's own when the
 * host's handle is released, see release_procfs) and checked to be the
 * fifo; it stays open (close-on-exec) so that start sees EOF when the exec
 * succeeded and an error line when it did not. */
static void wait_for_start(struct plan *p)
{
	char rel[64];
	struct stat a, b;
	snprintf(rel, sizeof(rel), "%sself/fd/%d", proc_fd < 0 ? "/proc/" : "", p->fifo_fd);
	int fd = openat(proc_fd < 0 ? AT_FDCWD : proc_fd, rel, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		bail("open the exec fifo");
	if (fstat(fd, &a) < 0 || fstat(p->fifo_fd, &b) < 0 || a.st_dev != b.st_dev || a.st_ino != b.st_ino)
		bailx("the exec fifo reopened through /proc is another file");
	close(p->fifo_fd);
	error_fd = fd;
}

static void ready(void)
{
	send_msg(MSG_READY, NULL, 0);
	close(sync_fd);
	sync_fd = -1;
}

/* apply_process applies the process's attributes, privileged steps
 * first, and returns the path to exec. The seccomp filter is loaded as
 * late as it can be: without no_new_privs it needs CAP_SYS_ADMIN, so
 * before the identity changes; with a notify listener, while the socket
 * to the parent is open; otherwise just before execve (the caller). */
static const char *apply_process(struct plan *p)
{
	set_container_state(p);
	set_limits(p);
	set_scheduling(p);
	set_labels(p);
	release_procfs();
	int cwd_entered = enter_cwd(p, 0);
	set_home(p);
	if (!p->no_new_privs)
		load_seccomp(p);
	set_identity(p);
	if (!cwd_entered)
		enter_cwd(p, 1);
	if (p->no_new_privs && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		bail("set no_new_privs");
	if (p->seccomp_notify)
		load_seccomp(p);
	const char *path = find_executable(p);
	umask(p->has_umask ? p->umask : 022);
	return path;
}

/* The signals that end a created container, as they end runc's: its
 * waiting init is a Go program, whose runtime exits on these. Without a
 * handler the kernel drops them for the pid 1 of a namespace, and a
 * `kill` (SIGTERM by default) of a created container would do nothing. */
static const int stop_signals[] = {SIGHUP, SIGINT, SIGQUIT, SIGTERM};

/* die_of ends the init of the signal: by the signal itself where the
 * kernel lets it (not pid 1 of a namespace), else with 128+sig. */
static void die_of(int sig)
{
	signal(sig, SIG_DFL);
	raise(sig);
	_exit(128 + sig);
}

/* while_created sets (on 1) or clears (on 0) the handlers of
 * stop_signals for the wait on the exec fifo. */
static void while_created(int on)
{
	for (size_t i = 0; i < sizeof(stop_signals) / sizeof(stop_signals[0]); i++)
		signal(stop_signals[i], on ? die_of : SIG_DFL);
}

/* create: a new container, left waiting on the exec fifo. */
static void create_container(struct plan *p)
{
	size_t state_len;

	if (setsid() < 0)
		bail("setsid");
	setup_rootfs(p);
	/* the parent runs prestart and createRuntime hooks now, and sends the
	 * state for the hooks run here */
	send_msg(MSG_HOOKS, NULL, 0);
	char *state = (char *)recv_msg(MSG_HOOKS_DONE, &state_len);
	run_hooks(p, HOOK_CREATE_CONTAINER, state, state_len);
	finish_rootfs(p);
	setup_console(p);
	/* a config without process: set up and wait; `berth start` refuses
	 * it before opening the fifo */
	const char *path = p->args.n ? apply_process(p) : NULL;
	while_created(1);
	ready();
	wait_for_start(p);
	while_created(0);
	if (!path)
		bailx("the container has no process to start");
	/* as runc: the startContainer hooks run under the seccomp filter */
	load_seccomp(p);
	run_hooks(p, HOOK_START_CONTAINER, state, state_len);
	exec_process(p, path);
}

/* exec: a new process in a running container. */
static void exec_in_container(struct plan *p)
{
	if (setsid() < 0)
		bail("setsid");
	setup_console(p);
	const char *path = apply_process(p);
	/* the socket stays open (close-on-exec): the parent sees EOF when the
	 * exec succeeded, MSG_ERROR when it did not */
	send_msg(MSG_READY, NULL, 0);
	load_seccomp(p);
	exec_process(p, path);
}

/* copy_file copies the file at path to stdout. */
static int copy_file(const char *path)
{
	char buf[4096];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		if (write(1, buf, (size_t)n) != n)
			return -1;
	close(fd);
	return n < 0 ? -1 : 0;
}

/* print_maps: `berth-init maps` (see the top of this file). */
static int print_maps(void)
{
	if (setns(3, CLONE_NEWUSER) < 0) {
		perror("berth-init: join the user namespace");
		return 1;
	}
	if (copy_file("/proc/self/uid_map") < 0 || write(1, "-\n", 2) != 2 ||
	    copy_file("/proc/self/gid_map") < 0) {
		perror("berth-init: read the id maps");
		return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static struct plan plan;
	char err[512];
	size_t len;

	if (argc == 2 && strcmp(argv[1], "hold") == 0) {
		for (;;)
			pause();
	}
	if (argc == 2 && strcmp(argv[1], "maps") == 0)
		return print_maps();
	if (argc != 2 || (sync_fd = atoi(argv[1])) < 3) {
		fprintf(stderr, "berth-init is run by berth, not by hand\n");
		return 2;
	}
	prctl(PR_SET_NAME, "berth-init", 0, 0, 0);
	/* not dumpable until execve: no container process may ptrace the
	 * init or open its fds through /proc/<pid>/fd (the trusted procfs
	 * handle, the sync socket), CVE-2016-9962 */
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
		bail("make the init non-dumpable");
	uint8_t *buf = recv_msg(MSG_PLAN, &len);
	if (plan_decode(&plan, buf, len, err, sizeof(err)) < 0) {
		errno = 0;
		bailx("%s", err);
	}
	join_cgroups(&plan);
	if (plan.cpu_affinity_reset)
		reset_cpu_affinity();
	if (plan.path_walk)
		paths_force_walk(1);
	hide_fds(&plan);
	open_procfs();
	set_oom_score_adj(&plan);
	join_namespaces(&plan);
	create_namespaces(&plan);
	enter_pid_namespace(&plan);
	if (plan.mode == MODE_CREATE)
		create_container(&plan);
	else
		exec_in_container(&plan);
	return 1;
}
