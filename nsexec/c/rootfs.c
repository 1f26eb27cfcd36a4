/*
 * The root filesystem, in a new mount namespace: the rootfs is bound on
 * itself, the plan's mounts are made inside it in order, then devices, and
 * after the createContainer hooks the init pivots into it. Every target is
 * resolved inside the root and opened first; the mount goes through that
 * fd (as "self/fd/N" of the trusted procfs handle), so a symlink swapped in
 * after the check cannot redirect it.
 *
 * While the rootfs is set up the working directory is the root (root_fd):
 * only mount_on leaves it, for the one mount(2) call that names fds
 * through the procfs handle, and returns at once.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "init.h"

#ifndef MS_NOSYMFOLLOW
#define MS_NOSYMFOLLOW 256
#endif
#define MOVE_MOUNT_F_EMPTY_PATH 0x00000004
#define MOVE_MOUNT_T_EMPTY_PATH 0x00000040
#define OPEN_TREE_CLONE 1
#define AT_RECURSIVE 0x8000

struct mount_attr {
	uint64_t attr_set, attr_clr, propagation, userns_fd;
};

static int root_fd = -1; /* the rootfs (after its self-bind) */

static int console_target(void);

/* chdir_to changes the working directory to fd, or to path if fd is -1. */
static void chdir_to(int fd, const char *path)
{
	if ((fd >= 0 ? fchdir(fd) : chdir(path)) < 0)
		bail("chdir to %s", path);
}

/* mount_on mounts src on the mount point open at fd. mount(2) takes only
 * paths: fd is named "self/fd/N" relative to the trusted procfs handle,
 * which is the working directory for this one call (src may be such a
 * name too, see bind_fd); the working directory is the root again after
 * it, never left on the host's procfs. */
static int mount_on(const char *src, int fd, const char *type, unsigned long flags, const char *data)
{
	char target[64];
	if (fchdir(proc_fd) < 0)
		bail("chdir to the procfs handle");
	int r = mount(src, fd_path(fd, target, sizeof(target)), type, flags, data);
	int e = errno;
	chdir_to(root_fd, "the root");
	errno = e;
	return r;
}

/* bind_fd binds the file open at src on the mount point open at fd. */
static int bind_fd(int src, int fd, unsigned long flags)
{
	char source[64];
	return mount_on(fd_path(src, source, sizeof(source)), fd, NULL, MS_BIND | flags, NULL);
}

/* locked_flags are the flags of the mount at fd that a remount must keep
 * (in a user namespace the kernel refuses to clear them). */
static unsigned long locked_flags(int fd)
{
	struct statvfs sv;
	unsigned long f = 0;
	if (fstatvfs(fd, &sv) < 0)
		bail("statvfs of a mount");
	if (sv.f_flag & ST_NOSUID) f |= MS_NOSUID;
	if (sv.f_flag & ST_NODEV) f |= MS_NODEV;
	if (sv.f_flag & ST_NOEXEC) f |= MS_NOEXEC;
	if (sv.f_flag & ST_NOATIME) f |= MS_NOATIME;
	if (sv.f_flag & ST_NODIRATIME) f |= MS_NODIRATIME;
	if (sv.f_flag & ST_RELATIME) f |= MS_RELATIME;
	if (sv.f_flag & ST_RDONLY) f |= MS_RDONLY;
	return f;
}

/* remount_bind applies flags to the bind mount at fd, keeping the flags the
 * options did not clear. */
static int remount_bind(int fd, unsigned long flags, unsigned long clr)
{
	unsigned long keep = locked_flags(fd) & ~clr;
	/* an explicit atime choice replaces the inherited one */
	if (flags & (MS_NOATIME | MS_RELATIME | MS_STRICTATIME))
		keep &= ~(MS_NOATIME | MS_RELATIME | MS_STRICTATIME);
	return mount_on(NULL, fd, NULL, MS_BIND | MS_REMOUNT | (flags & ~MS_REC) | keep, NULL);
}

