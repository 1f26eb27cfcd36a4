package cgroups

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func i64(v int64) *int64   { return &v }
func u64(v uint64) *uint64 { return &v }
func u16(v uint16) *uint16 { return &v }
func u32(v uint32) *uint32 { return &v }
func boolp(v bool) *bool   { return &v }
func devRuleSpec(allow bool, typ string, major, minor int64, access string) specs.LinuxDeviceCgroup {
	d := specs.LinuxDeviceCgroup{Allow: allow, Type: typ, Access: access}
	if major >= 0 {
		d.Major = i64(major)
	}
	if minor >= 0 {
		d.Minor = i64(minor)
	}
	return d
}

// TestRootLifecycle creates a limited cgroup, reads the limits back, puts
// a process in, freezes, thaws, reads stats, kills and destroys it.
func TestRootLifecycle(t *testing.T) {
	mode := requireRoot(t)
	requireController(t, "memory")
	requireController(t, "pids")
	r := &specs.LinuxResources{
		Memory: &specs.LinuxMemory{Limit: i64(64 << 20)},
		Pids:   &specs.LinuxPids{Limit: i64(32)},
		CPU:    &specs.LinuxCPU{Shares: u64(512), Quota: i64(50000), Period: u64(100000), Cpus: "0", Mems: "0"},
	}
	m := newTest(t, Config{Resources: r})
	want := map[string]string{"memory.max": "67108864", "pids.max": "32", "cpu.weight": "20",
		"cpu.max": "50000 100000", "cpuset.cpus": "0", "cpuset.mems": "0"}
	keyOf := func(string) string { return "" }
	if mode != Unified {
		want = map[string]string{"memory.limit_in_bytes": "67108864", "pids.max": "32", "cpu.shares": "512",
			"cpu.cfs_quota_us": "50000", "cpu.cfs_period_us": "100000", "cpuset.cpus": "0", "cpuset.mems": "0"}
		keyOf = func(f string) string { return strings.SplitN(f, ".", 2)[0] }
	}
	for f, v := range want {
		if got := readIn(t, m, keyOf(f), f); got != v {
			t.Errorf("%s = %q, want %q", f, got, v)
		}
	}
	c := startSleep(t, m)
	pids, err := m.Pids()
	if err != nil || !slices.Contains(pids, c.pid()) {
		t.Fatalf("Pids() = %v, %v; want it to hold %d", pids, err, c.pid())
	}
	checkJoined(t, m, c.pid())
	freezeThaw(t, m)
	st, err := m.Stats()
	if err != nil {
		t.Fatal(err)
	}
	// (v1 does not move a process's memory charge with it: usage may be 0)
	if st.Tasks.Count != 1 || st.Tasks.Max != 32 || st.Memory.RAM.Limit != 64<<20 || len(st.Cpuset.CPUs) != 1 {
		t.Errorf("stats: pids %+v, memory usage %+v", st.Tasks, st.Memory.RAM)
	}
	if _, err := json.Marshal(st); err != nil {
		t.Fatal(err)
	}
	if err := m.Kill(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	if ws := c.wait(t, 5*time.Second).Sys().(syscall.WaitStatus); ws.Signal() != syscall.SIGKILL {
		t.Errorf("sleep ended with %v, want SIGKILL", ws)
	}
	destroyAndCheck(t, m)
}

// checkJoined checks /proc/PID/cgroup names the container's cgroup in
// every hierarchy.
func checkJoined(t *testing.T, m Manager, pid int) {
	t.Helper()
	for key, dir := range m.State().Paths {
		line := procCgroupLine(t, pid, key)
		if line == "" || !strings.HasSuffix(dir, line) {
			t.Errorf("pid %d is in %q of %s, want %s", pid, line, keyName(key), dir)
		}
	}
}

func freezeThaw(t *testing.T, m Manager) {
	t.Helper()
	if err := m.Freeze(); err != nil {
		t.Fatal(err)
	}
	if s, err := m.FreezerState(); err != nil || s != Frozen {
		t.Fatalf("after Freeze: %q, %v", s, err)
	}
	if err := m.Thaw(); err != nil {
		t.Fatal(err)
	}
	if s, err := m.FreezerState(); err != nil || s != Thawed {
		t.Fatalf("after Thaw: %q, %v", s, err)
	}
}

func destroyAndCheck(t *testing.T, m Manager) {
	t.Helper()
	st := m.State()
	if err := m.Destroy(); err != nil {
		t.Fatal(err)
	}
	assertGone(t, allDirs(st)...)
	if m.Exists() {
		t.Error("Exists() after Destroy")
	}
}

// TestRootPaths checks where absolute, relative and default paths land,
// and that Destroy removes the parents it made.
func TestRootPaths(t *testing.T) {
	mode := requireRoot(t)
	f, err := os.Open("/proc/self/cgroup")
	if err != nil {
		t.Fatal(err)
	}
	own, _ := parseProcCgroup(f)
	f.Close()
	name := testName(t)
	cases := []struct{ cfg Config }{
		{Config{Path: "/" + name + "/abs/ctr"}},
		{Config{Path: name + "/rel/ctr"}},
		{Config{ID: name + "-id"}},
	}
	for _, tc := range cases {
		m, err := New(tc.cfg)
		if err != nil {
			t.Fatal(err)
		}
		inner := tc.cfg.Path
		if inner == "" {
			inner = tc.cfg.ID
		}
		for key, dir := range m.State().Paths {
			if want := expectedDir(mode, key, inner, own); dir != want {
				t.Errorf("%q in %s: %s, want %s", inner, keyName(key), dir, want)
			}
		}
		if err := m.Create(); err != nil {
			t.Fatal(err)
		}
		destroyAndCheck(t, m)
		for _, d := range m.State().Paths {
			if strings.Contains(d, name+"/") {
				assertGone(t, d[:strings.Index(d, name)+len(name)])
			}
		}
	}
}

// expectedDir is the placement rule of the package doc, written again.
func expectedDir(mode Mode, key, inner string, own map[string]string) string {
	mount := filepath.Join(cgroupRoot, strings.TrimPrefix(key, "name="))
	if key == "" {
		mount = cgroupRoot
		if mode == Hybrid {
			mount = hybridUnified
		}
	}
	switch {
	case strings.HasPrefix(inner, "/") || (key == "" && mode == Hybrid):
		return filepath.Join(mount, inner)
	case key == "":
		return filepath.Join(mount, filepath.Dir(own[""]), inner)
	}
	return filepath.Join(mount, own[key], inner)
}

// TestRootMemorySwapOrder raises and lowers memory and swap together,
// which needs the two v1 files written in opposite orders.
func TestRootMemorySwapOrder(t *testing.T) {
	mode := requireRoot(t)
	requireController(t, "memory")
	m := newTest(t, Config{Resources: &specs.LinuxResources{Memory: &specs.LinuxMemory{Limit: i64(32 << 20), Swap: i64(64 << 20)}}})
	limitF, swapF, key := "memory.limit_in_bytes", "memory.memsw.limit_in_bytes", "memory"
	if mode == Unified {
		limitF, swapF, key = "memory.max", "memory.swap.max", ""
	}
	if _, err := os.Stat(filepath.Join(m.State().Paths[key], swapF)); err != nil {
		t.Skipf("skip: host limitation: no %s (no swap accounting)", swapF)
	}
	for _, step := range []struct{ limit, swap int64 }{{256 << 20, 512 << 20}, {16 << 20, 24 << 20}, {128 << 20, -1}} {
		err := m.Set(&specs.LinuxResources{Memory: &specs.LinuxMemory{Limit: i64(step.limit), Swap: i64(step.swap)}})
		if err != nil {
			t.Fatalf("Set(limit %d, swap %d): %v", step.limit, step.swap, err)
		}
		wantSwap := itoa(step.swap)
		if mode == Unified {
			wantSwap = itoa(step.swap - step.limit)
		}
		if step.swap == -1 {
			wantSwap = map[bool]string{true: "max", false: "9223372036854771712"}[mode == Unified]
		}
		if got := readIn(t, m, key, limitF); got != itoa(step.limit) {
			t.Errorf("%s = %s, want %d", limitF, got, step.limit)
		}
		if got := readIn(t, m, key, swapF); got != wantSwap {
			t.Errorf("%s = %s, want %s", swapF, got, wantSwap)
		}
	}
}

// TestRootSetRefusedLeavesCgroup checks that a refused Set changes
// nothing, whether validation refuses it or a file is missing.
func TestRootSetRefusedLeavesCgroup(t *testing.T) {
	mode := requireRoot(t)
	requireController(t, "pids")
	m := newTest(t, Config{Resources: &specs.LinuxResources{Pids: &specs.LinuxPids{Limit: i64(10)}}})
	key := map[bool]string{true: "", false: "pids"}[mode == Unified]
	bad := []*specs.LinuxResources{
		{Pids: &specs.LinuxPids{Limit: i64(20)}, Memory: &specs.LinuxMemory{Limit: i64(200), Swap: i64(100)}},
		{Pids: &specs.LinuxPids{Limit: i64(20)}, CPU: &specs.LinuxCPU{Cpus: "0-4095"}},
		{Pids: &specs.LinuxPids{Limit: i64(20)}, Devices: []specs.LinuxDeviceCgroup{{Type: "p"}}},
	}
	if mode == Unified {
		bad = append(bad, &specs.LinuxResources{Pids: &specs.LinuxPids{Limit: i64(20)}, Unified: map[string]string{"pids.nosuchfile": "1"}})
	} else {
		bad = append(bad, &specs.LinuxResources{Pids: &specs.LinuxPids{Limit: i64(20)}, Unified: map[string]string{"pids.max": "1"}})
	}
	for i, r := range bad {
		err := m.Set(r)
		if err == nil {
			t.Errorf("bad[%d]: Set succeeded", i)
			continue
		}
		t.Logf("bad[%d]: %v", i, err)
		if got := readIn(t, m, key, "pids.max"); got != "10" {
			t.Errorf("bad[%d]: pids.max = %s after a refused Set", i, got)
		}
	}
}

// TestRootCheckBeforeUpdate refuses a memory limit below the usage.
func TestRootCheckBeforeUpdate(t *testing.T) {
	requireRoot(t)
	requireController(t, "memory")
	m := newTest(t, Config{Resources: &specs.LinuxResources{Memory: &specs.LinuxMemory{Limit: i64(256 << 20)}}})
	c := startChild(t, m, "alloc", []string{"BERTH_ALLOC_MB=24"})
	c.goOn()
	if l := c.line(t); !strings.HasPrefix(l, "allocated") {
		t.Fatalf("helper: %q", l)
	}
	err := m.Set(&specs.LinuxResources{Memory: &specs.LinuxMemory{Limit: i64(4 << 20), CheckBeforeUpdate: boolp(true)}})
	if err == nil || !strings.Contains(err.Error(), "below the current memory usage") {
		t.Fatalf("Set below usage with checkBeforeUpdate: %v", err)
	}
}

// TestRootOOM runs a process past its memory limit: the kernel kills it,
// OOMKillCount counts it, and Destroy still cleans up.
func TestRootOOM(t *testing.T) {
	requireRoot(t)
	requireController(t, "memory")
	mem := &specs.LinuxMemory{Limit: i64(32 << 20)}
	if DetectMode() != Unified {
		mem.Swap = i64(32 << 20) // no swap to escape to
	}
	m := newTest(t, Config{Resources: &specs.LinuxResources{Memory: mem}})
	if _, err := os.Stat(filepath.Join(m.State().Paths["memory"], "memory.memsw.limit_in_bytes")); DetectMode() != Unified && err != nil {
		t.Skip("skip: host limitation: no swap accounting, the helper could swap instead of being killed")
	}
	c := startChild(t, m, "alloc", []string{"BERTH_ALLOC_MB=256"})
	c.goOn()
	ws := c.wait(t, 60*time.Second).Sys().(syscall.WaitStatus)
	if ws.Signal() != syscall.SIGKILL {
		t.Fatalf("helper ended with %v, want SIGKILL by the OOM killer", ws)
	}
	n, err := m.OOMKillCount()
	if err != nil || n < 1 {
		t.Fatalf("OOMKillCount() = %d, %v", n, err)
	}
	destroyAndCheck(t, m)
}

// TestRootDevices enforces device rules, updates them, and on v1 checks
// devices.list keeps the config's order.
func TestRootDevices(t *testing.T) {
	mode := requireRoot(t)
	if mode != Unified {
		requireController(t, "devices")
	}
	rules := []specs.LinuxDeviceCgroup{
		devRuleSpec(false, "a", -1, -1, "rwm"),
		devRuleSpec(true, "c", 1, 3, "rw"),  // /dev/null
		devRuleSpec(true, "c", 1, 5, "rwm"), // /dev/zero
		devRuleSpec(false, "c", 1, 5, "w"),  // ... but not for writing
		devRuleSpec(true, "c", 1, 9, "r"),   // /dev/urandom
		devRuleSpec(false, "b", 8, 20, "rwm"),
	}
	m := newTest(t, Config{Resources: &specs.LinuxResources{Devices: rules}})
	probe := []string{"/dev/null:rw", "/dev/zero:r", "/dev/zero:w", "/dev/urandom:r", "/dev/urandom:rw", "/dev/full:r"}
	want := []string{"ok", "ok", "EPERM", "ok", "EPERM", "EPERM"}
	checkOpens(t, m, probe, want)
	if mode != Unified {
		got := readIn(t, m, "devices", "devices.list")
		if got != "c 1:3 rw\nc 1:5 rm\nc 1:9 r" {
			t.Errorf("devices.list = %q", got)
		}
	}
	// Set: allow /dev/full too, and writing /dev/zero
	rules = append(rules[:3:3], devRuleSpec(true, "c", 1, 9, "r"), devRuleSpec(true, "c", 1, 7, "r"))
	if err := m.Set(&specs.LinuxResources{Devices: rules}); err != nil {
		t.Fatal(err)
	}
	checkOpens(t, m, probe, []string{"ok", "ok", "ok", "ok", "EPERM", "ok"})
	if mode == Unified {
		checkOneProgram(t, m)
	}
}

// checkOpens runs the open helper in the cgroup and compares its results.
func checkOpens(t *testing.T, m Manager, probe, want []string) {
	t.Helper()
	c := startChild(t, m, "open", nil, probe...)
	c.goOn()
	for i, p := range probe {
		if got := c.line(t); got != p+" "+want[i] {
			t.Errorf("open %s: %q, want %s", p, got, want[i])
		}
	}
}

// checkOneProgram checks an update replaced the device program instead
// of adding one.
func checkOneProgram(t *testing.T, m Manager) {
	t.Helper()
	fd, err := syscall.Open(m.State().Paths[""], syscall.O_DIRECTORY|syscall.O_RDONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer syscall.Close(fd)
	progs, err := attachedDevicePrograms(fd)
	if err != nil {
		t.Fatal(err)
	}
	closeAll(progs)
	if len(progs) != 1 {
		t.Errorf("%d device programs attached after Set, want 1", len(progs))
	}
}

// TestRootKillSignal kills with a catchable signal (freeze, signal,
// thaw) and with SIGKILL while frozen, then destroys the frozen cgroup.
func TestRootKillSignal(t *testing.T) {
	requireRoot(t)
	m := newTest(t, Config{})
	cs := []*child{startSleep(t, m), startSleep(t, m), startSleep(t, m)}
	if err := m.Kill(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	for _, c := range cs {
		if ws := c.wait(t, 5*time.Second).Sys().(syscall.WaitStatus); ws.Signal() != syscall.SIGTERM {
			t.Errorf("pid %d ended with %v, want SIGTERM", c.pid(), ws)
		}
	}
	c := startSleep(t, m)
	if err := m.Freeze(); err != nil {
		t.Fatal(err)
	}
	if err := m.Kill(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	if err := m.Destroy(); err != nil {
		t.Fatal(err)
	}
	c.wait(t, 5*time.Second)
	assertGone(t, allDirs(m.State())...)
}

// TestRootCreateFailureCleansUp makes Create fail after the mkdir and
// checks nothing is left.
func TestRootCreateFailureCleansUp(t *testing.T) {
	mode := requireRoot(t)
	r := &specs.LinuxResources{Unified: map[string]string{"cgroup.nosuchfile": "1"}}
	if mode != Unified {
		requireController(t, "cpu")
		r = &specs.LinuxResources{CPU: &specs.LinuxCPU{RealtimeRuntime: i64(10000), RealtimePeriod: u64(1000000)}}
	}
	name := testName(t)
	m, err := New(Config{Path: "/" + name + "/a/b", Resources: r})
	if err != nil {
		t.Fatal(err)
	}
	st := m.State()
	err = m.Create()
	if err == nil {
		m.Destroy()
		t.Fatalf("Create succeeded on %s with a value the kernel should refuse (a nonexistent unified file, or a v1 realtime runtime above its parent)", mode)
	}
	t.Logf("Create: %v", err)
	assertGone(t, allDirs(st)...)
	for _, d := range st.Paths {
		assertGone(t, d[:strings.Index(d, name)+len(name)])
	}
}

// TestRootLoad persists the state as JSON, loads it and manages the
// cgroup from the loaded manager.
func TestRootLoad(t *testing.T) {
	requireRoot(t)
	m, err := New(Config{Path: "/" + testName(t) + "/ctr"})
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Create(); err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(m.State())
	if err != nil {
		t.Fatal(err)
	}
	var st State
	if err := json.Unmarshal(b, &st); err != nil {
		t.Fatal(err)
	}
	l, err := Load(st)
	if err != nil {
		t.Fatal(err)
	}
	c := startSleep(t, l)
	if pids, err := l.Pids(); err != nil || !slices.Contains(pids, c.pid()) {
		t.Fatalf("Pids() = %v, %v", pids, err)
	}
	if err := l.Kill(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	c.wait(t, 5*time.Second)
	destroyAndCheck(t, l)
}

// TestRootCloneFD: Unified gives an fd that starts a child in the cgroup;
// v1 and Hybrid say no.
func TestRootCloneFD(t *testing.T) {
	mode := requireRoot(t)
	m := newTest(t, Config{})
	fd, ok, err := m.CloneFD()
	if err != nil {
		t.Fatal(err)
	}
	if ok != (mode == Unified) {
		t.Fatalf("CloneFD ok = %v on %s", ok, mode)
	}
	if ok {
		syscall.Close(fd)
	}
}

// TestRootErrorsNameTheField checks a kernel refusal names the field.
func TestRootErrorsNameTheField(t *testing.T) {
	requireRoot(t)
	requireController(t, "cpuset")
	m := newTest(t, Config{})
	err := m.Set(&specs.LinuxResources{BlockIO: &specs.LinuxBlockIO{ThrottleReadBpsDevice: []specs.LinuxThrottleDevice{
		{LinuxBlockIODevice: specs.LinuxBlockIODevice{Major: 4000, Minor: 4000}, Rate: 100}}}})
	if err == nil {
		t.Fatal("Set took a throttle for the missing device 4000:4000")
	}
	if !strings.HasPrefix(err.Error(), "linux.resources.blockIO.throttleReadBpsDevice[0]") {
		t.Errorf("error does not start with the field: %v", err)
	}
	var pe *os.PathError
	_ = errors.As(err, &pe)
	t.Logf("%v", err)
}

// TestRootPathsFromNestedCgroup resolves a relative path from a process
// whose own cgroup2 cgroup is nested: on Unified the cgroup goes under
// the parent of the own cgroup, on Hybrid under the cgroup2 root (as
// runc does).
func TestRootPathsFromNestedCgroup(t *testing.T) {
	mode := requireRoot(t)
	if mode == Legacy {
		t.Skip("skip: host limitation: no cgroup2 hierarchy")
	}
	own := newTest(t, Config{Path: "/" + testName(t) + "/own"})
	c := startChild(t, own, "resolve", []string{"BERTH_RESOLVE_PATH=rel/ctr"})
	if mode == Hybrid {
		// Join moved it into every hierarchy; the v1 ones do not matter
		checkJoined(t, own, c.pid())
	}
	c.goOn()
	var paths map[string]string
	line := c.line(t)
	if err := json.Unmarshal([]byte(line), &paths); err != nil {
		t.Fatalf("helper: %q", line)
	}
	want := filepath.Join(cgroupRoot, testName(t), "rel/ctr")
	if mode == Hybrid {
		want = filepath.Join(hybridUnified, "rel/ctr")
		// and a v1 hierarchy follows the own cgroup
		if got, wantMem := paths["memory"], filepath.Join(own.State().Paths["memory"], "rel/ctr"); got != wantMem {
			t.Errorf("memory: %s, want %s", got, wantMem)
		}
	}
	if paths[""] != want {
		t.Errorf("cgroup2: %s, want %s", paths[""], want)
	}
}

// TestRootCreateRefusesBusyCgroup: Create into an existing cgroup with
// processes fails and leaves that cgroup alone.
func TestRootCreateRefusesBusyCgroup(t *testing.T) {
	requireRoot(t)
	path := "/" + testName(t)
	first := newTest(t, Config{Path: path})
	c := startSleep(t, first)
	second, err := New(Config{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	err = second.Create()
	if err == nil || !strings.Contains(err.Error(), "already exists and has processes") {
		t.Fatalf("Create into a busy cgroup: %v", err)
	}
	if pids, err := first.Pids(); err != nil || !slices.Contains(pids, c.pid()) {
		t.Errorf("the first cgroup was disturbed: %v, %v", pids, err)
	}
}

// TestRootDevicesRestoredOnRefusal (v1): a device update the kernel
// refuses half-way (a child cannot allow what its parent denies) puts
// the previous rules back.
func TestRootDevicesRestoredOnRefusal(t *testing.T) {
	mode := requireRoot(t)
	if mode == Unified {
		t.Skip("skip: v1 devices controller only (v2 replaces the eBPF program in one step)")
	}
	requireController(t, "devices")
	deny := devRuleSpec(false, "a", -1, -1, "rwm")
	null := func(acc string) specs.LinuxDeviceCgroup { return devRuleSpec(true, "c", 1, 3, acc) }
	path := "/" + testName(t)
	newTest(t, Config{Path: path, Resources: &specs.LinuxResources{Devices: []specs.LinuxDeviceCgroup{deny, null("rwm")}}})
	child := newTest(t, Config{Path: path + "/child", Resources: &specs.LinuxResources{Devices: []specs.LinuxDeviceCgroup{deny, null("r")}}})
	err := child.Set(&specs.LinuxResources{Devices: []specs.LinuxDeviceCgroup{deny, null("rw"), devRuleSpec(true, "c", 1, 5, "r")}})
	if err == nil {
		t.Fatal("Set allowing a device the parent denies succeeded")
	}
	t.Logf("Set: %v", err)
	if got := readIn(t, child, "devices", "devices.list"); got != "c 1:3 r" {
		t.Errorf("devices.list after the refused Set = %q, want the previous \"c 1:3 r\"", got)
	}
}

// BenchmarkRootCreateJoinDestroy measures what a container's cgroup
// costs: New, Create with a few limits, Join of one process, Destroy.
func BenchmarkRootCreateJoinDestroy(b *testing.B) {
	if os.Geteuid() != 0 || DetectMode() == Unavailable {
		b.Skip("skip: needs root and cgroups")
	}
	r := &specs.LinuxResources{Memory: &specs.LinuxMemory{Limit: i64(64 << 20)}, Pids: &specs.LinuxPids{Limit: i64(100)},
		Devices: []specs.LinuxDeviceCgroup{devRuleSpec(false, "a", -1, -1, "rwm"), devRuleSpec(true, "c", 1, 3, "rwm")}}
	cmd := exec.Command("sleep", "600")
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	for i := 0; i < b.N; i++ {
		m, err := New(Config{Path: fmt.Sprintf("/berth-bench-%d/%d", os.Getpid(), i), Resources: r})
		if err != nil {
			b.Fatal(err)
		}
		if err := m.Create(); err != nil {
			b.Fatal(err)
		}
		if err := m.Join(cmd.Process.Pid); err != nil {
			b.Fatal(err)
		}
		// out again, so that Destroy finds it empty
		for key, dir := range m.State().Paths {
			parent := filepath.Dir(filepath.Dir(dir))
			if err := writeFile(parent, "cgroup.procs", strconv.Itoa(cmd.Process.Pid)); err != nil {
				b.Fatalf("%s: %v", keyName(key), err)
			}
		}
		if err := m.Destroy(); err != nil {
			b.Fatal(err)
		}
	}
}

// TestRootCPUOrder updates quota and burst down and up (burst must stay
// below the quota: the files are written in the order that works), a
// period alone (the quota stays), and shares with idle switched off.
func TestRootCPUOrder(t *testing.T) {
	mode := requireRoot(t)
	requireController(t, "cpu")
	m := newTest(t, Config{Resources: cpu(specs.LinuxCPU{Quota: i64(50000), Period: u64(100000), Burst: u64(20000)})})
	files := []string{"cpu.max", "cpu.max.burst"}
	key := ""
	if mode != Unified {
		files, key = []string{"cpu.cfs_quota_us", "cpu.cfs_period_us", "cpu.cfs_burst_us"}, "cpu"
	}
	for _, f := range files {
		if _, err := os.Stat(filepath.Join(m.State().Paths[key], f)); err != nil {
			t.Skipf("skip: host limitation: no %s (CFS burst needs Linux 5.14)", f)
		}
	}
	steps := []struct {
		c    specs.LinuxCPU
		want []string // the files' contents, in the order of files
	}{
		{specs.LinuxCPU{Quota: i64(10000), Burst: u64(5000)}, []string{"10000 100000", "5000"}},
		{specs.LinuxCPU{Quota: i64(80000), Burst: u64(60000)}, []string{"80000 100000", "60000"}},
		{specs.LinuxCPU{Period: u64(200000)}, []string{"80000 200000", "60000"}},
	}
	for i, s := range steps {
		if err := m.Set(&specs.LinuxResources{CPU: &s.c}); err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
		want := s.want
		if mode != Unified {
			q, p, _ := strings.Cut(s.want[0], " ")
			want = []string{q, p, itoa(mustAtoi(t, s.want[1]))}
		}
		for j, f := range files {
			if got := readIn(t, m, key, f); got != want[j] {
				t.Errorf("step %d: %s = %q, want %q", i, f, got, want[j])
			}
		}
	}
	weight, wantW := "cpu.weight", "39"
	if mode != Unified {
		weight, wantW = "cpu.shares", "1024"
	}
	if !fileExists(m.State().Paths[key], "cpu.idle") {
		return
	}
	if err := m.Set(cpu(specs.LinuxCPU{Idle: i64(1)})); err != nil {
		t.Fatal(err)
	}
	if err := m.Set(cpu(specs.LinuxCPU{Shares: u64(1024), Idle: i64(0)})); err != nil {
		t.Fatalf("shares while leaving idle: %v", err)
	}
	if got := readIn(t, m, key, weight); got != wantW {
		t.Errorf("%s = %s, want %s", weight, got, wantW)
	}
}

func mustAtoi(t *testing.T, s string) int64 {
	t.Helper()
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// TestRootBlockIOThrottle sets and clears throttles on a block device
// of the host.
func TestRootBlockIOThrottle(t *testing.T) {
	mode := requireRoot(t)
	if mode == Unified {
		requireController(t, "io")
	} else {
		requireController(t, "blkio")
	}
	maj, min := firstBlockDevice(t)
	m := newTest(t, Config{})
	d := specs.LinuxBlockIODevice{Major: maj, Minor: min}
	set := func(rbps, wiops uint64) {
		t.Helper()
		err := m.Set(bio(specs.LinuxBlockIO{
			ThrottleReadBpsDevice:   []specs.LinuxThrottleDevice{{LinuxBlockIODevice: d, Rate: rbps}},
			ThrottleWriteIOPSDevice: []specs.LinuxThrottleDevice{{LinuxBlockIODevice: d, Rate: wiops}}}))
		if err != nil {
			t.Fatal(err)
		}
	}
	dev := fmt.Sprintf("%d:%d", maj, min)
	set(1<<20, 100)
	if mode == Unified {
		if got, want := readIn(t, m, "", "io.max"), dev+" rbps=1048576 wbps=max riops=max wiops=100"; got != want {
			t.Errorf("io.max = %q, want %q", got, want)
		}
	} else {
		if got := readIn(t, m, "blkio", "blkio.throttle.read_bps_device"); got != dev+" 1048576" {
			t.Errorf("read_bps_device = %q", got)
		}
		if got := readIn(t, m, "blkio", "blkio.throttle.write_iops_device"); got != dev+" 100" {
			t.Errorf("write_iops_device = %q", got)
		}
	}
	set(0, 0) // 0: no limit
	if mode == Unified {
		if got := readIn(t, m, "", "io.max"); got != "" {
			t.Errorf("io.max after clearing = %q", got)
		}
	} else if got := readIn(t, m, "blkio", "blkio.throttle.read_bps_device"); got != "" {
		t.Errorf("read_bps_device after clearing = %q", got)
	}
}

// firstBlockDevice returns a whole-disk block device of the host, or
// skips.
func firstBlockDevice(t *testing.T) (int64, int64) {
	t.Helper()
	ents, _ := os.ReadDir("/sys/block")
	for _, e := range ents {
		s, err := readFile(filepath.Join("/sys/block", e.Name()), "dev")
		if err != nil || strings.HasPrefix(e.Name(), "zram") {
			continue
		}
		var maj, min int64
		if _, err := fmt.Sscanf(s, "%d:%d", &maj, &min); err == nil {
			return maj, min
		}
	}
	t.Skip("skip: host limitation: no block device to throttle")
	return 0, 0
}

// TestRootBlockIOWeight sets a weight where the I/O scheduler has them,
// and checks the error names the field where it has not.
func TestRootBlockIOWeight(t *testing.T) {
	mode := requireRoot(t)
	if mode == Unified {
		requireController(t, "io")
	} else {
		requireController(t, "blkio")
	}
	m := newTest(t, Config{})
	key, files := "blkio", []string{"blkio.weight", "blkio.bfq.weight"}
	if mode == Unified {
		key, files = "", []string{"io.bfq.weight", "io.weight"}
	}
	have := ""
	for _, f := range files {
		if have == "" && fileExists(m.State().Paths[key], f) {
			have = f
		}
	}
	err := m.Set(bio(specs.LinuxBlockIO{Weight: u16(500)}))
	if have == "" {
		want := "linux.resources.blockIO.weight: this kernel has no " + files[0] + " or " + files[1]
		if mode == Unified {
			want = "linux.resources.blockIO.weight: " + files[0] + " or " + files[1] + " does not exist"
		}
		if err == nil || !strings.HasPrefix(err.Error(), want) {
			t.Fatalf("Set weight without weight files: %v, want %q", err, want)
		}
		t.Logf("no weight files (I/O scheduler without weights): %v", err)
		return
	}
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"blkio.weight": "500", "blkio.bfq.weight": "500", "io.bfq.weight": "default 500", "io.weight": "default 4950"}[have]
	if got := readIn(t, m, key, have); got != want {
		t.Errorf("%s = %q, want %q", have, got, want)
	}
}

// TestRootHugetlb limits huge pages (page-fault and reservation limits)
// where the hugetlb controller is there, and is refused by name where it
// is not (on this Hybrid host it is in cgroup2 only).
func TestRootHugetlb(t *testing.T) {
	mode := requireRoot(t)
	sizes := hostHugeSizes()
	if len(sizes) == 0 {
		t.Skip("skip: host limitation: no huge page sizes")
	}
	r := &specs.LinuxResources{HugepageLimits: []specs.LinuxHugepageLimit{{Pagesize: sizes[len(sizes)-1], Limit: 0}}}
	size := sizes[len(sizes)-1]
	if !hostSysInfo().controllers["hugetlb"] {
		_, err := New(Config{Path: "/" + testName(t), Resources: r})
		if err == nil || !strings.Contains(err.Error(), "linux.resources.hugepageLimits[0]: the hugetlb controller is not") {
			t.Fatalf("New without hugetlb: %v", err)
		}
		return
	}
	m := newTest(t, Config{Resources: r})
	key, limit, rsvd := "", "hugetlb."+size+".max", "hugetlb."+size+".rsvd.max"
	if mode != Unified {
		key, limit, rsvd = "hugetlb", "hugetlb."+size+".limit_in_bytes", "hugetlb."+size+".rsvd.limit_in_bytes"
	}
	if got := readIn(t, m, key, limit); got != "0" {
		t.Errorf("%s = %s", limit, got)
	}
	if fileExists(m.State().Paths[key], rsvd) {
		if got := readIn(t, m, key, rsvd); got != "0" {
			t.Errorf("%s = %s", rsvd, got)
		}
	}
	st, err := m.Stats()
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := st.HugePages[size]; !ok {
		t.Errorf("no %s in stats: %v", size, st.HugePages)
	}
}

// TestRootUnified writes unified keys on cgroup v2, after the converted
// values, and reads pressure stats; elsewhere they are refused.
func TestRootUnified(t *testing.T) {
	mode := requireRoot(t)
	r := &specs.LinuxResources{Pids: &specs.LinuxPids{Limit: i64(5)},
		Unified: map[string]string{"pids.max": "7", "memory.high": "50000000"}}
	if mode != Unified {
		_, err := New(Config{Path: "/" + testName(t), Resources: r})
		if err == nil || !strings.Contains(err.Error(), "linux.resources.unified: invalid configuration for this host: cgroup v2 keys need a pure cgroup v2 host") {
			t.Fatalf("unified keys on %s: %v", mode, err)
		}
		return
	}
	m := newTest(t, Config{Resources: r})
	if got := readIn(t, m, "", "pids.max"); got != "7" {
		t.Errorf("pids.max = %s, want the unified 7", got)
	}
	if got := readIn(t, m, "", "memory.high"); got != "49999872" && got != "50000000" {
		t.Errorf("memory.high = %s", got)
	}
	st, err := m.Stats()
	if err != nil {
		t.Fatal(err)
	}
	if fileExists(m.State().Paths[""], "cpu.pressure") && st.CPU.Pressure == nil {
		t.Error("cpu.pressure is there, stats have no PSI")
	}
}

// TestRootRdmaNamesField: rdma limits for a device that is not there
// fail naming the field (no RDMA hardware here).
func TestRootRdmaNamesField(t *testing.T) {
	requireRoot(t)
	requireController(t, "rdma")
	m := newTest(t, Config{})
	err := m.Set(&specs.LinuxResources{Rdma: map[string]specs.LinuxRdma{"berth_nodev": {HcaHandles: u32(1)}}})
	if err == nil {
		t.Fatal("Set took rdma limits for the missing device berth_nodev")
	}
	if !strings.HasPrefix(err.Error(), "linux.resources.rdma[berth_nodev]: write") {
		t.Errorf("error: %v", err)
	}
}

// TestRootKernelMemoryWarns: a kernel memory limit is applied where the
// kernel honours it, else it comes back as a warning, not an error.
func TestRootKernelMemoryWarns(t *testing.T) {
	mode := requireRoot(t)
	requireController(t, "memory")
	m := newTest(t, Config{})
	if err := m.Set(mem(specs.LinuxMemory{Kernel: i64(64 << 20), KernelTCP: i64(32 << 20)})); err != nil {
		t.Fatal(err)
	}
	ws := strings.Join(m.Warnings(), "\n")
	t.Logf("warnings: %q", ws)
	if mode == Unified {
		if !strings.Contains(ws, "linux.resources.memory.kernel: ignored") || !strings.Contains(ws, "linux.resources.memory.kernelTCP: ignored") {
			t.Errorf("warnings %q", ws)
		}
		return
	}
	if v, err := readFile(m.State().Paths["memory"], "memory.kmem.limit_in_bytes"); err == nil && v != "67108864" &&
		!strings.Contains(ws, "linux.resources.memory.kernel: not enforced") {
		t.Errorf("kmem limit reads %s and no warning: %q", v, ws)
	}
}

// TestRootPidsLimitAfterStart: Create leaves the pids limit for Started,
// so that a limit of 0 (valid, says runtime-spec) does not stop the
// first process from entering; the limit then holds as written.
func TestRootPidsLimitAfterStart(t *testing.T) {
	mode := requireRoot(t)
	requireController(t, "pids")
	cfg := Config{Path: "/" + testName(t), Resources: &specs.LinuxResources{Pids: &specs.LinuxPids{Limit: i64(0)}}}
	m, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Create(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = m.Kill(syscall.SIGKILL); _ = m.Destroy() })
	key := "pids"
	if mode == Unified {
		key = ""
	}
	if got := readIn(t, m, key, "pids.max"); got != "max" {
		t.Errorf("pids.max after Create = %q, want max (the limit waits for Started)", got)
	}
	c := startSleep(t, m)
	if err := m.Started(); err != nil {
		t.Fatal(err)
	}
	if got := readIn(t, m, key, "pids.max"); got != "0" {
		t.Errorf("pids.max after Started = %q, want 0", got)
	}
	if pids, _ := m.Pids(); !slices.Contains(pids, c.pid()) {
		t.Errorf("the process is not in the cgroup: %v", pids)
	}
}

// TestRootCPUPeriodUnderParentQuota: lowering the period with the quota
// under a parent with its own quota (runc's "update cpu period in a pod
// cgroup with pod limit set"): the period alone would raise the ratio
// above the parent's, so the quota goes first.
func TestRootCPUPeriodUnderParentQuota(t *testing.T) {
	if mode := requireRoot(t); mode == Unified {
		t.Skip("skip: cgroup v1 only: cgroup v2 writes quota and period in one cpu.max")
	}
	requireController(t, "cpu")
	parent := "/" + testName(t)
	m := newTest(t, Config{Path: parent + "/ct", Resources: cpu(specs.LinuxCPU{Quota: i64(500000), Period: u64(1000000)})})
	pdir := filepath.Dir(m.State().Paths["cpu"])
	if err := writeFile(pdir, "cpu.cfs_quota_us", "50000"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = writeFile(pdir, "cpu.cfs_quota_us", "-1") })
	if err := m.Set(&specs.LinuxResources{CPU: &specs.LinuxCPU{Quota: i64(60000), Period: u64(100000)}}); err == nil {
		t.Errorf("60%% under a 50%% parent was accepted")
	}
	if err := m.Set(&specs.LinuxResources{CPU: &specs.LinuxCPU{Quota: i64(3000), Period: u64(10000)}}); err != nil {
		t.Fatalf("30%% with a lower period: %v", err)
	}
	if q, p := readIn(t, m, "cpu", "cpu.cfs_quota_us"), readIn(t, m, "cpu", "cpu.cfs_period_us"); q != "3000" || p != "10000" {
		t.Errorf("quota %s period %s, want 3000 10000", q, p)
	}
}
