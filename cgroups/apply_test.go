package cgroups

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// fakeCgroup makes a directory holding the given files, as a stand-in for
// a cgroup (unit tests run without root).
func fakeCgroup(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for f, v := range files {
		if v == "<dir>" {
			if err := os.Mkdir(filepath.Join(dir, f), 0o755); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if err := os.WriteFile(filepath.Join(dir, f), []byte(v), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func contents(t *testing.T, dir string, files ...string) []string {
	t.Helper()
	var out []string
	for _, f := range files {
		b, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, f+"="+string(b))
	}
	return out
}

func TestBind(t *testing.T) {
	dir := fakeCgroup(t, map[string]string{"a": "", "alt": "", "c": ""})
	paths := map[string]string{"x": dir}
	explain := func(w fileWrite, dir string) error { return fieldErr(w.field, "no %s", w.file) }
	ws := []fileWrite{
		{ctrl: "x", file: "a", value: "1", field: "f.a", flags: pairNext},
		{ctrl: "x", file: "gone", value: "2", field: "f.gone", flags: ifExists},
		{ctrl: "x", file: "missing", value: "3", field: "f.missing", flags: warnMissing, why: "no such feature"},
		{ctrl: "x", file: "nope", value: "4", field: "f.alt", alt: &fileWrite{ctrl: "x", file: "alt", value: "5"}},
		{ctrl: "x", file: "c", value: "6", field: "f.c"},
	}
	bound, warns, err := bind(ws, paths, explain)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, b := range bound {
		got = append(got, describe([]fileWrite{b.fileWrite})[0])
	}
	// the pair lost its partner, the alternative stands in
	want := []string{"x:a=1", "x:alt=5", "x:c=6"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("bound %q, want %q", got, want)
	}
	if len(warns) != 1 || warns[0] != "f.missing: not applied: no such feature" {
		t.Errorf("warnings %q", warns)
	}
	_, _, err = bind([]fileWrite{{ctrl: "x", file: "absent", field: "f.absent"}}, paths, explain)
	if err == nil || err.Error() != "f.absent: no absent" {
		t.Errorf("missing required file: %v", err)
	}
	_, _, err = bind([]fileWrite{{ctrl: "x", file: "blkio.weight", field: "linux.resources.blockIO.weight",
		alt: &fileWrite{ctrl: "x", file: "blkio.bfq.weight"}}}, paths, explainV1)
	if want := "linux.resources.blockIO.weight: this kernel has no blkio.weight or blkio.bfq.weight (looked in " + dir + ")"; err == nil || err.Error() != want {
		t.Errorf("missing alternatives: %v, want %s", err, want)
	}
	_, _, err = bind([]fileWrite{{ctrl: "net_cls", file: "net_cls.classid", field: "linux.resources.network.classID"}}, paths, explain)
	if err == nil || err.Error() != "linux.resources.network.classID: the net_cls controller is not mounted on this host" {
		t.Errorf("missing hierarchy: %v", err)
	}
}

// TestApplyRollsBack: a write that fails restores the files written
// before it.
func TestApplyRollsBack(t *testing.T) {
	dir := fakeCgroup(t, map[string]string{"one": "1", "two": "2", "bad": "<dir>"})
	ws := []boundWrite{
		{fileWrite{file: "one", value: "10", field: "f.one"}, dir},
		{fileWrite{file: "two", value: "20", field: "f.two"}, dir},
		{fileWrite{file: "bad", value: "30", field: "f.bad"}, dir},
	}
	_, _, err := applyWrites(ws, true)
	if err == nil || !strings.HasPrefix(err.Error(), `f.bad: write "30" to `+dir+`/bad:`) {
		t.Fatalf("error = %v", err)
	}
	if got := contents(t, dir, "one", "two"); !reflect.DeepEqual(got, []string{"one=1", "two=2"}) {
		t.Errorf("after rollback: %q", got)
	}
	u, _, err := applyWrites(ws[:2], true)
	if err != nil {
		t.Fatal(err)
	}
	if got := contents(t, dir, "one", "two"); !reflect.DeepEqual(got, []string{"one=10", "two=20"}) {
		t.Errorf("after apply: %q", got)
	}
	u.run()
	if got := contents(t, dir, "one", "two"); !reflect.DeepEqual(got, []string{"one=1", "two=2"}) {
		t.Errorf("after undo: %q", got)
	}
}

func fakeV2(t *testing.T, files map[string]string) (*v2Manager, string) {
	dir := fakeCgroup(t, files)
	m := &v2Manager{base: base{mode: Unified, paths: map[string]string{"": dir},
		hostInfo: func() *sysInfo { return fakeHost(Unified, "cpu", "memory", "pids") }}}
	return m, dir
}

// TestSetKeepsQuota: a period-only update keeps cgroup v2's quota.
func TestSetKeepsQuota(t *testing.T) {
	m, dir := fakeV2(t, map[string]string{"cpu.max": "30000 100000\n"})
	if err := m.Set(cpu(specs.LinuxCPU{Period: u64(20000)})); err != nil {
		t.Fatal(err)
	}
	if got := contents(t, dir, "cpu.max"); got[0] != "cpu.max=30000 20000" {
		t.Errorf("%q", got)
	}
}

// TestSetRefusedLeavesFiles: nothing is written when any part of the
// set is refused, including a file missing after the valid ones.
func TestSetRefusedLeavesFiles(t *testing.T) {
	m, dir := fakeV2(t, map[string]string{"pids.max": "10", "memory.max": "max", "cgroup.controllers": "memory pids"})
	refused := []struct {
		r   *specs.LinuxResources
		err string
	}{
		{&specs.LinuxResources{Pids: &specs.LinuxPids{Limit: i64(20)}, Memory: &specs.LinuxMemory{Limit: i64(100), Swap: i64(50)}},
			"linux.resources.memory.swap: 50 is below the memory limit 100"},
		{&specs.LinuxResources{Pids: &specs.LinuxPids{Limit: i64(20)}, CPU: &specs.LinuxCPU{Shares: u64(100)}},
			"linux.resources.cpu.shares: the cpu controller is not enabled for " + dir + ` (its cgroup.controllers: "memory pids")`},
		{&specs.LinuxResources{Pids: &specs.LinuxPids{Limit: i64(20)}, Unified: map[string]string{"memory.nosuch": "1"}},
			"linux.resources.unified[memory.nosuch]: memory.nosuch does not exist in " + dir},
	}
	for _, tc := range refused {
		err := m.Set(tc.r)
		if err == nil || !strings.Contains(err.Error(), tc.err) {
			t.Errorf("Set: %v, want %q", err, tc.err)
		}
		if got := contents(t, dir, "pids.max", "memory.max"); !reflect.DeepEqual(got, []string{"pids.max=10", "memory.max=max"}) {
			t.Errorf("after refused Set: %q", got)
		}
	}
	if err := m.Set(&specs.LinuxResources{Pids: &specs.LinuxPids{Limit: i64(20)}, Memory: &specs.LinuxMemory{Limit: i64(100)}}); err != nil {
		t.Fatal(err)
	}
	if got := contents(t, dir, "pids.max", "memory.max"); !reflect.DeepEqual(got, []string{"pids.max=20", "memory.max=100"}) {
		t.Errorf("after Set: %q", got)
	}
}

// TestWarnings: settings v2 cannot honour come back as warnings.
func TestWarnings(t *testing.T) {
	m, _ := fakeV2(t, map[string]string{"memory.max": "max"})
	if err := m.Set(mem(specs.LinuxMemory{Limit: i64(100), Swap: i64(200), Swappiness: u64(5)})); err != nil {
		t.Fatal(err)
	}
	want := []string{
		"linux.resources.memory.swappiness: ignored: cgroup v2 has no per-cgroup swappiness",
		"linux.resources.memory.swap: not applied: the kernel has no swap accounting (no memory.swap.max)",
	}
	if got := m.Warnings(); !reflect.DeepEqual(got, want) {
		t.Errorf("warnings %q, want %q", got, want)
	}
}

// TestRemoveCreated removes what was created, deepest first, leaves a
// parent another cgroup still uses, and leaves what it did not create.
func TestRemoveCreated(t *testing.T) {
	root := t.TempDir()
	b := &base{paths: map[string]string{"memory": filepath.Join(root, "mem/pod/ctr"), "pids": filepath.Join(root, "pids/pod/ctr")}}
	os.MkdirAll(filepath.Join(root, "mem"), 0o755)
	os.MkdirAll(filepath.Join(root, "pids/pod/other"), 0o755)
	for _, d := range b.dirs() {
		if err := b.mkdirAll(d); err != nil {
			t.Fatal(err)
		}
	}
	want := []string{filepath.Join(root, "mem/pod"), filepath.Join(root, "mem/pod/ctr"), filepath.Join(root, "pids/pod/ctr")}
	if !reflect.DeepEqual(b.created, want) {
		t.Fatalf("created %q, want %q", b.created, want)
	}
	os.Mkdir(filepath.Join(root, "mem/pod/ctr/nested"), 0o755) // made inside the container
	if err := b.removeCreated(); err != nil {
		t.Fatal(err)
	}
	assertGone(t, filepath.Join(root, "mem/pod"), filepath.Join(root, "pids/pod/ctr"))
	for _, keep := range []string{"mem", "pids/pod/other"} {
		if _, err := os.Stat(filepath.Join(root, keep)); err != nil {
			t.Errorf("%s was removed", keep)
		}
	}
}
