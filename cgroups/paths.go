package cgroups

import (
	"bufio"
	"fmt"
	"io"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"github.com/moby/sys/mountinfo"
	"golang.org/x/sys/unix"

	"github.com/berth-oci/berth/internal/fdio"
)

// systemdHierarchy is the key of the named v1 hierarchy systemd mounts at
// /sys/fs/cgroup/systemd. It has no controller; berth joins it as runc does,
// so that tools reading /proc/PID/cgroup see the container's path there too.
const systemdHierarchy = "name=systemd"

// v1Controllers are the cgroup v1 hierarchies a container gets a
// directory in, when the host mounts them. The order is the order of
// creation and of Join.
var v1Controllers = []string{
	"cpuset", "cpu", "cpuacct", "memory", "devices", "freezer", "blkio",
	"pids", "hugetlb", "net_cls", "net_prio", "perf_event", "rdma",
	systemdHierarchy,
}

// hierarchy is one mounted cgroup hierarchy as seen by this process.
type hierarchy struct {
	mount string // where it is mounted
	root  string // the mount's root inside the hierarchy (mountinfo field 4)
	own   string // this process's cgroup in it (/proc/self/cgroup)
}

// ownRel returns this process's cgroup relative to the mount's root.
func (h hierarchy) ownRel() string {
	if h.root == "/" || h.root == "" {
		return h.own
	}
	if rel, ok := strings.CutPrefix(h.own, h.root); ok && (rel == "" || rel[0] == '/') {
		return "/" + strings.TrimPrefix(rel, "/")
	}
	return "/"
}

// layout is what the host mounts: the v1 hierarchies by controller and the
// cgroup2 hierarchy (the whole tree on Unified, /sys/fs/cgroup/unified on
// Hybrid).
type layout struct {
	mode    Mode
	v1      map[string]hierarchy
	unified *hierarchy
}

// discoverLayout reads /proc/self/mountinfo and /proc/self/cgroup.
func discoverLayout(mode Mode) (*layout, error) {
	mounts, err := mountinfo.GetMounts(mountinfo.FSTypeFilter("cgroup", "cgroup2"))
	if err != nil {
		return nil, fmt.Errorf("cgroups: read mountinfo: %w", err)
	}
	f, err := fdio.OpenFile("/proc/self/cgroup", unix.O_RDONLY, 0)
	if err != nil {
		return nil, fmt.Errorf("cgroups: %w", err)
	}
	defer f.Close()
	own, err := parseProcCgroup(f)
	if err != nil {
		return nil, err
	}
	return buildLayout(mode, mounts, own), nil
}

// parseProcCgroup parses /proc/PID/cgroup into controller -> path; the
// cgroup2 line ("0::/path") is under the key "".
func parseProcCgroup(r io.Reader) (map[string]string, error) {
	own := make(map[string]string)
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		parts := strings.SplitN(sc.Text(), ":", 3)
		if len(parts) != 3 {
			continue
		}
		if parts[0] == "0" && parts[1] == "" {
			own[""] = parts[2]
			continue
		}
		for _, c := range strings.Split(parts[1], ",") {
			own[c] = parts[2]
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("cgroups: read /proc/self/cgroup: %w", err)
	}
	return own, nil
}

// buildLayout matches the cgroup mounts with this process's cgroups.
func buildLayout(mode Mode, mounts []*mountinfo.Info, own map[string]string) *layout {
	l := &layout{mode: mode, v1: make(map[string]hierarchy)}
	unifiedAt := cgroupRoot
	if mode == Hybrid {
		unifiedAt = hybridUnified
	}
	for _, m := range mounts {
		switch m.FSType {
		case "cgroup2":
			if m.Mountpoint == unifiedAt && (mode == Unified || mode == Hybrid) {
				l.unified = &hierarchy{mount: m.Mountpoint, root: m.Root, own: ownOr(own, "")}
			}
		case "cgroup":
			if mode == Unified {
				continue
			}
			for _, opt := range strings.Split(m.VFSOptions, ",") {
				if isV1Controller(opt) {
					if _, dup := l.v1[opt]; !dup {
						l.v1[opt] = hierarchy{mount: m.Mountpoint, root: m.Root, own: ownOr(own, opt)}
					}
				}
			}
		}
	}
	return l
}

func ownOr(own map[string]string, key string) string {
	if p, ok := own[key]; ok && p != "" {
		return p
	}
	return "/"
}

func isV1Controller(name string) bool {
	for _, c := range v1Controllers {
		if c == name {
			return true
		}
	}
	return false
}

// innerPath is the cgroup path of the container inside each hierarchy,
// before it is placed: cfg.Path cleaned, or the container id.
func innerPath(cfg Config) (string, error) {
	p := cfg.Path
	if p == "" {
		if cfg.ID == "" {
			return "", fmt.Errorf("linux.cgroupsPath: empty and no container id to name the cgroup after")
		}
		p = cfg.ID
	}
	if err := checkCgroupPath(p); err != nil {
		return "", err
	}
	return path.Clean(p), nil
}

// checkCgroupPath refuses paths that could leave the hierarchy or that
// the kernel could not create.
func checkCgroupPath(p string) error {
	if strings.ContainsRune(p, 0) {
		return fmt.Errorf("linux.cgroupsPath: %q contains a NUL byte", p)
	}
	for _, part := range strings.Split(p, "/") {
		if part == ".." {
			return fmt.Errorf("linux.cgroupsPath: %q contains \"..\"", p)
		}
	}
	if path.Clean("/"+p) == "/" {
		return fmt.Errorf("linux.cgroupsPath: %q names the root of the hierarchy", p)
	}
	return nil
}

// resolvePaths places the container's cgroup in every hierarchy:
//
//   - absolute path: under the hierarchy's mount point;
//   - relative path (and the default, the container id): v1 hierarchies
//     under this process's own cgroup in that hierarchy; on Unified under
//     the parent of this process's own cgroup (a cgroup with processes
//     cannot enable controllers for its children); on Hybrid the cgroup2
//     directory under the mount point, as runc does (verified with runc
//     1.1.5 from a process in a non-root cgroup2 cgroup).
func resolvePaths(l *layout, inner string) (map[string]string, error) {
	paths := make(map[string]string)
	abs := strings.HasPrefix(inner, "/")
	for c, h := range l.v1 {
		base := h.mount
		if !abs {
			base = filepath.Join(h.mount, h.ownRel())
		}
		paths[c] = filepath.Join(base, inner)
	}
	if u := l.unified; u != nil {
		switch {
		case l.mode == Hybrid || abs:
			paths[""] = filepath.Join(u.mount, inner)
		default:
			paths[""] = filepath.Join(u.mount, path.Dir(u.ownRel()), inner)
		}
	}
	if len(paths) == 0 {
		return nil, fmt.Errorf("cgroups: no cgroup hierarchy is mounted under %s", cgroupRoot)
	}
	return paths, nil
}

// Dirs returns the distinct directories of the cgroup, sorted, so that
// co-mounted controllers (cpu,cpuacct) are handled once.
func (s State) Dirs() []string {
	seen := make(map[string]bool)
	var dirs []string
	for _, d := range s.Paths {
		if !seen[d] {
			seen[d] = true
			dirs = append(dirs, d)
		}
	}
	sort.Strings(dirs)
	return dirs
}