/* remount_bind_exact gives a bind mount of the config exactly the flags
 * its options ask for: the others are cleared, and the atime mode stays
 * unless they choose one (the kernel keeps it). In a user namespace the
 * kernel refuses to clear what it locked from the source (EPERM): then the
 * source's ro, nosuid, nodev and noexec the options did not clear are
 * added, and an explicit clear of a locked flag still fails (runc's rule,
 * which its tests check). */
static int remount_bind_exact(int fd, unsigned long flags, unsigned long clr)
{
	unsigned long base = MS_BIND | MS_REMOUNT | (flags & ~MS_REC);
	if (mount_on(NULL, fd, NULL, base, NULL) == 0)
		return 0;
	if (errno != EPERM)
		return -1;
	unsigned long keep = locked_flags(fd) & ~clr & (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC);
	return mount_on(NULL, fd, NULL, base | keep, NULL);
}

static void set_propagation(const struct mount_entry *m, int fd)
{
	for (size_t i = 0; i < m->npropagation; i++)
		if (mount_on(NULL, fd, NULL, m->propagation[i], NULL) < 0)
			bail("set propagation %#x of %s", m->propagation[i], m->dest);
}

static void set_attrs(const struct mount_entry *m, int fd)
{
	if (!m->attr_set && !m->attr_clr)
		return;
	struct mount_attr a = {.attr_set = m->attr_set, .attr_clr = m->attr_clr};
	if (syscall(SYS_mount_setattr, fd, "", AT_EMPTY_PATH | AT_RECURSIVE, &a, sizeof(a)) < 0)
		bail("set recursive mount attributes of %s", m->dest);
}

/* check_proc_dest refuses a procfs or sysfs mount whose destination is a
 * symlink: the filesystem would land where the link points and leave a
 * directory of the rootfs's choosing at /proc (CVE-2023-27561,
 * CVE-2023-28642). */
static void check_proc_dest(const struct mount_entry *m)
{
	struct stat st;
	if (m->kind != MOUNT_FS || (strcmp(m->fstype, "proc") != 0 && strcmp(m->fstype, "sysfs") != 0))
		return;
	int fd = in_root(root_fd, m->dest, O_PATH | O_NOFOLLOW);
	if (fd < 0)
		return; /* missing: made below as a directory */
	if (fstat(fd, &st) < 0)
		bail("stat mount point %s", m->dest);
	close(fd);
	if (S_ISLNK(st.st_mode)) {
		errno = 0;
		bailx("mount point %s of %s is a symlink in the rootfs: %s must be mounted on ordinary directory", m->dest, m->fstype, m->fstype);
	}
}

/* delays_readonly says whether m is mounted read-write first and made
 * read-only at the end (remount_late_readonly), as runc does: a tmpfs may
 * need mount points or devices made in it (a read-only /dev still gets
 * /dev/pts, /dev/shm and the device nodes). */
static int delays_readonly(const struct mount_entry *m)
{
	return m->kind == MOUNT_FS && (m->flags & MS_RDONLY) &&
	       (strcmp(m->fstype, "tmpfs") == 0 || strcmp(m->dest, "/dev") == 0);
}

/* remount_late_readonly makes the mounts delays_readonly kept read-write
 * read-only, with their own flags: a bind remount changes only the
 * mount's flags, which the kernel allows in a user namespace too. */
static void remount_late_readonly(const struct plan *p)
{
	for (size_t i = 0; i < p->nmounts; i++) {
		const struct mount_entry *m = &p->mounts[i];
		if (!delays_readonly(m))
			continue;
		error_context = m->origin;
		int fd = in_root(root_fd, m->dest, O_PATH);
		if (fd < 0)
			bail("open %s to make it read-only", m->dest);
		if (mount_on(NULL, fd, NULL, MS_BIND | MS_REMOUNT | m->flags, NULL) < 0)
			bail("remount %s read-only", m->dest);
		close(fd);
		error_context = NULL;
	}
}

/* tmpfs_data is the data of a tmpfs mount on a mount point that existed
 * before (mode is its st_mode): "mode=" with the mount point's mode goes
 * first, so the tmpfs keeps it unless the options choose another (a later
 * mode= wins), as runc does since 1.3. The caller frees the result. */
