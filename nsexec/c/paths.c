/*
 * Paths inside the container are resolved inside its root: openat2(2) with
 * RESOLVE_IN_ROOT makes "..", absolute symlinks and the rest stay below the
 * root fd, so a hostile rootfs cannot steer a mount, a device node or a
 * write onto the host. Magic links (/proc/self/fd/N) are refused while
 * resolving. Kernels without openat2 (before 5.6) get the same rules from
 * a walk one component at a time (walk_in_root).
 *
 * Writes to /proc go through proc_fd, a handle on the host's procfs opened
 * by the init before it changes any namespace and checked to be the root of
 * a procfs: nothing the container mounts can stand in for it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "init.h"

#ifndef PROC_SUPER_MAGIC
#define PROC_SUPER_MAGIC 0x9fa0
#endif
#define RESOLVE_NO_MAGICLINKS 0x02
#define RESOLVE_IN_ROOT 0x10

struct open_how {
	uint64_t flags, mode, resolve;
};

int proc_fd = -1;

void open_procfs(void)
{
	struct statfs fs;
	struct stat st;

	proc_fd = open("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (proc_fd < 0)
		bail("open /proc");
	if (fstatfs(proc_fd, &fs) < 0 || fs.f_type != PROC_SUPER_MAGIC)
		bailx("/proc is not a procfs");
	if (fstat(proc_fd, &st) < 0 || st.st_ino != 1)
		bailx("/proc is not the root of a procfs");
}

/* walk_forced and has_openat2 choose the resolver: openat2(2) unless the
 * kernel lacks it (before Linux 5.6: ENOSYS, detected once) or the plan
 * asks for the walk (tests). */
static int walk_forced;
static int has_openat2 = -1;

void paths_force_walk(int on)
{
	walk_forced = on;
}

/* is_magic_link says whether the symlink fd names a procfs magic link
 * (/proc/<pid>/fd/N, exe, cwd, root, ns/...): its text is a path or
 * "type:[id]", where the plain procfs links (self, thread-self, mounts,
 * net) are relative. RESOLVE_NO_MAGICLINKS refuses them. */
static int is_magic_link(int fd, const char *target)
{
	struct statfs fs;
	if (fstatfs(fd, &fs) < 0 || fs.f_type != PROC_SUPER_MAGIC)
		return 0;
	return target[0] == '/' || strchr(target, ':') != NULL;
}

/* reopen_dirs opens the directory at the resolved path dirs (relative,
 * components separated by '/') from root, following no symlink: the
 * walk's way back for "..", which never asks the kernel for a parent. */
