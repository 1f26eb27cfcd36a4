package integration

// Issue 4: pause and resume, kill and delete of paused containers,
// delete killing what is left in the cgroup, where cgroupsPath places
// the cgroup, and device rules.

import (
	"fmt"
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

// TestCgroupsKillPaused kills a paused container: with --all every
// process dies while it is frozen, not only pid 1 (no pid namespace, so
// the init's death does not take its child along).
func TestCgroupsKillPaused(t *testing.T) {
	t.Parallel()
	for _, all := range []bool{false, true} {
		e := newEnv(t)
		b := e.cgBundle("sh", "-c", "sleep 1000 & echo child $!; wait")
		b.spec.Linux.Namespaces = cgWithout(b.spec.Linux.Namespaces, specs.PIDNamespace)
		c := e.cgStart(b)
		child := c.child()
		e.must("pause", c.id)
		args := []string{"kill", c.id, "KILL"}
		if all {
			args = []string{"kill", "--all", c.id, "KILL"}
		}
		e.must(args...)
		e.waitStatus(c.id, "stopped")
		if all {
			cgWaitDead(t, child)
		}
		c.delete()
		cgWaitDead(t, child)
	}
}

// TestCgroupsKillAll: kill --all signals every process of the container.
// Three shells (pid 1 and two children) trap SIGUSR1 and each says it got
// it; then, without a pid namespace, SIGKILL by --all ends the init and
// both children.
func TestCgroupsKillAll(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	trap := `trap "echo got-USR1-$n" USR1; echo ready-$n; while :; do sleep 1000 & wait; done`
	c := e.cgStart(e.cgBundle("sh", "-c", "for n in a b; do n=$n sh -c '"+trap+"' & done; n=init; "+trap))
	for _, n := range []string{"a", "b", "init"} {
		c.waitOutput("ready-" + n + "\n")
	}
	e.must("kill", "--all", c.id, "USR1")
	for _, n := range []string{"a", "b", "init"} {
		c.waitOutput("got-USR1-" + n + "\n")
	}
	c.delete("--force")

	b := e.cgBundle("sh", "-c", "sleep 1000 & echo child $!; sleep 1000 & echo child $!; echo started; wait")
	b.spec.Linux.Namespaces = cgWithout(b.spec.Linux.Namespaces, specs.PIDNamespace)
	c = e.cgStart(b)
	out := c.waitOutput("started\n")
	init := e.pid(c.id)
	e.must("kill", "--all", c.id, "KILL")
	e.waitStatus(c.id, "stopped")
	cgWaitDead(t, init)
	for _, l := range strings.Split(out, "\n") {
		if pid, ok := strings.CutPrefix(l, "child "); ok {
			cgWaitDead(t, cgAtoi(t, pid))
		}
	}
	c.delete()
}

// child is the pid the container's shell printed as "child PID".
func (c *cgContainer) child() int {
	c.e.t.Helper()
	out := c.waitOutput("child ")
	return cgAtoi(c.e.t, strings.Fields(out[strings.Index(out, "child "):])[1])
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
			t.Fatalf("process %d is still alive", pid)
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

// TestCgroupReusedAfterKill: a cgroup2 directory that existed before the
// create, and whose cgroup.kill was once written, still takes the
// container's init and an exec's process. clone3's CLONE_INTO_CGROUP would
// have the kernel SIGKILL them on the way in (6.18 compares the child's
// kill sequence with the parent's cgroup's); berth enters such a cgroup
// through its cgroup.procs, as runc does, and keeps clone3 for the
// cgroups it makes.
func TestCgroupReusedAfterKill(t *testing.T) {
	t.Parallel()
	if cgLayout() == "legacy" {
		t.Skip("no cgroup2 hierarchy on this host")
	}
	e := newEnv(t)
	rel := fmt.Sprintf("/berth-it-killed-%d", os.Getpid())
	dir := filepath.Join(cgRoot, rel)
	if !cgV2() {
		dir = filepath.Join(cgRoot, "unified", rel)
	}
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Remove(dir) })
	// the kill the kernel remembers: on an empty cgroup it signals nobody
	if err := os.WriteFile(filepath.Join(dir, "cgroup.kill"), []byte("1"), 0); err != nil {
		t.Fatal(err)
	}
	b := e.cgBundle("sleep", "1000")
	b.spec.Linux.CgroupsPath = rel
	c := e.cgStart(b)
	if st := e.state(c.id)["status"]; st != "running" {
		t.Fatalf("container in a once-killed cgroup: %v, want running", st)
	}
	procs, err := os.ReadFile(filepath.Join(dir, "cgroup.procs"))
	if err != nil || strings.TrimSpace(string(procs)) == "" {
		t.Errorf("%s/cgroup.procs: %q, %v: want the container's init", dir, procs, err)
	}
	out := e.must("exec", c.id, "cat", "/proc/self/cgroup")
	if !strings.Contains(out, "0::/\n") && !strings.Contains(out, "0::"+rel+"\n") {
		t.Errorf("exec's /proc/self/cgroup: %q, want the container's cgroup2 directory", out)
	}
	e.must("delete", "--force", c.id)
}
