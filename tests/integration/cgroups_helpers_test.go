package integration

// Helpers of the cgroup tests (cgroups_*_test.go): they run on this
// hybrid host and, through tests/v2vm/lane.d, on pure cgroup v2, so every
// path and file name goes through cgMode.

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

const cgRoot = "/sys/fs/cgroup"

// cgLayout is the host's cgroup layout: "unified" (pure v2), "hybrid"
// (v1 controllers, cgroup2 at /sys/fs/cgroup/unified) or "legacy".
var cgLayout = sync.OnceValue(func() string {
	var st unix.Statfs_t
	if unix.Statfs(cgRoot, &st) == nil && st.Type == unix.CGROUP2_SUPER_MAGIC {
		return "unified"
	}
	if unix.Statfs(cgRoot+"/unified", &st) == nil && st.Type == unix.CGROUP2_SUPER_MAGIC {
		return "hybrid"
	}
	return "legacy"
})

func cgV2() bool { return cgLayout() == "unified" }

// cgHierarchies are the host's hierarchy directories under /sys/fs/cgroup
// ("" for pure v2): a cgroup of the container is made in each.
func cgHierarchies(t *testing.T) []string {
	t.Helper()
	if cgV2() {
		return []string{""}
	}
	ents, err := os.ReadDir(cgRoot)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range ents {
		// mounted hierarchies only: a plain directory in the tmpfs (left
		// by runc's bats suite for controllers this host does not mount)
		// is none
		var st unix.Statfs_t
		if e.IsDir() && e.Type()&os.ModeSymlink == 0 &&
			unix.Statfs(filepath.Join(cgRoot, e.Name()), &st) == nil && st.Type != unix.TMPFS_MAGIC {
			out = append(out, e.Name())
		}
	}
	return out
}

// cgKnob is one cgroup file: its v1 controller and file, and the cgroup
// v2 file.
type cgKnob struct{ ctrl, v1, v2 string }

var (
	knobMemLimit = cgKnob{"memory", "memory.limit_in_bytes", "memory.max"}
	knobMemSwap  = cgKnob{"memory", "memory.memsw.limit_in_bytes", "memory.swap.max"}
	knobPidsMax  = cgKnob{"pids", "pids.max", "pids.max"}
	knobCPUs     = cgKnob{"cpuset", "cpuset.cpus", "cpuset.cpus"}
	knobShares   = cgKnob{"cpu", "cpu.shares", "cpu.weight"}
	knobQuota    = cgKnob{"cpu", "cpu.cfs_quota_us", "cpu.max"}
	knobPeriod   = cgKnob{"cpu", "cpu.cfs_period_us", "cpu.max"}
	knobFreezer  = cgKnob{"freezer", "freezer.state", "cgroup.freeze"}
)

// hostPath is the knob's file for the cgroup at path (as in
// linux.cgroupsPath, absolute) on the host.
func (k cgKnob) hostPath(path string) string {
	if cgV2() {
		return filepath.Join(cgRoot, path, k.v2)
	}
	return filepath.Join(cgRoot, k.ctrl, path, k.v1)
}

// inPath is the knob's file inside a container with a cgroup namespace
// and the default cgroup mount at /sys/fs/cgroup.
func (k cgKnob) inPath() string {
	if cgV2() {
		return filepath.Join(cgRoot, k.v2)
	}
	return filepath.Join(cgRoot, k.ctrl, k.v1)
}

// cgContainer is a detached container of a cgroup test.
type cgContainer struct {
	e    *env
	id   string
	b    *bundle
	path string // linux.cgroupsPath as given
	out  string // file with the container's stdout and stderr
}

// cgBundle is a bundle running args whose cgroupsPath is the absolute
// /berth-it-{id} (cgStart replaces {id}), with empty resources.
func (e *env) cgBundle(args ...string) *bundle {
	e.t.Helper()
	b := e.newBundle(args...)
	b.spec.Linux.CgroupsPath = "/berth-it-{id}"
	if b.spec.Linux.Resources == nil {
		b.spec.Linux.Resources = &specs.LinuxResources{}
	}
	return b
}

// res returns the bundle's linux.resources.
func (b *bundle) res() *specs.LinuxResources { return b.spec.Linux.Resources }

