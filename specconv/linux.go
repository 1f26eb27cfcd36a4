package specconv

import (
	"math/bits"
	"path/filepath"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// rootfsPropagations are the values of linux.rootfsPropagation: the
// spec's four and their recursive forms, as runc accepts.
var rootfsPropagations = map[string]uintptr{
	"private": unix.MS_PRIVATE, "rprivate": unix.MS_PRIVATE | unix.MS_REC,
	"shared": unix.MS_SHARED, "rshared": unix.MS_SHARED | unix.MS_REC,
	"slave": unix.MS_SLAVE, "rslave": unix.MS_SLAVE | unix.MS_REC,
	"unbindable": unix.MS_UNBINDABLE, "runbindable": unix.MS_UNBINDABLE | unix.MS_REC,
}

// convertRootfsPropagation resolves linux.rootfsPropagation.
func (c *checker) convertRootfsPropagation(p string) (uintptr, error) {
	if p == "" {
		return 0, nil
	}
	v, ok := rootfsPropagations[p]
	if !ok {
		return 0, c.errorf("linux.rootfsPropagation", "unknown propagation %q (shared, slave, private, unbindable or their r* forms)", p)
	}
	return v, nil
}

// cleanPaths checks that each path is absolute, cleans it and drops repeats.
func (c *checker) cleanPaths(path string, list []string) ([]string, error) {
	var out []string
	seen := map[string]bool{}
	for i, p := range list {
		if !filepath.IsAbs(p) {
			return nil, c.errorf(index(path, i), "must be an absolute path, got %q", p)
		}
		// a path given twice is masked (or made read-only) once, as runc
		if p = filepath.Clean(p); !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	return out, nil
}

// personalityDomains are the personality(2) execution domains.
var personalityDomains = map[specs.LinuxPersonalityDomain]uint32{
	specs.PerLinux:   0x0000, // PER_LINUX
	specs.PerLinux32: 0x0008, // PER_LINUX32
}

// convertPersonality resolves linux.personality; the spec defines no
// flags, so any is refused.
func (c *checker) convertPersonality(p *specs.LinuxPersonality) (*uint32, error) {
	if p == nil {
		return nil, nil
	}
	v, ok := personalityDomains[p.Domain]
	if !ok {
		return nil, c.errorf("linux.personality.domain", "unknown domain %q (LINUX or LINUX32)", p.Domain)
	}
	if len(p.Flags) > 0 {
		return nil, c.errorf(index("linux.personality.flags", 0), "unknown flag %q: the spec defines none", p.Flags[0])
	}
	return &v, nil
}

// memoryModes are the set_mempolicy(2) modes, with whether each needs
// nodes (1), takes none (-1) or either (0).
var memoryModes = map[specs.MemoryPolicyModeType]struct {
	mode  uint32
	nodes int
}{
	specs.MpolDefault:            {unix.MPOL_DEFAULT, -1},
	specs.MpolLocal:              {unix.MPOL_LOCAL, -1},
	specs.MpolPreferred:          {unix.MPOL_PREFERRED, 0},
	specs.MpolBind:               {unix.MPOL_BIND, 1},
	specs.MpolInterleave:         {unix.MPOL_INTERLEAVE, 1},
	specs.MpolWeightedInterleave: {unix.MPOL_WEIGHTED_INTERLEAVE, 1},
	specs.MpolPreferredMany:      {unix.MPOL_PREFERRED_MANY, 1},
}

// memoryFlags are the set_mempolicy(2) mode flags.
var memoryFlags = map[specs.MemoryPolicyFlagType]uint32{
	specs.MpolFNumaBalancing: unix.MPOL_F_NUMA_BALANCING,
	specs.MpolFRelativeNodes: unix.MPOL_F_RELATIVE_NODES,
	specs.MpolFStaticNodes:   unix.MPOL_F_STATIC_NODES,
}

// maxNode is the highest NUMA node number (the kernel's MAX_NUMNODES is
// at most 1024).
const maxNode = 1023

// convertMemoryPolicy resolves linux.memoryPolicy with the checks of
// set_mempolicy(2) the kernel does not depend on.
func (c *checker) convertMemoryPolicy(p *specs.LinuxMemoryPolicy) (*MemoryPolicy, error) {
	if p == nil {
		return nil, nil
	}
	const path = "linux.memoryPolicy"
	m, ok := memoryModes[p.Mode]
	if !ok {
		return nil, c.errorf(field(path, "mode"), "invalid memory policy mode %q", p.Mode)
	}
	nodes, err := parseList(p.Nodes, maxNode, 0)
	if err != nil {
		return nil, c.errorf(field(path, "nodes"), "invalid memory policy nodes: %v", err)
	}
	nodes = keepTopBitClear(nodes)
	switch {
	case m.nodes < 0 && nodes != nil:
		return nil, c.errorf(field(path, "nodes"), "the %s mode requires 0 nodes but got %d", p.Mode, countBits(nodes))
	case m.nodes > 0 && nodes == nil:
		return nil, c.errorf(field(path, "nodes"), "%s needs at least one node", p.Mode)
	}
	flags, err := c.memoryPolicyFlags(path, p, m.nodes < 0)
	return &MemoryPolicy{Mode: m.mode | flags, Nodes: nodes}, err
}

// memoryPolicyFlags: known flags; static and relative exclude each other;
// modes without nodes take no flags.
func (c *checker) memoryPolicyFlags(path string, p *specs.LinuxMemoryPolicy, noNodes bool) (uint32, error) {
	var flags uint32
	for i, f := range p.Flags {
		v, ok := memoryFlags[f]
		if !ok {
			return 0, c.errorf(index(field(path, "flags"), i), "invalid memory policy flag %q", f)
		}
		if noNodes {
			return 0, c.errorf(index(field(path, "flags"), i), "%s takes no flags", p.Mode)
		}
		flags |= v
	}
	both := uint32(unix.MPOL_F_STATIC_NODES | unix.MPOL_F_RELATIVE_NODES)
	if flags&both == both {
		return 0, c.errorf(field(path, "flags"), "MPOL_F_STATIC_NODES and MPOL_F_RELATIVE_NODES exclude each other")
	}
	return flags, nil
}

// countBits is the number of nodes in a mask.
func countBits(mask []byte) int {
	n := 0
	for _, b := range mask {
		n += bits.OnesCount8(b)
	}
	return n
}

// keepTopBitClear adds a word to a mask whose last bit is set: the kernel
// reads one bit fewer than maxnode.
func keepTopBitClear(mask []byte) []byte {
	if len(mask) > 0 && mask[len(mask)-1]&0x80 != 0 {
		mask = append(mask, make([]byte, 8)...)
	}
	return mask
}

// checkRefused refuses what berth does not do (yet), and the sections of
// other platforms.
func (c *checker) checkRefused(s *specs.Spec) error {
	others := []struct {
		name string
		set  bool
	}{
		{"solaris", s.Solaris != nil}, {"windows", s.Windows != nil}, {"vm", s.VM != nil},
		{"zos", s.ZOS != nil}, {"freebsd", s.FreeBSD != nil},
	}
	for _, o := range others {
		if o.set {
			return c.errorf(o.name, "is for another platform; berth runs Linux containers only")
		}
	}
	if s.Linux == nil {
		return nil
	}
	return c.refuseIntelRdt(s.Linux.IntelRdt)
}

// hookList is one kind of hook of a config, by its name there.
type hookList struct {
	name  string
	hooks []specs.Hook
}

// hookLists are the hooks berth runs, every kind the spec names.
func hookLists(h *specs.Hooks) []hookList {
	return []hookList{
		{"prestart", h.Prestart}, {"createRuntime", h.CreateRuntime},
		{"createContainer", h.CreateContainer}, {"startContainer", h.StartContainer},
		{"poststart", h.Poststart}, {"poststop", h.Poststop},
	}
}

// checkHooks checks every hook: an absolute path, a positive timeout.
func (c *checker) checkHooks(h *specs.Hooks) error {
	if h == nil {
		return nil
	}
	for _, l := range hookLists(h) {
		for i, hk := range l.hooks {
			f := index(field("hooks", l.name), i)
			if !filepath.IsAbs(hk.Path) {
				return c.errorf(field(f, "path"), "must be an absolute path, got %q", hk.Path)
			}
			if hk.Timeout != nil && *hk.Timeout <= 0 {
				return c.errorf(field(f, "timeout"), "must be greater than zero, got %d", *hk.Timeout)
			}
		}
	}
	return nil
}
