package specconv

import (
	"slices"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// What berth recognises in a config.json, read from the tables the
// conversion itself uses, for `berth features` (runtime-spec features.md):
// the lists cannot drift from what Convert accepts.

// OCIVersionMin is the oldest ociVersion berth accepts.
const OCIVersionMin = "1.0.0"

// OCIVersionMax is the newest ociVersion berth accepts by name: the
// runtime-spec it is built against (any 1.3.x is accepted).
var OCIVersionMax = specs.Version

// HookNames are the kinds of hook berth runs, in the lifecycle's order.
func HookNames() []string {
	var names []string
	for _, l := range hookLists(&specs.Hooks{}) {
		names = append(names, l.name)
	}
	return names
}

// MountOptionNames are the mount options berth interprets itself, sorted:
// the flags of mount(8), propagation, the recursive mount_setattr(2)
// options, bind/rbind and idmap/ridmap. Other options go to the
// filesystem as its data.
func MountOptionNames() []string {
	names := []string{"bind", "rbind", "idmap", "ridmap"}
	for n := range flagOptions {
		names = append(names, n)
	}
	for n := range propagationOptions {
		names = append(names, n)
	}
	for n := range attrOptions {
		names = append(names, n)
	}
	for n := range atimeOptions {
		names = append(names, n)
	}
	if copyUpCarried {
		names = append(names, "tmpcopyup")
	}
	slices.Sort(names)
	return names
}

// NamespaceTypes are the namespace types berth creates or joins, sorted.
func NamespaceTypes() []string {
	var names []string
	for t := range nsFlags {
		names = append(names, string(t))
	}
	slices.Sort(names)
	return names
}

// CapabilityNames are the capabilities berth knows, in the kernel's
// numbering (CAP_CHOWN first).
func CapabilityNames() []string {
	names := make([]string, 0, len(capabilityNumbers))
	for n := range capabilityNumbers {
		names = append(names, n)
	}
	slices.SortFunc(names, func(a, b string) int { return capabilityNumbers[a] - capabilityNumbers[b] })
	return names
}

// MemoryPolicyModes are the linux.memoryPolicy modes berth applies, sorted.
func MemoryPolicyModes() []string {
	var names []string
	for m := range memoryModes {
		names = append(names, string(m))
	}
	slices.Sort(names)
	return names
}

// MemoryPolicyFlags are the linux.memoryPolicy flags berth applies, sorted.
func MemoryPolicyFlags() []string {
	var names []string
	for f := range memoryFlags {
		names = append(names, string(f))
	}
	slices.Sort(names)
	return names
}
