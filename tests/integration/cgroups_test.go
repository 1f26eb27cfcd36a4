package integration

// Issue 4: resource limits read back from inside the container and from
// the host, live updates, and refused input. These tests run on this
// hybrid host and in the pure cgroup v2 VM (tests/v2vm/lane.d).

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// cgWeight is cgroup v2's cpu.weight for v1 cpu shares, as runc and
// berth convert it.
func cgWeight(shares uint64) string { return fmt.Sprint(1 + ((shares-2)*9999)/262142) }

// checkCPU checks shares and quota/period inside and on the host.
func (c *cgContainer) checkCPU(shares uint64, quota int64, period uint64) {
	c.e.t.Helper()
	if cgV2() {
		c.both(knobShares, cgWeight(shares))
		c.both(knobQuota, fmt.Sprintf("%d %d", quota, period))
		return
	}
	c.both(knobShares, fmt.Sprint(shares))
	c.both(knobQuota, fmt.Sprint(quota))
	c.both(knobPeriod, fmt.Sprint(period))
}

func TestCgroupsLimits(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.cgBundle("sleep", "1000")
	r := b.res()
	r.Memory = &specs.LinuxMemory{Limit: cgI64(64 << 20), Swap: cgI64(64 << 20)}
	r.Pids = &specs.LinuxPids{Limit: cgI64(100)}
	r.CPU = &specs.LinuxCPU{Shares: cgU64(512), Quota: cgI64(50000), Period: cgU64(100000), Cpus: "0", Mems: "0"}
	c := e.cgStart(b)
	c.both(knobMemLimit, "67108864")
	if cgV2() {
		c.both(knobMemSwap, "0") // memory+swap 64M with memory 64M: no swap
	} else {
		c.both(knobMemSwap, "67108864")
	}
	c.both(knobPidsMax, "100")
	c.both(knobCPUs, "0")
	c.checkCPU(512, 50000, 100000)
	c.delete("--force")
}

func TestCgroupsUpdate(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.cgBundle("sleep", "1000")
	r := b.res()
	r.Memory = &specs.LinuxMemory{Limit: cgI64(64 << 20)}
	r.Pids = &specs.LinuxPids{Limit: cgI64(100)}
	r.CPU = &specs.LinuxCPU{Shares: cgU64(512), Quota: cgI64(50000), Period: cgU64(100000)}
	c := e.cgStart(b)

	e.must("update", "--memory", "32m", c.id)
	c.both(knobMemLimit, "33554432")
	e.must("update", "--cpu-quota", "20000", "--cpu-period", "50000", "--cpu-share", "1024", c.id)
	c.checkCPU(1024, 20000, 50000)
	e.must("update", "--pids-limit", "50", c.id)
	c.both(knobPidsMax, "50")
	e.must("update", "--pids-limit", "0", c.id) // runc: 0 leaves it as it is
	c.both(knobPidsMax, "50")
	e.must("update", "--pids-limit", "-1", c.id)
	c.both(knobPidsMax, "max")

	file := filepath.Join(t.TempDir(), "r.json")
	os.WriteFile(file, []byte(`{"pids":{"limit":42},"cpu":{"cpus":"0"}}`), 0o644)
	e.must("update", "-r", file, c.id)
	c.both(knobPidsMax, "42")
	c.both(knobCPUs, "0")
	if r := e.berthIn(`{"memory":{"limit":50331648}}`, "update", "--resources", "-", c.id); r.code != 0 {
		t.Fatalf("update -r -: %s", r)
	}
	c.both(knobMemLimit, "50331648")

	// memory+swap alone is checked against the recorded memory limit
	e.must("update", "--memory-swap", "96m", c.id)
	if cgV2() {
		c.both(knobMemSwap, "50331648") // swap only: 96M - 48M
	} else {
		c.both(knobMemSwap, "100663296")
	}

	// a paused container takes updates too
	e.must("pause", c.id)
	e.must("update", "--pids-limit", "60", c.id)
	c.host(knobPidsMax)
	if got := c.host(knobPidsMax); got != "60" {
		t.Errorf("pids.max after an update while paused: %q, want 60", got)
	}
	e.must("resume", c.id)

	rec := c.stateResources()
	if l := rec.Memory.Limit; l == nil || *l != 48<<20 {
		t.Errorf("recorded memory.limit %v, want %d", l, 48<<20)
	}
	if s := rec.Memory.Swap; s == nil || *s != 96<<20 {
		t.Errorf("recorded memory.swap %v, want %d", s, 96<<20)
	}
	if l := rec.Pids.Limit; l == nil || *l != 60 {
		t.Errorf("recorded pids.limit %v, want 60", l)
	}
	cpu := rec.CPU
	if cpu.Quota == nil || *cpu.Quota != 20000 || cpu.Period == nil || *cpu.Period != 50000 || cpu.Shares == nil || *cpu.Shares != 1024 || cpu.Cpus != "0" {
		t.Errorf("recorded cpu %+v, want quota 20000, period 50000, shares 1024, cpus 0", cpu)
	}
	c.delete("--force")
}

