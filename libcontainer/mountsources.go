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

// Bind sources in a user namespace. The container's root is a mapped uid:
// a bind source below a directory only the host's root may search (a
// directory of mode 0700, such as containerd's state directory holding a
// pod's /dev/shm) is out of its reach, and the init cannot bind it. The
// parent, still the host's root, clones such a source for it, and does so
// from inside the container's mount namespace: the kernel made every host
// mount there a copy whose ro, nosuid, nodev, noexec and atime flags are
// locked (the namespace belongs to the container's user namespace), and a
// clone of a locked mount keeps the locks. A clone made in the host's own
// namespace would carry none, and the container's root could remount a
// noexec source exec.
//
// finishRootfs marks the binds whose sources are cloned (initMount.cloned,
// see clonesSources). The init asks once its mount namespace is ready (/ a
// slave, the rootfs bound on itself): msgMountSources carries an fd of
// that namespace. A thread of the parent joins it, clones each marked
// source with open_tree, and the parent hands the init one msgMountSource
// per marked mount, with the tree or without one, where the init binds
// the source itself (a source that resolves into the rootfs, or one the
// host's side cannot clone: the init's own try then says why).

// sendMountSources answers msgMountSources: ns is the init's mount
// namespace.
func (s *initSession) sendMountSources(ns *os.File) error {
	r := s.rootfs
	if ns == nil || r == nil {
		return fmt.Errorf("%sthe %s asked for mount sources without a mount namespace", s.prefix, s.initName())
	}
	var trees []*os.File // by mount index, nil where the init binds itself
	err := inJoinedMountNS(ns, func() (err error) {
		trees, err = cloneSources(r)
		return err
	})
	defer func() {
		for _, t := range trees {
			if t != nil {
				t.Close()
			}
		}
	}()
	if err != nil {
		return fmt.Errorf("%sclone the bind sources: %w", s.prefix, err)
	}
	for i := range r.mounts {
		if !r.mounts[i].cloned {
			continue
		}
		var index [4]byte
		binary.LittleEndian.PutUint32(index[:], uint32(i))
		if err := s.init.sock.sendFD(msgMountSource, index[:], trees[i]); err != nil {
			return err
		}
	}
	trace(s.name() + ": bind sources cloned in the container's mount namespace")
	return nil
}

// cloneSources runs in the container's mount namespace: it clones the
// source of every cloned mount of r, and returns the trees by mount index.
func cloneSources(r *initRootfs) ([]*os.File, error) {
	root, err := filepath.EvalSymlinks(r.path)
	if err != nil {
		return nil, fmt.Errorf("rootfs %s: %w", r.path, err)
	}
	trees := make([]*os.File, len(r.mounts))
	for i := range r.mounts {
		if m := &r.mounts[i]; m.cloned {
			trees[i] = cloneSource(m, root)
		}
	}
	return trees, nil
}

// cloneSource clones the source of m as a detached tree, with its
// sub-mounts for rbind, or returns nil where the init binds the source
// itself: one that leads through the rootfs (a symlink there is the
// container's to plant), or one the host's side cannot open.
func cloneSource(m *initMount, root string) *os.File {
	path, err := resolveOutside(m.source, root)
	if err != nil {
		logrus.Debugf("bind source %s: not cloned: %v", m.source, err)
		return nil
	}
	// every component was checked: none may become a symlink since
	how := &unix.OpenHow{Flags: unix.O_PATH | unix.O_CLOEXEC, Resolve: unix.RESOLVE_NO_SYMLINKS}
	fd, err := unix.Openat2(unix.AT_FDCWD, path, how)
	if err != nil {
		logrus.Debugf("bind source %s: not cloned: open %s: %v", m.source, path, err)
		return nil
	}
	defer unix.Close(fd)
	flags := unix.OPEN_TREE_CLONE | unix.OPEN_TREE_CLOEXEC | unix.AT_EMPTY_PATH
	if m.flags&unix.MS_REC != 0 {
		flags |= unix.AT_RECURSIVE
	}
	tree, err := unix.OpenTree(fd, "", uint(flags))
	if err != nil {
		logrus.Debugf("bind source %s: not cloned: open_tree: %v", m.source, err)
		return nil
	}
	return os.NewFile(uintptr(tree), "cloned-source:"+m.source)
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
