package stress

import (
	"bufio"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// snapshot is what a test could leak, restricted to what is its own:
// the state dirs under its root, cgroups named with its prefix in every
// mounted hierarchy, mounts under its temp dirs, orphaned processes
// (children of this subreaper that no command waits for), and this
// process's open fds.
type snapshot struct {
	stateDirs []string
	cgroups   []string
	mounts    []string
	procs     []int
	fds       int
}

func (e *env) snapshot() snapshot {
	var s snapshot
	ents, _ := os.ReadDir(e.root)
	for _, d := range ents {
		s.stateDirs = append(s.stateDirs, d.Name())
	}
	s.cgroups = cgroupDirs(e.prefix)
	s.mounts = mountsUnder(filepath.Dir(e.root))
	for _, pid := range children() {
		if _, own := ownCmds.Load(pid); !own {
			s.procs = append(s.procs, pid)
		}
	}
	fds, _ := os.ReadDir("/proc/self/fd")
	s.fds = len(fds)
	return s
}

// cgroupMounts lists where every cgroup and cgroup2 hierarchy is mounted.
func cgroupMounts() []string {
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return nil
	}
	defer f.Close()
	seen := make(map[string]bool)
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		for i, fld := range fields {
			if fld == "-" && i+1 < len(fields) && (fields[i+1] == "cgroup" || fields[i+1] == "cgroup2") {
				if mp := fields[4]; !seen[mp] {
					seen[mp] = true
					out = append(out, mp)
				}
			}
		}
	}
	return out
}

// cgroupDirs lists the cgroup directories whose name starts with prefix,
// in every hierarchy, up to 5 levels below the mount (berth's own cgroup
// plus a nested cgroupsPath).
func cgroupDirs(prefix string) []string {
	var out []string
	for _, mp := range cgroupMounts() {
		base := strings.Count(mp, "/")
		filepath.WalkDir(mp, func(p string, d fs.DirEntry, err error) error {
			if err != nil || !d.IsDir() {
				return nil // removed meanwhile (other users of the host)
			}
			if strings.HasPrefix(d.Name(), prefix) {
				out = append(out, p)
			}
			if strings.Count(p, "/")-base >= 5 {
				return fs.SkipDir
			}
			return nil
		})
	}
	sort.Strings(out)
	return out
}

// mountsUnder lists the mount points at or below dir.
func mountsUnder(dir string) []string {
	data, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		return nil
	}
	var out []string
	for _, line := range strings.Split(string(data), "\n") {
		f := strings.Fields(line)
		if len(f) > 4 && (f[4] == dir || strings.HasPrefix(f[4], dir+"/")) {
			out = append(out, f[4])
		}
	}
	return out
}

// leaksSince describes what s has that base did not.
func (s snapshot) leaksSince(base snapshot) []string {
	var out []string
	add := func(kind string, items []string) {
		for _, it := range items {
			out = append(out, kind+" "+it)
		}
	}
	add("state dir", newOnes(base.stateDirs, s.stateDirs))
	add("cgroup", newOnes(base.cgroups, s.cgroups))
	add("mount", newOnes(base.mounts, s.mounts))
	var procs []string
	for _, p := range s.procs {
		procs = append(procs, strconv.Itoa(p)+" "+cmdline(p))
	}
	add("process", procs)
	if s.fds > base.fds {
		out = append(out, "fds: "+strconv.Itoa(s.fds-base.fds)+" more open in the test process")
	}
	return out
}

func newOnes(before, after []string) []string {
	had := make(map[string]bool)
	for _, b := range before {
		had[b] = true
	}
	var out []string
	for _, a := range after {
		if !had[a] {
			out = append(out, a)
		}
	}
	return out
}

func cmdline(pid int) string {
	data, _ := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cmdline")
	return strings.TrimSpace(strings.ReplaceAll(string(data), "\x00", " "))
}

// leaks returns what was left since the test began. Orphans are reaped
// first (a killed process is a zombie until then); a process gets a
// moment to finish dying.
func (e *env) leaks() []string {
	var l []string
	for i := 0; i < 20; i++ {
		reapOrphans()
		l = e.snapshot().leaksSince(e.base)
		if len(l) == 0 {
			return nil
		}
		time.Sleep(25 * time.Millisecond)
	}
	return l
}

// assertNoLeaks fails the test for anything left, counts it, and removes
// it (by exact pid and path) so that later tests start clean.
func (e *env) assertNoLeaks(where string) {
	e.t.Helper()
	l := e.leaks()
	if len(l) == 0 {
		return
	}
	counts.leaks.Add(int64(len(l)))
	e.t.Errorf("%s: left behind:\n  %s", where, strings.Join(l, "\n  "))
	e.removeLeaks()
}

func (e *env) removeLeaks() {
	s := e.snapshot()
	for _, p := range s.procs {
		unix.Kill(p, unix.SIGKILL)
	}
	reapOrphans()
	for _, m := range newOnes(e.base.mounts, s.mounts) {
		unix.Unmount(m, unix.MNT_DETACH)
	}
	dirs := newOnes(e.base.cgroups, s.cgroups)
	sort.Slice(dirs, func(i, j int) bool { return len(dirs[i]) > len(dirs[j]) })
	for _, d := range dirs {
		for _, p := range readProcs(d) {
			unix.Kill(p, unix.SIGKILL)
		}
		for i := 0; i < 40 && unix.Rmdir(d) == unix.EBUSY; i++ {
			time.Sleep(50 * time.Millisecond)
		}
	}
	for _, d := range newOnes(e.base.stateDirs, s.stateDirs) {
		os.RemoveAll(filepath.Join(e.root, d))
	}
	e.base.fds = e.snapshot().fds
}

func readProcs(dir string) []int {
	data, _ := os.ReadFile(filepath.Join(dir, "cgroup.procs"))
	var out []int
	for _, f := range strings.Fields(string(data)) {
		if p, err := strconv.Atoi(f); err == nil {
			out = append(out, p)
		}
	}
	return out
}