func TestCgroupsUpdateRefused(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.cgBundle("sleep", "1000")
	r := b.res()
	r.Memory = &specs.LinuxMemory{Limit: cgI64(64 << 20)}
	r.Pids = &specs.LinuxPids{Limit: cgI64(100)}
	r.CPU = &specs.LinuxCPU{Shares: cgU64(512)}
	c := e.cgStart(b)
	knobs := []cgKnob{knobMemLimit, knobMemSwap, knobPidsMax, knobCPUs, knobShares, knobQuota, knobPeriod}
	unifiedKey, unifiedWant := `{"unified":{"pids.max":"5"}}`, "linux.resources.unified"
	if cgV2() {
		unifiedKey, unifiedWant = `{"unified":{"memory.bogus":"5"}}`, "memory.bogus"
	}
	tests := []struct {
		name  string
		stdin string
		args  []string
		want  []string
	}{
		{"negative memory", "", []string{"--memory", "-2"}, []string{"--memory"}},
		{"swap below memory", "", []string{"--memory-swap", "16m"}, []string{"linux.resources.memory.swap"}},
		{"swap below new memory", "", []string{"--memory", "64m", "--memory-swap", "32m"}, []string{"linux.resources.memory.swap"}},
		{"cpuset outside the host", "", []string{"--cpuset-cpus", "64"}, []string{"linux.resources.cpu.cpus"}},
		{"cpu shares too small", "", []string{"--cpu-share", "1"}, []string{"linux.resources.cpu.shares"}},
		{"cpu period too small", "", []string{"--cpu-period", "10"}, []string{"linux.resources.cpu.period"}},
		{"blkio weight", "", []string{"--blkio-weight", "5"}, []string{"linux.resources.blockIO.weight"}},
		{"pids not a number", "", []string{"--pids-limit", "many"}, []string{"--pids-limit"}},
		{"intel rdt", "", []string{"--l3-cache-schema", "L3:0=f"}, []string{"--l3-cache-schema"}},
		{"valid part then a refused one", "", []string{"--pids-limit", "7", "--cpuset-cpus", "64"}, []string{"linux.resources.cpu.cpus"}},
		{"unknown field", `{"memroy":{"limit":1}}`, []string{"-r", "-"}, []string{"memroy"}},
		{"unified key", unifiedKey, []string{"-r", "-"}, []string{unifiedWant}},
		{"device rule type", `{"devices":[{"allow":true,"type":"x","access":"r"}]}`, []string{"-r", "-"}, []string{"linux.resources.devices"}},
		{"flags and a file", `{}`, []string{"-r", "-", "--memory", "1m"}, []string{"--memory"}},
	}
	if !cgV2() {
		// cgroup v2 takes a memory.max below the usage and reclaims
		tests = append(tests, struct {
			name  string
			stdin string
			args  []string
			want  []string
		}{"memory below usage", "", []string{"--memory", "4k"}, []string{"linux.resources.memory.limit"}})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := c.snapshot(knobs...)
			args := append(append([]string{"update"}, tt.args...), c.id)
			cgFails(t, e.berthIn(tt.stdin, args...), tt.want...)
			c.assertUnchanged(before)
		})
	}
	rec := c.stateResources()
	if *rec.Memory.Limit != 64<<20 || *rec.Pids.Limit != 100 {
		t.Errorf("the record changed: memory %d, pids %d", *rec.Memory.Limit, *rec.Pids.Limit)
	}

	e.must("kill", c.id, "KILL")
	e.waitStatus(c.id, "stopped")
	cgFails(t, e.berth("update", "--memory", "10m", c.id), c.id, "stopped")
	c.delete()
}

