package libcontainer

import (
	"path/filepath"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/berth-oci/berth/cgroups"
	"github.com/berth-oci/berth/specconv"
)

// mountRemount is a mount kind of libcontainer's own: remount the mount at
// Destination with Flags.
const mountRemount specconv.MountKind = 100

// cgroupRoot is where the host's cgroup hierarchies are mounted.
const cgroupRoot = "/sys/fs/cgroup"

// expandCgroupMounts replaces each "cgroup"/"cgroup2" mount of the plan by
// what shows the container its own cgroup there: with a cgroup namespace
// on a v2 host, a new cgroup2 instance (its root is the namespace's root);
// otherwise bind mounts of the container's cgroup directories, under a
// tmpfs on v1 and hybrid hosts, one per hierarchy as on the host.
func expandCgroupMounts(p *specconv.Plan, cg cgroups.Manager) error {
	var out []specconv.Mount
	st := cg.State()
	cgroupns := createsNamespace(p, unix.CLONE_NEWCGROUP)
	for _, m := range p.Mounts {
		if m.Kind != specconv.MountFS || (m.Type != "cgroup" && m.Type != "cgroup2") {
			out = append(out, m)
			continue
		}
		out = append(out, cgroupMounts(m, st, cgroupns)...)
	}
	p.Mounts = out
	return nil
}

func cgroupMounts(m specconv.Mount, st cgroups.State, cgroupns bool) []specconv.Mount {
	if st.Mode == cgroups.Unified {
		if cgroupns {
			m.Type, m.Source = "cgroup2", "cgroup2"
			return []specconv.Mount{m}
		}
		return []specconv.Mount{cgroupBind(m, st.Paths[""], m.Destination)}
	}
	tmpfs := specconv.Mount{
		Kind:        specconv.MountFS,
		Source:      "tmpfs",
		Destination: m.Destination,
		Type:        "tmpfs",
		Flags:       unix.MS_NOSUID | unix.MS_NODEV | unix.MS_NOEXEC,
		Data:        "mode=755",
		Origin:      m.Origin,
	}
	out := []specconv.Mount{tmpfs}
	for _, dir := range st.Dirs() {
		name := hierarchyName(dir)
		if name == "" {
			continue
		}
		out = append(out, cgroupBind(m, dir, filepath.Join(m.Destination, name)))
	}
	// the tmpfs itself is made read-only last, when the mount asks for it
	if m.Flags&unix.MS_RDONLY != 0 {
		out = append(out, specconv.Mount{
			Kind: mountRemount, Destination: m.Destination, Flags: tmpfs.Flags | unix.MS_RDONLY, Origin: m.Origin,
		})
	}
	return out
}

// cgroupBind binds a host cgroup directory with the mount's flags.
func cgroupBind(m specconv.Mount, dir, dest string) specconv.Mount {
	return specconv.Mount{
		Kind:        specconv.MountBind,
		Source:      dir,
		Destination: dest,
		Flags:       unix.MS_BIND | unix.MS_REC | (m.Flags &^ unix.MS_BIND),
		ClearFlags:  m.ClearFlags,
		Remount:     m.Flags&^unix.MS_BIND != 0 || m.ClearFlags != 0,
		Origin:      m.Origin,
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
