/*
 * loader: the behaviour tests' stand-in for berth's C init. It loads a
 * compiled seccomp program the way the init does, then makes the syscalls
 * it is told to and prints what they returned.
 *
 *   loader FILTER FLAGS OP...
 *
 * FILTER is a file of struct sock_filter (Program.Bytes()), FLAGS the
 * seccomp(2) flags (Program.Flags). With SECCOMP_FILTER_FLAG_NEW_LISTENER
 * the listener fd is sent over fd 3 (SCM_RIGHTS) and the loader waits for
 * one byte on fd 3 before going on, as the init waits for the parent.
 *
 * OP is NR[:A0[:A1...]] (a raw syscall, numbers in C syntax) or
 * mkdirat:PATH. Each prints one line "OP ret=R errno=E". A SIGSYS from
 * SCMP_ACT_TRAP prints "sigsys syscall=N" and exits 42. Output goes through
 * write(2) alone, so that a filter needs to allow only write and
 * exit_group (and, for a listener, sendmsg, read and close).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

static void say(const char *line)
{
	(void)!write(1, line, strlen(line));
}

static void die(const char *what)
{
	char buf[256];
	snprintf(buf, sizeof(buf), "loader: %s: errno=%d\n", what, errno);
	say(buf);
	_exit(2);
}

static void on_sigsys(int sig, siginfo_t *si, void *ctx)
{
	char buf[64];
	(void)sig;
	(void)ctx;
	snprintf(buf, sizeof(buf), "sigsys syscall=%d\n", si->si_syscall);
	say(buf);
	_exit(42);
}

static struct sock_fprog read_filter(const char *path)
{
	static struct sock_filter insns[BPF_MAXINSNS + 1];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		die("open filter");
	ssize_t n = read(fd, insns, sizeof(insns));
	if (n <= 0 || n % sizeof(struct sock_filter) != 0)
		die("read filter");
	close(fd);
	return (struct sock_fprog){ .len = (unsigned short)(n / sizeof(struct sock_filter)), .filter = insns };
}

/* hand_over sends the listener fd to the test and waits for its go. */
static void hand_over(int listener)
{
	char c = 0, cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { .iov_base = &c, .iov_len = 1 };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof(cbuf) };
	memset(cbuf, 0, sizeof(cbuf));
	struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &listener, sizeof(int));
	if (sendmsg(3, &msg, 0) != 1)
		die("send the listener");
	close(listener);
	if (read(3, &c, 1) != 1)
		die("wait for the go");
}

static void run_op(const char *op)
{
	char buf[512];
	long r;
	if (strncmp(op, "mkdirat:", 8) == 0) {
		r = syscall(SYS_mkdirat, AT_FDCWD, op + 8, 0700);
	} else {
		long v[7] = { 0 };
		char *end = (char *)op;
		for (int i = 0; i < 7 && *end; i++) {
			v[i] = (long)strtoull(end, &end, 0);
			if (*end == ':')
				end++;
		}
		r = syscall(v[0], v[1], v[2], v[3], v[4], v[5], v[6]);
	}
	snprintf(buf, sizeof(buf), "%s ret=%ld errno=%d\n", op, r, r < 0 ? errno : 0);
	say(buf);
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		say("usage: loader FILTER FLAGS OP...\n");
		return 2;
	}
	struct sock_fprog prog = read_filter(argv[1]);
	unsigned long flags = strtoul(argv[2], NULL, 0);
	struct sigaction sa = { .sa_sigaction = on_sigsys, .sa_flags = SA_SIGINFO };
	if (sigaction(SIGSYS, &sa, NULL) < 0)
		die("sigaction");
	/* as the init does when the process has noNewPrivileges */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		die("no_new_privs");
	long fd = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, &prog);
	if (fd < 0)
		die("seccomp");
	if (flags & SECCOMP_FILTER_FLAG_NEW_LISTENER)
		hand_over((int)fd);
	for (int i = 3; i < argc; i++)
		run_op(argv[i]);
	syscall(SYS_exit_group, 0);
	return 0;
}
