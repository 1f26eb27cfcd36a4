/*
 * The parent <-> init protocol: the one definition both sides use.
 * libcontainer/initproto.go mirrors every number here; a Go test parses this
 * file and checks that the two agree.
 *
 * Transport: a SOCK_STREAM socketpair whose init end is argv[1]. Every
 * message is a frame: u32 length of what follows, u32 type, payload
 * (little-endian, as the host). The plan is one MSG_PLAN frame whose payload
 * is a stream of TLV records: u16 tag, u16 zero, u32 length, value. Strings
 * carry their NUL; numbers are u32/u64/i32 of the length given; nested
 * records (a mount, a device, ...) carry a TLV stream as their value.
 */
#ifndef BERTH_PROTOCOL_H
#define BERTH_PROTOCOL_H

#define BERTH_MAX_FRAME (16u << 20) /* no frame is larger than 16 MiB */

/* Message types. */
#define MSG_PLAN 1        /* parent -> init: the plan */
#define MSG_USERNS 2      /* init -> parent: user namespace made, write the id maps */
#define MSG_USERNS_DONE 3 /* parent -> init: id maps written */
#define MSG_PID 4         /* init -> parent: u32 host pid of the container process */
#define MSG_HOOKS 5       /* init -> parent: mounts done, run prestart+createRuntime hooks */
#define MSG_HOOKS_DONE 6  /* parent -> init: payload = state JSON for in-container hooks */
#define MSG_READY 7       /* init -> parent: set up; waiting on the exec fifo (or about to exec) */
#define MSG_ERROR 8       /* init -> parent: one line of error text */
/* 9 is not used: the pty master goes to the console socket, not to the parent */
#define MSG_SECCOMP_FD 10 /* init -> parent: the seccomp listener fd (SCM_RIGHTS) */
#define MSG_SECCOMP_DONE 11 /* parent -> init: the listener fd was handed to the agent */
#define MSG_HOOK_ERROR 12 /* init -> parent: as MSG_ERROR, for a failed in-container hook */
#define MSG_CLONE_SOURCE 13 /* init -> parent: u32 index of the T_M_CLONED mount it makes now, with its mount namespace (SCM_RIGHTS) */
#define MSG_SOURCE_TREE 14  /* parent -> init: the same u32, with the source's cloned tree (SCM_RIGHTS) or none */

/* Modes of the init. */
#define MODE_CREATE 1 /* make a new container and wait on the exec fifo */
#define MODE_EXEC 2   /* join a running container and exec at once */

/* Top-level plan tags. */
enum plan_tag {
	T_MODE = 1,          /* u32 MODE_* */
	T_NS_JOIN,           /* nested: T_NS_FLAG, T_NS_FD; in join order */
	T_UNSHARE,           /* u32 CLONE_NEW* flags to create, CLONE_NEWUSER excluded */
	T_NEW_USERNS,        /* u32 1: create a user namespace and wait for the id maps */
	T_TIMENS_OFFSETS,    /* string written to /proc/self/timens_offsets */
	T_FORK,              /* u32 1: fork so the process enters the pid/time namespace */
	T_ROOTFS,            /* string: host path of the rootfs (create only) */
	T_ROOT_READONLY,     /* u32 1 */
	T_ROOT_PROPAGATION,  /* u32 MS_* applied to / after pivot_root */
	T_NO_PIVOT,          /* u32 1: MS_MOVE + chroot instead of pivot_root */
	T_MOUNT,             /* nested: T_M_* */
	T_SETUP_DEV,         /* u32 1: make devices, symlinks and /dev/ptmx */
	T_DEVICE,            /* nested: T_D_* */
	T_DEV_SYMLINK,       /* nested: T_L_TARGET, T_L_PATH */
	T_MASKED,            /* string (repeated) */
	T_READONLY,          /* string (repeated) */
	T_HOSTNAME,          /* string */
	T_DOMAINNAME,        /* string */
	T_SYSCTL,            /* nested: T_S_PATH, T_S_VALUE */
	T_PERSONALITY,       /* u32 */
	T_ARG,               /* string (repeated) */
	T_ENV,               /* string (repeated) */
	T_CWD,               /* string */
	T_UID,               /* u32 */
	T_GID,               /* u32 */
	T_ADDITIONAL_GID,    /* u32 (repeated) */
	T_SETGROUPS,         /* u32 1: call setgroups (not allowed in some user namespaces) */
	T_UMASK,             /* u32 */
	T_CAPS,              /* nested: T_C_* */
	T_RLIMIT,            /* nested: T_R_* */
	T_NO_NEW_PRIVS,      /* u32 1 */
	T_OOM_SCORE_ADJ,     /* i32 */
	T_TERMINAL,          /* u32 1: make a pty, send its master on T_CONSOLE_FD */
	T_CONSOLE_FD,        /* u32 fd of the console socket */
	T_CONSOLE_SIZE,      /* u32 height, u32 width (8 bytes) */
	T_FIFO_FD,           /* u32 O_PATH fd of the exec fifo */
	T_PRESERVE_FDS,      /* u32 fds 3..3+n-1 pass to the process */
	T_HOOK,              /* nested: T_H_* (createContainer and startContainer) */
	T_SCHEDULER,         /* nested: T_SCHED_* */
	T_IOPRIO,            /* u32 ioprio value for ioprio_set */
	T_SECCOMP,           /* bytes: struct sock_filter[] */
	T_SECCOMP_FLAGS,     /* u32 SECCOMP_FILTER_FLAG_* */
	T_SECCOMP_NOTIFY,    /* u32 1: send the listener fd to the parent */
	T_EXEC_LABEL,        /* string: written to attr/exec (SELinux) */
	T_APPARMOR,          /* string: AppArmor profile for exec */
	T_CPU_AFFINITY,      /* bytes: cpu_set_t mask for sched_setaffinity (exec) */
	T_NS_PIDFD,          /* u32 pidfd of the container init: setns(pidfd, T_NS_PIDFD_FLAGS) */
	T_NS_PIDFD_FLAGS,    /* u32 CLONE_NEW* flags joined through T_NS_PIDFD */
	T_TREE_FD,           /* u32 fd of a prepared mount tree (repeated; index = order) */
	T_MEMPOLICY,         /* nested: T_MP_* */
	T_NO_MOUNTNS,        /* u32 1: no mount namespace of its own: chroot, mounts below a private bind */
	T_CGROUP_TASKS,      /* u32 fd of a v1 `tasks` file to write "0" into (repeated) */
	T_PATH_WALK,         /* u32 1: resolve paths by the openat2 fallback walk (tests) */
	T_SESSION_KEYRING,   /* string: join a new session keyring of this name */
	T_CPU_AFFINITY_RESET, /* u32 1: allow every CPU the cgroup allows (not the caller's taskset) */
	T_CONSOLE_NO_ONLCR,  /* u32 1: clear ONLCR on the pty before its master is sent (berth proxies it) */
	T_TAG_MAX
};

