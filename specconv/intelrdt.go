package specconv

import (
	"io/fs"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// resctrlDir is where the kernel offers the resctrl filesystem (Intel RDT,
// AMD PQoS); the directory exists only when the kernel and CPU have it.
const resctrlDir = "/sys/fs/resctrl"

// refuseIntelRdt refuses linux.intelRdt with the reason: a host without
// resctrl cannot give a container cache or memory-bandwidth classes at
// all; on one with it, berth does not manage resctrl groups.
func (c *checker) refuseIntelRdt(r *specs.LinuxIntelRdt) error {
	if r == nil {
		return nil
	}
	t, err := c.host.FileType(resctrlDir)
	if err != nil || t&fs.ModeDir == 0 {
		return c.errorf("linux.intelRdt", "this host has no resctrl filesystem (%s is missing: the kernel or the CPU offers no Intel RDT), so the container's cache and memory bandwidth allocation cannot be set", resctrlDir)
	}
	return c.errorf("linux.intelRdt", "not supported by berth: it does not manage resctrl groups (this host has %s)", resctrlDir)
}
