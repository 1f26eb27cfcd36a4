package cgroups

import (
	"fmt"
	"sync"

	"golang.org/x/sys/unix"
)

// Mode is the cgroup layout of the host.
type Mode int

const (
	// Unavailable means no cgroup hierarchy was found at /sys/fs/cgroup.
	Unavailable Mode = iota
	// Legacy is cgroup v1 only: one hierarchy per controller (or group of
	// controllers) under /sys/fs/cgroup.
	Legacy
	// Hybrid is cgroup v1 controllers plus a cgroup2 hierarchy, usually
	// without controllers, at /sys/fs/cgroup/unified.
	Hybrid
	// Unified is pure cgroup v2: /sys/fs/cgroup is cgroup2.
	Unified
)

// String returns the lower-case name of the mode, as stored in State.
func (m Mode) String() string {
	switch m {
	case Legacy:
		return "legacy"
	case Hybrid:
		return "hybrid"
	case Unified:
		return "unified"
	}
	return "unavailable"
}

// MarshalText encodes the mode by name.
func (m Mode) MarshalText() ([]byte, error) { return []byte(m.String()), nil }

// UnmarshalText decodes a mode written by MarshalText.
func (m *Mode) UnmarshalText(b []byte) error {
	for _, c := range []Mode{Unavailable, Legacy, Hybrid, Unified} {
		if c.String() == string(b) {
			*m = c
			return nil
		}
	}
	return fmt.Errorf("cgroups: unknown mode %q", b)
}

const (
	cgroupRoot    = "/sys/fs/cgroup"
	hybridUnified = "/sys/fs/cgroup/unified"
	cgroup2Magic  = unix.CGROUP2_SUPER_MAGIC
	cgroupV1Magic = unix.CGROUP_SUPER_MAGIC
	tmpfsMagic    = unix.TMPFS_MAGIC
)

var (
	modeOnce sync.Once
	modeVal  Mode
)

// DetectMode tells the host's cgroup layout from statfs of /sys/fs/cgroup
// and /sys/fs/cgroup/unified. It looks once per process and caches the answer.
func DetectMode() Mode {
	modeOnce.Do(func() { modeVal = detectMode(statfsType) })
	return modeVal
}

// statfsType returns the file system magic of path.
func statfsType(path string) (int64, error) {
	var st unix.Statfs_t
	if err := unix.Statfs(path, &st); err != nil {
		return 0, err
	}
	return int64(st.Type), nil
}

// detectMode decides the mode from the file system types the statfs
// function reports.
func detectMode(statfs func(string) (int64, error)) Mode {
	root, err := statfs(cgroupRoot)
	if err != nil {
		return Unavailable
	}
	if root == cgroup2Magic {
		return Unified
	}
	if t, err := statfs(hybridUnified); err == nil && t == cgroup2Magic {
		return Hybrid
	}
	if root == tmpfsMagic || root == cgroupV1Magic {
		return Legacy
	}
	return Unavailable
}
