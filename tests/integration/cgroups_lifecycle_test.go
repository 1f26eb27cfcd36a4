package integration

// Issue 4: pause and resume, kill and delete of paused containers,
// delete killing what is left in the cgroup, where cgroupsPath places
// the cgroup, and device rules.

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// counter is a container printing 1, 2, 3 ... as fast as it can sleep.
func (e *env) counter() *cgContainer {
	e.t.Helper()
	c := e.cgStart(e.cgBundle("sh", "-c", "i=0; while true; do i=$((i+1)); echo $i; sleep 0.02; done"))
	c.waitOutput("\n3\n")
	return c
}

// last is the last number the counter printed.
func (c *cgContainer) last() int {
	c.e.t.Helper()
	f := strings.Fields(c.output())
	n, _ := strconv.Atoi(f[len(f)-1])
	return n
}

func (c *cgContainer) frozenOnHost() bool {
	c.e.t.Helper()
	v := c.host(knobFreezer)
	return v == "FROZEN" || v == "1"
}

func TestCgroupsPauseResume(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.counter()
	e.must("pause", c.id)
	if st := c.status(); st != "paused" {
		t.Fatalf("status after pause: %s", st)
	}
	if !c.frozenOnHost() {
		t.Errorf("%s is %q after pause", knobFreezer.hostPath(c.path), c.host(knobFreezer))
	}
	n := c.last()
	time.Sleep(300 * time.Millisecond) // 15 counts if it ran
	if m := c.last(); m != n {
		t.Errorf("the counter went from %d to %d while paused", n, m)
	}
	cgFails(t, e.berth("pause", c.id), c.id, "paused")
	e.must("resume", c.id)
	if st := c.status(); st != "running" {
		t.Fatalf("status after resume: %s", st)
	}
	c.waitOutput("\n" + strconv.Itoa(n+2) + "\n")
	cgFails(t, e.berth("resume", c.id), c.id, "not paused")
	e.must("pause", c.id)
	c.delete("--force") // frozen: delete thaws, kills and removes it all
}

func TestCgroupsKillPaused(t *testing.T) {
	t.Parallel()
	for _, all := range []bool{false, true} {
		e := newEnv(t)
		c := e.counter()
		e.must("pause", c.id)
		args := []string{"kill", c.id, "KILL"}
		if all {
			args = []string{"kill", "--all", c.id, "KILL"}
		}
		e.must(args...)
		e.waitStatus(c.id, "stopped")
		c.delete()
	}
}

func TestCgroupsPauseRefused(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c, r := e.cgCreate("create", e.cgBundle("true"))
	if r.code != 0 {
		t.Fatalf("create: %s", r)
	}
	cgFails(t, e.berth("pause", c.id), c.id, "created")
	cgFails(t, e.berth("resume", c.id), c.id, "not paused")
	e.must("start", c.id)
	e.waitStatus(c.id, "stopped")
	cgFails(t, e.berth("pause", c.id), c.id, "stopped")
	cgFails(t, e.berth("resume", c.id), c.id, "not paused")
	cgFails(t, e.berth("pause", "no-such-container"), "no-such-container")
	c.delete()
}

// TestCgroupsDeleteKillsLeftovers: without a pid namespace a process can
// outlive the container's init in its cgroup; delete kills it (the
// container is stopped, so no --force), and delete --force of a running
// container kills its children too.
func TestCgroupsDeleteKillsLeftovers(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.cgBundle("sh", "-c", "sleep 1000 & echo child $!")
	b.spec.Linux.Namespaces = cgWithout(b.spec.Linux.Namespaces, specs.PIDNamespace)
	c := e.cgStart(b)
	out := c.waitOutput("child ")
	child := cgAtoi(t, strings.Fields(out[strings.Index(out, "child "):])[1])
	e.waitStatus(c.id, "stopped")
	if !cgAlive(child) {
		t.Fatalf("the child %d is gone already", child)
	}
	c.delete()
	cgWaitDead(t, child)

	b = e.cgBundle("sh", "-c", "sleep 1000 & echo child $!; wait")
	b.spec.Linux.Namespaces = cgWithout(b.spec.Linux.Namespaces, specs.PIDNamespace)
	c = e.cgStart(b)
	out = c.waitOutput("child ")
	child = cgAtoi(t, strings.Fields(out[strings.Index(out, "child "):])[1])
	c.delete("--force")
	cgWaitDead(t, child)
}

func cgWithout(ns []specs.LinuxNamespace, typ specs.LinuxNamespaceType) []specs.LinuxNamespace {
	var out []specs.LinuxNamespace
	for _, n := range ns {
		if n.Type != typ {
			out = append(out, n)
		}
	}
	return out
}

// cgAlive tells whether pid runs (a zombie does not).
func cgAlive(pid int) bool {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	s := string(data)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	return len(f) > 0 && f[0] != "Z" && f[0] != "X"
}

