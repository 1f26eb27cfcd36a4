/* The decoded plan: what the parent decided, for the init to carry out. */
#ifndef BERTH_PLAN_H
#define BERTH_PLAN_H

#include <stddef.h>
#include <stdint.h>

#include "protocol.h"

/* Strings point into the received frame, which lives as long as the init. */
struct strv {
	const char **v; /* NULL-terminated */
	size_t n;
};

struct ns_join {
	uint32_t flag; /* CLONE_NEW* */
	int fd;
};

struct mount_entry {
	uint32_t kind;
	const char *source, *dest, *fstype, *data;
	uint32_t flags, clr_flags;
	uint32_t propagation[8];
	size_t npropagation;
	uint64_t attr_set, attr_clr;
	int is_file;
	int remount; /* remount a bind with flags, keeping the locked ones */
	int copyup; /* a tmpfs gets a copy of what lay below its mount point */
	int tree; /* index into plan.tree_fds, -1 if none */
	int cloned; /* a bind whose source the parent clones in the mount namespace */
	const char *origin; /* "mounts[3]", for errors; may be NULL */
};

struct device_entry {
	const char *path;
	uint32_t type, major, minor, mode, uid, gid;
	int bind;
};

struct symlink_entry {
	const char *target, *path;
};

struct sysctl_entry {
	const char *path, *value;
};

struct rlimit_entry {
	uint32_t type;
	uint64_t soft, hard;
};

struct hook_entry {
	uint32_t kind;
	const char *path;
	struct strv args, env;
	uint32_t timeout;
};

struct plan {
	uint32_t mode;

	struct ns_join *joins;
	size_t njoins;
	uint32_t unshare_flags;
	int new_userns;
	const char *timens_offsets;
	int fork;
	int ns_pidfd;          /* -1 if none */
	int *cgroup_tasks;     /* v1 `tasks` files to join by writing "0" */
	size_t ncgroup_tasks;
	uint32_t ns_pidfd_flags;

	const char *rootfs;
	int root_readonly;
	uint32_t root_propagation;
	int no_pivot;
	int no_mountns;
	const char *session_keyring; /* join a new session keyring of this name */
	int path_walk; /* resolve paths without openat2 (tests of the fallback) */
	struct mount_entry *mounts;
	size_t nmounts;
	int *tree_fds;
	size_t ntree_fds;
	int setup_dev;
	struct device_entry *devices;
	size_t ndevices;
	struct symlink_entry *dev_symlinks;
	size_t ndev_symlinks;
	struct strv masked, readonly;

	const char *hostname, *domainname;
	struct sysctl_entry *sysctls;
	size_t nsysctls;
	int has_personality;
	uint32_t personality;

	struct strv args, env;
	const char *cwd;
	uint32_t uid, gid;
	uint32_t *additional_gids;
	size_t nadditional_gids;
	int setgroups;
	int has_umask;
	uint32_t umask;
	int has_caps;
	uint64_t cap_bounding, cap_effective, cap_inheritable, cap_permitted, cap_ambient;
	struct rlimit_entry *rlimits;
	size_t nrlimits;
	int no_new_privs;
	int has_oom_score_adj;
	int32_t oom_score_adj;
	int terminal;
	int console_no_onlcr; /* clear ONLCR before sending the master: berth proxies the pty */
	int console_fd;
	uint32_t console_height, console_width;
	int fifo_fd;
	uint32_t preserve_fds;
	struct hook_entry *hooks;
	size_t nhooks;

	int has_scheduler;
	uint32_t sched_policy;
	uint64_t sched_flags;
	int32_t sched_nice;
	uint32_t sched_priority;
	uint64_t sched_runtime, sched_deadline, sched_period;
	int sched_with_cpus; /* the container has linux.resources.cpu.cpus */
	int has_ioprio;
	uint32_t ioprio;

	const uint8_t *seccomp; /* struct sock_filter[] */
	size_t seccomp_len;     /* bytes */
	uint32_t seccomp_flags;
	int seccomp_notify;
	const char *exec_label, *apparmor;
	const uint8_t *cpu_affinity;
	size_t cpu_affinity_len;
	int cpu_affinity_reset; /* first thing, once in the cgroup */

	int has_mempolicy;
	uint32_t mempolicy_mode;
	const uint8_t *mempolicy_nodes;
	size_t mempolicy_nodes_len;
};

/*
 * plan_decode parses buf (len bytes, kept alive by the caller) into p.
 * It returns 0, or -1 with a message in err (errlen bytes) naming the bad
 * record. It never reads outside buf.
 */
int plan_decode(struct plan *p, const uint8_t *buf, size_t len, char *err, size_t errlen);

#endif