func TestCgroupsCreateRefused(t *testing.T) {
	t.Parallel()
	unified := map[string]string{"pids.max": "5"}
	unifiedWant := "linux.resources.unified"
	if cgV2() {
		unified, unifiedWant = map[string]string{"memory.bogus": "5"}, "memory.bogus"
	}
	tests := []struct {
		name string
		set  func(b *bundle)
		want string
	}{
		{"negative memory", func(b *bundle) { b.res().Memory = &specs.LinuxMemory{Limit: cgI64(-2)} }, "linux.resources.memory.limit"},
		{"swap below memory", func(b *bundle) {
			b.res().Memory = &specs.LinuxMemory{Limit: cgI64(64 << 20), Swap: cgI64(32 << 20)}
		}, "linux.resources.memory.swap"},
		{"negative pids", func(b *bundle) { b.res().Pids = &specs.LinuxPids{Limit: cgI64(-5)} }, "linux.resources.pids.limit"},
		{"cpu shares", func(b *bundle) { b.res().CPU = &specs.LinuxCPU{Shares: cgU64(1)} }, "linux.resources.cpu.shares"},
		{"cpu quota", func(b *bundle) { b.res().CPU = &specs.LinuxCPU{Quota: cgI64(-7)} }, "linux.resources.cpu.quota"},
		{"cpuset outside the host", func(b *bundle) { b.res().CPU = &specs.LinuxCPU{Cpus: "64-65"} }, "linux.resources.cpu.cpus"},
		{"blkio weight", func(b *bundle) { b.res().BlockIO = &specs.LinuxBlockIO{Weight: cgU16(5000)} }, "linux.resources.blockIO.weight"},
		{"unified key", func(b *bundle) { b.res().Unified = unified }, unifiedWant},
		{"device rule type", func(b *bundle) {
			b.res().Devices = append(b.res().Devices, specs.LinuxDeviceCgroup{Allow: true, Type: "x", Access: "r"})
		}, "linux.resources.devices"},
		{"device rule access", func(b *bundle) {
			b.res().Devices = append(b.res().Devices, specs.LinuxDeviceCgroup{Allow: true, Type: "c", Access: "x"})
		}, "linux.resources.devices"},
		{"cgroupsPath with ..", func(b *bundle) { b.spec.Linux.CgroupsPath = "/berth-it-{id}/../escape-{id}" }, "cgroupsPath"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			b := e.cgBundle("true")
			tt.set(b)
			c, r := e.cgCreate("create", b)
			cgFails(t, r, tt.want)
			c.assertGone()
			if left := cgDirs(t, "/berth-it-"+c.id); len(left) > 0 {
				t.Errorf("cgroup dirs left: %v", left)
			}
			if left := cgDirs(t, "/escape-"+c.id); len(left) > 0 {
				t.Errorf("cgroup dirs left: %v", left)
			}
		})
	}
}

func TestCgroupsPidsLimit(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	dir := "/sys/fs/cgroup/pids"
	if cgV2() {
		dir = "/sys/fs/cgroup"
	}
	// builtins only once the limit is reached: a fork would fail
	b := e.cgBundle("sh", "-c", `sh -c 'i=0; while [ $i -lt 30 ]; do sleep 1000 & i=$((i+1)); done'; echo "loop exit $?"; `+
		`read n < `+dir+`/pids.current; echo "current $n"; read m < `+dir+`/pids.max; echo "max $m"`)
	b.res().Pids = &specs.LinuxPids{Limit: cgI64(8)}
	b.spec.Linux.CgroupsPath = strings.ReplaceAll(b.spec.Linux.CgroupsPath, "{id}", fmt.Sprint(os.Getpid(), "-pids"))
	r := e.run(b)
	if !strings.Contains(r.stderr, "can't fork") || !strings.Contains(r.stdout, "loop exit 2") {
		t.Fatalf("forks past pids.max 8 did not fail: %s", r)
	}
	if !strings.Contains(r.stdout, "max 8") {
		t.Errorf("pids.max inside is not 8: %q", r.stdout)
	}
	var n int
	if _, err := fmt.Sscanf(r.stdout[strings.Index(r.stdout, "current "):], "current %d", &n); err != nil || n > 8 || n < 2 {
		t.Errorf("pids.current inside: %q (want 2..8)", r.stdout)
	}
	if left := cgDirs(t, b.spec.Linux.CgroupsPath); len(left) > 0 {
		t.Errorf("run left cgroup dirs: %v", left)
	}
}
