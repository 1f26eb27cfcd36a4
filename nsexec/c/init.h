/* Shared declarations of the container init's steps. */
#ifndef BERTH_INIT_H
#define BERTH_INIT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "plan.h"

/* sync.c: the socket to the parent, and error reporting. */
extern int sync_fd;     /* the parent's socket, -1 once closed */
extern int error_fd;    /* where errors go after the socket is closed (the exec fifo), or -1 */
void send_msg(uint32_t type, const void *payload, size_t len);
void send_msg_fd(uint32_t type, const void *payload, size_t len, int fd);
/* recv_msg reads one frame of the wanted type; any other type is fatal. */
uint8_t *recv_msg(uint32_t want, size_t *len);
/* recv_msg_fd is recv_msg for a frame that may carry an fd (*fd, -1 if none). */
uint8_t *recv_msg_fd(uint32_t want, size_t *len, int *fd);
/* error_context, when set, prefixes every error (the config field being
 * carried out, e.g. "mounts[3]"). */
extern const char *error_context;
/* bail reports "what: strerror(errno)" to the parent and exits; bailx without errno. */
__attribute__((noreturn, format(printf, 1, 2))) void bail(const char *fmt, ...);
__attribute__((noreturn, format(printf, 1, 2))) void bailx(const char *fmt, ...);
/* bail_hook reports a failed in-container hook (MSG_HOOK_ERROR: the parent
 * names the hook, not the init, as failing) with errno err (0: none). */
__attribute__((noreturn, format(printf, 2, 3))) void bail_hook(int err, const char *fmt, ...);

/* paths.c: resolving container paths inside the root. */
extern int proc_fd; /* the trusted procfs handle, opened before any namespace change */
void open_procfs(void);
/* release_procfs closes the host's procfs handle when the container has
 * a procfs of its own at /proc: the last host write (the LSM labels) is
 * done, and a container process that may ptrace the init (CAP_SYS_PTRACE)
 * must not find the host's /proc among its fds while it waits. */
void release_procfs(void);
/* paths_force_walk(1) makes in_root use the fallback walk, not openat2. */
void paths_force_walk(int on);
/* in_root opens path (absolute inside the root dirfd) with openat2(RESOLVE_IN_ROOT). */
int in_root(int root, const char *path, int flags);
/* open_read_in_root opens the file at path (absolute inside root) for
 * reading, O_NONBLOCK (a fifo planted there cannot stall the init). The
 * openat2 fallback walk opens O_PATH only: there the last component must
 * not be a symlink. */
int open_read_in_root(int root, const char *path);
/* mkdir_in_root makes path and its parents inside root; returns an O_PATH fd of it. */
int mkdir_in_root(int root, const char *path, mode_t mode);
/* mkfile_in_root makes path (a file) and its parent dirs; returns an O_PATH fd of it. */
int mkfile_in_root(int root, const char *path);
/* parent_in_root opens the parent dir of path (made if missing) and sets *base. */
int parent_in_root(int root, const char *path, const char **base);
/* fd_path formats the procfs path of fd, for syscalls that take only a path. */
const char *fd_path(int fd, char *buf, size_t len);
/* write_proc writes value to the procfs file at rel (e.g. "self/oom_score_adj"). */
void write_proc(const char *rel, const char *value, size_t len);
/* open_proc opens the procfs file at rel for writing, checked to be one;
 * write_proc_fd writes value to it in one write(2) and closes it. The
 * kernel checks some files (timens_offsets) against the credentials of
 * the opener: opened early, written later. */
int open_proc(const char *rel);
void write_proc_fd(int fd, const char *rel, const char *value, size_t len);

/* namespaces.c */
void join_namespaces(struct plan *p);
void create_namespaces(struct plan *p);
/* enter_pid_namespace forks when the plan says so; returns in the container process. */
void enter_pid_namespace(struct plan *p);

/* rootfs.c */
void setup_rootfs(struct plan *p);
void finish_rootfs(struct plan *p);
void mount_console(int slave);

/* process.c */
void setup_console(struct plan *p);
void set_labels(struct plan *p);
void set_identity(struct plan *p);
/* set_container_state sets what the container's namespaces and session
 * hold: a new session keyring, hostname and domainname, sysctls. */
void set_container_state(struct plan *p);
/* set_oom_score_adj sets the OOM score, before any namespace is entered. */
void set_oom_score_adj(struct plan *p);
/* set_limits sets the process's personality and rlimits. */
void set_limits(struct plan *p);
/* set_scheduling sets the process's scheduler, I/O priority, memory
 * policy and (exec) CPU affinity. */
void set_scheduling(struct plan *p);
void set_capabilities(struct plan *p);
/* set_home gives the environment a HOME when it has none, as runc does. */
void set_home(struct plan *p);
void load_seccomp(struct plan *p);
const char *find_executable(struct plan *p);
void exec_process(struct plan *p, const char *path);

/* hooks.c */
void run_hooks(struct plan *p, uint32_t kind, const char *state, size_t state_len);

#endif
