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

/* walk_in_root resolves path inside root one component at a time, as
 * openat2(RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS) does: each component
 * opened with O_NOFOLLOW from the directory before it; a symlink's text
 * is resolved again inside the root (absolute: from the root), at most
 * MAX_SYMLINKS of them; ".." goes back along the resolved path and stops
 * at the root; magic links are refused. flags are O_PATH with
 * O_DIRECTORY and O_NOFOLLOW, as in_root's callers use. */
#define MAX_SYMLINKS 40
static int walk_in_root(int root, const char *path, int flags)
{
	char todo[PATH_MAX], done[PATH_MAX] = "", target[PATH_MAX], tmp[PATH_MAX];
	int links = 0, e;
	size_t len = strlen(path);

	if (len >= sizeof(todo) || !(flags & O_PATH)) {
		errno = len >= sizeof(todo) ? ENAMETOOLONG : EINVAL;
		return -1;
	}
	int want_dir = (flags & O_DIRECTORY) || (len && path[len - 1] == '/');
	memcpy(todo, path, len + 1);
	int cur = openat(root, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	char *rest = todo;
	while (cur >= 0) {
		while (*rest == '/')
			rest++;
		if (*rest == '\0')
			break;
		char *c = rest, *slash = strchr(rest, '/');
		rest = slash ? slash + 1 : rest + strlen(rest);
		if (slash)
			*slash = '\0';
		int last = strspn(rest, "/") == strlen(rest);
		if (strcmp(c, ".") == 0)
			continue;
		if (strcmp(c, "..") == 0) {
			char *up = strrchr(done, '/');
			*(up ? up : done) = '\0';
			close(cur);
			cur = reopen_dirs(root, done);
			continue;
		}
		int fd = openat(cur, c, O_PATH | O_NOFOLLOW | O_CLOEXEC);
		struct stat st;
		if (fd < 0)
			goto fail;
		if (fstat(fd, &st) < 0)
			goto fail_fd;
		/* a final symlink is the result under O_NOFOLLOW, unless a
		 * trailing slash asks for what it points to */
		if (S_ISLNK(st.st_mode) && !(last && !slash && (flags & O_NOFOLLOW))) {
			ssize_t n = readlinkat(fd, "", target, sizeof(target) - 1);
			if (n < 0)
				goto fail_fd;
			target[n] = '\0';
			if (++links > MAX_SYMLINKS || is_magic_link(fd, target)) {
				errno = ELOOP;
				goto fail_fd;
			}
			close(fd);
			/* the link's text takes the place of its name */
			const char *sep = *rest || slash ? "/" : ""; /* keep a trailing slash */
			if ((size_t)snprintf(tmp, sizeof(tmp), "%s%s%s", target, sep, rest) >= sizeof(tmp)) {
				errno = ENAMETOOLONG;
				goto fail;
			}
			memcpy(todo, tmp, sizeof(todo));
			rest = todo;
			if (target[0] == '/') {
				done[0] = '\0';
				close(cur);
				cur = reopen_dirs(root, done);
			}
			continue;
		}
		if (!last && !S_ISDIR(st.st_mode)) {
			errno = ENOTDIR;
			goto fail_fd;
		}
		if ((size_t)snprintf(tmp, sizeof(tmp), "%s%s%s", done, done[0] ? "/" : "", c) >= sizeof(tmp)) {
			errno = ENAMETOOLONG;
			goto fail_fd;
		}
		memcpy(done, tmp, sizeof(done));
		close(cur);
		cur = fd;
		continue;
	fail_fd:
		e = errno;
		close(fd);
		errno = e;
	fail:
		e = errno;
		close(cur);
		errno = e;
		return -1;
	}
	if (cur >= 0 && want_dir) {
		struct stat st;
		if (fstat(cur, &st) < 0 || !S_ISDIR(st.st_mode)) {
			close(cur);
			errno = ENOTDIR;
			return -1;
		}
	}
	return cur;
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
