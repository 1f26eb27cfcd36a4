package integration

// Issue 4 on pure cgroup v2 only (the tests/v2vm lane runs them): the
// container's own cgroup as the root of its cgroup2 mount, unified keys,
// and exec into a container whose cgroup is no longer a leaf.

import (
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func cgNeedV2(t *testing.T) {
	t.Helper()
	if !cgV2() {
		t.Skipf("needs a pure cgroup v2 host; this one is %s (tests/v2vm runs it: make test-v2)", cgLayout())
	}
}

// TestCgroupsV2Mount: with a cgroup namespace the "cgroup" mount is a
// cgroup2 instance whose root is the container's cgroup; without one it
// is a bind mount of that cgroup. Either way it shows the container's
// limits and processes.
func TestCgroupsV2Mount(t *testing.T) {
	t.Parallel()
	cgNeedV2(t)
	e := newEnv(t)
	for _, cgroupns := range []bool{true, false} {
		b := e.cgBundle("sleep", "1000")
		b.res().Memory = &specs.LinuxMemory{Limit: cgI64(48 << 20)}
		if !cgroupns {
			b.spec.Linux.Namespaces = cgWithout(b.spec.Linux.Namespaces, specs.CgroupNamespace)
		}
		c := e.cgStart(b)
		c.both(knobMemLimit, "50331648")
		if procs := c.exec("cat", "/sys/fs/cgroup/cgroup.procs"); !strings.HasPrefix(procs, "1") && cgroupns {
			t.Errorf("cgroupns %v: cgroup.procs inside is %q, want the container's pid 1 first", cgroupns, procs)
		}
		mounts := c.exec("cat", "/proc/self/mounts")
		var line string
		for _, l := range strings.Split(mounts, "\n") {
			if f := strings.Fields(l); len(f) > 2 && f[1] == "/sys/fs/cgroup" {
				line = l
			}
		}
		if !strings.Contains(line, " cgroup2 ") || !strings.Contains(line, " ro,") {
			t.Errorf("cgroupns %v: the /sys/fs/cgroup mount is %q, want a read-only cgroup2", cgroupns, line)
		}
		self := c.exec("cat", "/proc/self/cgroup")
		if cgroupns && self != "0::/" {
			t.Errorf("/proc/self/cgroup with a cgroup namespace is %q, want 0::/", self)
		}
		if !cgroupns && self != "0::"+c.path {
			t.Errorf("/proc/self/cgroup without a cgroup namespace is %q, want 0::%s", self, c.path)
		}
		c.delete("--force")
	}
}

// TestCgroupsV2Unified: linux.resources.unified writes the named files
// at create and at update; the record keeps the merged keys.
func TestCgroupsV2Unified(t *testing.T) {
	t.Parallel()
	cgNeedV2(t)
	e := newEnv(t)
	b := e.cgBundle("sleep", "1000")
	b.res().Unified = map[string]string{"pids.max": "42", "memory.high": "50331648"}
	c := e.cgStart(b)
	high := cgKnob{"memory", "", "memory.high"}
	c.both(knobPidsMax, "42")
	c.both(high, "50331648")
	if r := e.berthIn(`{"unified":{"memory.high":"62914560"}}`, "update", "-r", "-", c.id); r.code != 0 {
		t.Fatalf("update: %s", r)
	}
	c.both(high, "62914560")
	c.both(knobPidsMax, "42")
	u := c.stateResources().Unified
	if u["pids.max"] != "42" || u["memory.high"] != "62914560" {
		t.Errorf("recorded unified %v", u)
	}
	c.delete("--force")
}

// TestCgroupsV2ExecNonLeaf: a container that moved its processes to a
// sub-cgroup and enabled controllers for its children (its cgroup is no
// longer a leaf, so no process may join it: EBUSY) still takes exec: the
// process joins the cgroup of the container's process, as with runc.
func TestCgroupsV2ExecNonLeaf(t *testing.T) {
	t.Parallel()
	cgNeedV2(t)
	e := newEnv(t)
	b := e.cgBundle("sh", "-c", "mkdir /sys/fs/cgroup/init && echo 1 > /sys/fs/cgroup/init/cgroup.procs && "+
		"echo +pids +memory > /sys/fs/cgroup/cgroup.subtree_control && echo ready; sleep 1000")
	for i, m := range b.spec.Mounts {
		if m.Destination == "/sys/fs/cgroup" {
			b.spec.Mounts[i].Options = []string{"nosuid", "noexec", "nodev", "relatime", "rw"}
		}
	}
	c := e.cgStart(b)
	c.waitOutput("ready")
	if got := c.exec("cat", "/proc/self/cgroup"); got != "0::/init" {
		t.Errorf("exec'd process is in %q, want the container process's cgroup 0::/init", got)
	}
	c.delete("--force")
}
