package integration

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// execCtr is a running container that exec tests run processes in.
type execCtr struct {
	e  *env
	id string
	b  *bundle
}

// execBundle is a bundle whose process sleeps, for exec tests to join.
func (e *env) execBundle() *bundle {
	e.t.Helper()
	return e.newBundle("sleep", "1000000")
}

// startExec runs b detached and returns the running container.
func (e *env) startExec(b *bundle) *execCtr {
	e.t.Helper()
	return &execCtr{e: e, id: e.runDetached(b), b: b}
}

// run runs `berth exec FLAGS ID ARGS...`.
func (c *execCtr) run(flags []string, args ...string) result {
	c.e.t.Helper()
	return c.e.berth(c.argv(flags, args...)...)
}

// out runs the exec and returns its stdout; it fails on a non-zero exit.
func (c *execCtr) out(flags []string, args ...string) string {
	c.e.t.Helper()
	r := c.run(flags, args...)
	if r.code != 0 {
		c.e.t.Fatalf("berth exec %v %v: %s", flags, args, r)
	}
	return r.stdout
}

func (c *execCtr) argv(flags []string, args ...string) []string {
	return append(append(append([]string{"exec"}, flags...), c.id), args...)
}

// cmd is the exec as a command for the test to start itself (extra
// files, environment, signals); stdio is /dev/null unless set.
func (c *execCtr) cmd(flags []string, args ...string) *exec.Cmd {
	return exec.Command(berthBin, append([]string{"--root", c.e.root}, c.argv(flags, args...)...)...)
}

// statusLine is the value of key in /proc/self/status of a process
// exec'd with flags ("CapEff", "NoNewPrivs", ...).
func (c *execCtr) statusLine(flags []string, key string) string {
	c.e.t.Helper()
	out := c.out(flags, "grep", "^"+key+":", "/proc/self/status")
	_, v, _ := strings.Cut(strings.TrimSpace(out), ":")
	return strings.TrimSpace(v)
}

// initPid is the container process's host pid.
func (c *execCtr) initPid() int {
	c.e.t.Helper()
	return c.e.pid(c.id)
}

// process is the bundle's process running args, for a process.json.
func (c *execCtr) process(args ...string) specs.Process {
	p := *c.b.spec.Process
	p.Args = args
	p.Terminal = false
	return p
}

// writeProcess writes p as a process.json and returns its path.
func writeProcess(t *testing.T, p specs.Process) string {
	t.Helper()
	data, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "process.json")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// procStatus reads key from /proc/PID/status on the host.
func procStatus(t *testing.T, pid int, key string) string {
	t.Helper()
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(string(data), "\n") {
		if k, v, ok := strings.Cut(l, ":"); ok && k == key {
			return strings.TrimSpace(v)
		}
	}
	t.Fatalf("/proc/%d/status has no %s", pid, key)
	return ""
}

// nsNames are the namespaces compared between a container's process and
// an exec'd one.
var nsNames = []string{"user", "mnt", "pid", "net", "ipc", "uts", "cgroup", "time"}

// hostNS reads the namespace links of a host pid.
func hostNS(t *testing.T, pid int) map[string]string {
	t.Helper()
	ns := map[string]string{}
	for _, n := range nsNames {
		l, err := os.Readlink("/proc/" + strconv.Itoa(pid) + "/ns/" + n)
		if err != nil {
			t.Fatal(err)
		}
		ns[n] = l
	}
	return ns
}

// parseNS reads "name link" lines printed by nsScript.
func parseNS(out string) map[string]string {
	ns := map[string]string{}
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		if k, v, ok := strings.Cut(l, " "); ok {
			ns[k] = v
		}
	}
	return ns
}

// nsScript prints "name link" for each of nsNames, as the exec'd process
// sees its own.
var nsScript = `for n in ` + strings.Join(nsNames, " ") + `; do echo "$n $(readlink /proc/self/ns/$n)"; done`

// cgroupDirs maps each cgroup hierarchy of pid ("" for cgroup2, else its
// controllers as in /proc/PID/cgroup) to the directory of pid's cgroup on
// the host, found through this process's mountinfo.
func cgroupDirs(t *testing.T, pid int) map[string]string {
	t.Helper()
	mounts := cgroupMounts(t)
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cgroup")
	if err != nil {
		t.Fatal(err)
	}
	dirs := map[string]string{}
	for _, l := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		f := strings.SplitN(l, ":", 3)
		if len(f) != 3 {
			continue
		}
		m, ok := mounts[f[1]]
		if !ok {
			continue
		}
		rel, err := filepath.Rel(m.root, f[2])
		if err != nil || strings.HasPrefix(rel, "..") {
			continue
		}
		dirs[f[1]] = filepath.Join(m.point, rel)
	}
	return dirs
}

type cgMount struct{ root, point string }

// cgroupMounts maps a hierarchy's controllers ("" for cgroup2) to its
// mount (the first one in mountinfo).
func cgroupMounts(t *testing.T) map[string]cgMount {
	t.Helper()
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := map[string]cgMount{}
	s := bufio.NewScanner(f)
	for s.Scan() {
		pre, post, ok := strings.Cut(s.Text(), " - ")
		if !ok {
			continue
		}
		a, b := strings.Fields(pre), strings.Fields(post)
		if len(a) < 5 || len(b) < 3 {
			continue
		}
		key := ""
		switch b[0] {
		case "cgroup2":
		case "cgroup":
			key = v1Controllers(b[2])
		default:
			continue
		}
		if _, seen := out[key]; !seen {
			out[key] = cgMount{root: a[3], point: a[4]}
		}
	}
	return out
}

// v1Controllers picks the controllers (and name=) out of a v1 mount's
// super options, in /proc/PID/cgroup's order.
func v1Controllers(opts string) string {
	var keep []string
	for _, o := range strings.Split(opts, ",") {
		switch {
		case o == "rw" || o == "ro" || o == "xattr" || o == "noprefix" || o == "clone_children" ||
			strings.HasPrefix(o, "release_agent=") || o == "cpuset_v2_mode" || o == "favordynmods":
		default:
			keep = append(keep, o)
		}
	}
	return strings.Join(keep, ",")
}

// procsOf lists the pids in a cgroup directory.
func procsOf(t *testing.T, dir string) []string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, "cgroup.procs"))
	if err != nil {
		t.Fatal(err)
	}
	return strings.Fields(string(data))
}

// onlineCPUs counts the host's online CPUs.
func onlineCPUs(t *testing.T) int {
	t.Helper()
	data, err := os.ReadFile("/sys/devices/system/cpu/online")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, r := range strings.Split(strings.TrimSpace(string(data)), ",") {
		lo, hi, isRange := strings.Cut(r, "-")
		a, _ := strconv.Atoi(lo)
		b := a
		if isRange {
			b, _ = strconv.Atoi(hi)
		}
		n += b - a + 1
	}
	return n
}

// lockedBuffer collects what a background reader (or command) writes; it
// is safe to read meanwhile.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// waitFor polls until the buffer contains want (20 s at most: a test
// that never sees it fails).
func (b *lockedBuffer) waitFor(t *testing.T, want string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !strings.Contains(b.String(), want) {
		if time.Now().After(deadline) {
			t.Fatalf("never saw %q; got %q", want, b.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// waitCmd waits for a started command (60 s at most) and returns its
// exit code.
func waitCmd(t *testing.T, cmd *exec.Cmd) int {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(60 * time.Second):
		cmd.Process.Kill()
		<-done
		t.Fatalf("%v did not end", cmd.Args)
	}
	return cmd.ProcessState.ExitCode()
}
