// Package integration drives the built berth binary as root and checks
// what real containers see. BERTH names the binary (default: ../../berth,
// which `make integration` builds first).
package integration

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

var berthBin string

func TestMain(m *testing.M) {
	berthBin = os.Getenv("BERTH")
	if berthBin == "" {
		berthBin = "../../berth"
	}
	abs, err := filepath.Abs(berthBin)
	if err == nil {
		berthBin = abs
	}
	if _, err := os.Stat(berthBin); err != nil {
		fmt.Fprintf(os.Stderr, "integration: no berth binary at %s (run make first or set BERTH)\n", berthBin)
		os.Exit(2)
	}
	if os.Geteuid() != 0 {
		// a run that tests nothing must not report ok
		fmt.Fprintln(os.Stderr, "integration: FAIL: these tests need root; none ran")
		os.Exit(1)
	}
	os.Exit(m.Run())
}

// env is one test's berth: its own state root and a counter for ids.
type env struct {
	t    *testing.T
	root string
	// global are berth's global flags for every command ("--systemd-cgroup")
	global []string
}

// args are berth's arguments: the root, the global flags, then args.
func (e *env) args(args ...string) []string {
	return append(append([]string{"--root", e.root}, e.global...), args...)
}

var idSeq atomic.Int64

func newEnv(t *testing.T) *env {
	t.Helper()
	e := &env{t: t, root: t.TempDir()}
	t.Cleanup(e.cleanup)
	return e
}

// id returns a fresh container id for this test.
func (e *env) id() string {
	// only the characters a container id may hold (subtest names have more)
	name := strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '.' {
			return r
		}
		return '-'
	}, strings.ToLower(e.t.Name()))
	if len(name) > 40 {
		name = name[:40]
	}
	return fmt.Sprintf("t%d-%s-%d", os.Getpid(), name, idSeq.Add(1))
}

// result is what one berth command did.
type result struct {
	stdout, stderr string
	code           int
}

func (r result) String() string {
	return fmt.Sprintf("exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
}

// berth runs berth with the test's root; stdin is empty.
func (e *env) berth(args ...string) result {
	e.t.Helper()
	return e.berthIn("", args...)
}

// commandTimeout bounds one berth command: a hang fails the test instead
// of the whole run (it is no timed assertion: nothing takes near this).
const commandTimeout = 2 * time.Minute

func (e *env) berthIn(stdin string, args ...string) result {
	e.t.Helper()
	return e.berthWith(func(cmd *exec.Cmd) { cmd.Stdin = strings.NewReader(stdin) }, args...)
}

// berthWith runs berth with the test's root, letting setup adjust the
// command first (stdin, extra files).
func (e *env) berthWith(setup func(*exec.Cmd), args ...string) result {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), commandTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, berthBin, e.args(args...)...)
	setup(cmd)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	// a container left running (create, run -d) keeps the pipes open:
	// stop reading shortly after berth itself exited
	cmd.WaitDelay = 2 * time.Second
	err := cmd.Run()
	r := result{stdout: out.String(), stderr: errb.String()}
	if ctx.Err() != nil {
		e.t.Fatalf("berth %v: no answer after %v: %s", args, commandTimeout, r)
	}
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		r.code = ee.ExitCode()
	case errors.Is(err, exec.ErrWaitDelay):
		r.code = cmd.ProcessState.ExitCode()
	case err != nil:
		e.t.Fatalf("berth %v: %v", args, err)
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

func (e *env) cleanup() {
	ids, _ := os.ReadDir(e.root)
	for _, d := range ids {
		exec.Command(berthBin, "--root", e.root, "delete", "--force", d.Name()).Run()
	}
}

// bundle is a busybox bundle in a temp dir.
type bundle struct {
	dir  string
	spec *specs.Spec
}

// rootfs returns the bundle's rootfs path.
func (b *bundle) rootfs() string { return filepath.Join(b.dir, "rootfs") }

// newBundle makes a bundle running args (terminal off) from `berth spec`.
func (e *env) newBundle(args ...string) *bundle {
	e.t.Helper()
	dir := e.t.TempDir()
	makeRootfs(e.t, filepath.Join(dir, "rootfs"))
	e.must("spec", "--bundle", dir)
	b := &bundle{dir: dir}
	data, err := os.ReadFile(filepath.Join(dir, "config.json"))
	if err != nil {
		e.t.Fatal(err)
	}
	if err := json.Unmarshal(data, &b.spec); err != nil {
		e.t.Fatal(err)
	}
	b.spec.Process.Terminal = false
	if len(args) > 0 {
		b.spec.Process.Args = args
	}
	b.save(e.t)
	return b
}

