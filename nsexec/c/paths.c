/*
 * Paths inside the container are resolved inside its root: openat2(2) with
 * RESOLVE_IN_ROOT makes "..", absolute symlinks and the rest stay below the
 * root fd, so a hostile rootfs cannot steer a mount, a device node or a
 * write onto the host. Magic links (/proc/self/fd/N) are refused while
 * resolving.
 *
 * Writes to /proc go through proc_fd, a handle on the host's procfs opened
 * by the init before it changes any namespace and checked to be the root of
 * a procfs: nothing the container mounts can stand in for it.
 */
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
	int fd;
	do
		fd = (int)syscall(SYS_openat2, root, path, &how, sizeof(how));
	while (fd < 0 && errno == EAGAIN);
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
	if (mkdirat(parent, base, mode) < 0 && errno != EEXIST) {
		int e = errno;
		close(parent);
		errno = e;
		return -1;
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
	int fd = openat(proc_fd, rel, O_WRONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		bail("open /proc/%s", rel);
	ssize_t n = write(fd, value, len);
	if (n < 0)
		bail("write %.*s to /proc/%s", (int)(len > 64 ? 64 : len), value, rel);
	if ((size_t)n != len)
		bailx("write to /proc/%s: short write", rel);
	close(fd);
}
