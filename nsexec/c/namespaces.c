/*
 * Namespaces: join those given by path (the parent opened and checked each
 * file and passes its fd, in the order to join them: those a joined user
 * namespace does not own, the user namespace, the rest), then create the
 * new ones (a new network namespace with its loopback interface up). A
 * new user namespace comes first: creating the others needs its
 * privileges, and namespaces created after it are owned by it. The parent writes the id
 * maps of a new user namespace while the init waits.
 *
 * unshare(CLONE_NEWPID) and a new time namespace only apply to children, so
 * the init forks once when the plan says so; the child is the container's
 * process (pid 1 of a new pid namespace). It is cloned with CLONE_PARENT,
 * making it the parent's child: `berth run` and `berth exec` wait for it
 * directly, and after `berth create` exits it is reparented to the caller's
 * subreaper (the shim).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "init.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

static const char *ns_name(uint32_t flag)
{
	switch (flag) {
	case CLONE_NEWUSER: return "user";
	case CLONE_NEWNS: return "mount";
	case CLONE_NEWPID: return "pid";
	case CLONE_NEWNET: return "network";
	case CLONE_NEWIPC: return "ipc";
	case CLONE_NEWUTS: return "uts";
	case CLONE_NEWCGROUP: return "cgroup";
	case CLONE_NEWTIME: return "time";
	default: return "unknown";
	}
}

static void join_one(struct ns_join *j)
{
	if (setns(j->fd, (int)j->flag) < 0)
		bail("join %s namespace", ns_name(j->flag));
	close(j->fd);
	j->fd = -1;
}

/* The offsets of a new time namespace may be written only by a process
 * with CAP_SYS_TIME in the user namespace that owns it, checked against
 * the credentials the file was opened with, and only before a process
 * enters it. With a new or joined user namespace the init has no such
 * right over the host's /proc file of its own (it is owned by the host's
 * root while the init is not dumpable), so the file is opened here, before
 * any namespace changes, with the parent's credentials, which own or are
 * privileged over every user namespace the init may be in; it is written
 * once the time namespace exists (create_namespaces). A joined time
 * namespace gets no offsets: they are its owner's. */
static int timens_offsets_fd = -1;

void join_namespaces(struct plan *p)
{
	if ((p->unshare_flags & CLONE_NEWTIME) && p->timens_offsets)
		timens_offsets_fd = open_proc("self/timens_offsets");
	/* exec: one setns through the container's pidfd joins them all at once */
	if (p->ns_pidfd >= 0) {
		if (setns(p->ns_pidfd, (int)p->ns_pidfd_flags) < 0)
			bail("join the container's namespaces (flags %#x)", p->ns_pidfd_flags);
		close(p->ns_pidfd);
	}
	/* in the parent's order: those the joined user namespace does not
	 * own, the user namespace, those it owns */
	for (size_t i = 0; i < p->njoins; i++)
		join_one(&p->joins[i]);
}

/* become_root takes uid/gid 0 of a user namespace when it is mapped. */
static void become_root(void)
{
	if (setresgid(0, 0, 0) < 0 && errno != EINVAL)
		bail("setresgid(0) in the user namespace");
	if (setresuid(0, 0, 0) < 0 && errno != EINVAL)
		bail("setresuid(0) in the user namespace");
}

/* loopback_up brings up "lo" of a new network namespace, as runc does:
 * a container's own network namespace reaches 127.0.0.1 from the start. */
static void loopback_up(void)
{
	struct ifreq ifr = {.ifr_name = "lo"};
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		bail("open a socket to bring up the loopback interface");
	if (ioctl(s, SIOCGIFFLAGS, &ifr) < 0)
		bail("read the flags of the loopback interface");
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(s, SIOCSIFFLAGS, &ifr) < 0)
		bail("bring up the loopback interface");
	close(s);
}

void create_namespaces(struct plan *p)
{
	if (p->new_userns) {
		if (unshare(CLONE_NEWUSER) < 0)
			bail("create user namespace");
		/* the parent writes uid_map/gid_map from outside, then answers;
		 * a rootless parent may open them only while the init is
		 * dumpable (nothing else is in the new user namespace yet) */
		if (prctl(PR_SET_DUMPABLE, 1, 0, 0, 0) < 0)
			bail("make the init dumpable for the id maps");
		send_msg(MSG_USERNS, NULL, 0);
		size_t n;
		(void)recv_msg(MSG_USERNS_DONE, &n);
		if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
			bail("make the init non-dumpable");
		become_root();
	} else if (p->njoins || p->ns_pidfd >= 0) {
		/* a joined user namespace: take its root too, if mapped */
		for (size_t i = 0; i < p->njoins; i++)
			if (p->joins[i].flag == CLONE_NEWUSER)
				become_root();
	}
	if (p->unshare_flags && unshare((int)p->unshare_flags) < 0)
		bail("create namespaces (flags %#x)", p->unshare_flags);
	if (p->unshare_flags & CLONE_NEWNET)
		loopback_up();
	/* offsets must be written before any process enters the namespace */
	if (timens_offsets_fd >= 0)
		write_proc_fd(timens_offsets_fd, "self/timens_offsets", p->timens_offsets, strlen(p->timens_offsets));
}

void enter_pid_namespace(struct plan *p)
{
	uint32_t pid;

	if (!p->fork) {
		pid = (uint32_t)getpid();
		send_msg(MSG_PID, &pid, sizeof(pid));
		return;
	}
	/* The child must not say anything to the parent before its pid is
	 * sent: it waits on a pipe whose write end only this first stage
	 * holds, and which its exit closes after MSG_PID went out. Without
	 * it a busy host could let the child's MSG_READY overtake MSG_PID,
	 * and the parent record a container with no process. */
	int gate[2];
	if (pipe2(gate, O_CLOEXEC) < 0)
		bail("make the pipe the forked process waits on");
	/* a raw clone: the child has its own copy of this single-threaded
	 * process and goes on with the plan; CLONE_PARENT makes it the
	 * parent's child */
	long r = syscall(SYS_clone, CLONE_PARENT | SIGCHLD, 0, 0, 0, 0);
	if (r < 0)
		bail("fork into the new pid namespace");
	if (r == 0) {
		char c;
		ssize_t n;
		close(gate[1]);
		do
			n = read(gate[0], &c, 1);
		while (n < 0 && errno == EINTR);
		close(gate[0]); /* EOF: the first stage sent MSG_PID and exited */
		return;
	}
	close(gate[0]);
	pid = (uint32_t)r;
	send_msg(MSG_PID, &pid, sizeof(pid));
	_exit(0);
}