static char *tmpfs_data(const struct mount_entry *m, mode_t mode)
{
	char *data;
	const char *rest = m->data ? m->data : "";
	if (asprintf(&data, "mode=%04o%s%s", (unsigned)(mode & 07777), *rest ? "," : "", rest) < 0)
		bail("tmpfs options of %s", m->dest);
	return data;
}

/* existing_mode reports the mode of m's mount point if m is a tmpfs and
 * the mount point exists (following symlinks, inside the root); else 0. */
static mode_t existing_mode(const struct mount_entry *m)
{
	struct stat st;
	if (m->kind != MOUNT_FS || strcmp(m->fstype, "tmpfs") != 0)
		return 0;
	int fd = in_root(root_fd, m->dest, O_PATH);
	if (fd < 0)
		return 0;
	int r = fstat(fd, &st);
	close(fd);
	return r < 0 ? 0 : st.st_mode;
}

/* mount_fs mounts the new filesystem of m on the mount point open at fd. */
static void mount_fs(const struct mount_entry *m, int fd, mode_t mode)
{
	unsigned long flags = m->flags;
	if (delays_readonly(m))
		flags &= ~(unsigned long)MS_RDONLY;
	char *data = mode ? tmpfs_data(m, mode) : NULL;
	if (mount_on(m->source ? m->source : m->fstype, fd, m->fstype, flags, data ? data : m->data) < 0)
		bail("mount %s on %s", m->fstype, m->dest);
	free(data);
}

/* target opens (making it if missing) the mount point of m inside the root. */
static int target(const struct mount_entry *m)
{
	check_proc_dest(m);
	int fd = m->is_file ? mkfile_in_root(root_fd, m->dest) : mkdir_in_root(root_fd, m->dest, 0755);
	if (fd < 0)
		bail("make mount point %s", m->dest);
	return fd;
}

/* copy_file copies the content of the regular file open at in to out. */
static int copy_file(int in, int out)
{
	char buf[65536];
	ssize_t n;
	while ((n = read(in, buf, sizeof(buf))) > 0)
		for (char *p = buf; n > 0;) {
			ssize_t w = write(out, p, (size_t)n);
			if (w < 0)
				return -1;
			p += w;
			n -= w;
		}
	return (int)n;
}

static void copy_tree(int from, int to, const char *dest, int depth);

/* copy_entry copies the entry name of the directory from into the
 * directory to, with its owner and mode (as runc: no timestamps, no hard
 * links; sockets are left out). Nothing is followed: every open is
 * O_NOFOLLOW and relative to the directory fds, so a symlink in the tree
 * is copied as a link and never leads the copy out of it. */
