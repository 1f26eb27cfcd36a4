/*
 * The process attributes, applied inside the container after the root is
 * in place: console, limits, identity and capabilities, seccomp, and at the
 * end the exec. Values come ready from the parent (capability masks, rlimit
 * numbers, the umask to use): the init only applies them, in an order the
 * kernel accepts (privileged steps before the identity changes).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/uio.h>
#include <termios.h>
#include <unistd.h>

#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/seccomp.h>

#include "init.h"

#ifndef TIOCGPTPEER
#define TIOCGPTPEER _IO('T', 0x41)
#endif
#ifndef PR_CAP_AMBIENT
#define PR_CAP_AMBIENT 47
#define PR_CAP_AMBIENT_RAISE 2
#define PR_CAP_AMBIENT_CLEAR_ALL 4
#endif

/* send_console passes the pty master to the console socket, as runc does:
 * the fd in SCM_RIGHTS, its name as the message. */
static void send_console(int console_fd, int master, const char *name)
{
	char cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = {(void *)name, strlen(name)};
	struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof(cbuf)};
	memset(cbuf, 0, sizeof(cbuf));
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &master, sizeof(int));
	if (sendmsg(console_fd, &msg, MSG_NOSIGNAL) < 0)
		bail("send the pty master to the console socket");
}

void setup_console(struct plan *p)
{
	struct stat st;
	unsigned int n;
	int unlock = 0;
	char name[64];

	if (!p->terminal)
		return;
	int master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (master < 0)
		bail("open /dev/ptmx");
	/* the multiplexer of a devpts, not whatever the rootfs put there */
	if (fstat(master, &st) < 0 || !S_ISCHR(st.st_mode) || major(st.st_rdev) != 5)
		bailx("/dev/ptmx is not a pty multiplexer");
	if (ioctl(master, TIOCSPTLCK, &unlock) < 0 || ioctl(master, TIOCGPTN, &n) < 0)
		bail("unlock the pty");
	/* the peer is opened through the master, never by its /dev/pts path */
	int slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (slave < 0)
		bail("open the pty peer");
	if (p->console_height || p->console_width) {
		struct winsize ws = {.ws_row = (unsigned short)p->console_height, .ws_col = (unsigned short)p->console_width};
		if (ioctl(slave, TIOCSWINSZ, &ws) < 0)
			bail("set the console size");
	}
	/* berth proxies this pty: "\n" passes as written, set before the
	 * master leaves so that the first output is already so */
	if (p->console_no_onlcr) {
		struct termios tio;
		if (tcgetattr(slave, &tio) < 0)
			bail("read the pty's settings");
		tio.c_oflag &= ~(tcflag_t)ONLCR;
		if (tcsetattr(slave, TCSANOW, &tio) < 0)
			bail("clear ONLCR on the pty");
	}
	snprintf(name, sizeof(name), "/dev/pts/%u", n);
	send_console(p->console_fd, master, name);
	close(master);
	close(p->console_fd);
	if (p->mode == MODE_CREATE)
		mount_console(slave);
	for (int fd = 0; fd < 3; fd++)
		if (dup2(slave, fd) < 0)
			bail("dup the pty to fd %d", fd);
	if (ioctl(0, TIOCSCTTY, 0) < 0)
		bail("make the pty the controlling terminal");
	close(slave);
}

/* rlimit_name names a resource for errors, as process.rlimits does */
static const char *rlimit_name(uint32_t type)
{
	static const char *const names[] = {
		"RLIMIT_CPU", "RLIMIT_FSIZE", "RLIMIT_DATA", "RLIMIT_STACK", "RLIMIT_CORE",
		"RLIMIT_RSS", "RLIMIT_NPROC", "RLIMIT_NOFILE", "RLIMIT_MEMLOCK", "RLIMIT_AS",
		"RLIMIT_LOCKS", "RLIMIT_SIGPENDING", "RLIMIT_MSGQUEUE", "RLIMIT_NICE",
		"RLIMIT_RTPRIO", "RLIMIT_RTTIME",
	};
	return type < sizeof(names) / sizeof(names[0]) ? names[type] : "an unknown rlimit";
}

static void set_rlimits(struct plan *p)
{
	for (size_t i = 0; i < p->nrlimits; i++) {
		struct rlimit rl = {p->rlimits[i].soft, p->rlimits[i].hard};
		if (setrlimit((int)p->rlimits[i].type, &rl) < 0)
			bail("process.rlimits: set %s (soft %llu, hard %llu)", rlimit_name(p->rlimits[i].type),
			     (unsigned long long)rl.rlim_cur, (unsigned long long)rl.rlim_max);
	}
}

