package stress

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// The test process is a subreaper: a berth command that dies leaves its
// children (a container init) to it. The reaper reaps such orphans once
// they exit, but never a child an exec.Cmd of this process waits for:
// commands start under starting's read lock and are registered before
// it is released, and the reaper scans under the write lock.
var (
	starting sync.RWMutex
	ownCmds  sync.Map // pid -> struct{}
)

// startCmd starts cmd, registered so the reaper leaves it alone.
func startCmd(cmd *exec.Cmd) error {
	starting.RLock()
	defer starting.RUnlock()
	if err := cmd.Start(); err != nil {
		return err
	}
	ownCmds.Store(cmd.Process.Pid, struct{}{})
	return nil
}

// runCmd runs cmd to its end. Every command of the tests goes through
// startCmd: one started otherwise could be reaped by the reaper.
func runCmd(cmd *exec.Cmd) error {
	if err := startCmd(cmd); err != nil {
		return err
	}
	return waitCmd(cmd)
}

// waitCmd waits for a command startCmd started.
func waitCmd(cmd *exec.Cmd) error {
	err := cmd.Wait()
	ownCmds.Delete(cmd.Process.Pid)
	return err
}

func startReaper() (stop func()) {
	done := make(chan struct{})
	go func() {
		t := time.NewTicker(50 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				reapOrphans()
			}
		}
	}()
	return func() { close(done) }
}

// reapOrphans reaps exited children that are not this process's commands.
func reapOrphans() {
	starting.Lock()
	defer starting.Unlock()
	for _, pid := range children() {
		if _, own := ownCmds.Load(pid); own {
			continue
		}
		var ws unix.WaitStatus
		unix.Wait4(pid, &ws, unix.WNOHANG, nil)
	}
}

// children lists this process's children (from /proc/*/stat).
func children() []int {
	self := os.Getpid()
	ents, _ := os.ReadDir("/proc")
	var out []int
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if ppid, _ := procPPid(pid); ppid == self {
			out = append(out, pid)
		}
	}
	return out
}

// procPPid reads field 4 and the state (field 3) of /proc/PID/stat.
func procPPid(pid int) (int, byte) {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, 0
	}
	i := bytes.LastIndexByte(data, ')')
	if i < 0 || i+2 >= len(data) {
		return 0, 0
	}
	f := strings.Fields(string(data[i+2:]))
	if len(f) < 2 {
		return 0, 0
	}
	ppid, _ := strconv.Atoi(f[1])
	return ppid, f[0][0]
}

// env is one test's berth: its own state root and id prefix.
type env struct {
	t      *testing.T
	root   string
	prefix string // every container id and cgroup of the test starts with it
	bin    string
	seq    atomic.Int64
	base   snapshot
}

var envSeq atomic.Int64

// newEnv makes a test environment and checks at its end that nothing of
// it is left.
func newEnv(t *testing.T) *env {
	t.Helper()
	e := &env{t: t, root: t.TempDir(), bin: berthBin}
	e.prefix = fmt.Sprintf("s%d-%d-", os.Getpid(), envSeq.Add(1))
	e.base = e.snapshot()
	t.Cleanup(func() {
		e.cleanup()
		e.assertNoLeaks("end of test")
	})
	return e
}

// id returns a fresh container id.
func (e *env) id() string {
	counts.containers.Add(1)
	return fmt.Sprintf("%s%d", e.prefix, e.seq.Add(1))
}

// result is what one berth command did.
type result struct {
	stdout, stderr string
	code           int
	signal         syscall.Signal // when berth was killed
	maxRSS         int64          // KiB
}

func (r result) String() string {
	s := fmt.Sprintf("exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	if r.signal != 0 {
		s += ", killed by " + unix.SignalName(r.signal)
	}
	return s
}

// commandTimeout bounds one berth command: a hang fails the test instead
// of the whole run (no timed assertion: nothing takes near this).
const commandTimeout = 2 * time.Minute

// berth runs berth with the test's root and stdin from /dev/null.
func (e *env) berth(args ...string) result {
	e.t.Helper()
	return e.berthWith(nil, args...)
}

// berthWith runs berth, letting setup adjust the command first.
func (e *env) berthWith(setup func(*exec.Cmd), args ...string) result {
	e.t.Helper()
	counts.commands.Add(1)
	ctx, cancel := context.WithTimeout(context.Background(), commandTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, e.bin, append([]string{"--root", e.root}, args...)...)
	// files, not pipes: a container (or a killed create's init) keeps
	// its copies open, and nothing waits for them
	out, errb := memFile(e.t), memFile(e.t)
	defer out.Close()
	defer errb.Close()
	cmd.Stdout, cmd.Stderr = out, errb
	if setup != nil {
		setup(cmd)
	}
	cmd.WaitDelay = 2 * time.Second
	if err := startCmd(cmd); err != nil {
		e.t.Fatalf("berth %v: %v", args, err)
	}
	err := waitCmd(cmd)
	r := result{stdout: readAll(out), stderr: readAll(errb)}
	if ctx.Err() != nil {
		e.t.Fatalf("berth %v: no answer after %v: %s", args, commandTimeout, r)
	}
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) && !errors.Is(err, exec.ErrWaitDelay) {
		e.t.Fatalf("berth %v: %v", args, err)
	}
	if ps := cmd.ProcessState; ps != nil {
		r.code = ps.ExitCode()
		if ws, ok := ps.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			r.signal = ws.Signal()
		}
		if ru, ok := ps.SysUsage().(*syscall.Rusage); ok {
			r.maxRSS = ru.Maxrss
		}
	}
	return r
}

