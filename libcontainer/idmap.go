package libcontainer

import (
	"fmt"
	"os"
	"strconv"
	"syscall"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/berth-oci/berth/nsexec"
	"github.com/berth-oci/berth/specconv"
)

// Idmapped mounts ("idmap", "ridmap", or a mount's own uidMappings and
// gidMappings) are prepared by the parent: a detached clone of the source
// (open_tree) gets the mapping of a user namespace made for it
// (mount_setattr MOUNT_ATTR_IDMAP), and the init moves the finished tree
// into place. Where the container has a mount namespace of its own, the
// clone is made inside it as the init comes to the mount (mountsources.go):
// there a source made by an earlier mount is found, and in a user
// namespace the host mounts' flags are locked, which a clone keeps. Else
// (rootless, or no mount namespace of its own) it is made here before the
// init starts (MountTree).

// prepareMountTrees turns every idmapped bind of mounts into a MountTree
// and returns the prepared trees in TreeIndex order. Where the parent
// clones idmapped sources in the container's mount namespace instead
// (inNS, see sourceClones), it only makes the user namespaces of their
// mappings and returns them by idmapKey.
func prepareMountTrees(p *specconv.Plan, inNS bool) (trees []*os.File, holders map[string]*os.File, err error) {
	holders = make(map[string]*os.File) // user namespaces by mapping
	defer func() {
		if err != nil || !inNS {
			for _, f := range holders {
				f.Close()
			}
			holders = nil
		}
		if err != nil {
			for _, t := range trees {
				t.Close()
			}
			trees = nil
		}
	}()
	for i := range p.Mounts {
		m := &p.Mounts[i]
		if m.Kind != specconv.MountBind || m.Idmap == nil {
			continue
		}
		h, err := idmapHolder(m.Idmap, holders)
		if err != nil {
			return trees, holders, fmt.Errorf("%s: idmapped mount %s: %w", m.Origin, m.Destination, err)
		}
		if inNS {
			continue
		}
		tree, err := mountTree(unix.AT_FDCWD, m.Source, m.Flags&unix.MS_REC != 0, m.Idmap, int(h.Fd()))
		if err != nil {
			return trees, holders, fmt.Errorf("%s: bind mount of %s on %s: %w", m.Origin, m.Source, m.Destination, err)
		}
		m.Kind, m.TreeIndex = specconv.MountTree, len(trees)
		trees = append(trees, tree)
	}
	return trees, holders, nil
}

// idmapKey names the user namespace an idmapped mount takes its mapping
// from.
func idmapKey(im *specconv.Idmap) string {
	return fmt.Sprint(im.UsernsPath, im.UIDMappings, im.GIDMappings)
}

// idmapHolder returns the user namespace whose mapping an idmapped mount
// takes: the joined one given by path, or one made for the mapping, kept
// in holders to serve every mount with the same mapping.
func idmapHolder(im *specconv.Idmap, holders map[string]*os.File) (h *os.File, err error) {
	key := idmapKey(im)
	if h, ok := holders[key]; ok {
		return h, nil
	}
	if im.UsernsPath != "" {
		h, err = openNamespace(specconv.Namespace{Type: specs.UserNamespace, Flag: unix.CLONE_NEWUSER, Path: im.UsernsPath})
	} else {
		h, err = idmapUserns(im)
	}
	if err != nil {
		return nil, err
	}
	holders[key] = h
	return h, nil
}

// mountTree clones the bind source at path (relative to dirfd; "" for
// dirfd itself) as a detached tree, with its sub-mounts for rbind (rec),
// and, given a mapping im, idmaps it with userns (every mount of it for
// ridmap).
func mountTree(dirfd int, path string, rec bool, im *specconv.Idmap, userns int) (*os.File, error) {
	flags := unix.OPEN_TREE_CLONE | unix.OPEN_TREE_CLOEXEC
	if rec {
		flags |= unix.AT_RECURSIVE
	}
	if path == "" {
		flags |= unix.AT_EMPTY_PATH
	}
	fd, err := unix.OpenTree(dirfd, path, uint(flags))
	if err != nil {
		return nil, fmt.Errorf("open_tree: %w", err)
	}
	tree := os.NewFile(uintptr(fd), "mount-tree")
	if im == nil {
		return tree, nil
	}
	at := unix.AT_EMPTY_PATH
	if im.Recursive {
		at |= unix.AT_RECURSIVE
	}
	attr := &unix.MountAttr{Attr_set: unix.MOUNT_ATTR_IDMAP, Userns_fd: uint64(userns)}
	if err := unix.MountSetattr(fd, "", uint(at), attr); err != nil {
		tree.Close()
		return nil, fmt.Errorf("mount_setattr MOUNT_ATTR_IDMAP: %w", err)
	}
	return tree, nil
}

// idmapUserns returns an fd of a new user namespace with the mapping: a
// held init (`berth-init hold`) is started in it, the maps written before
// it runs, its namespace opened, and the process killed.
func idmapUserns(im *specconv.Idmap) (*os.File, error) {
	memfd, err := nsexec.OpenInit()
	if err != nil {
		return nil, err
	}
	defer memfd.Close()
	sys := &syscall.SysProcAttr{
		Cloneflags:  unix.CLONE_NEWUSER,
		UidMappings: sysIDMap(im.UIDMappings),
		GidMappings: sysIDMap(im.GIDMappings),
		Pdeathsig:   syscall.SIGKILL,
	}
	// the child, already in the new user namespace, may not follow
	// /proc/<berth>/fd links (no ptrace right over berth there): it gets
	// the memfd as its fd 0 and runs /proc/self/fd/0
	attr := &syscall.ProcAttr{Env: []string{}, Files: []uintptr{memfd.Fd()}, Sys: sys}
	pid, err := syscall.ForkExec("/proc/self/fd/0", []string{"berth-init", "hold"}, attr)
	if err != nil {
		return nil, fmt.Errorf("make a user namespace for the mapping: %w", err)
	}
	defer func() {
		unix.Kill(pid, unix.SIGKILL)
		var ws unix.WaitStatus
		for {
			if _, err := unix.Wait4(pid, &ws, 0, nil); err != unix.EINTR {
				break
			}
		}
	}()
	f, err := os.Open("/proc/" + strconv.Itoa(pid) + "/ns/user")
	if err != nil {
		return nil, fmt.Errorf("open the mapping's user namespace: %w", err)
	}
	return f, nil
}

func sysIDMap(m []specs.LinuxIDMapping) []syscall.SysProcIDMap {
	out := make([]syscall.SysProcIDMap, len(m))
	for i, e := range m {
		out[i] = syscall.SysProcIDMap{ContainerID: int(e.ContainerID), HostID: int(e.HostID), Size: int(e.Size)}
	}
	return out
}