struct sched_attr {
	uint32_t size, sched_policy;
	uint64_t sched_flags;
	int32_t sched_nice;
	uint32_t sched_priority;
	uint64_t sched_runtime, sched_deadline, sched_period;
};

/* set_scheduler sets the scheduling policy and its parameters
 * (process.scheduler). */
static void set_scheduler(struct plan *p)
{
	if (!p->has_scheduler)
		return;
	struct sched_attr a = {
		.size = sizeof(a),
		.sched_policy = p->sched_policy,
		.sched_flags = p->sched_flags,
		.sched_nice = p->sched_nice,
		.sched_priority = p->sched_priority,
		.sched_runtime = p->sched_runtime,
		.sched_deadline = p->sched_deadline,
		.sched_period = p->sched_period,
	};
	if (syscall(SYS_sched_setattr, 0, &a, 0) < 0) {
		/* a deadline policy needs every CPU in the affinity mask: the
		 * container's cpuset allows fewer. runc's words (its
		 * scheduler.bats matches them). */
		if (errno == EPERM && p->sched_with_cpus)
			bailx("process scheduler can't be used together with AllowedCPUs");
		bail("set the scheduler (policy %u)", p->sched_policy);
	}
}

/* set_memory_policy sets the NUMA memory policy (linux.memoryPolicy). */
static void set_memory_policy(struct plan *p)
{
	if (p->has_mempolicy &&
	    syscall(SYS_set_mempolicy, p->mempolicy_mode, p->mempolicy_nodes, p->mempolicy_nodes_len * 8) < 0)
		bail("set the memory policy (mode %u)", p->mempolicy_mode);
}

void set_scheduling(struct plan *p)
{
	set_scheduler(p);
	if (p->has_ioprio && syscall(SYS_ioprio_set, 1 /* IOPRIO_WHO_PROCESS */, 0, p->ioprio) < 0)
		bail("set the I/O priority");
	set_memory_policy(p);
	if (p->cpu_affinity && sched_setaffinity(0, p->cpu_affinity_len, (const cpu_set_t *)p->cpu_affinity) < 0)
		bail("set the CPU affinity (execCPUAffinity.final)");
}

/* join_keyring gives the container a new session keyring, so it does not
 * share the caller's. A kernel without keyrings (ENOSYS) or a policy that
 * refuses (EACCES) leaves the inherited one, as runc does. */
static void join_keyring(struct plan *p)
{
	if (!p->session_keyring)
		return;
	if (syscall(SYS_keyctl, 1 /* KEYCTL_JOIN_SESSION_KEYRING */, p->session_keyring) < 0 &&
	    errno != ENOSYS && errno != EACCES)
		bail("join a new session keyring %s", p->session_keyring);
}

/* set_uts_names sets the hostname and domainname of the UTS namespace. */
static void set_uts_names(struct plan *p)
{
	if (p->hostname && sethostname(p->hostname, strlen(p->hostname)) < 0)
		bail("set hostname %s", p->hostname);
	if (p->domainname && setdomainname(p->domainname, strlen(p->domainname)) < 0)
		bail("set domainname %s", p->domainname);
}

void set_container_state(struct plan *p)
{
	join_keyring(p);
	set_uts_names(p);
	/* linux.sysctl, checked by the parent to belong to the namespaces */
	for (size_t i = 0; i < p->nsysctls; i++)
		write_proc(p->sysctls[i].path, p->sysctls[i].value, strlen(p->sysctls[i].value));
}

/* set_oom_score_adj writes process.oomScoreAdj, before any namespace is
 * entered: in a user namespace the init's own /proc files belong to a
 * host root that is not mapped there, and the write is refused. The value
 * is inherited by the process the init forks. */
void set_oom_score_adj(struct plan *p)
{
	if (!p->has_oom_score_adj)
		return;
	char v[16];
	int n = snprintf(v, sizeof(v), "%d", p->oom_score_adj);
	write_proc("self/oom_score_adj", v, (size_t)n);
}

void set_limits(struct plan *p)
{
	/* linux.personality: the execution domain the process runs in */
	if (p->has_personality && personality(p->personality) < 0)
		bail("set personality %#x", p->personality);
	set_rlimits(p);
}

/* set_labels writes the LSM labels the process is executed with: only the
 * process itself may write its attr/exec files, and they take effect at
 * execve. Written through the trusted procfs handle (CVE-2019-16884). */
void set_labels(struct plan *p)
{
	if (p->exec_label)
		write_proc("thread-self/attr/exec", p->exec_label, strlen(p->exec_label));
	if (p->apparmor) {
		char buf[4096];
		int n = snprintf(buf, sizeof(buf), "exec %s", p->apparmor);
		if (n < 0 || (size_t)n >= sizeof(buf))
			bailx("AppArmor profile name too long");
		int fd = openat(proc_fd, "thread-self/attr/apparmor/exec", O_WRONLY | O_CLOEXEC);
		if (fd < 0)
			write_proc("thread-self/attr/exec", buf, (size_t)n); /* before Linux 5.8 */
		else if (write(fd, buf, (size_t)n) != n)
			bail("set AppArmor profile %s", p->apparmor);
		if (fd >= 0)
			close(fd);
	}
}

