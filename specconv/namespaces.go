package specconv

import (
	"fmt"
	"math"
	"path/filepath"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// nsFlags are the CLONE_NEW* flags of the spec's namespace types.
var nsFlags = map[specs.LinuxNamespaceType]uintptr{
	specs.PIDNamespace:     unix.CLONE_NEWPID,
	specs.NetworkNamespace: unix.CLONE_NEWNET,
	specs.MountNamespace:   unix.CLONE_NEWNS,
	specs.IPCNamespace:     unix.CLONE_NEWIPC,
	specs.UTSNamespace:     unix.CLONE_NEWUTS,
	specs.UserNamespace:    unix.CLONE_NEWUSER,
	specs.CgroupNamespace:  unix.CLONE_NEWCGROUP,
	specs.TimeNamespace:    unix.CLONE_NEWTIME,
}

// nsProcName is the name of each type's file in /proc/<pid>/ns.
var nsProcName = map[specs.LinuxNamespaceType]string{
	specs.PIDNamespace:     "pid",
	specs.NetworkNamespace: "net",
	specs.MountNamespace:   "mnt",
	specs.IPCNamespace:     "ipc",
	specs.UTSNamespace:     "uts",
	specs.UserNamespace:    "user",
	specs.CgroupNamespace:  "cgroup",
	specs.TimeNamespace:    "time",
}

// nsSet answers what linux.namespaces says about one type.
type nsSet map[specs.LinuxNamespaceType]*Namespace

// has reports whether the container has a namespace of type t of its own,
// new or joined.
func (s nsSet) has(t specs.LinuxNamespaceType) bool { return s[t] != nil }

// isNew reports whether the container creates a namespace of type t.
func (s nsSet) isNew(t specs.LinuxNamespaceType) bool { return s[t] != nil && s[t].Path == "" }

// joined reports whether the container joins a namespace of type t.
func (s nsSet) joined(t specs.LinuxNamespaceType) bool { return s[t] != nil && s[t].Path != "" }

// convertNamespaces resolves linux.namespaces, in order.
func (c *checker) convertNamespaces(list []specs.LinuxNamespace) ([]Namespace, nsSet, error) {
	out := make([]Namespace, 0, len(list))
	seen := map[specs.LinuxNamespaceType]int{}
	for i, ns := range list {
		f := index("linux.namespaces", i)
		flag, ok := nsFlags[ns.Type]
		if !ok {
			return nil, nil, c.errorf(field(f, "type"), "unknown namespace type %q", ns.Type)
		}
		if j, dup := seen[ns.Type]; dup {
			return nil, nil, c.errorf(field(f, "type"), "duplicate namespace type %q (also linux.namespaces[%d])", ns.Type, j)
		}
		seen[ns.Type] = i
		if ns.Path != "" && !filepath.IsAbs(ns.Path) {
			return nil, nil, c.errorf(field(f, "path"), "must be an absolute path, got %q", ns.Path)
		}
		out = append(out, Namespace{Type: ns.Type, Flag: flag, Path: ns.Path})
	}
	set := nsSet{}
	for i := range out {
		set[out[i].Type] = &out[i]
	}
	return out, set, nil
}

// convertIDMappings checks linux.uidMappings and linux.gidMappings against
// the user namespace: a new one needs both; a joined one takes them only as
// containerd and CRI-O send them for a pod, the joined namespace's own
// (libcontainer checks that at create, as runc does); none takes none.
func (c *checker) convertIDMappings(l *specs.Linux, ns nsSet) error {
	uids, gids := l.UIDMappings, l.GIDMappings
	switch {
	case ns.joined(specs.UserNamespace):
		if len(uids) == 0 && len(gids) == 0 {
			return nil
		}
		if len(uids) == 0 || len(gids) == 0 {
			return c.errorf(mappingsField(uids), "given alone with a joined user namespace (%s): give both uid and gid mappings, the namespace's own, or neither", ns[specs.UserNamespace].Path)
		}
	case !ns.has(specs.UserNamespace):
		if len(uids) > 0 || len(gids) > 0 {
			return c.errorf(mappingsField(uids), "given, but linux.namespaces has no user namespace")
		}
		return nil
	case len(uids) == 0:
		return c.errorf("linux.uidMappings", "a new user namespace needs uid mappings")
	case len(gids) == 0:
		return c.errorf("linux.gidMappings", "a new user namespace needs gid mappings")
	}
	if err := c.checkMappings("linux.uidMappings", uids); err != nil {
		return err
	}
	return c.checkMappings("linux.gidMappings", gids)
}

func mappingsField(uids []specs.LinuxIDMapping) string {
	if len(uids) > 0 {
		return "linux.uidMappings"
	}
	return "linux.gidMappings"
}

// checkMappings checks that each range is non-empty and fits in 32 bits.
func (c *checker) checkMappings(path string, m []specs.LinuxIDMapping) error {
	for i, r := range m {
		f := index(path, i)
		if r.Size == 0 {
			return c.errorf(field(f, "size"), "must not be 0")
		}
		if uint64(r.ContainerID)+uint64(r.Size) > math.MaxUint32+1 {
			return c.errorf(f, "containerID %d + size %d is past the last id", r.ContainerID, r.Size)
		}
		if uint64(r.HostID)+uint64(r.Size) > math.MaxUint32+1 {
			return c.errorf(f, "hostID %d + size %d is past the last id", r.HostID, r.Size)
		}
	}
	return nil
}

// timeClocks are the clocks a time namespace can offset, in the order
// they are written.
var timeClocks = []string{"monotonic", "boottime"}

// convertTimeOffsets gives the text for /proc/self/timens_offsets.
func (c *checker) convertTimeOffsets(offsets map[string]specs.LinuxTimeOffset, ns nsSet) (string, error) {
	if len(offsets) == 0 {
		return "", nil
	}
	if !ns.isNew(specs.TimeNamespace) {
		return "", c.errorf("linux.timeOffsets", "needs a new time namespace in linux.namespaces")
	}
	for k := range offsets {
		if k != "monotonic" && k != "boottime" {
			return "", c.errorf(key("linux.timeOffsets", k), "unknown clock: only \"monotonic\" and \"boottime\" can be offset")
		}
	}
	var b strings.Builder
	for _, k := range timeClocks {
		o, ok := offsets[k]
		if !ok {
			continue
		}
		if o.Nanosecs >= 1e9 {
			return "", c.errorf(field(key("linux.timeOffsets", k), "nanosecs"), "must be below 1000000000, got %d", o.Nanosecs)
		}
		fmt.Fprintf(&b, "%s %d %d\n", k, o.Secs, o.Nanosecs)
	}
	return b.String(), nil
}

// checkUTS refuses hostname and domainname without a UTS namespace of the
// container's own (new, or joined by path as runc allows): setting them
// would change the host's.
func (c *checker) checkUTS(s *specs.Spec, ns nsSet) error {
	if ns.has(specs.UTSNamespace) {
		return nil
	}
	if s.Hostname != "" {
		return c.errorf("hostname", "setting the hostname needs a UTS namespace in linux.namespaces")
	}
	if s.Domainname != "" {
		return c.errorf("domainname", "setting the domainname needs a UTS namespace in linux.namespaces")
	}
	return nil
}
