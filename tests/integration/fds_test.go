package integration

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// listFDs is the workload of the fd tests: its first act lists its fds
// (busybox ls holds one more: the /proc/<pid>/fd directory it reads).
const listFDs = "ls -l /proc/self/fd"

var fdLine = regexp.MustCompile(`(?m)^\S+\s.*\s(\d+) -> (.*)$`)

// checkFDs asserts that every fd listed in out is stdio, a preserved fd
// (3 to 3+preserve-1), or the directory ls reads; and that stdio is there.
func checkFDs(t *testing.T, what, out string, preserve int) {
	t.Helper()
	seen := map[int]bool{}
	for _, m := range fdLine.FindAllStringSubmatch(out, -1) {
		fd, _ := strconv.Atoi(m[1])
		seen[fd] = true
		switch {
		case fd <= 2, fd < 3+preserve:
		case regexp.MustCompile(`^/proc/\d+/fd$`).MatchString(m[2]):
		default:
			t.Errorf("%s: fd %d (%s) is not on the allow-list (stdio, %d preserved, ls's own directory)", what, fd, m[2], preserve)
		}
	}
	for fd := 0; fd < 3+preserve; fd++ {
		if !seen[fd] {
			t.Errorf("%s: fd %d is missing: %q", what, fd, out)
		}
	}
}

// leakedFiles are what a careless caller leaks into berth: a host
// directory, a pipe and a file, none close-on-exec.
func leakedFiles(t *testing.T) []*os.File {
	t.Helper()
	dir, err := os.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Open("/etc/hostname")
	if err != nil {
		t.Fatal(err)
	}
	files := []*os.File{dir, r, w, f}
	t.Cleanup(func() {
		for _, f := range files {
			f.Close()
		}
	})
	return files
}

// The container's process, the in-container hooks, and exec'd processes
// see stdio and the preserved fds only: not the init's own fds (the sync
// socket, the exec fifo, the procfs handle, the rootfs) and not what
// berth's caller leaked to berth.
func TestFDsBeforeExec(t *testing.T) {
	e := newEnv(t)
	leaked := leakedFiles(t)
	// the in-container hooks' own output goes to berth's error report, not
	// the container's stdio (as runc): they list their fds into the
	// rootfs (createContainer runs before pivot_root) or /dev/shm (startContainer: the root is read-only by then)
	b := e.newBundle("sh", "-c", "cat /create.fds /dev/shm/start.fds; echo workload; "+listFDs)
	b.spec.Hooks = &specs.Hooks{
		CreateContainer: []specs.Hook{{Path: "/bin/sh", Args: []string{"sh", "-c", listFDs + " > " + filepath.Join(b.rootfs(), "create.fds")}}},
		StartContainer:  []specs.Hook{{Path: "/bin/sh", Args: []string{"sh", "-c", listFDs + " > /dev/shm/start.fds"}}},
	}
	out := e.runOK(b)
	if got := len(fdLine.FindAllString(out, -1)); got < 9 {
		t.Fatalf("the hooks and the workload did not all list their fds: %q", out)
	}
	checkFDs(t, "run with hooks", out, 0)

	// the hooks berth runs on the host get none of what leaked to berth
	out1, out2 := filepath.Join(t.TempDir(), "createRuntime"), filepath.Join(t.TempDir(), "poststart")
	b.spec.Hooks = &specs.Hooks{
		CreateRuntime: []specs.Hook{{Path: "/bin/sh", Args: []string{"sh", "-c", listFDs + " > " + out1}}},
		Poststart:     []specs.Hook{{Path: "/bin/sh", Args: []string{"sh", "-c", listFDs + " > " + out2}}},
	}
	b.save(t)
	r := e.berthLeaking(leaked, "run", "--bundle", b.dir, e.id())
	if r.code != 0 {
		t.Fatalf("run with leaked fds: %s", r)
	}
	checkFDs(t, "run with fds leaked into berth", r.stdout, 0)
	for _, f := range []string{out1, out2} {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		checkFDs(t, "host hook "+filepath.Base(f)+" with fds leaked into berth", string(data), 0)
	}
	b.spec.Hooks = nil
	b.save(t)

	r = e.berthLeaking(leaked, "run", "--preserve-fds", "1", "--bundle", b.dir, e.id())
	if r.code != 0 {
		t.Fatalf("run --preserve-fds 1: %s", r)
	}
	checkFDs(t, "run --preserve-fds 1 with fds leaked into berth", r.stdout, 1)

	id := e.startDetached(e.newBundle("sleep", "1000"))
	checkFDs(t, "exec", e.must("exec", id, "sh", "-c", listFDs), 0)
	r = e.berthLeaking(leaked, "exec", id, "sh", "-c", listFDs)
	if r.code != 0 {
		t.Fatalf("exec with leaked fds: %s", r)
	}
	checkFDs(t, "exec with fds leaked into berth", r.stdout, 0)
	r = e.berthLeaking(leaked, "exec", "--preserve-fds", "2", id, "sh", "-c", listFDs)
	if r.code != 0 {
		t.Fatalf("exec --preserve-fds 2: %s", r)
	}
	checkFDs(t, "exec --preserve-fds 2 with fds leaked into berth", r.stdout, 2)

	// the created container's process, waiting: its fds before exec
	c := e.newBundle("sleep", "1000")
	c.spec.Process.Args = []string{"sh", "-c", listFDs + " > /tmp/fds; sleep 1000"}
	c.spec.Root.Readonly = false
	c.save(t)
	cid := e.id()
	if r := e.berthLeaking(leaked, "create", "--bundle", c.dir, cid); r.code != 0 {
		t.Fatalf("create with leaked fds: %s", r)
	}
	e.must("start", cid)
	checkFDs(t, "create+start with fds leaked into berth", waitForFile(t, c.rootfs()+"/tmp/fds", "2 ->"), 0)
	if strings.Contains(out, "exec.fifo") {
		t.Errorf("the exec fifo reached the process: %q", out)
	}
}
