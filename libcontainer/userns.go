package libcontainer

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"github.com/sirupsen/logrus"
	"golang.org/x/sys/unix"

	"github.com/berth-oci/berth/internal/fdio"
)

// writeIDMaps writes the uid and gid maps of the user namespace that pid
// just made. As root the files are written directly; a rootless caller
// uses newuidmap/newgidmap, which check /etc/subuid and /etc/subgid, or
// maps only itself (then setgroups must be denied first). The files are
// opened below a handle on /proc/<pid> checked to be of a procfs.
func writeIDMaps(pid int, uids, gids []specs.LinuxIDMapping, rootless bool) error {
	if rootless && os.Geteuid() != 0 && !selfMapOnly(uids, gids) {
		if err := runIDMapTool("newuidmap", pid, uids); err != nil {
			return err
		}
		return runIDMapTool("newgidmap", pid, gids)
	}
	dir, err := openProcPid(pid)
	if err != nil {
		return err
	}
	defer unix.Close(dir)
	if rootless && os.Geteuid() != 0 {
		if err := writeProcFile(dir, pid, "setgroups", []byte("deny")); err != nil {
			return fmt.Errorf("deny setgroups in the user namespace: %w", err)
		}
	}
	if err := writeProcFile(dir, pid, "uid_map", formatMap(uids)); err != nil {
		return err
	}
	return writeProcFile(dir, pid, "gid_map", formatMap(gids))
}

// openProcPid opens /proc/<pid> of the host's procfs: /proc must be the
// root of a procfs, and pid a directory in it (no symlink followed).
func openProcPid(pid int) (int, error) {
	proc, err := unix.Open("/proc", unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return -1, fmt.Errorf("open /proc: %w", err)
	}
	defer unix.Close(proc)
	var fs unix.Statfs_t
	var st unix.Stat_t
	if unix.Fstatfs(proc, &fs) != nil || fs.Type != unix.PROC_SUPER_MAGIC ||
		unix.Fstat(proc, &st) != nil || st.Ino != 1 {
		return -1, fmt.Errorf("/proc is not the root of a procfs")
	}
	dir, err := unix.Openat(proc, strconv.Itoa(pid), unix.O_PATH|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return -1, fmt.Errorf("open /proc/%d: %w", pid, err)
	}
	return dir, nil
}

// writeProcFile writes data in one write(2) (the kernel wants a whole id
// map at once) to the file name below dir, a /proc/<pid> handle, checked
// to be a procfs file.
func writeProcFile(dir, pid int, name string, data []byte) error {
	fd, err := unix.Openat(dir, name, unix.O_WRONLY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("open /proc/%d/%s of the container: %w", pid, name, err)
	}
	defer unix.Close(fd)
	var fs unix.Statfs_t
	if err := unix.Fstatfs(fd, &fs); err != nil || fs.Type != unix.PROC_SUPER_MAGIC {
		return fmt.Errorf("/proc/%d/%s is not a procfs file", pid, name)
	}
	if _, err := unix.Write(fd, data); err != nil {
		return fmt.Errorf("write /proc/%d/%s of the container (%q): %w", pid, name, bytes.TrimSpace(data), err)
	}
	return nil
}

func formatMap(m []specs.LinuxIDMapping) []byte {
	var b bytes.Buffer
	for _, e := range m {
		fmt.Fprintf(&b, "%d %d %d\n", e.ContainerID, e.HostID, e.Size)
	}
	return b.Bytes()
}

// selfMapOnly says whether the maps map just the caller's own ids, which
// an unprivileged user may write without helpers.
func selfMapOnly(uids, gids []specs.LinuxIDMapping) bool {
	return len(uids) == 1 && len(gids) == 1 && uids[0].Size == 1 && gids[0].Size == 1 &&
		int(uids[0].HostID) == os.Geteuid() && int(gids[0].HostID) == os.Getegid()
}

func runIDMapTool(tool string, pid int, m []specs.LinuxIDMapping) error {
	args := []string{strconv.Itoa(pid)}
	for _, e := range m {
		args = append(args, strconv.Itoa(int(e.ContainerID)), strconv.Itoa(int(e.HostID)), strconv.Itoa(int(e.Size)))
	}
	out, err := exec.Command(tool, args...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s %v: %w: %s", tool, args, err, bytes.TrimSpace(out))
	}
	return nil
}

// RunningInUserNS tells whether berth runs in a user namespace other
// than the host's (podman's, for one): only the initial namespace maps
// every id, "0 0 4294967295" in /proc/self/uid_map.
func RunningInUserNS() bool {
	data, err := fdio.ReadFile("/proc/self/uid_map")
	if err != nil {
		return false
	}
	f := strings.Fields(string(data))
	return len(f) != 3 || f[0] != "0" || f[1] != "0" || f[2] != "4294967295"
}

// setgroupsDenied tells whether setgroups(2) is denied in berth's own
// user namespace (`unshare --map-root-user` denies it; the namespaces
// made below inherit that): the process then keeps the groups it has, as
// with runc, instead of failing on process.user.additionalGids.
func setgroupsDenied() bool {
	data, err := fdio.ReadFile("/proc/self/setgroups")
	return err == nil && strings.TrimSpace(string(data)) == "deny"
}

// warnDeniedGroups says that process.user.additionalGids cannot be set
// where setgroups(2) is denied.
func warnDeniedGroups(gids []uint32, denied bool, warn func(string)) {
	if denied && len(gids) > 0 {
		warn(fmt.Sprintf("process.user.additionalGids: %v not set: setgroups is denied in berth's user namespace", gids))
	}
}

// cgroupWarn passes on a warning of the cgroup manager. What a rootless
// caller cannot have anyway (a cgroup it may not make, the v1 devices
// controller) is said at debug level only: runc says nothing of it.
func cgroupWarn(w string, rootless bool, warn func(string)) {
	if rootless && strings.Contains(w, "rootless") {
		logrus.Debug(w)
		return
	}
	warn(w)
}
