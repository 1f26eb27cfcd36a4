package libcontainer

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/sirupsen/logrus"
	"golang.org/x/sys/unix"
)

// Bind sources cloned in the container's mount namespace. In a user
// namespace the container's root is a mapped uid: a bind source below a
// directory only the host's root may search (a directory of mode 0700,
// such as containerd's state directory holding a pod's /dev/shm) is out of
// its reach, and the init cannot bind it. The parent, still the host's
// root, clones such a source for it, and does so from inside the
// container's mount namespace: the kernel made every host mount there a
// copy whose ro, nosuid, nodev, noexec and atime flags are locked (the
// namespace belongs to the container's user namespace), and a clone of a
// locked mount keeps the locks. A clone made in the host's own namespace
// would carry none, and the container's root could remount a noexec source
// exec. An idmapped source is cloned there too, user namespace or not:
// the init cannot idmap, and the source may be made by an earlier mount
// of the config.
//
// finishRootfs marks the binds whose sources are cloned (initMount.cloned,
// see sourceClones). As the init comes to such a mount it asks
// (msgCloneSource, with an fd of its mount namespace); a thread of the
// parent joins that namespace, clones the source with open_tree (and
// idmaps it), and the parent answers with the tree (msgSourceTree). A
// plain bind whose source leads through the rootfs, or that the parent
// cannot open, gets no tree: the init binds the source itself, with its
// own rights.

// sendSourceTree answers msgCloneSource.
func (s *initSession) sendSourceTree(fr frame) error {
	r := s.rootfs
	if fr.fd == nil || r == nil || len(fr.payload) != 4 {
		return fmt.Errorf("%sbad mount source request from the %s", s.prefix, s.initName())
	}
	i := int(binary.LittleEndian.Uint32(fr.payload))
	if i >= len(r.mounts) || !r.mounts[i].cloned {
		return fmt.Errorf("%sthe %s asked for the source of mount %d, which is not cloned", s.prefix, s.initName(), i)
	}
	m := &r.mounts[i]
	var tree *os.File
	err := inJoinedMountNS(fr.fd, func() (err error) {
		tree, err = s.cloneSource(m)
		return err
	})
	if err != nil {
		return fmt.Errorf("%s%s: bind mount of %s on %s: %w", s.prefix, m.origin, m.source, m.dest, err)
	}
	if tree != nil {
		defer tree.Close()
	}
	trace(s.name() + ": bind source cloned in the container's mount namespace")
	return s.init.sock.sendFD(msgSourceTree, fr.payload, tree)
}

// cloneSource runs in the container's mount namespace: it returns the
// cloned (and idmapped) source of m, or nil for the init to bind it.
func (s *initSession) cloneSource(m *initMount) (*os.File, error) {
	rec := m.flags&unix.MS_REC != 0
	if m.idmap == nil {
		return cloneHostSource(m.source, s.rootfs.path, rec), nil
	}
	userns := s.idmaps[idmapKey(m.idmap)]
	if userns == nil {
		return nil, errors.New("no user namespace for its mapping")
	}
	fd, err := openSource(m.source, s.rootfs.path)
	if err != nil {
		return nil, err
	}
	defer unix.Close(fd)
	return mountTree(fd, "", rec, m.idmap, int(userns.Fd()))
}

// cloneHostSource clones the bind source path, with its sub-mounts for
// rbind (rec), or returns nil where the init binds it itself: a source
// that leads through the rootfs (a symlink there is the container's to
// plant), or one the host's side cannot open.
func cloneHostSource(path, rootfs string, rec bool) *os.File {
	root, err := filepath.EvalSymlinks(rootfs)
	if err == nil {
		path, err = resolveOutside(path, root)
	}
	fd := -1
	if err == nil {
		// every component was checked: none may become a symlink since
		how := &unix.OpenHow{Flags: unix.O_PATH | unix.O_CLOEXEC, Resolve: unix.RESOLVE_NO_SYMLINKS}
		fd, err = unix.Openat2(unix.AT_FDCWD, path, how)
	}
	var tree *os.File
	if err == nil {
		tree, err = mountTree(fd, "", rec, nil, -1)
		unix.Close(fd)
	}
	if err != nil {
		logrus.Debugf("bind source %s: the init binds it: %v", path, err)
	}
	return tree
}

// openSource opens the idmapped bind source path: inside the rootfs, as
// the init resolves paths (symlinks stay in the root); elsewhere the
// host's path, resolved without passing through the rootfs.
func openSource(path, rootfs string) (int, error) {
	how := &unix.OpenHow{Flags: unix.O_PATH | unix.O_CLOEXEC}
	if !underDir(path, rootfs) {
		root, err := filepath.EvalSymlinks(rootfs)
		if err == nil {
			path, err = resolveOutside(path, root)
		}
		if err != nil {
			return -1, err
		}
		how.Resolve = unix.RESOLVE_NO_SYMLINKS
		return unix.Openat2(unix.AT_FDCWD, path, how)
	}
	root, err := unix.Open(rootfs, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return -1, fmt.Errorf("open rootfs: %w", err)
	}
	defer unix.Close(root)
	rel, err := filepath.Rel(rootfs, path)
	if err != nil {
		return -1, err
	}
	how.Resolve = unix.RESOLVE_IN_ROOT | unix.RESOLVE_NO_MAGICLINKS
	return unix.Openat2(root, rel, how)
}

// errThroughRootfs: a bind source whose path leads into the rootfs.
var errThroughRootfs = errors.New("its path leads into the rootfs")

// resolveOutside resolves the symlinks of path (absolute) as the kernel
// would, one component at a time, and returns the path without symlinks;
// it fails where a step lies in the directory root.
func resolveOutside(path, root string) (string, error) {
	resolved, rest, links := "/", strings.Split(path, "/"), 0
	for len(rest) > 0 {
		c := rest[0]
		rest = rest[1:]
		switch c {
		case "", ".":
			continue
		case "..":
			resolved = filepath.Dir(resolved)
			continue
		}
		next := filepath.Join(resolved, c)
		if underDir(next, root) {
			return "", errThroughRootfs
		}
		target, err := os.Readlink(next)
		if errors.Is(err, unix.EINVAL) {
			resolved = next // not a symlink
			continue
		}
		if err != nil {
			return "", err
		}
		if links++; links > 40 {
			return "", &os.PathError{Op: "resolve", Path: path, Err: unix.ELOOP}
		}
		if filepath.IsAbs(target) {
			resolved = "/"
		}
		rest = append(strings.Split(target, "/"), rest...)
	}
	return resolved, nil
}
