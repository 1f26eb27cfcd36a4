package integration

// The systemd cgroup driver (--systemd-cgroup). These tests need systemd
// as PID 1, which the development hosts do not boot: `make test-systemd`
// runs them (-test.run '^TestSystemd') in a qemu guest that does.

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// needSystemd skips where systemd is not PID 1.
func needSystemd(t *testing.T) {
	t.Helper()
	comm, _ := os.ReadFile("/proc/1/comm")
	if strings.TrimSpace(string(comm)) != "systemd" {
		t.Skip("host limitation: no systemd as PID 1 (the systemd cgroup driver needs it)")
	}
}

// sdEnv is an env whose berth commands all get --systemd-cgroup.
func sdEnv(t *testing.T) *env {
	e := newEnv(t)
	e.global = []string{"--systemd-cgroup"}
	return e
}

// scoped is a bundle running args whose cgroupsPath names the scope
// berth-<id>.scope in system.slice, with that id, the unit and its cgroup.
type scoped struct {
	b             *bundle
	id, unit, dir string
}

func (e *env) scopedBundle(args ...string) scoped {
	s := scoped{b: e.newBundle(args...), id: e.id()}
	s.b.spec.Linux.CgroupsPath = "system.slice:berth:" + s.id
	s.unit = "berth-" + s.id + ".scope"
	s.dir = "/sys/fs/cgroup/system.slice/" + s.unit
	s.b.save(e.t)
	return s
}

// unitProps reads properties of a unit with systemctl show.
func unitProps(t *testing.T, unit string, names ...string) map[string]string {
	t.Helper()
	args := []string{"show", unit}
	for _, n := range names {
		args = append(args, "-p", n)
	}
	out, err := exec.Command("systemctl", args...).CombinedOutput()
	if err != nil {
		t.Fatalf("systemctl %v: %v: %s", args, err, out)
	}
	m := make(map[string]string)
	for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		if k, v, ok := strings.Cut(l, "="); ok {
			m[k] = v
		}
	}
	return m
}

// wantProps checks unit properties.
func wantProps(t *testing.T, unit string, want map[string]string) {
	t.Helper()
	var names []string
	for k := range want {
		names = append(names, k)
	}
	got := unitProps(t, unit, names...)
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: %s=%q, want %q", unit, k, got[k], v)
		}
	}
}

// wantFiles checks cgroup files of dir.
func wantFiles(t *testing.T, dir string, want map[string]string) {
	t.Helper()
	for f, v := range want {
		b, err := os.ReadFile(filepath.Join(dir, f))
		if got := strings.TrimSpace(string(b)); err != nil || got != v {
			t.Errorf("%s/%s = %q (%v), want %q", dir, f, got, err, v)
		}
	}
}

// unitGone checks that systemd no longer has the unit and its cgroup is
// removed.
func unitGone(t *testing.T, unit, dir string) {
	t.Helper()
	if p := unitProps(t, unit, "LoadState", "ActiveState"); p["LoadState"] != "not-found" && p["ActiveState"] != "inactive" {
		t.Errorf("unit %s is still there: %v", unit, p)
	}
	if _, err := os.Stat(dir); err == nil {
		t.Errorf("cgroup %s left behind", dir)
	}
}

func i64p(v int64) *int64     { return &v }
func u64ptr(v uint64) *uint64 { return &v }