// save writes the bundle's spec to config.json.
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

// busyboxApplets lists busybox's applets, read once (tests run in parallel).
var busyboxApplets = sync.OnceValues(func() ([]string, error) {
	out, err := exec.Command("/bin/busybox", "--list").Output()
	return strings.Fields(string(out)), err
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
		t.Fatalf("busybox-static is needed: %v", err)
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
	os.WriteFile(filepath.Join(dir, "etc/passwd"), []byte("root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/sh\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "etc/group"), []byte("root:x:0:\nnobody:x:65534:\n"), 0o644)
}

// run runs the bundle in the foreground and returns what happened.
func (e *env) run(b *bundle) result {
	e.t.Helper()
	b.save(e.t)
	return e.berth("run", "--bundle", b.dir, e.id())
}

// runOK runs the bundle and returns its stdout; it fails on a non-zero exit.
func (e *env) runOK(b *bundle) string {
	e.t.Helper()
	r := e.run(b)
	if r.code != 0 {
		e.t.Fatalf("berth run: %s", r)
	}
	return r.stdout
}

// shell makes the bundle run a shell script.
func (b *bundle) shell(script string) *bundle {
	b.spec.Process.Args = []string{"sh", "-c", script}
	return b
}

// state returns the container's state as berth prints it.
func (e *env) state(id string) map[string]any {
	e.t.Helper()
	var st map[string]any
	if err := json.Unmarshal([]byte(e.must("state", id)), &st); err != nil {
		e.t.Fatal(err)
	}
	return st
}

// waitStatus polls until the container has the status.
func (e *env) waitStatus(id, status string) {
	e.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if e.state(id)["status"] == status {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	e.t.Fatalf("container %s did not become %s: %v", id, status, e.state(id))
}

// berthIO runs berth with the given files as its stdio (a container it
// creates inherits them, so nothing waits on a pipe) and returns its exit
// code. A nil stdin is /dev/null.
func (e *env) berthIO(stdin, stdout, stderr *os.File, args ...string) int {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), commandTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, berthBin, e.args(args...)...)
	if stdin != nil {
		cmd.Stdin = stdin
	}
	cmd.Stdout, cmd.Stderr = stdout, stderr
	err := cmd.Run()
	if ctx.Err() != nil {
		e.t.Fatalf("berth %v: no answer after %v", args, commandTimeout)
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode()
	} else if err != nil {
		e.t.Fatalf("berth %v: %v", args, err)
	}
	return 0
}

// stdio is where a created container's stdout and stderr go.
type stdio struct{ out, err string }

var stdioFiles sync.Map // container id -> stdio

// createIO runs `berth create` (or `run --detach`: cmd) for id with the
// container's stdout and stderr in files (see output); berth's own
// messages are at the start of the stderr file.
func (e *env) createIO(cmd, id string, b *bundle, flags ...string) result {
	e.t.Helper()
	b.save(e.t)
	dir := e.t.TempDir()
	io := stdio{out: filepath.Join(dir, "stdout"), err: filepath.Join(dir, "stderr")}
	out, err := os.Create(io.out)
	if err != nil {
		e.t.Fatal(err)
	}
	defer out.Close()
	errf, err := os.Create(io.err)
	if err != nil {
		e.t.Fatal(err)
	}
	defer errf.Close()
	stdioFiles.Store(id, io)
	args := append([]string{cmd, "--bundle", b.dir}, flags...)
	code := e.berthIO(nil, out, errf, append(args, id)...)
	o, _ := os.ReadFile(io.out)
	se, _ := os.ReadFile(io.err)
	return result{stdout: string(o), stderr: string(se), code: code}
}

// create creates a container from b and returns its id; it fails the
// test if create fails.
func (e *env) create(b *bundle, flags ...string) string {
	e.t.Helper()
	id := e.id()
	if r := e.createIO("create", id, b, flags...); r.code != 0 {
		e.t.Fatalf("berth create: %s", r)
	}
	return id
}

// runDetached runs b with `run --detach` and returns its id.
func (e *env) runDetached(b *bundle, flags ...string) string {
	e.t.Helper()
	id := e.id()
	if r := e.createIO("run", id, b, append([]string{"--detach"}, flags...)...); r.code != 0 {
		e.t.Fatalf("berth run --detach: %s", r)
	}
	return id
}

// output is what the container id (made by create or runDetached) wrote
// to its stdout so far.
func (e *env) output(id string) string {
	e.t.Helper()
	v, ok := stdioFiles.Load(id)
	if !ok {
		e.t.Fatalf("no output file for container %s", id)
	}
	data, err := os.ReadFile(v.(stdio).out)
	if err != nil {
		e.t.Fatal(err)
	}
	return string(data)
}

// waitOutput polls until the container's stdout contains want, and
// returns it.
func (e *env) waitOutput(id, want string) string {
	e.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if out := e.output(id); strings.Contains(out, want) {
			return out
		}
		time.Sleep(10 * time.Millisecond)
	}
	e.t.Fatalf("container %s did not print %q: stdout %q", id, want, e.output(id))
	return ""
}

// start starts a created container.
func (e *env) start(id string) { e.t.Helper(); e.must("start", id) }

// pid is the host pid of the container's process from `berth state`.
func (e *env) pid(id string) int {
	e.t.Helper()
	p, _ := e.state(id)["pid"].(float64)
	if p <= 0 {
		e.t.Fatalf("container %s has no pid: %v", id, e.state(id))
	}
	return int(p)
}

// failsOneLine checks that r failed with one line on stderr that
// contains each of wants.
func failsOneLine(t *testing.T, r result, wants ...string) {
	t.Helper()
	if r.code == 0 {
		t.Fatalf("succeeded, want an error: %s", r)
	}
	msg := strings.TrimSpace(r.stderr)
	if msg == "" || strings.Contains(msg, "\n") {
		t.Errorf("stderr is not one line: %q", r.stderr)
	}
	for _, w := range wants {
		if !strings.Contains(msg, w) {
			t.Errorf("stderr %q does not name %q", msg, w)
		}
	}
}

// assertNothingLeft checks that nothing of container id with bundle b is
// left on the host: no state dir, no cgroup dir named id in any
// hierarchy, no mount under the bundle, no process with its root, cwd, an
// fd or its cgroup in the bundle or the container.
func (e *env) assertNothingLeft(id string, b *bundle) {
	e.t.Helper()
	if _, err := os.Lstat(filepath.Join(e.root, id)); err == nil {
		e.t.Errorf("state dir %s left behind", filepath.Join(e.root, id))
	}
	for _, d := range cgroupDirsNamed(id) {
		e.t.Errorf("cgroup %s left behind", d)
	}
	if b == nil {
		return
	}
	for _, m := range mountsUnder(b.dir) {
		e.t.Errorf("mount %s left behind", m)
	}
	for _, p := range procsUsing(b.dir, id) {
		e.t.Errorf("process left behind: %s", p)
	}
}

// cgroupDirsNamed lists the directories named name (or ending in /name)
// in every cgroup hierarchy under /sys/fs/cgroup.
func cgroupDirsNamed(name string) []string {
	var found []string
	filepath.WalkDir("/sys/fs/cgroup", func(p string, d os.DirEntry, err error) error {
		if err == nil && d.IsDir() && d.Name() == name {
			found = append(found, p)
		}
		return nil
	})
	return found
}

// mountsUnder lists the mount points at or under dir in this mount
// namespace.
func mountsUnder(dir string) []string {
	data, _ := os.ReadFile("/proc/self/mountinfo")
	var found []string
	for _, line := range strings.Split(string(data), "\n") {
		f := strings.Fields(line)
		if len(f) > 4 && (f[4] == dir || strings.HasPrefix(f[4], dir+"/")) {
			found = append(found, f[4])
		}
	}
	return found
}

// procsUsing describes the processes whose root, cwd or an open fd is at
// or under dir, or whose cgroup names id.
func procsUsing(dir, id string) []string {
	under := func(p string) bool { return p == dir || strings.HasPrefix(p, dir+"/") }
	var found []string
	pids, _ := filepath.Glob("/proc/[0-9]*")
	for _, p := range pids {
		links := []string{p + "/root", p + "/cwd"}
		fds, _ := filepath.Glob(p + "/fd/*")
		for _, l := range append(links, fds...) {
			if t, err := os.Readlink(l); err == nil && under(t) {
				found = append(found, fmt.Sprintf("%s -> %s (%s)", l, t, comm(p)))
			}
		}
		if cg, err := os.ReadFile(p + "/cgroup"); err == nil && strings.Contains(string(cg), "/"+id+"\n") {
			found = append(found, fmt.Sprintf("%s in cgroup %s (%s)", p, id, comm(p)))
		}
	}
	return found
}

func comm(proc string) string {
	c, _ := os.ReadFile(proc + "/comm")
	return strings.TrimSpace(string(c))
}

// nsInode is the inode of /proc/PID/ns/NAME ("self" for the test).
func nsInode(t *testing.T, pid, name string) uint64 {
	t.Helper()
	var st unix.Stat_t
	if err := unix.Stat("/proc/"+pid+"/ns/"+name, &st); err != nil {
		t.Fatal(err)
	}
	return st.Ino
}

// namespace returns the bundle's namespace of type typ, or nil.
func (b *bundle) namespace(typ specs.LinuxNamespaceType) *specs.LinuxNamespace {
	for i := range b.spec.Linux.Namespaces {
		if b.spec.Linux.Namespaces[i].Type == typ {
			return &b.spec.Linux.Namespaces[i]
		}
	}
	return nil
}

// setNamespace adds a namespace of type typ (path: join it), or sets
// the path of the one there.
func (b *bundle) setNamespace(typ specs.LinuxNamespaceType, path string) *bundle {
	if ns := b.namespace(typ); ns != nil {
		ns.Path = path
		return b
	}
	b.spec.Linux.Namespaces = append(b.spec.Linux.Namespaces, specs.LinuxNamespace{Type: typ, Path: path})
	return b
}

// removeNamespace drops the namespace of type typ (the container shares
// berth's).
func (b *bundle) removeNamespace(typ specs.LinuxNamespaceType) *bundle {
	ns := b.spec.Linux.Namespaces[:0]
	for _, n := range b.spec.Linux.Namespaces {
		if n.Type != typ {
			ns = append(ns, n)
		}
	}
	b.spec.Linux.Namespaces = ns
	return b
}

// addMount appends a mount.
func (b *bundle) addMount(m specs.Mount) *bundle {
	b.spec.Mounts = append(b.spec.Mounts, m)
	return b
}

// unixListener listens on a fresh unix socket path in a temp dir.
func unixListener(t *testing.T) (*net.UnixListener, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "sock")
	l, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return l, path
}