func cgI64(v int64) *int64   { return &v }
func cgU64(v uint64) *uint64 { return &v }
func cgU16(v uint16) *uint16 { return &v }

// cgCreate creates (cmd "create") or runs detached (cmd "run") the
// bundle; the container's output goes to a file.
func (e *env) cgCreate(cmd string, b *bundle) (*cgContainer, result) {
	e.t.Helper()
	id := e.id()
	c := &cgContainer{e: e, id: id, b: b, out: filepath.Join(e.t.TempDir(), "out")}
	saved := b.spec.Linux.CgroupsPath
	c.path = strings.ReplaceAll(saved, "{id}", id)
	b.spec.Linux.CgroupsPath = c.path
	b.save(e.t)
	b.spec.Linux.CgroupsPath = saved
	f, err := os.Create(c.out)
	if err != nil {
		e.t.Fatal(err)
	}
	defer f.Close()
	args := []string{"--root", e.root, cmd, "--bundle", b.dir, id}
	if cmd == "run" {
		args = []string{"--root", e.root, "run", "-d", "--bundle", b.dir, id}
	}
	x := exec.Command(berthBin, args...)
	x.Stdout, x.Stderr = f, f
	err = x.Run()
	r := result{}
	if ee, ok := err.(*exec.ExitError); ok {
		r.code = ee.ExitCode()
	} else if err != nil {
		e.t.Fatal(err)
	}
	data, _ := os.ReadFile(c.out)
	r.stderr = string(data)
	return c, r
}

// cgStart runs the bundle detached and fails the test if that fails.
func (e *env) cgStart(b *bundle) *cgContainer {
	e.t.Helper()
	c, r := e.cgCreate("run", b)
	if r.code != 0 {
		e.t.Fatalf("berth run -d: %s", r)
	}
	return c
}

// output is what the container wrote so far.
func (c *cgContainer) output() string {
	data, _ := os.ReadFile(c.out)
	return string(data)
}

// waitOutput polls until the container's output contains want.
func (c *cgContainer) waitOutput(want string) string {
	c.e.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if out := c.output(); strings.Contains(out, want) {
			return out
		}
		time.Sleep(20 * time.Millisecond)
	}
	c.e.t.Fatalf("container %s never wrote %q; output: %q", c.id, want, c.output())
	return ""
}

// exec runs a command in the container and returns its trimmed stdout.
func (c *cgContainer) exec(args ...string) string {
	c.e.t.Helper()
	return strings.TrimSpace(c.e.must(append([]string{"exec", c.id}, args...)...))
}

// inside reads a knob's file from inside the container.
func (c *cgContainer) inside(k cgKnob) string {
	c.e.t.Helper()
	return c.exec("cat", k.inPath())
}

// host reads a knob's file of the container's cgroup on the host.
func (c *cgContainer) host(k cgKnob) string {
	c.e.t.Helper()
	return cgRead(c.e.t, k.hostPath(c.path))
}

func cgRead(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(data))
}

// both checks that the knob reads want inside the container and on the
// host.
func (c *cgContainer) both(k cgKnob, want string) {
	c.e.t.Helper()
	if got := c.inside(k); got != want {
		c.e.t.Errorf("inside the container, %s = %q, want %q", k.inPath(), got, want)
	}
	if got := c.host(k); got != want {
		c.e.t.Errorf("on the host, %s = %q, want %q", k.hostPath(c.path), got, want)
	}
}

// status is the container's status from `berth state`.
func (c *cgContainer) status() string {
	c.e.t.Helper()
	return fmt.Sprint(c.e.state(c.id)["status"])
}

// dirs lists the container's cgroup directories that exist, in every
// hierarchy.
func (c *cgContainer) dirs() []string { return cgDirs(c.e.t, c.path) }

// cgDirs lists the directories of the absolute cgroup path that exist,
// in every hierarchy.
func cgDirs(t *testing.T, path string) []string {
	t.Helper()
	var out []string
	for _, h := range cgHierarchies(t) {
		d := filepath.Join(cgRoot, h, path)
		if _, err := os.Stat(d); err == nil {
			out = append(out, d)
		}
	}
	return out
}

// delete deletes the container (with args such as --force) and checks
// that its cgroup is gone from every hierarchy and its state too.
func (c *cgContainer) delete(args ...string) {
	c.e.t.Helper()
	c.e.must(append(append([]string{"delete"}, args...), c.id)...)
	c.assertGone()
}