// TestSystemdScope: the container's cgroup is a transient scope under the
// slice cgroupsPath names, delegated, with the limits both as unit
// properties and in the files, and the org.systemd.property.* annotations
// as properties; exec joins it; update changes both; pause,
// ps and events find it; delete stops the unit and its cgroup goes.
func TestSystemdScope(t *testing.T) {
	needSystemd(t)
	e := sdEnv(t)
	s := e.scopedBundle("sleep", "1000")
	b, id, unit, dir := s.b, s.id, s.unit, s.dir
	b.spec.Linux.Resources = &specs.LinuxResources{
		Devices: b.spec.Linux.Resources.Devices,
		Memory:  &specs.LinuxMemory{Limit: i64p(32 << 20)},
		Pids:    &specs.LinuxPids{Limit: i64p(50)},
		CPU:     &specs.LinuxCPU{Shares: u64ptr(512), Quota: i64p(50000), Period: u64ptr(100000), Cpus: "0"},
	}
	b.spec.Annotations = map[string]string{"org.systemd.property.TimeoutStopSec": "uint64 7"}
	if r := e.createIO("create", id, b); r.code != 0 {
		t.Fatalf("berth --systemd-cgroup create: %s", r)
	}
	wantProps(t, unit, map[string]string{
		"TimeoutStopUSec": "7s", "ActiveState": "active", "Delegate": "yes", "Slice": "system.slice",
		"ControlGroup": "/system.slice/" + unit, "MemoryMax": "33554432", "TasksMax": "50",
		"CPUQuotaPerSecUSec": "500ms", "DevicePolicy": "strict",
	})
	if cgV2() { // cgroup v2 properties
		wantProps(t, unit, map[string]string{"CPUWeight": "20", "AllowedCPUs": "0"})
	} else {
		wantProps(t, unit, map[string]string{"CPUShares": "512"})
	}
	if cgV2() {
		pid := e.pid(id)
		procs, _ := os.ReadFile(filepath.Join(dir, "cgroup.procs"))
		if !strings.Contains("\n"+string(procs), "\n"+strconv.Itoa(pid)+"\n") {
			t.Errorf("the container's process %d is not in %s (procs %q)", pid, dir, procs)
		}
	}
	e.start(id)
	e.must("update", "--memory", "67108864", "--pids-limit", "70", "--cpu-quota", "25000", id)
	wantProps(t, unit, map[string]string{"MemoryMax": "67108864", "TasksMax": "70", "CPUQuotaPerSecUSec": "250ms"})
	if cgV2() {
		sdScopeFilesV2(t, e, id, dir)
	}
	e.must("pause", id)
	if st := e.state(id)["status"]; st != "paused" {
		t.Errorf("after pause: %v", st)
	}
	if cgV2() {
		wantFiles(t, dir, map[string]string{"cgroup.freeze": "1"})
	}
	e.must("resume", id)
	if out := e.must("ps", id); !strings.Contains(out, "sleep") {
		t.Errorf("ps: %q", out)
	}
	if out := e.must("events", "--stats", id); !strings.Contains(out, `"limit":67108864`) {
		t.Errorf("events --stats does not show the memory limit: %s", out)
	}
	e.must("delete", "--force", id)
	unitGone(t, unit, dir)
	e.assertNothingLeft(id, b)
}

// sdScopeFilesV2 checks the cgroup v2 files of the scope (after the
// update of TestSystemdScope) and that exec joins it (the limits are in
// the files as in the properties).
func sdScopeFilesV2(t *testing.T, e *env, id, dir string) {
	wantFiles(t, dir, map[string]string{
		"memory.max": "67108864", "pids.max": "70", "cpu.max": "25000 100000", "cpu.weight": "20", "cpuset.cpus": "0",
	})
	// with a cgroup namespace, the scope is the namespace's root: "0::/"
	// says the exec'd process is in it, not beside it
	if out := e.must("exec", id, "cat", "/proc/self/cgroup"); strings.TrimSpace(out) != "0::/" {
		t.Errorf("exec'd process's cgroup: %q, want 0::/ (the scope)", out)
	}
}

// TestSystemdDefaultPath: without cgroupsPath the unit is runc-<id>.scope
// in system.slice, as with runc; delete of a stopped container removes it.
func TestSystemdDefaultPath(t *testing.T) {
	needSystemd(t)
	e := sdEnv(t)
	b := e.newBundle("true")
	b.spec.Linux.CgroupsPath = ""
	id := e.id()
	unit := "runc-" + id + ".scope"
	if r := e.createIO("create", id, b); r.code != 0 {
		t.Fatalf("berth --systemd-cgroup create: %s", r)
	}
	wantProps(t, unit, map[string]string{"ActiveState": "active", "Delegate": "yes", "Slice": "system.slice"})
	e.start(id)
	e.waitStatus(id, "stopped")
	e.must("delete", id)
	unitGone(t, unit, "/sys/fs/cgroup/system.slice/"+unit)
	e.assertNothingLeft(id, b)
}

