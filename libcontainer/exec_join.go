package libcontainer

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/berth-oci/berth/cgroups"
)

// How an exec'd process joins the container: its namespaces (through the
// container init's pidfd, or its /proc/<pid>/ns files), its cgroup (or a
// --cgroup sub-cgroup), and the CPUs of process.execCPUAffinity.

// nsFilesEnv forces the /proc/<pid>/ns files even where setns takes a
// pidfd: for the tests of the older kernels' path.
const nsFilesEnv = "_BERTH_EXEC_NS_FILES"

// setnsTakesPidfd says whether setns(2) accepts a pidfd and a set of
// namespace flags (Linux 5.8).
var setnsTakesPidfd = sync.OnceValue(func() bool {
	if os.Getenv(nsFilesEnv) != "" {
		return false
	}
	return kernelAtLeast(5, 8)
})

// kernelAtLeast compares the running kernel's release with major.minor.
func kernelAtLeast(major, minor int) bool {
	var u unix.Utsname
	if unix.Uname(&u) != nil {
		return false
	}
	rel := unix.ByteSliceToString(u.Release[:])
	maj, rest, _ := strings.Cut(rel, ".")
	min, _, _ := strings.Cut(rest, ".")
	a, err1 := strconv.Atoi(maj)
	b, err2 := strconv.Atoi(strings.TrimRightFunc(min, func(r rune) bool { return r < '0' || r > '9' }))
	if err1 != nil || err2 != nil {
		return false
	}
	return a > major || (a == major && b >= minor)
}

// nsProcNames are the names of the namespace files in /proc/<pid>/ns, in
// the order the init joins them (a user namespace first: joining the
// others needs its capabilities).
var nsProcNames = []struct {
	flag uintptr
	name string
}{
	{unix.CLONE_NEWUSER, "user"},
	{unix.CLONE_NEWNS, "mnt"},
	{unix.CLONE_NEWPID, "pid"},
	{unix.CLONE_NEWNET, "net"},
	{unix.CLONE_NEWIPC, "ipc"},
	{unix.CLONE_NEWUTS, "uts"},
	{unix.CLONE_NEWCGROUP, "cgroup"},
	{unix.CLONE_NEWTIME, "time"},
}

// namespaces hands the init what joins the container's namespaces: the
// pidfd of the container's process, for one setns with every flag, or
// before Linux 5.8 that process's namespace files, one setns each.
func (x *execution) namespaces() error {
	pid := x.c.state.InitPid
	pidfd, err := openPidfd(pid, x.c.state.InitStartTime)
	if err != nil {
		return fmt.Errorf("container %s: %w", x.c.state.ID, err)
	}
	flags := x.c.namespaceFlags()
	if setnsTakesPidfd() {
		x.fds.pidfd = x.s.add(os.NewFile(uintptr(pidfd), "pidfd"))
		x.fds.pidFlags = flags
		return nil
	}
	defer unix.Close(pidfd)
	for _, ns := range nsProcNames {
		if flags&ns.flag == 0 {
			continue
		}
		f, err := os.Open("/proc/" + strconv.Itoa(pid) + "/ns/" + ns.name)
		if err != nil {
			return fmt.Errorf("container %s: %s namespace: %w", x.c.state.ID, ns.name, err)
		}
		x.fds.joins = append(x.fds.joins, nsJoin{flag: ns.flag, fd: x.s.add(f)})
	}
	// the files are the container's if its process still runs: the pidfd
	// names that process, whatever became of its pid
	if err := unix.PidfdSendSignal(pidfd, 0, nil, 0); err != nil {
		return fmt.Errorf("container %s: %w", x.c.state.ID, errProcessGone)
	}
	return nil
}

// namespaceFlags are the CLONE_NEW* flags of the container's namespaces
// (made or joined by path; the container's process is in each).
func (c *Container) namespaceFlags() uintptr {
	var flags uintptr
	for flag, typ := range nsFlagNames {
		if c.base.hasNamespace(typ) {
			flags |= flag
		}
	}
	return flags
}