func cgWaitDead(t *testing.T, pid int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for cgAlive(pid) {
		if time.Now().After(deadline) {
			t.Fatalf("process %d is still alive after delete", pid)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// ownCgroups maps each hierarchy directory under /sys/fs/cgroup to this
// process's cgroup in it, from /proc/self/cgroup (berth, our child, has
// the same).
func ownCgroups(t *testing.T) map[string]string {
	t.Helper()
	data, err := os.ReadFile("/proc/self/cgroup")
	if err != nil {
		t.Fatal(err)
	}
	out := make(map[string]string)
	for _, l := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		f := strings.SplitN(l, ":", 3)
		switch {
		case cgV2():
			out[""] = f[2]
		case f[1] == "":
			out["unified"] = f[2]
		default:
			for _, ctrl := range strings.Split(f[1], ",") {
				out[strings.TrimPrefix(ctrl, "name=")] = f[2]
			}
		}
	}
	return out
}

// TestCgroupsPath: absolute paths land at the same place in every
// hierarchy, nested directories included; relative ones (and the default,
// the id) under berth's own cgroup of each v1 hierarchy, as runc places
// them: at /sys/fs/cgroup/unified/PATH for a hybrid host's cgroup2
// directory, and under the parent of berth's own cgroup on cgroup v2.
// delete removes what create made, and only that.
func TestCgroupsPath(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	own := ownCgroups(t)
	expect := func(h, rel string) string {
		switch {
		case strings.HasPrefix(rel, "/"):
			return filepath.Join(cgRoot, h, rel)
		case cgV2():
			return filepath.Join(cgRoot, filepath.Dir(own[""]), rel)
		case h == "unified":
			return filepath.Join(cgRoot, h, rel)
		}
		return filepath.Join(cgRoot, h, own[h], rel)
	}
	for _, path := range []string{"/berth-it-{id}/a/b", "berth-it-{id}/x", ""} {
		b := e.cgBundle("sh", "-c", "cat /proc/self/cgroup; sleep 1000")
		b.spec.Linux.CgroupsPath = path
		b.setNamespace(specs.CgroupNamespace, "") // berth spec adds it on cgroup v2 only
		c := e.cgStart(b)
		rel := c.path
		if rel == "" {
			rel = c.id
		}
		for _, h := range cgHierarchies(t) {
			if d := expect(h, rel); !cgIsDir(d) {
				t.Errorf("cgroupsPath %q: no cgroup dir %s", path, d)
			}
		}
		// the cgroup namespace shows the container's cgroup as its root
		for _, l := range strings.Split(strings.TrimSpace(c.waitOutput(":/\n")), "\n") {
			if !strings.HasSuffix(l, ":/") {
				t.Errorf("cgroupsPath %q: /proc/self/cgroup inside has %q, want the namespace root /", path, l)
			}
		}
		e.must("delete", "--force", c.id)
		for _, h := range cgHierarchies(t) {
			d := expect(h, rel)
			if cgIsDir(d) {
				t.Errorf("cgroupsPath %q: %s is left after delete", path, d)
			}
			if top := expect(h, strings.SplitN(strings.TrimPrefix(rel, "/"), "/", 2)[0]); cgIsDir(top) {
				t.Errorf("cgroupsPath %q: the parent %s berth made is left after delete", path, top)
			}
		}
	}
}

func cgIsDir(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.IsDir()
}

// TestCgroupsDevices: a device the rules do not allow cannot be opened
// even by root with the node at hand; a rule of linux.resources.devices
// allows it (v1: devices.allow; v2: the eBPF program). The device is
// /dev/kmsg (c 1:11), which berth does not allow by default and which
// root may write to: the allowed case logs one line to the kernel log.
func TestCgroupsDevices(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	script := `mknod /tmp/kmsg c 1 11 && (echo "berth integration test: a device rule allowed /dev/kmsg" > /tmp/kmsg) 2>&1; echo "rc $?"`
	for _, allow := range []bool{false, true} {
		b := e.cgBundle("sh", "-c", script)
		b.spec.Mounts = append(b.spec.Mounts, specs.Mount{Destination: "/tmp", Type: "tmpfs", Source: "tmpfs"})
		caps := b.spec.Process.Capabilities
		caps.Bounding = append(caps.Bounding, "CAP_MKNOD")
		caps.Effective = append(caps.Effective, "CAP_MKNOD")
		caps.Permitted = append(caps.Permitted, "CAP_MKNOD")
		want := "Operation not permitted"
		if allow {
			major, minor := int64(1), int64(11)
			b.res().Devices = append(b.res().Devices, specs.LinuxDeviceCgroup{Allow: true, Type: "c", Major: &major, Minor: &minor, Access: "w"})
			want = "rc 0"
		}
		if r := e.run(b); !strings.Contains(r.stdout, want) {
			t.Errorf("allow c 1:11 w: %v: writing the node: %s, want %q", allow, r, want)
		}
	}
}