// recvFD accepts one connection on l and receives the fd sent on it (a
// pty master, a pidfd), with the name the sender gave.
func recvFD(t *testing.T, l *net.UnixListener) (*os.File, string) {
	t.Helper()
	f, name, err := acceptFD(l)
	if err != nil {
		t.Fatal(err)
	}
	return f, name
}

// recvFDLater is recvFD for a sender the test must start first: it waits
// for the fd in a goroutine, and the function it returns ends the wait
// (failing the test, from the test's goroutine, on an error).
func recvFDLater(t *testing.T, l *net.UnixListener) func() (*os.File, string) {
	type received struct {
		f    *os.File
		name string
		err  error
	}
	got := make(chan received, 1)
	go func() {
		f, name, err := acceptFD(l)
		got <- received{f, name, err}
	}()
	return func() (*os.File, string) {
		t.Helper()
		r := <-got
		if r.err != nil {
			t.Fatal(r.err)
		}
		return r.f, r.name
	}
}

// acceptFD accepts one connection on l and receives the fd sent on it
// with its name; it fails after commandTimeout (or when l is closed).
func acceptFD(l *net.UnixListener) (*os.File, string, error) {
	l.SetDeadline(time.Now().Add(commandTimeout))
	conn, err := l.AcceptUnix()
	if err != nil {
		return nil, "", fmt.Errorf("accept on %s: %w", l.Addr(), err)
	}
	defer conn.Close()
	buf := make([]byte, 4096)
	oob := make([]byte, unix.CmsgSpace(4))
	n, oobn, _, _, err := conn.ReadMsgUnix(buf, oob)
	if err != nil {
		return nil, "", fmt.Errorf("receive on %s: %w", l.Addr(), err)
	}
	msgs, err := unix.ParseSocketControlMessage(oob[:oobn])
	if err != nil || len(msgs) != 1 {
		return nil, "", fmt.Errorf("receive on %s: no control message (%v)", l.Addr(), err)
	}
	fds, err := unix.ParseUnixRights(&msgs[0])
	if err != nil || len(fds) != 1 {
		return nil, "", fmt.Errorf("receive on %s: no fd (%v)", l.Addr(), err)
	}
	return os.NewFile(uintptr(fds[0]), string(buf[:n])), string(buf[:n]), nil
}

// waitLines polls until the container's stdout has at least n lines and
// returns them.
func (e *env) waitLines(id string, n int) []string {
	e.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		out := e.output(id)
		lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
		if strings.HasSuffix(out, "\n") && len(lines) >= n {
			return lines
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("container %s printed %q, want %d lines", id, out, n)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// waitFor polls cond until it holds (at most commandTimeout).
func (e *env) waitFor(cond func() bool) {
	e.t.Helper()
	deadline := time.Now().Add(commandTimeout)
	for !cond() {
		if time.Now().After(deadline) {
			e.t.Fatalf("gave up waiting after %v", commandTimeout)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
