package cgroups

import (
	"fmt"
	"syscall"
)

// On Hybrid hosts the v1 controllers do the limiting, and the cgroup2
// hierarchy mounted at /sys/fs/cgroup/unified has (usually) no
// controllers. berth still creates and joins a directory there, as runc
// does (runc 1.1.5 here puts it at /sys/fs/cgroup/unified/<cgroupsPath>,
// relative paths taken from the root), because:
//
//   - systemd and other tools find a process's unit or container from its
//     cgroup2 path ("0::/..." in /proc/PID/cgroup);
//   - cgroup.kill there (Linux 5.14+) kills every process of the container
//     atomically, which v1 cannot do;
//   - a container with a cgroup namespace sees its own cgroup2 root.
//
// CloneFD returns ok=false on Hybrid: CLONE_INTO_CGROUP would place the
// child in the cgroup2 directory only, and the move into the v1
// hierarchies (which takes the same cgroup threadgroup lock) is needed
// anyway, so Join does both in one place.

// hybridKill kills with the cgroup2 directory's cgroup.kill when this is
// a Hybrid host, sig is SIGKILL and the kernel has the file. done reports
// whether it handled the request.
func (m *v1Manager) hybridKill(sig syscall.Signal) (done bool, err error) {
	dir, ok := m.paths[""]
	if !ok || sig != syscall.SIGKILL || !fileExists(dir, "cgroup.kill") {
		return false, nil
	}
	if err := writeFile(dir, "cgroup.kill", "1"); err != nil {
		return true, fmt.Errorf("cgroups: kill through %s/cgroup.kill: %w", dir, err)
	}
	// a process that was joined to the v1 hierarchies only (rootless)
	// is not in the cgroup2 directory: signal what the v1 side still lists
	pids, err := m.Pids()
	if err == nil {
		err = signalAll(pids, sig)
	}
	return true, err
}