// cgroupEntry opens what puts the init in the container's cgroup (or the
// --cgroup sub-cgroup) without a migration (see cgroups.Entry). With an
// initial CPU affinity the init must be outside the cgroup until the
// parent has set it: it then enters the cgroup2 directory by writing
// "0" to cgroup.procs itself rather than by CLONE_INTO_CGROUP.
func (x *execution) cgroupEntry() (cgroups.Entry, error) {
	none := cgroups.Entry{CloneFD: -1}
	cg, err := x.c.cgroup()
	if err != nil || cg == nil {
		return none, err
	}
	if len(x.o.SubCgroup) > 0 {
		sub, err := subCgroupState(cg.State(), x.o.SubCgroup)
		if err != nil {
			return none, err
		}
		if cg, err = cgroups.Load(sub); err != nil {
			return none, err
		}
	} else if st, moved := initCgroupIfNotLeaf(cg.State(), x.c.state.InitPid); moved {
		if cg, err = cgroups.Load(st); err != nil {
			return none, err
		}
	}
	entry, err := cg.OpenEntry()
	if err != nil {
		return none, fmt.Errorf("join the container's cgroup: %w", err)
	}
	if x.initialAffinity() != nil && entry.CloneFD >= 0 {
		fd, err := unix.Openat(entry.CloneFD, "cgroup.procs", unix.O_WRONLY|unix.O_CLOEXEC, 0)
		if err != nil {
			entry.Close()
			return none, fmt.Errorf("join the container's cgroup: cgroup.procs: %w", err)
		}
		unix.Close(entry.CloneFD)
		entry.CloneFD = -1
		entry.Tasks = append(entry.Tasks, os.NewFile(uintptr(fd), "cgroup.procs"))
	}
	for _, f := range entry.Tasks {
		x.fds.tasks = append(x.fds.tasks, x.s.add(f))
	}
	return entry, nil
}

// initialAffinity is process.execCPUAffinity.initial as a CPU mask, nil
// when not given.
func (x *execution) initialAffinity() []byte {
	if a := x.proc.ExecCPUAffinity; a != nil {
		return a.Initial
	}
	return nil
}

// setInitialAffinity gives the init its initial CPUs while it waits for
// the plan, before it enters the cgroup; the final ones are part of the
// plan, set by the init once inside.
func (x *execution) setInitialAffinity() error {
	mask := x.initialAffinity()
	if mask == nil {
		return nil
	}
	_, _, errno := unix.RawSyscall(unix.SYS_SCHED_SETAFFINITY, uintptr(x.s.init.pid), uintptr(len(mask)), uintptr(unsafe.Pointer(&mask[0])))
	if errno != 0 {
		return fmt.Errorf("process.execCPUAffinity.initial: sched_setaffinity: %w", errno)
	}
	return nil
}

// subCgroupState points a cgroup record at the --cgroup sub-cgroups: an
// entry "" applies to every hierarchy, a controller name to its own. The
// sub-cgroup must exist already, as with runc.
func subCgroupState(st cgroups.State, sub map[string]string) (cgroups.State, error) {
	out := st
	out.Paths = map[string]string{}
	out.Created = nil
	for ctrl := range sub {
		switch _, ok := st.Paths[ctrl]; {
		case ctrl == "" || ok:
		case st.Mode == cgroups.Unified:
			return out, fmt.Errorf("--cgroup %s:%s: cgroup v2 has a single hierarchy: give the path alone (--cgroup %s)", ctrl, sub[ctrl], sub[ctrl])
		default:
			return out, fmt.Errorf("--cgroup %s:%s: the container has no %s cgroup", ctrl, sub[ctrl], ctrl)
		}
	}
	for ctrl, dir := range st.Paths {
		rel, ok := sub[ctrl]
		if !ok {
			rel = sub[""]
		}
		if rel == "" {
			out.Paths[ctrl] = dir
			continue
		}
		p := filepath.Join(dir, filepath.Clean("/"+rel))
		if fi, err := os.Stat(p); err != nil || !fi.IsDir() {
			return out, fmt.Errorf("--cgroup %s: no sub-cgroup %s", rel, p)
		}
		out.Paths[ctrl] = p
	}
	return out, nil
}