// assertGone checks that no cgroup directory of the container is left
// and that berth no longer knows it.
func (c *cgContainer) assertGone() {
	c.e.t.Helper()
	if left := c.dirs(); len(left) > 0 {
		c.e.t.Errorf("container %s: cgroup dirs left: %v", c.id, left)
	}
	if _, err := os.Stat(filepath.Join(c.e.root, c.id)); err == nil {
		c.e.t.Errorf("container %s: state dir left", c.id)
	}
}

// cgFails checks that r failed with a one-line error naming each want.
func cgFails(t *testing.T, r result, wants ...string) {
	t.Helper()
	if r.code == 0 {
		t.Fatalf("succeeded, want a failure naming %q: %s", wants, r)
	}
	msg := strings.TrimSpace(r.stderr)
	lines := strings.Split(msg, "\n")
	last := lines[len(lines)-1]
	for _, l := range lines[:len(lines)-1] {
		if !strings.Contains(l, "level=warning") {
			t.Errorf("error is not one line: %q", msg)
			break
		}
	}
	for _, w := range wants {
		if !strings.Contains(last, w) {
			t.Errorf("error %q does not name %q", last, w)
		}
	}
}

// cgSnapshot reads files of the container's cgroup on the host, to check
// a refused change left them as they were.
func (c *cgContainer) snapshot(knobs ...cgKnob) map[string]string {
	c.e.t.Helper()
	out := make(map[string]string)
	for _, k := range knobs {
		p := k.hostPath(c.path)
		if data, err := os.ReadFile(p); err == nil {
			out[p] = string(data)
		}
	}
	return out
}

func (c *cgContainer) assertUnchanged(before map[string]string) {
	c.e.t.Helper()
	for p, v := range before {
		if got, _ := os.ReadFile(p); string(got) != v {
			c.e.t.Errorf("%s changed from %q to %q", p, strings.TrimSpace(v), strings.TrimSpace(string(got)))
		}
	}
}

// stateResources is linux.resources as berth recorded it.
func (c *cgContainer) stateResources() *specs.LinuxResources {
	c.e.t.Helper()
	data, err := os.ReadFile(filepath.Join(c.e.root, c.id, "state.json"))
	if err != nil {
		c.e.t.Fatal(err)
	}
	var st struct {
		Config specs.Spec `json:"config"`
	}
	if err := json.Unmarshal(data, &st); err != nil {
		c.e.t.Fatal(err)
	}
	if st.Config.Linux == nil || st.Config.Linux.Resources == nil {
		c.e.t.Fatal("state.json has no linux.resources")
	}
	return st.Config.Linux.Resources
}

// cgProc runs a long-lived berth command (events) in the background.
type cgProc struct {
	cmd *exec.Cmd
	out lockedBuffer
	err lockedBuffer
}

func (e *env) cgBackground(args ...string) *cgProc {
	e.t.Helper()
	p := &cgProc{cmd: exec.Command(berthBin, append([]string{"--root", e.root}, args...)...)}
	p.cmd.Stdout, p.cmd.Stderr = &p.out, &p.err
	if err := p.cmd.Start(); err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() {
		if p.cmd.ProcessState == nil {
			p.cmd.Process.Kill()
			p.cmd.Wait()
		}
	})
	return p
}

// wait waits for the command to end (at most 60 s: a hang fails).
func (p *cgProc) wait(t *testing.T) int {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- p.cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(60 * time.Second):
		p.cmd.Process.Kill()
		<-done
		t.Fatalf("%v did not end; stdout %q, stderr %q", p.cmd.Args, p.out.String(), p.err.String())
	}
	return p.cmd.ProcessState.ExitCode()
}

// cgEvents decodes `berth events` output, one JSON object a line.
func cgEvents(t *testing.T, out string) []map[string]any {
	t.Helper()
	var evs []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		if l == "" {
			continue
		}
		var ev map[string]any
		if err := json.Unmarshal([]byte(l), &ev); err != nil {
			t.Fatalf("events line %q: %v", l, err)
		}
		evs = append(evs, ev)
	}
	return evs
}

func cgAtoi(t *testing.T, s string) int {
	t.Helper()
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil {
		t.Fatalf("not a number: %q", s)
	}
	return n
}
