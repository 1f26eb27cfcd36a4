package libcontainer

import (
	"path/filepath"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/berth-oci/berth/cgroups"
	"github.com/berth-oci/berth/specconv"
)

// cgroupRoot is where the host's cgroup hierarchies are mounted.
const cgroupRoot = "/sys/fs/cgroup"

// cgroupMounts are the init's steps for a "cgroup"/"cgroup2" mount of the
// plan: what shows the container its own cgroup there. With a cgroup
// namespace on a v2 host, a new cgroup2 instance (its root is the
// namespace's root); otherwise bind mounts of the container's cgroup
// directories, under a tmpfs on v1 and hybrid hosts, one per hierarchy as
// on the host.
func cgroupMounts(m *specconv.Mount, st cgroups.State, cgroupns bool) []initMount {
	if st.Mode == cgroups.Unified {
		if cgroupns {
			fs := initMountOf(m)
			fs.fstype, fs.source = "cgroup2", "cgroup2"
			return []initMount{fs}
		}
		return []initMount{cgroupBind(m, st.Paths[""], m.Destination)}
	}
	tmpfs := initMount{
		kind:   initMountFS,
		source: "tmpfs",
		dest:   m.Destination,
		fstype: "tmpfs",
		flags:  unix.MS_NOSUID | unix.MS_NODEV | unix.MS_NOEXEC,
		data:   "mode=755",
		tree:   -1,
		origin: m.Origin,
	}
	out := []initMount{tmpfs}
	for _, dir := range st.Dirs() {
		name := hierarchyName(dir)
		if name == "" {
			continue
		}
		out = append(out, cgroupBind(m, dir, filepath.Join(m.Destination, name)))
	}
	// the tmpfs itself is made read-only last, when the mount asks for it
	if m.Flags&unix.MS_RDONLY != 0 {
		out = append(out, initMount{
			kind: initMountRemount, dest: m.Destination, flags: tmpfs.flags | unix.MS_RDONLY, tree: -1, origin: m.Origin,
		})
	}
	return out
}

// cgroupBind binds a host cgroup directory with the mount's flags.
func cgroupBind(m *specconv.Mount, dir, dest string) initMount {
	return initMount{
		kind:   initMountBind,
		source: dir,
		dest:   dest,
		flags:  uint32(unix.MS_BIND | unix.MS_REC | (m.Flags &^ unix.MS_BIND)),
		// the cgroup mount's own options, exactly (runc's bind rule)
		clearFlags: uint32(m.ClearFlags),
		remount:    m.Flags&^unix.MS_BIND != 0 || m.ClearFlags != 0,
		tree:       -1,
		origin:     m.Origin,
	}
}

// hierarchyName is the directory of a hierarchy under the cgroup root
// ("memory", "cpu,cpuacct", "unified") for a path below it.
func hierarchyName(dir string) string {
	rel, err := filepath.Rel(cgroupRoot, dir)
	if err != nil || strings.HasPrefix(rel, "..") {
		return ""
	}
	return strings.SplitN(rel, "/", 2)[0]
}