// TestSystemdBadPath: a cgroupsPath not of the form "slice:prefix:name",
// or a unit name systemd cannot take, is refused in one line naming it,
// leaving no state dir, unit or cgroup.
func TestSystemdBadPath(t *testing.T) {
	needSystemd(t)
	for _, p := range []string{"/a/b", "a:b", "system.slice:p:x/y", "nope:p:x", "system.slice:p:pod.slice"} {
		e := sdEnv(t)
		b := e.newBundle("true")
		b.spec.Linux.CgroupsPath = p
		b.save(t)
		id := e.id()
		failsOneLine(t, e.berth("run", "--bundle", b.dir, id), "linux.cgroupsPath", p)
		e.assertNothingLeft(id, b)
		out, _ := exec.Command("systemctl", "list-units", "--all", "--plain", "--no-legend").Output()
		if strings.Contains(string(out), id) {
			t.Errorf("%q: a unit of %s is left: %s", p, id, out)
		}
	}
}

// TestSystemdSliceUnit: a cgroupsPath whose name is a slice makes the
// container's cgroup that slice (wanted by the parent slice), as with
// runc; the container's process is in it, and delete stops it.
func TestSystemdSliceUnit(t *testing.T) {
	needSystemd(t)
	e := sdEnv(t)
	b := e.newBundle("sleep", "1000")
	// a dash nests slices: the name has none past "system-"
	unit := "system-berth" + strconv.Itoa(os.Getpid()) + "x" + strconv.FormatInt(idSeq.Add(1), 10) + ".slice"
	dir := "/sys/fs/cgroup/system.slice/" + unit
	b.spec.Linux.CgroupsPath = "system.slice:ignored:" + unit
	b.spec.Linux.Resources.Memory = &specs.LinuxMemory{Limit: i64p(48 << 20)}
	id := e.runDetached(b)
	wantProps(t, unit, map[string]string{"ActiveState": "active", "ControlGroup": "/system.slice/" + unit, "MemoryMax": "50331648"})
	procs, _ := os.ReadFile(filepath.Join(dir, "cgroup.procs"))
	if !strings.Contains("\n"+string(procs), "\n"+strconv.Itoa(e.pid(id))+"\n") {
		t.Errorf("the container's process %d is not in %s (procs %q)", e.pid(id), dir, procs)
	}
	e.must("delete", "--force", id)
	unitGone(t, unit, dir)
	e.assertNothingLeft(id, b)
}

// TestSystemdFailedCreate: a create that fails after the scope started
// (the process cannot be executed) stops the scope: nothing is left.
func TestSystemdFailedCreate(t *testing.T) {
	needSystemd(t)
	e := sdEnv(t)
	s := e.scopedBundle("/no/such/binary")
	if r := e.createIO("run", s.id, s.b); r.code == 0 {
		t.Fatalf("run of a missing binary succeeded: %s", r)
	}
	unitGone(t, s.unit, s.dir)
	e.assertNothingLeft(s.id, s.b)
}

// TestSystemdNoBus: without the system bus, --systemd-cgroup fails in one
// line saying so, and leaves nothing.
func TestSystemdNoBus(t *testing.T) {
	needSystemd(t)
	e := sdEnv(t)
	s := e.scopedBundle("true")
	noBus := func(cmd *exec.Cmd) {
		cmd.Env = append(os.Environ(), "DBUS_SYSTEM_BUS_ADDRESS=unix:path="+filepath.Join(t.TempDir(), "no-bus"))
	}
	failsOneLine(t, e.berthWith(noBus, "run", "--bundle", s.b.dir, s.id), "--systemd-cgroup", "system bus")
	unitGone(t, s.unit, s.dir)
	e.assertNothingLeft(s.id, s.b)
}