static void drop_bounding(uint64_t keep)
{
	for (int cap = 0; cap < 64; cap++) {
		if (keep & (1ULL << cap))
			continue;
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0) {
			if (errno == EINVAL)
				break; /* past the kernel's last capability */
			bail("drop capability %d from the bounding set", cap);
		}
	}
}

/* give_stdio gives the process's user its stdio, as runc does, so that
 * a user other than root can reopen it (/dev/stdout, /proc/self/fd/1)
 * and use its terminal: the pty berth made, and pipes and sockets, which
 * only their creator may open again. Only the owner changes: the pty's
 * group is devpts' gid= option. Unlike runc, a regular file or another
 * device the caller passed (the host's own terminal) is left as it is:
 * it is the caller's, and a container's uid is a host uid without a user
 * namespace. An owner outside the user namespace (EPERM) or a read-only
 * /dev (EROFS) leaves it too, as with runc. */
static void give_stdio(struct plan *p)
{
	for (int fd = 0; fd < 3; fd++) {
		struct stat st;
		if (fstat(fd, &st) < 0) {
			if (errno == EBADF)
				continue;
			bail("stat fd %d", fd);
		}
		/* with a terminal, setup_console made fds 0-2 the pty */
		if (st.st_uid == p->uid || !(p->terminal || S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode)))
			continue;
		if (fchown(fd, p->uid, (gid_t)-1) < 0 && errno != EPERM && errno != EROFS)
			bail("give fd %d to uid %u", fd, p->uid);
	}
}

void set_identity(struct plan *p)
{
	give_stdio(p);
	if (p->has_caps) {
		drop_bounding(p->cap_bounding);
		/* keep the permitted set across the uid change */
		if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
			bail("set keepcaps");
	}
	if (p->setgroups && setgroups(p->nadditional_gids, (const gid_t *)p->additional_gids) < 0)
		bail("set additional groups");
	if (setresgid(p->gid, p->gid, p->gid) < 0)
		bail("set gid %u", p->gid);
	if (setresuid(p->uid, p->uid, p->uid) < 0)
		bail("set uid %u", p->uid);
	if (!p->has_caps)
		return;
	if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0)
		bail("clear keepcaps");
	struct __user_cap_header_struct hdr = {_LINUX_CAPABILITY_VERSION_3, 0};
	struct __user_cap_data_struct data[2] = {
		{(uint32_t)p->cap_effective, (uint32_t)p->cap_permitted, (uint32_t)p->cap_inheritable},
		{(uint32_t)(p->cap_effective >> 32), (uint32_t)(p->cap_permitted >> 32), (uint32_t)(p->cap_inheritable >> 32)},
	};
	if (syscall(SYS_capset, &hdr, data) < 0)
		bail("set capabilities");
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
		bail("clear ambient capabilities");
	for (int cap = 0; cap < 64; cap++)
		if ((p->cap_ambient & (1ULL << cap)) && prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0) < 0)
			bail("raise ambient capability %d", cap);
}

/* passwd_uid parses a uid field as runc's passwd parser does: a field
 * that is not a decimal number counts as 0. */
static uint32_t passwd_uid(const char *field)
{
	char *end;
	unsigned long v = strtoul(field, &end, 10);
	return *field >= '0' && *field <= '9' && *end == '\0' && v <= UINT32_MAX ? (uint32_t)v : 0;
}

/* passwd_home returns (malloc'd) the home directory of uid in the passwd
 * file f: the sixth field of the first entry of that uid ("" if the entry
 * is short of it, as runc reads it), or NULL. */
static char *passwd_home(FILE *f, uint32_t uid)
{
	char *line = NULL, *home = NULL;
	size_t cap = 0;
	while (!home && getline(&line, &cap, f) > 0) {
		char *rest = line, *field[6] = {NULL};
		line[strcspn(line, "\r\n")] = '\0';
		for (int n = 0; n < 6 && rest; n++)
			field[n] = strsep(&rest, ":");
		if (field[2] && passwd_uid(field[2]) == uid)
			home = strdup(field[5] ? field[5] : "");
	}
	free(line);
	return home;
}

/* home_of looks uid up in the container's /etc/passwd (a regular file
 * inside the root); NULL when it has no entry or cannot be read. */