static int reopen_dirs(int root, const char *dirs)
{
	char buf[PATH_MAX];
	int cur = openat(root, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	snprintf(buf, sizeof(buf), "%s", dirs);
	for (char *save, *c = strtok_r(buf, "/", &save); c && cur >= 0; c = strtok_r(NULL, "/", &save)) {
		int next = openat(cur, c, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		close(cur);
		cur = next;
	}
	return cur;
}

/* A walk in progress: what is left to resolve (rest, in todo), the path
 * resolved so far (done, relative to the root) and an fd of it (cur).
 * Each step returns 0, or -1 with errno set and every fd closed. */
#define MAX_SYMLINKS 40
struct walk {
	int root, cur, links;
	char *rest;
	char todo[PATH_MAX], done[PATH_MAX];
};

/* walk_fail closes fd (unless -1) and the walk's directory, keeping errno. */
static int walk_fail(struct walk *w, int fd)
{
	int e = errno;
	if (fd >= 0)
		close(fd);
	close(w->cur);
	w->cur = -1;
	errno = e;
	return -1;
}

/* walk_next cuts the next component off rest; NULL when none is left.
 * *slash says whether a '/' followed it, *last whether only slashes do. */
static char *walk_next(struct walk *w, int *slash, int *last)
{
	while (*w->rest == '/')
		w->rest++;
	if (*w->rest == '\0')
		return NULL;
	char *c = w->rest, *sep = strchr(c, '/');
	w->rest = sep ? sep + 1 : c + strlen(c);
	if (sep)
		*sep = '\0';
	*slash = sep != NULL;
	*last = strspn(w->rest, "/") == strlen(w->rest);
	return c;
}

/* walk_restart opens again the directory done names, from the root. */
static int walk_restart(struct walk *w)
{
	close(w->cur);
	w->cur = reopen_dirs(w->root, w->done);
	return w->cur < 0 ? -1 : 0;
}

/* walk_up handles "..": one component back along done, never above the
 * root. */
static int walk_up(struct walk *w)
{
	char *up = strrchr(w->done, '/');
	*(up ? up : w->done) = '\0';
	return walk_restart(w);
}

/* walk_link puts the text of the symlink open at fd in place of its name
 * (keeping a trailing slash); an absolute text starts again at the root.
 * More than MAX_SYMLINKS links, or a magic link, is ELOOP. */
static int walk_link(struct walk *w, int fd, int slash)
{
	char target[PATH_MAX], next[PATH_MAX];
	ssize_t n = readlinkat(fd, "", target, sizeof(target) - 1);
	if (n < 0)
		return walk_fail(w, fd);
	target[n] = '\0';
	if (++w->links > MAX_SYMLINKS || is_magic_link(fd, target)) {
		errno = ELOOP;
		return walk_fail(w, fd);
	}
	close(fd);
	const char *sep = *w->rest || slash ? "/" : "";
	if ((size_t)snprintf(next, sizeof(next), "%s%s%s", target, sep, w->rest) >= sizeof(next)) {
		errno = ENAMETOOLONG;
		return walk_fail(w, -1);
	}
	memcpy(w->todo, next, sizeof(w->todo));
	w->rest = w->todo;
	if (target[0] != '/')
		return 0;
	w->done[0] = '\0';
	return walk_restart(w);
}

/* walk_enter makes the component c, open at fd, the walk's directory. */
static int walk_enter(struct walk *w, int fd, const char *c)
{
	char next[PATH_MAX];
	if ((size_t)snprintf(next, sizeof(next), "%s%s%s", w->done, w->done[0] ? "/" : "", c) >= sizeof(next)) {
		errno = ENAMETOOLONG;
		return walk_fail(w, fd);
	}
	memcpy(w->done, next, sizeof(w->done));
	close(w->cur);
	w->cur = fd;
	return 0;
}

/* walk_step resolves the component c from the walk's directory. */
static int walk_step(struct walk *w, const char *c, int slash, int last, int flags)
{
	struct stat st;
	if (strcmp(c, ".") == 0)
		return 0;
	if (strcmp(c, "..") == 0)
		return walk_up(w);
	int fd = openat(w->cur, c, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0)
		return walk_fail(w, fd);
	/* a final symlink is the result under O_NOFOLLOW, unless a trailing
	 * slash asks for what it points to */
	if (S_ISLNK(st.st_mode) && !(last && !slash && (flags & O_NOFOLLOW)))
		return walk_link(w, fd, slash);
	if (!last && !S_ISDIR(st.st_mode)) {
		errno = ENOTDIR;
		return walk_fail(w, fd);
	}
	return walk_enter(w, fd, c);
}

/* walk_in_root resolves path inside root one component at a time, as
 * openat2(RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS) does: each component
 * opened with O_NOFOLLOW from the directory before it; a symlink's text
 * is resolved again inside the root (absolute: from the root), at most
 * MAX_SYMLINKS of them; ".." goes back along the resolved path and stops
 * at the root; magic links are refused. flags are O_PATH with
 * O_DIRECTORY and O_NOFOLLOW, as in_root's callers use. */
static int walk_in_root(int root, const char *path, int flags)
{
	struct walk w = {.root = root, .done = ""};
	size_t len = strlen(path);
	char *c;
	int slash, last;

	if (len >= sizeof(w.todo) || !(flags & O_PATH)) {
		errno = len >= sizeof(w.todo) ? ENAMETOOLONG : EINVAL;
		return -1;
	}
	memcpy(w.todo, path, len + 1);
	w.rest = w.todo;
	w.cur = openat(root, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (w.cur < 0)
		return -1;
	while ((c = walk_next(&w, &slash, &last)))
		if (walk_step(&w, c, slash, last, flags) < 0)
			return -1;
	/* O_DIRECTORY, or a trailing slash, wants a directory */
	struct stat st;
	if (((flags & O_DIRECTORY) || (len && path[len - 1] == '/')) &&
	    (fstat(w.cur, &st) < 0 || !S_ISDIR(st.st_mode))) {
		close(w.cur);
		errno = ENOTDIR;
		return -1;
	}
	return w.cur;
}

void release_procfs(void)
{
	struct statfs fs;
	if (proc_fd < 0 || statfs("/proc", &fs) < 0 || fs.f_type != PROC_SUPER_MAGIC)
		return;
	close(proc_fd);
	proc_fd = -1;
}

int in_root(int root, const char *path, int flags)
{
	struct open_how how = {
		.flags = (uint64_t)(flags | O_CLOEXEC),
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};
	while (*path == '/')
		path++;
	if (*path == '\0')
		path = ".";
	if (walk_forced || has_openat2 == 0)
		return walk_in_root(root, path, flags);
	int fd;
	do
		fd = (int)syscall(SYS_openat2, root, path, &how, sizeof(how));
	while (fd < 0 && errno == EAGAIN);
	if (fd < 0 && errno == ENOSYS && has_openat2 < 0) {
		has_openat2 = 0;
		return walk_in_root(root, path, flags);
	}
	has_openat2 = 1;
	return fd;
}

int open_read_in_root(int root, const char *path)
{
	char dir[PATH_MAX];
	int fd;
	if (!walk_forced && has_openat2 != 0) {
		fd = in_root(root, path, O_RDONLY | O_NONBLOCK);
		if (fd >= 0 || has_openat2 != 0)
			return fd;
		/* openat2 was just found missing: the walk below */
	}
	const char *slash = strrchr(path, '/');
	size_t n = slash ? (size_t)(slash - path) : 0;
	if (!slash || n >= sizeof(dir)) {
		errno = EINVAL;
		return -1;
	}
	memcpy(dir, path, n);
	dir[n] = '\0';
	int parent = in_root(root, n ? dir : "/", O_PATH | O_DIRECTORY);
	if (parent < 0)
		return -1;
	fd = openat(parent, slash + 1, O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC);
	int e = errno;
	close(parent);
	errno = e;
	return fd;
}

/* mkdir_link_target makes the directory a dangling symlink (base in
 * parent, at path) points to, resolved inside the root as the mount will
 * be, as runc does: a link to "/../../x" makes <root>/x, never a host
 * directory. Returns -2 when base is not a symlink. */
static int mkdir_link_target(int root, int parent, const char *path, const char *base, mode_t mode)
{
	static int depth;
	char target[PATH_MAX], next[PATH_MAX];
	ssize_t n = readlinkat(parent, base, target, sizeof(target) - 1);
	if (n < 0)
		return errno == EINVAL ? -2 : -1;
	target[n] = '\0';
	int len = target[0] == '/' ? snprintf(next, sizeof(next), "%s", target)
				  : snprintf(next, sizeof(next), "%.*s/%s", (int)(base - path), path, target);
	if (len < 0 || (size_t)len >= sizeof(next)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if (depth >= MAX_SYMLINKS) {
		errno = ELOOP;
		return -1;
	}
	depth++;
	int fd = mkdir_in_root(root, next, mode);
	depth--;
	return fd;
}

int mkdir_in_root(int root, const char *path, mode_t mode)
{
	int fd = in_root(root, path, O_PATH | O_DIRECTORY);
	if (fd >= 0 || errno != ENOENT)
		return fd;
	/* make the parent (recursively: usually it exists), then this one */
	const char *base;
	int parent = parent_in_root(root, path, &base);
	if (parent < 0)
		return -1;
	int existed = mkdirat(parent, base, mode) < 0;
	if (existed && errno != EEXIST) {
		int e = errno;
		close(parent);
		errno = e;
		return -1;
	}
	/* ENOENT above, EEXIST here: a symlink to nowhere is in the way */
	fd = existed ? mkdir_link_target(root, parent, path, base, mode) : -2;
	if (fd != -2) {
		int e = errno;
		close(parent);
		errno = e;
		return fd;
	}
	/* the entry just made, without following a symlink raced in; any
	 * surprise goes back to a full resolution inside the root */
	fd = openat(parent, base, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	close(parent);
	if (fd < 0)
		fd = in_root(root, path, O_PATH | O_DIRECTORY);
	return fd;
}

int parent_in_root(int root, const char *path, const char **base)
{
	char dir[PATH_MAX];
	while (*path == '/' && path[1] == '/')
		path++;
	const char *slash = strrchr(path, '/');
	size_t n = slash ? (size_t)(slash - path) : 0;
	if (n >= sizeof(dir)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	*base = slash ? slash + 1 : path;
	if (**base == '\0' || strcmp(*base, "..") == 0 || strcmp(*base, ".") == 0) {
		errno = EINVAL;
		return -1;
	}
	memcpy(dir, path, n);
	dir[n] = '\0';
	return mkdir_in_root(root, n ? dir : "/", 0755);
}

int mkfile_in_root(int root, const char *path)
{
	int fd = in_root(root, path, O_PATH);
	if (fd >= 0 || errno != ENOENT)
		return fd;
	const char *base;
	int parent = parent_in_root(root, path, &base);
	if (parent < 0)
		return -1;
	int f = openat(parent, base, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0644);
	int e = errno;
	close(parent);
	if (f < 0 && e != EEXIST) {
		errno = e;
		return -1;
	}
	if (f >= 0)
		close(f);
	return in_root(root, path, O_PATH);
}

const char *fd_path(int fd, char *buf, size_t len)
{
	snprintf(buf, len, "self/fd/%d", fd);
	return buf;
}

void write_proc(const char *rel, const char *value, size_t len)
{
	struct statfs fs;
	int fd = openat(proc_fd, rel, O_WRONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		bail("open /proc/%s", rel);
	/* nothing mounted below the handle may take the write */
	if (fstatfs(fd, &fs) < 0 || fs.f_type != PROC_SUPER_MAGIC)
		bailx("/proc/%s is not a procfs file", rel);
	ssize_t n = write(fd, value, len);
	if (n < 0)
		bail("write %.*s to /proc/%s", (int)(len > 64 ? 64 : len), value, rel);
	if ((size_t)n != len)
		bailx("write to /proc/%s: short write", rel);
	close(fd);
}