// must runs berth and fails the test unless it succeeds.
func (e *env) must(args ...string) string {
	e.t.Helper()
	r := e.berth(args...)
	if r.code != 0 {
		e.t.Fatalf("berth %s: %s", strings.Join(args, " "), r)
	}
	return r.stdout
}

// clearError checks that a failed command said why in one line and did
// not crash.
func (e *env) clearError(r result, what string) {
	e.t.Helper()
	msg := strings.TrimSpace(r.stderr)
	switch {
	case r.signal != 0:
		e.t.Errorf("%s: berth died: %s", what, r)
	case msg == "":
		e.t.Errorf("%s: failed without a message: %s", what, r)
	case strings.Contains(msg, "\n") && !strings.Contains(msg, "level=warning"):
		e.t.Errorf("%s: error of more than one line: %s", what, r)
	case strings.Contains(msg, "panic") || strings.Contains(msg, "goroutine "):
		e.t.Errorf("%s: berth panicked: %s", what, r)
	}
}

func (e *env) cleanup() {
	ids, _ := os.ReadDir(e.root)
	for _, d := range ids {
		runCmd(exec.Command(berthBin, "--root", e.root, "delete", "--force", d.Name()))
	}
}

// bundle is a busybox bundle in a temp dir.
type bundle struct {
	dir  string
	spec *specs.Spec
}

// newBundle makes a bundle running args, from `berth spec`.
func (e *env) newBundle(args ...string) *bundle {
	e.t.Helper()
	dir := e.t.TempDir()
	makeRootfs(e.t, filepath.Join(dir, "rootfs"))
	var out bytes.Buffer
	cmd := exec.Command(berthBin, "spec", "--bundle", dir)
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := runCmd(cmd); err != nil {
		e.t.Fatalf("berth spec: %v: %s", err, out.String())
	}
	b := &bundle{dir: dir}
	data, err := os.ReadFile(filepath.Join(dir, "config.json"))
	if err != nil {
		e.t.Fatal(err)
	}
	if err := json.Unmarshal(data, &b.spec); err != nil {
		e.t.Fatal(err)
	}
	b.spec.Process.Terminal = false
	b.spec.Process.Args = args
	b.save(e.t)
	return b
}

func (b *bundle) save(t *testing.T) {
	t.Helper()
	data, err := json.MarshalIndent(b.spec, "", " ")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(b.dir, "config.json"), data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// withoutNamespace drops a namespace from the spec.
func (b *bundle) withoutNamespace(t *testing.T, typ specs.LinuxNamespaceType) *bundle {
	var ns []specs.LinuxNamespace
	for _, n := range b.spec.Linux.Namespaces {
		if n.Type != typ {
			ns = append(ns, n)
		}
	}
	b.spec.Linux.Namespaces = ns
	b.save(t)
	return b
}

var busyboxApplets = sync.OnceValues(func() ([]string, error) {
	var out bytes.Buffer
	cmd := exec.Command("/bin/busybox", "--list")
	cmd.Stdout = &out
	err := runCmd(cmd)
	return strings.Fields(out.String()), err
})

func makeRootfs(t *testing.T, dir string) {
	t.Helper()
	for _, d := range []string{"bin", "etc", "proc", "sys", "dev", "tmp", "root"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	data, err := os.ReadFile("/bin/busybox")
	if err != nil {
		t.Fatalf("busybox-static is needed (scripts/deps.sh installs it): %v", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "bin/busybox"), data, 0o755); err != nil {
		t.Fatal(err)
	}
	applets, err := busyboxApplets()
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range applets {
		os.Symlink("busybox", filepath.Join(dir, "bin", a))
	}
	os.WriteFile(filepath.Join(dir, "etc/passwd"), []byte("root:x:0:0:root:/root:/bin/sh\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "etc/group"), []byte("root:x:0:\n"), 0o644)
}

// ociState is `berth state`'s answer.
type ociState struct {
	ID     string `json:"id"`
	Pid    int    `json:"pid"`
	Status string `json:"status"`
}

func (e *env) state(id string) ociState {
	e.t.Helper()
	var st ociState
	if err := json.Unmarshal([]byte(e.must("state", id)), &st); err != nil {
		e.t.Fatal(err)
	}
	return st
}

// waitStopped polls until the container is stopped.
func (e *env) waitStopped(id string) {
	e.t.Helper()
	for i := 0; i < 1000; i++ {
		if e.state(id).Status == "stopped" {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	e.t.Fatalf("%s did not stop", id)
}

func itoa(i int) string { return strconv.Itoa(i) }

// memFile is an anonymous file for a command's output.
func memFile(t *testing.T) *os.File {
	fd, err := unix.MemfdCreate("berth-output", unix.MFD_CLOEXEC)
	if err != nil {
		t.Fatalf("memfd_create: %v", err)
	}
	return os.NewFile(uintptr(fd), "berth-output")
}

func readAll(f *os.File) string {
	data, _ := io.ReadAll(io.NewSectionReader(f, 0, 1<<30))
	return string(data)
}