static void copy_entry(int from, int to, const char *name, const char *dest, int depth)
{
	struct stat st;
	int in = -1, out = -1;
	if (fstatat(from, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		bail("tmpcopyup of %s: stat %s", dest, name);
	switch (st.st_mode & S_IFMT) {
	case S_IFDIR:
		if (mkdirat(to, name, 0700) < 0)
			bail("tmpcopyup of %s: mkdir %s", dest, name);
		in = openat(from, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		out = openat(to, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (in < 0 || out < 0)
			bail("tmpcopyup of %s: open directory %s", dest, name);
		copy_tree(in, out, dest, depth + 1);
		break;
	case S_IFREG:
		in = openat(from, name, O_RDONLY | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC);
		out = openat(to, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (in < 0 || out < 0 || copy_file(in, out) < 0)
			bail("tmpcopyup of %s: copy %s", dest, name);
		break;
	case S_IFLNK: {
		char target[PATH_MAX + 1];
		ssize_t n = readlinkat(from, name, target, PATH_MAX);
		if (n < 0)
			bail("tmpcopyup of %s: readlink %s", dest, name);
		target[n] = '\0';
		if (symlinkat(target, to, name) < 0 || fchownat(to, name, st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW) < 0)
			bail("tmpcopyup of %s: symlink %s", dest, name);
		return;
	}
	case S_IFIFO:
	case S_IFCHR:
	case S_IFBLK:
		if (mknodat(to, name, st.st_mode & S_IFMT, st.st_rdev) < 0)
			bail("tmpcopyup of %s: mknod %s", dest, name);
		out = openat(to, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
		break;
	default:
		return; /* a socket: nothing to copy */
	}
	/* the owner first: chown clears the set-id bits the mode brings */
	char path[64];
	if (out < 0 || fchownat(out, "", st.st_uid, st.st_gid, AT_EMPTY_PATH) < 0 ||
	    fchmodat(proc_fd, fd_path(out, path, sizeof(path)), st.st_mode & 07777, 0) < 0)
		bail("tmpcopyup of %s: set owner and mode of %s", dest, name);
	close(out);
	if (in >= 0)
		close(in);
}

/* copy_tree copies the entries of the directory open at from into the
 * directory open at to (dest names the mount, for errors). */
static void copy_tree(int from, int to, const char *dest, int depth)
{
	if (depth > 256) {
		errno = ELOOP;
		bail("tmpcopyup of %s: tree too deep", dest);
	}
	int fd = dup(from);
	DIR *dir = fd < 0 ? NULL : fdopendir(fd);
	if (!dir)
		bail("tmpcopyup of %s: read directory", dest);
	struct dirent *e;
	while ((errno = 0, e = readdir(dir)))
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			copy_entry(from, to, e->d_name, dest, depth);
	if (errno)
		bail("tmpcopyup of %s: read directory", dest);
	closedir(dir);
}

/* copy_up fills the new tmpfs of m, open at mnt, with a copy of the
 * directory it covers, open at below (kept from before the mount: an fd
 * still reaches what a mount hides). Called while the tmpfs is still
 * writable (delays_readonly). */
static void copy_up(const struct mount_entry *m, int below, int mnt)
{
	int from = openat(below, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int to = openat(mnt, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (from < 0 || to < 0)
		bail("tmpcopyup of %s: open the directories", m->dest);
	copy_tree(from, to, m->dest, 0);
	close(from);
	close(to);
}

static void make_symlink(const char *target_path, const char *path, int replace)
{
	const char *base;
	int parent = parent_in_root(root_fd, path, &base);
	if (parent < 0)
		bail("make parent of %s", path);
	if (replace && unlinkat(parent, base, 0) < 0 && errno != ENOENT)
		bail("remove %s", path);
	if (symlinkat(target_path, parent, base) < 0 && errno != EEXIST)
		bail("symlink %s -> %s", path, target_path);
	close(parent);
}

/* move_tree moves the detached tree at tree (the parent cloned or
 * prepared it) on the mount point open at fd, and closes tree. */
static void move_tree(const struct mount_entry *m, int tree, int fd)
{
	if (syscall(SYS_move_mount, tree, "", fd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
		bail("move the prepared mount of %s to %s", m->source ? m->source : "?", m->dest);
	close(tree);
}

static int mount_ns = -1; /* this mount namespace, for the parent (clone_source) */

/* clone_source asks the parent for the source of m (T_M_CLONED), cloned
 * from inside this mount namespace as it is now (a source made by an
 * earlier mount is there): in a user namespace the container's root may
 * not reach a host path the host's root may, and a clone made here keeps
 * the flags the kernel locked on the host's mounts; an idmapped source
 * gets its mapping there too. Returns the tree, or -1 where the parent
 * leaves the bind to the init. */
static int clone_source(const struct mount_entry *m, const struct plan *p)
{
	uint32_t index = (uint32_t)(m - p->mounts), got;
	size_t len;
	int tree;
	if (mount_ns < 0 && (mount_ns = openat(proc_fd, "self/ns/mnt", O_RDONLY | O_CLOEXEC)) < 0)
		bail("open the container's mount namespace");
	send_msg_fd(MSG_CLONE_SOURCE, &index, sizeof(index), mount_ns);
	uint8_t *buf = recv_msg_fd(MSG_SOURCE_TREE, &len, &tree);
	if (len != sizeof(got) || (memcpy(&got, buf, sizeof(got)), got != index))
		bailx("protocol: the source of another mount than %u", index);
	free(buf);
	return tree;
}

static void mount_one(const struct mount_entry *m, const struct plan *p)
{
	if (m->kind == MOUNT_SYMLINK) {
		make_symlink(m->source, m->dest, 0);
		return;
	}
	if (m->kind == MOUNT_REMOUNT) {
		int fd = in_root(root_fd, m->dest, O_PATH);
		if (fd < 0 || mount_on(NULL, fd, NULL, MS_REMOUNT | m->flags, m->data) < 0)
			bail("remount %s", m->dest);
		close(fd);
		return;
	}
	mode_t mode = existing_mode(m);
	int fd = target(m), below = -1, tree;
	if (m->kind == MOUNT_FS && m->copyup && (below = dup(fd)) < 0)
		bail("keep the mount point %s for tmpcopyup", m->dest);
	switch (m->kind) {
	case MOUNT_FS:
		mount_fs(m, fd, mode);
		break;
	case MOUNT_BIND:
		if (m->cloned && (tree = clone_source(m, p)) >= 0)
			move_tree(m, tree, fd);
		else if (mount_on(m->source, fd, NULL, MS_BIND | (m->flags & MS_REC), NULL) < 0)
			bail("bind mount %s on %s", m->source, m->dest);
		break;
	case MOUNT_TREE:
		move_tree(m, p->tree_fds[m->tree], fd);
		break;
	}
	close(fd);
	/* from here on the fd must name the new mount, not what was under it */
	fd = in_root(root_fd, m->dest, O_PATH);
	if (fd < 0)
		bail("open new mount %s", m->dest);
	if (below >= 0) {
		copy_up(m, below, fd);
		close(below);
	}
	if (m->kind != MOUNT_FS && m->remount)
		if (remount_bind_exact(fd, m->flags, m->clr_flags) < 0)
			bail("remount %s with flags %#x", m->dest, m->flags);
	set_attrs(m, fd);
	set_propagation(m, fd);
	close(fd);
}

/* do_mount carries out one mount; its errors name the config field. */
static void do_mount(const struct mount_entry *m, const struct plan *p)
{
	error_context = m->origin;
	mount_one(m, p);
	error_context = NULL;
}

static void make_device(const struct device_entry *d)
{
	const char *base;
	int parent = parent_in_root(root_fd, d->path, &base);
	if (parent < 0)
		bail("make parent of %s", d->path);
	if (d->bind) {
		/* in a user namespace mknod is refused: bind the host's node,
		 * checked to be the device the plan names, on a file made in
		 * the parent (never through a symlink), both by fd */
		struct stat st;
		mode_t type = d->type == 'b' ? S_IFBLK : d->type == 'p' ? S_IFIFO : S_IFCHR;
		int host = open(d->path, O_PATH | O_CLOEXEC);
		if (host < 0)
			bail("open the host's %s", d->path);
		if (fstat(host, &st) < 0 || (st.st_mode & S_IFMT) != type ||
		    (type != S_IFIFO && st.st_rdev != makedev(d->major, d->minor))) {
			errno = 0;
			bailx("the host's %s is not the device %c %u:%u", d->path, (char)d->type, d->major, d->minor);
		}
		int f = openat(parent, base, O_CREAT | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0000);
		if (f < 0 && errno != EEXIST)
			bail("make %s", d->path);
		if (f >= 0)
			close(f);
		int fd = openat(parent, base, O_PATH | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			bail("open %s", d->path);
		if (bind_fd(host, fd, 0) < 0)
			bail("bind mount device %s", d->path);
		close(fd);
		close(host);
	} else {
		mode_t type = d->type == 'b' ? S_IFBLK : d->type == 'p' ? S_IFIFO : S_IFCHR;
		if (unlinkat(parent, base, 0) < 0 && errno != ENOENT && errno != EISDIR)
			bail("remove old %s", d->path);
		if (mknodat(parent, base, type | (d->mode & 07777), makedev(d->major, d->minor)) < 0)
			bail("mknod %s", d->path);
		/* mknod applies the umask: set the mode the plan gives */
		if (fchmodat(parent, base, d->mode & 07777, 0) < 0)
			bail("chmod %s", d->path);
		if (fchownat(parent, base, d->uid, d->gid, AT_SYMLINK_NOFOLLOW) < 0)
			bail("chown %s", d->path);
	}
	close(parent);
}

/* enter_root opens the rootfs (bound on itself) as root_fd and makes it
 * the working directory while the rootfs is set up. */
static void enter_root(struct plan *p)
{
	root_fd = open(p->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root_fd < 0)
		bail("open rootfs %s", p->rootfs);
	chdir_to(root_fd, "the rootfs");
}

/* prepare_root makes / a slave (unless rootfsPropagation asks for shared)
 * so nothing propagates back to the host, and binds the rootfs on itself so
 * that it is a mount point pivot_root accepts: neither it nor its parent
 * mount may be shared. Under the rslave / the bind is a slave too, as the
 * spec's default and "slave" want: mounts the host makes below the rootfs
 * later still reach the container. */
static void prepare_root(struct plan *p)
{
	int shared = (p->root_propagation & MS_SHARED) != 0;
	unsigned long prop = shared ? p->root_propagation : (MS_SLAVE | MS_REC);
	if (mount(NULL, "/", NULL, prop, NULL) < 0)
		bail("set propagation of / to %#lx", prop);
	if (mount(p->rootfs, p->rootfs, NULL, MS_BIND | MS_REC, NULL) < 0)
		bail("bind mount rootfs %s on itself", p->rootfs);
	/* under a shared /, the first bind's parent is shared: make the bind
	 * private and bind once more on it */
	if (shared && mount(NULL, p->rootfs, NULL, MS_PRIVATE, NULL) < 0)
		bail("make rootfs %s private", p->rootfs);
	if (shared && mount(p->rootfs, p->rootfs, NULL, MS_BIND | MS_REC, NULL) < 0)
		bail("bind mount rootfs %s on itself", p->rootfs);
	enter_root(p);
}

/* host_root is prepare_root without a mount namespace of the container's
 * own: the mounts are made in the runtime's namespace, as the spec says,
 * below a private bind of the rootfs (nothing propagates from it) that
 * `berth delete` detaches with everything below it. */
static void host_root(struct plan *p)
{
	if (mount(p->rootfs, p->rootfs, NULL, MS_BIND | MS_REC, NULL) < 0)
		bail("bind mount rootfs %s on itself", p->rootfs);
	if (mount(NULL, p->rootfs, NULL, MS_PRIVATE | MS_REC, NULL) < 0)
		bail("make rootfs %s private", p->rootfs);
	enter_root(p);
}

void setup_rootfs(struct plan *p)
{
	if (p->no_mountns)
		host_root(p);
	else
		prepare_root(p);
	for (size_t i = 0; i < p->nmounts; i++)
		do_mount(&p->mounts[i], p);
	if (mount_ns >= 0)
		close(mount_ns);
	if (p->setup_dev) {
		for (size_t i = 0; i < p->ndevices; i++)
			make_device(&p->devices[i]);
		for (size_t i = 0; i < p->ndev_symlinks; i++)
			make_symlink(p->dev_symlinks[i].target, p->dev_symlinks[i].path, 1);
	}
	/* the console's mount point is made while /dev may be written: a
	 * read-only /dev becomes so in finish_rootfs, before the console */
	if (p->terminal)
		close(console_target());
	/* the working directory is made if missing, as runc does */
	if (p->cwd) {
		int fd = mkdir_in_root(root_fd, p->cwd, 0755);
		if (fd < 0)
			bail("make cwd %s", p->cwd);
		close(fd);
	}
}

/* unescape_mountinfo decodes the octal escapes (\040 for a space) of a
 * mountinfo path in place. */
static void unescape_mountinfo(char *s)
{
	char *out = s;
	for (; *s; s++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' && s[3] >= '0' && s[3] <= '7') {
			*out++ = (char)((s[1] - '0') << 6 | (s[2] - '0') << 3 | (s[3] - '0'));
			s += 3;
		} else {
			*out++ = *s;
		}
	}
	*out = '\0';
}

/* host_full_procfs says whether a mountinfo line is a whole procfs or
 * sysfs (its root is the filesystem's root) outside the rootfs, and sets
 * *point to its mount point. */
static int host_full_procfs(char *line, const char *rootfs, char **point)
{
	char *f[5], *save, *sep = strstr(line, " - ");
	if (!sep)
		return 0;
	*sep = '\0';
	char *fstype = strtok_r(sep + 3, " ", &save);
	if (!fstype || (strcmp(fstype, "proc") != 0 && strcmp(fstype, "sysfs") != 0))
		return 0;
	f[0] = strtok_r(line, " ", &save);
	for (int i = 1; i < 5; i++)
		if (!(f[i] = strtok_r(NULL, " ", &save)))
			return 0;
	unescape_mountinfo(f[3]);
	unescape_mountinfo(f[4]);
	size_t n = strlen(rootfs);
	if (strcmp(f[3], "/") != 0 || (strncmp(f[4], rootfs, n) == 0 && (f[4][n] == '/' || f[4][n] == '\0')))
		return 0;
	*point = f[4];
	return 1;
}

/* hide_host_procfs removes from the container's mount namespace every
 * whole procfs and sysfs of the host, before --no-pivot chroots into the
 * rootfs: the old root stays in the namespace, and the kernel lets a
 * process with a user namespace of its own mount a new procfs or sysfs
 * when a whole one without locked mounts over it is there
 * (mnt_already_visible), which would uncover what maskedPaths hide. Each
 * is made a slave (nothing propagates to the host) and detached, or
 * covered with a tmpfs where it cannot be, as runc does. */
static void hide_host_procfs(const char *rootfs)
{
	char real[PATH_MAX], line[4 * PATH_MAX], *point;
	if (!realpath(rootfs, real))
		bail("resolve rootfs %s", rootfs);
	int fd = openat(proc_fd, "self/mountinfo", O_RDONLY | O_CLOEXEC);
	FILE *f = fd < 0 ? NULL : fdopen(fd, "r");
	if (!f)
		bail("read /proc/self/mountinfo");
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		if (!host_full_procfs(line, real, &point))
			continue;
		if (mount(NULL, point, NULL, MS_SLAVE | MS_REC, NULL) < 0) {
			if (errno == ENOENT)
				continue; /* below one detached already */
			bail("make %s a slave", point);
		}
		if (umount2(point, MNT_DETACH) == 0)
			continue;
		if ((errno != EINVAL && errno != EPERM) || mount("tmpfs", point, "tmpfs", 0, NULL) < 0)
			bail("hide the host's %s from the container", point);
	}
	fclose(f);
}

static void pivot(struct plan *p)
{
	chdir_to(root_fd, "the rootfs");
	if (p->no_mountns) {
		if (chroot(".") < 0)
			bail("chroot to %s", p->rootfs);
	} else if (p->no_pivot) {
		hide_host_procfs(p->rootfs);
		if (mount(".", "/", NULL, MS_MOVE, NULL) < 0)
			bail("move rootfs %s to /", p->rootfs);
		if (chroot(".") < 0)
			bail("chroot to %s", p->rootfs);
	} else {
		/* pivot_root(".", ".") stacks the old root on the new one;
		 * detach it after making sure the unmount does not propagate.
		 * The cwd stays the new root: enter the old one first, or the
		 * rslave would undo the propagation of the container's mounts */
		int old_root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (old_root < 0)
			bail("open the old root");
		if (syscall(SYS_pivot_root, ".", ".") < 0)
			bail("pivot_root to %s", p->rootfs);
		if (fchdir(old_root) < 0)
			bail("enter the old root");
		close(old_root);
		if (mount(NULL, ".", NULL, MS_SLAVE | MS_REC, NULL) < 0)
			bail("make the old root a slave");
		if (umount2(".", MNT_DETACH) < 0)
			bail("detach the old root");
	}
	chdir_to(-1, "/");
	close(root_fd);
	root_fd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root_fd < 0)
		bail("open the new root");
}

static void remount_readonly(const char *path)
{
	int fd = in_root(root_fd, path, O_PATH);
	if (fd < 0) {
		if (errno == ENOENT)
			return;
		bail("open readonly path %s", path);
	}
	if (bind_fd(fd, fd, MS_REC) < 0)
		bail("bind readonly path %s", path);
	close(fd);
	fd = in_root(root_fd, path, O_PATH);
	if (fd < 0)
		bail("reopen readonly path %s", path);
	if (remount_bind(fd, MS_RDONLY, 0) < 0)
		bail("remount %s read-only", path);
	close(fd);
}

/* dev_null_fd opens /dev/null of the container, checked to be char 1:3. */
static int dev_null_fd(void)
{
	struct stat st;
	int fd = in_root(root_fd, "/dev/null", O_PATH);
	if (fd < 0)
		bail("open /dev/null");
	if (fstat(fd, &st) < 0 || !S_ISCHR(st.st_mode) || st.st_rdev != makedev(1, 3))
		bailx("/dev/null is not the null device (char 1:3)");
	return fd;
}

/* mask_dir covers the directory open at fd with a read-only tmpfs. All
 * masked directories share one, as with runc: the first gets a new tmpfs,
 * kept open at *shared, and the others a bind of it (a bind keeps its
 * read-only flag); if a bind fails, a tmpfs of their own. */
static void mask_dir(const char *path, int fd, int *shared)
{
	if (*shared >= 0 && bind_fd(*shared, fd, 0) == 0)
		return;
	if (mount_on("tmpfs", fd, "tmpfs", MS_RDONLY, NULL) < 0)
		bail("mask %s", path);
	if (*shared < 0) {
		/* the new mount, not the directory under it */
		*shared = in_root(root_fd, path, O_PATH | O_DIRECTORY | O_NOFOLLOW);
		if (*shared < 0)
			bail("open the tmpfs masking %s", path);
	}
}

static void mask_path(const char *path, int null_fd, int *shared)
{
	struct stat st;
	int fd = in_root(root_fd, path, O_PATH | O_NOFOLLOW);
	if (fd < 0) {
		if (errno == ENOENT)
			return;
		bail("open masked path %s", path);
	}
	if (fstat(fd, &st) < 0)
		bail("stat masked path %s", path);
	if (S_ISDIR(st.st_mode))
		mask_dir(path, fd, shared);
	else if (bind_fd(null_fd, fd, 0) < 0)
		bail("mask %s", path);
	close(fd);
}

void finish_rootfs(struct plan *p)
{
	pivot(p);
	if (p->root_propagation && mount(NULL, "/", NULL, p->root_propagation, NULL) < 0)
		bail("set propagation of / to %#x", p->root_propagation);
	remount_late_readonly(p);
	if (p->root_readonly) {
		int fd = in_root(root_fd, "/", O_PATH);
		if (fd < 0 || remount_bind(fd, MS_RDONLY, 0) < 0)
			bail("remount / read-only");
		close(fd);
	}
	for (size_t i = 0; i < p->readonly.n; i++)
		remount_readonly(p->readonly.v[i]);
	if (p->masked.n) {
		int null_fd = dev_null_fd(), shared = -1;
		for (size_t i = 0; i < p->masked.n; i++)
			mask_path(p->masked.v[i], null_fd, &shared);
		close(null_fd);
		if (shared >= 0)
			close(shared);
	}
}

/* console_target opens /dev/console without following a final symlink
 * (making it if missing) and checks it is a file or a character device:
 * the pty must not be bound wherever a link in the rootfs points
 * (CVE-2025-52565). The mount goes through this fd. */
static int console_target(void)
{
	struct stat st;
	int fd = in_root(root_fd, "/dev/console", O_PATH | O_NOFOLLOW);
	if (fd < 0 && errno == ENOENT) {
		const char *base;
		int parent = parent_in_root(root_fd, "/dev/console", &base);
		if (parent < 0)
			bail("make /dev");
		int f = openat(parent, base, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0644);
		if (f < 0 && errno != EEXIST)
			bail("make /dev/console");
		if (f >= 0)
			close(f);
		fd = openat(parent, base, O_PATH | O_NOFOLLOW | O_CLOEXEC);
		close(parent);
	}
	if (fd < 0)
		bail("open /dev/console");
	if (fstat(fd, &st) < 0)
		bail("stat /dev/console");
	if (!S_ISREG(st.st_mode) && !S_ISCHR(st.st_mode)) {
		errno = 0;
		bailx("/dev/console is not a file or a character device (mode %#o)", st.st_mode & S_IFMT);
	}
	return fd;
}

void mount_console(int slave)
{
	int fd = console_target();
	if (bind_fd(slave, fd, 0) < 0)
		bail("bind the console on /dev/console");
	close(fd);
}