/* T_NS_JOIN */
enum { T_NS_FLAG = 1, T_NS_FD };

/* T_MOUNT */
enum {
	T_M_KIND = 1,  /* u32 MOUNT_* */
	T_M_SOURCE,    /* string */
	T_M_DEST,      /* string: absolute path inside the container */
	T_M_FSTYPE,    /* string */
	T_M_FLAGS,     /* u32 MS_* */
	T_M_CLR_FLAGS, /* u32 MS_* the options cleared */
	T_M_DATA,      /* string */
	T_M_PROPAGATION, /* u32 (repeated, in order) */
	T_M_ATTR_SET,  /* u64 MOUNT_ATTR_* set recursively */
	T_M_ATTR_CLR,  /* u64 MOUNT_ATTR_* cleared recursively */
	T_M_FILE,      /* u32 1: the mount point is a file */
	T_M_TREE,      /* u32 index of a T_TREE_FD */
	T_M_ORIGIN,    /* string: the config field it comes from ("mounts[3]"), for errors */
	T_M_REMOUNT,   /* u32 1: remount the bind with its flags (Go decides) */
	T_M_COPYUP,    /* u32 1: copy what lay below the mount point into the new tmpfs */
	T_M_CLONED,    /* u32 1: a bind whose source the parent clones inside the mount namespace (MSG_CLONE_SOURCE) */
};
#define MOUNT_FS 1
#define MOUNT_BIND 2
#define MOUNT_TREE 3
#define MOUNT_SYMLINK 4
#define MOUNT_REMOUNT 5 /* remount the mount at dest with flags */

/* T_DEVICE */
enum {
	T_D_PATH = 1, /* string */
	T_D_TYPE,     /* u32 'c', 'b' or 'p' */
	T_D_MAJOR,    /* u32 */
	T_D_MINOR,    /* u32 */
	T_D_MODE,     /* u32 permission bits */
	T_D_UID,      /* u32 */
	T_D_GID,      /* u32 */
	T_D_BIND,     /* u32 1: bind the host node of the same path */
};

/* T_DEV_SYMLINK */
enum { T_L_TARGET = 1, T_L_PATH };

/* T_SYSCTL */
enum { T_S_PATH = 1, T_S_VALUE };

/* T_CAPS */
enum { T_C_BOUNDING = 1, T_C_EFFECTIVE, T_C_INHERITABLE, T_C_PERMITTED, T_C_AMBIENT };

/* T_RLIMIT */
enum { T_R_TYPE = 1, T_R_SOFT, T_R_HARD };

/* T_HOOK */
enum {
	T_H_KIND = 1, /* u32 HOOK_* */
	T_H_PATH,     /* string */
	T_H_ARG,      /* string (repeated) */
	T_H_ENV,      /* string (repeated) */
	T_H_TIMEOUT,  /* u32 seconds, 0 = none */
};
#define HOOK_CREATE_CONTAINER 1
#define HOOK_START_CONTAINER 2

/* T_SCHEDULER */
enum {
	T_SCHED_POLICY = 1, T_SCHED_FLAGS, T_SCHED_NICE, T_SCHED_PRIORITY, T_SCHED_RUNTIME, T_SCHED_DEADLINE, T_SCHED_PERIOD,
	T_SCHED_WITH_CPUS, /* u32 1: linux.resources.cpu.cpus is set: an EPERM is said as that conflict */
};

/* T_MEMPOLICY */
enum { T_MP_MODE = 1, T_MP_NODES /* bytes: nodemask */ };

#endif