static char *home_of(uint32_t uid)
{
	struct stat st;
	char *home = NULL;
	int root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	int fd = root < 0 ? -1 : open_read_in_root(root, "/etc/passwd");
	if (root >= 0)
		close(root);
	FILE *f = fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode) ? fdopen(fd, "r") : NULL;
	if (f) {
		home = passwd_home(f, uid);
		fclose(f);
	} else if (fd >= 0) {
		close(fd);
	}
	return home;
}

/* replace_home drops the HOME= entries of env and appends kv. */
static void replace_home(struct strv *env, const char *kv)
{
	size_t n = 0;
	for (size_t i = 0; i < env->n; i++)
		if (strncmp(env->v[i], "HOME=", 5) != 0)
			env->v[n++] = env->v[i];
	/* the array holds env->n + 1 pointers: enough unless none was dropped */
	if (n + 1 > env->n) {
		const char **v = realloc(env->v, (n + 2) * sizeof(*v));
		if (!v)
			bailx("HOME: out of memory");
		env->v = v;
	}
	env->v[n++] = kv;
	env->v[n] = NULL;
	env->n = n;
}

/* set_home: a process whose environment has no HOME, or an empty one
 * (the last HOME= entry counts), gets HOME of its uid from the
 * container's /etc/passwd, or "/", appended after the HOME= entries are
 * dropped; an empty environment stays empty. As runc, it reads the file
 * with the init's privileges, before the identity changes. */
void set_home(struct plan *p)
{
	const char *last = NULL;
	for (size_t i = 0; i < p->env.n; i++)
		if (strncmp(p->env.v[i], "HOME=", 5) == 0)
			last = p->env.v[i] + 5;
	if (p->env.n == 0 || (last && *last))
		return;
	char *home = home_of(p->uid);
	char *kv = malloc(strlen(home ? home : "/") + 6);
	if (!kv)
		bailx("HOME: out of memory");
	sprintf(kv, "HOME=%s", home ? home : "/");
	free(home);
	replace_home(&p->env, kv);
}

void load_seccomp(struct plan *p)
{
	struct sock_fprog prog = {
		.len = (unsigned short)(p->seccomp_len / sizeof(struct sock_filter)),
		.filter = (struct sock_filter *)(uintptr_t)p->seccomp,
	};
	if (!p->seccomp)
		return;
	/* the plan's bytes may be unaligned: copy them */
	struct sock_filter *f = malloc(p->seccomp_len);
	if (!f)
		bailx("seccomp: out of memory");
	memcpy(f, p->seccomp, p->seccomp_len);
	prog.filter = f;
	long fd = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, p->seccomp_flags, &prog);
	if (fd < 0)
		bail("load the seccomp filter (flags %#x)", p->seccomp_flags);
	free(f);
	p->seccomp = NULL;
	if (p->seccomp_notify) {
		/* the parent hands the listener to the agent at listenerPath */
		size_t n;
		send_msg_fd(MSG_SECCOMP_FD, NULL, 0, (int)fd);
		(void)recv_msg(MSG_SECCOMP_DONE, &n);
		close((int)fd);
	}
}

static const char *env_path(struct plan *p)
{
	for (size_t i = 0; i < p->env.n; i++)
		if (strncmp(p->env.v[i], "PATH=", 5) == 0)
			return p->env.v[i] + 5;
	return NULL;
}

/* is_executable is Go's exec.LookPath test: a file with an x bit; errno
 * says why not. */
static int is_executable(const char *path)
{
	struct stat st;
	if (stat(path, &st) < 0)
		return 0;
	if (S_ISDIR(st.st_mode) || !(st.st_mode & 0111)) {
		errno = EACCES;
		return 0;
	}
	return 1;
}

const char *find_executable(struct plan *p)
{
	static char buf[4096];
	const char *name = p->args.v[0];

	if (strchr(name, '/')) {
		if (!is_executable(name))
			bail("exec: \"%s\"", name);
		return name;
	}
	const char *path = env_path(p);
	while (path && *path) {
		const char *end = strchrnul(path, ':');
		int len = (int)(end - path);
		if (len == 0)
			snprintf(buf, sizeof(buf), "./%s", name);
		else
			snprintf(buf, sizeof(buf), "%.*s/%s", len, path, name);
		if (is_executable(buf))
			return buf;
		path = *end ? end + 1 : end;
	}
	errno = 0;
	bailx("exec: \"%s\": executable file not found in $PATH", name);
}

void exec_process(struct plan *p, const char *path)
{
	/* the host's procfs must not be reachable while the kernel resolves
	 * the path: /proc/self/fd/N/... would lead out of the container
	 * (CVE-2024-21626) */
	if (proc_fd >= 0)
		close(proc_fd);
	proc_fd = -1;
	execve(path, (char *const *)p->args.v, (char *const *)(p->env.v ? p->env.v : (const char *[]){NULL}));
	bail("exec %s", path);
}
