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
// gidMappings) are prepared by the parent, from outside: a detached clone
// of the source (open_tree) gets the mapping of a user namespace made for
// it (mount_setattr MOUNT_ATTR_IDMAP), and the init moves the finished
// tree into place (MountTree).
//
// Other bind mounts are made in the container's mount namespace: there
// the host's mounts are the copies the kernel made for the user namespace,
// their ro/nosuid/nodev/noexec/atime flags locked, and a bind or a clone
// keeps them locked. A tree the parent cloned on the host's side would
// carry no such lock (the container's root could clear noexec): a bind
// source only the host's root may reach is cloned by the parent from
// inside the container's mount namespace (mountsources.go).

// prepareMountTrees turns every idmapped bind of mounts into a MountTree
// and returns the prepared trees in TreeIndex order.
func prepareMountTrees(p *specconv.Plan) (trees []*os.File, err error) {
	holders := make(map[string]*os.File) // user namespaces by mapping
	defer func() {
		for _, f := range holders {
			f.Close()
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
		userns := -1
		if m.Idmap != nil {
			h, err := idmapHolder(m.Idmap, holders)
			if err != nil {
				return trees, fmt.Errorf("%s: idmapped mount %s: %w", m.Origin, m.Destination, err)
			}
			userns = int(h.Fd())
		}
		tree, err := mountTree(m, userns)
		if err != nil {
			return trees, fmt.Errorf("%s: bind mount of %s on %s: %w", m.Origin, m.Source, m.Destination, err)
		}
		m.Kind, m.TreeIndex = specconv.MountTree, len(trees)
		trees = append(trees, tree)
	}
	return trees, nil
}

// idmapHolder returns the user namespace whose mapping an idmapped mount
// takes: the joined one given by path, or one made for the mapping, kept
// in holders to serve every mount with the same mapping.
func idmapHolder(im *specconv.Idmap, holders map[string]*os.File) (h *os.File, err error) {
	key := fmt.Sprint(im.UsernsPath, im.UIDMappings, im.GIDMappings)
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

// mountTree clones the source of m (with its sub-mounts for rbind) as a
// detached tree and idmaps it with userns (every mount of it for ridmap).
func mountTree(m *specconv.Mount, userns int) (*os.File, error) {
	flags := unix.OPEN_TREE_CLONE | unix.OPEN_TREE_CLOEXEC
	if m.Flags&unix.MS_REC != 0 {
		flags |= unix.AT_RECURSIVE
	}
	fd, err := unix.OpenTree(unix.AT_FDCWD, m.Source, uint(flags))
	if err != nil {
		return nil, fmt.Errorf("open_tree: %w", err)
	}
	at := unix.AT_EMPTY_PATH
	if m.Idmap.Recursive {
		at |= unix.AT_RECURSIVE
	}
	attr := &unix.MountAttr{Attr_set: unix.MOUNT_ATTR_IDMAP, Userns_fd: uint64(userns)}
	if err := unix.MountSetattr(fd, "", uint(at), attr); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("mount_setattr MOUNT_ATTR_IDMAP: %w", err)
	}
	return os.NewFile(uintptr(fd), "idmapped-tree:"+m.Destination), nil
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
