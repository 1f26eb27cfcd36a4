package libcontainer

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/berth-oci/berth/specconv"
)

// Tests of the parent's side of create and exec that need no root: the
// session starts a scripted init. The first stage is a real process
// (/bin/sh, holding the fd table the session gives it: its pids, waits
// and pidfds are real), and the test plays the init's side of the
// protocol on the other end of the socket.

// initScript plays the init's side of one conversation: it reads and
// writes frames on the init's end of the sync socket. pid is the first
// stage's.
type initScript func(t *testing.T, end *initEnd, pid int)

// initEnd is the init's end of the sync socket.
type initEnd struct{ f *os.File }

func (e *initEnd) send(typ msgType, payload []byte) error {
	b := binary.LittleEndian.AppendUint32(nil, uint32(len(payload)+4))
	b = binary.LittleEndian.AppendUint32(b, uint32(typ))
	_, err := e.f.Write(append(b, payload...))
	return err
}

func (e *initEnd) recv() (msgType, []byte, error) {
	s := syncSocket{f: e.f}
	fr, err := s.recv()
	return fr.typ, fr.payload, err
}

// sendPid reports pid as the process's.
func (e *initEnd) sendPid(pid int) error {
	return e.send(msgPID, binary.LittleEndian.AppendUint32(nil, uint32(pid)))
}

// sendError reports a failure as the init does: errno and one line.
func (e *initEnd) sendError(typ msgType, errno unix.Errno, text string) error {
	return e.send(typ, append(binary.LittleEndian.AppendUint32(nil, uint32(errno)), text...))
}

// stageScript is what the first stage runs: it records where its fds
// 0-3 lead ($1), closes its copy of the sync socket (the last argument)
// as the real init's close-on-exec does, and waits to be killed, or exits
// with the status in $2 when given.
const stageScript = `out=$1; shift; status=$1; shift
fds=$(for fd in 0 1 2 3; do readlink /proc/$$/fd/$fd; done)
echo "$fds" > "$out.tmp"; mv "$out.tmp" "$out"
eval "exec $1>&-"
if [ "$status" != "-" ]; then exit "$status"; fi
exec sleep 600`

// scripted is a startFunc: it forks the first stage with the session's
// fd table and plays script on the init's end of the socket. The
// stage's fds are written to <dir>/fds; status "-" keeps it running.
func scripted(t *testing.T, dir, status string, script initScript) startFunc {
	return func(s spawnSpec) (*initProcess, error) {
		pair, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
		if err != nil {
			return nil, err
		}
		parent := os.NewFile(uintptr(pair[0]), "parent-end")
		end := &initEnd{f: os.NewFile(uintptr(pair[1]), "init-end")}
		pid, err := forkInit("/bin/sh", []string{"sh", "-c", stageScript, "stage", filepath.Join(dir, "fds"), status}, s, pair[1])
		if err != nil {
			parent.Close()
			end.f.Close()
			return nil, err
		}
		p := &initProcess{pid: pid, sock: &syncSocket{f: parent}}
		t.Cleanup(func() { unix.Kill(p.pid, unix.SIGKILL); p.wait() })
		done := make(chan struct{})
		go func() {
			defer close(done)
			defer end.f.Close()
			script(t, end, pid)
		}()
		t.Cleanup(func() { <-done })
		return p, nil
	}
}

// planTags reads a plan's top-level records: tag → values.
func planTags(t *testing.T, b []byte) map[uint16][][]byte {
	t.Helper()
	out := map[uint16][][]byte{}
	for len(b) >= 8 {
		tag, n := binary.LittleEndian.Uint16(b), binary.LittleEndian.Uint32(b[4:])
		if uint64(n) > uint64(len(b)-8) {
			t.Errorf("plan record %d of %d bytes overruns the plan", tag, n)
			return out
		}
		out[tag] = append(out[tag], b[8:8+n])
		b = b[8+n:]
	}
	return out
}

func u32At(v [][]byte) int {
	if len(v) != 1 || len(v[0]) != 4 {
		return -1
	}
	return int(binary.LittleEndian.Uint32(v[0]))
}

// readPlan reads the msgPlan frame and its records.
func readPlan(t *testing.T, end *initEnd) map[uint16][][]byte {
	typ, payload, err := end.recv()
	if err != nil || typ != msgPlan {
		t.Errorf("first frame: %d, %v; want the plan", typ, err)
		return nil
	}
	return planTags(t, payload)
}

// testCreation is a creation of a container from specconv's example
// (no terminal, no seccomp) under a temporary state root, with a
// prestart hook that keeps the state it was given.
func testCreation(t *testing.T, start startFunc) (*creation, string) {
	dir := t.TempDir()
	s := specconv.Example()
	s.Root.Path = "rootfs"
	s.Process.Terminal = false
	s.Process.Args = []string{"true"}
	s.Hooks = &specs.Hooks{
		Prestart: []specs.Hook{{Path: "/bin/sh", Args: []string{"sh", "-c", "cat > " + dir + "/prestart.json"}}},
		Poststop: []specs.Hook{{Path: "/bin/sh", Args: []string{"sh", "-c", "cat > " + dir + "/poststop.json"}}},
	}
	plan, _, err := specconv.Convert(s, dir, specconv.Options{Host: fuzzHost{}})
	if err != nil {
		t.Fatal(err)
	}
	o := &CreateOpts{Root: filepath.Join(dir, "state"), ID: "c1", Bundle: dir, Warn: func(string) {}, start: start}
	return newCreation(o, plan), dir
}

// createWithoutCgroup runs every step of create but the cgroup's (it
// needs root).
func createWithoutCgroup(c *creation) (*Container, error) {
	return c.create(c.makeStateDir, c.prepareFiles, c.spawn, c.s.drive, c.finish)
}

// stageFDs waits for the stage to write where its fds lead (a created
// container's stage runs on after create returned).
func stageFDs(t *testing.T, dir string) string {
	t.Helper()
	for i := 0; i < 1000; i++ {
		if b, err := os.ReadFile(filepath.Join(dir, "fds")); err == nil {
			return string(b)
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatal("the stage did not write its fds in 10 s")
	return ""
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// A create: the plan names the exec fifo as fd 3 (no preserved fds), the
// stage has /dev/null as stdio, the pid the init reports is recorded, the
// prestart hook gets it, and the container is created.
func TestCreateSession(t *testing.T) {
	var dir string
	script := func(t *testing.T, end *initEnd, pid int) {
		plan := readPlan(t, end)
		if m := u32At(plan[tMode]); m != modeCreate {
			t.Errorf("mode %d, want %d", m, modeCreate)
		}
		if fd := u32At(plan[tFifoFD]); fd != 3 {
			t.Errorf("exec fifo fd %d, want 3", fd)
		}
		if um := u32At(plan[tUmask]); um != defaultUmask {
			t.Errorf("umask %o, want the default %o", um, defaultUmask)
		}
		if u32At(plan[tFork]) != 1 || len(plan[tNewUserns]) != 0 {
			t.Errorf("a new pid namespace forks, no user namespace: fork %v, userns %v", plan[tFork], plan[tNewUserns])
		}
		if k := plan[tSessionKeyring]; len(k) != 1 || string(k[0]) != "_ses.c1\x00" {
			t.Errorf("session keyring %q, want _ses.c1", k)
		}
		end.sendPid(pid)
		end.send(msgHooks, nil)
		typ, st, err := end.recv()
		if err != nil || typ != msgHooksDone || !strings.Contains(string(st), fmt.Sprintf(`"pid":%d`, pid)) {
			t.Errorf("after msgHooks: %d %q %v", typ, st, err)
		}
		end.send(msgReady, nil)
	}
	c, d := testCreation(t, func(s spawnSpec) (*initProcess, error) { return scripted(t, dir, "-", script)(s) })
	dir = d
	ctr, err := createWithoutCgroup(c)
	if err != nil {
		t.Fatal(err)
	}
	pid := ctr.InitPid()
	if pid == 0 || ctr.Status() != Created {
		t.Fatalf("pid %d, status %s; want a created container", pid, ctr.Status())
	}
	fds := strings.Fields(stageFDs(t, dir))
	fifo := filepath.Join(dir, "state", "c1", fifoName)
	if len(fds) != 4 || fds[0] != "/dev/null" || fds[1] != "/dev/null" || fds[3] != fifo {
		t.Errorf("the stage's fds 0-3 lead to %q; want /dev/null as stdio, the fifo at 3", fds)
	}
	if st := readFile(t, filepath.Join(dir, "prestart.json")); !strings.Contains(st, `"pid":`+strconv.Itoa(pid)) {
		t.Errorf("prestart hook got %s", st)
	}
	loaded, err := Load(c.o.Root, "c1")
	if err != nil {
		t.Fatal(err)
	}
	if loaded.Config().Hooks == nil || len(loaded.Config().Namespaces) == 0 || loaded.InitPid() != pid {
		t.Errorf("loaded %+v", loaded.Config())
	}
}

// An init that reports an error: create fails with the init's text and
// errno, and leaves nothing (state dir, process).
func TestCreateSessionInitError(t *testing.T) {
	script := func(t *testing.T, end *initEnd, pid int) {
		readPlan(t, end)
		end.sendError(msgError, unix.ENOENT, "exec: \"nope\"\nforged line")
		end.recv() // until the parent closes its end
	}
	c := createFails(t, "-", script, `create container c1: exec: "nope"; forged line: no such file or directory`)
	noStateDir(t, c)
	if stage := c.s.init.pid; unix.Kill(stage, 0) != unix.ESRCH {
		t.Errorf("the init's first stage %d is still there", stage)
	}
}

// createFails runs a create against the scripted init (ending with
// exitStatus, see scripted) and checks that it fails with want.
func createFails(t *testing.T, exitStatus string, script initScript, want string) *creation {
	t.Helper()
	var dir string
	c, d := testCreation(t, func(s spawnSpec) (*initProcess, error) { return scripted(t, dir, exitStatus, script)(s) })
	dir = d
	_, err := createWithoutCgroup(c)
	if err == nil || err.Error() != want {
		t.Fatalf("error %v, want %s", err, want)
	}
	return c
}

// noStateDir checks that a failed create left no state dir.
func noStateDir(t *testing.T, c *creation) {
	t.Helper()
	if _, err := os.Stat(filepath.Join(c.o.Root, "c1")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("state dir left behind: %v", err)
	}
}

// An init that dies without a word: create says how it ended.
func TestCreateSessionInitDies(t *testing.T) {
	script := func(t *testing.T, end *initEnd, pid int) { readPlan(t, end) }
	createFails(t, "3", script, "create container c1: the container init died: exit status 3")
}

// An init whose process says it is ready before its pid was sent (a
// forked process overtaking the first stage): create fails and leaves
// nothing, rather than record a created container that names no process.
func TestCreateSessionReadyBeforePid(t *testing.T) {
	script := func(t *testing.T, end *initEnd, pid int) {
		readPlan(t, end)
		end.send(msgReady, nil)
		end.recv() // until the parent closes its end
	}
	c := createFails(t, "-", script, "create container c1: protocol: message 7 from the container init before the process's pid")
	noStateDir(t, c)
}

// A failed createContainer hook in the init: the container is removed,
// then the poststop hooks run (lifecycle steps 12 and 13).
func TestCreateSessionHookError(t *testing.T) {
	var dir string
	script := func(t *testing.T, end *initEnd, pid int) {
		readPlan(t, end)
		end.sendPid(pid)
		end.send(msgHooks, nil)
		end.recv()
		end.sendError(msgHookError, 0, "error running createContainer hook #0: /bin/false: exit status 1")
		end.recv()
	}
	c, d := testCreation(t, func(s spawnSpec) (*initProcess, error) { return scripted(t, dir, "-", script)(s) })
	dir = d
	_, err := createWithoutCgroup(c)
	if !errors.As(err, new(*hookFailure)) {
		t.Fatalf("error %v, want the hook's", err)
	}
	if st := readFile(t, filepath.Join(dir, "poststop.json")); !strings.Contains(st, `"status":"stopped"`) {
		t.Errorf("poststop hook got %s", st)
	}
	noStateDir(t, c)
}

// testContainer records a running container whose process is a real
// child of the test (sleep), for exec.
func testContainer(t *testing.T, root string) *ExecContainer {
	t.Helper()
	cmd := exec.Command("sleep", "600")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	st, err := readProcStat(cmd.Process.Pid)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(root, "c1"), 0o711); err != nil {
		t.Fatal(err)
	}
	proc := &specs.Process{Args: []string{"sh"}, Cwd: "/", Env: []string{"A=1"}}
	state := State{ID: "c1", Status: Created, InitPid: cmd.Process.Pid, InitStartTime: st.startTime,
		Config: &specs.Spec{Process: proc, Linux: &specs.Linux{Namespaces: []specs.LinuxNamespace{{Type: specs.PIDNamespace}}}}}
	data, _ := json.Marshal(state)
	if err := os.WriteFile(filepath.Join(root, "c1", stateFile), data, 0o644); err != nil {
		t.Fatal(err)
	}
	c, err := LoadForExec(root, "c1")
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// An exec: the plan joins the container through its pidfd (or its
// namespace files before Linux 5.8) and forks into its pid namespace;
// Exec returns the pid the init reports once the socket closes after
// msgReady (the exec happened) and writes the pid file.
func TestExecSession(t *testing.T) {
	dir := t.TempDir()
	c := testContainer(t, filepath.Join(dir, "state"))
	if p := c.Config().Process; p == nil || p.Args[0] != "sh" {
		t.Fatalf("LoadForExec: process %+v", p)
	}
	script := func(t *testing.T, end *initEnd, pid int) {
		plan := readPlan(t, end)
		if m := u32At(plan[tMode]); m != modeExec {
			t.Errorf("mode %d, want %d", m, modeExec)
		}
		if u32At(plan[tFork]) != 1 {
			t.Error("the exec does not fork into the container's pid namespace")
		}
		if len(plan[tNSPidfd]) != 1 && len(plan[tNSJoin]) != 1 {
			t.Errorf("the exec joins nothing: pidfd %v, joins %v", plan[tNSPidfd], plan[tNSJoin])
		}
		if len(plan[tRootfs]) != 0 || len(plan[tFifoFD]) != 0 {
			t.Error("an exec plan carries the rootfs or the fifo")
		}
		end.sendPid(pid)
		end.send(msgReady, nil)
	}
	pidFile := filepath.Join(dir, "pid")
	o := &ExecOpts{Process: &specs.Process{Args: []string{"true"}, Cwd: "/"}, PidFile: pidFile,
		start: scripted(t, dir, "-", script)}
	pid, err := c.Exec(o)
	if err != nil {
		t.Fatal(err)
	}
	if got := readFile(t, pidFile); got != strconv.Itoa(pid) || pid == 0 {
		t.Errorf("pid file %q, Exec returned %d", got, pid)
	}
	if fds := strings.Fields(readFile(t, filepath.Join(dir, "fds"))); len(fds) < 3 || fds[0] != "/dev/null" {
		t.Errorf("the stage's fds lead to %q; want /dev/null as stdin", fds)
	}
}

// While an exec's process is on its way in, the container's directory is
// locked shared: another exec may go on, a pause (or kill, delete,
// update) waits until the process has exec'd. After Exec nothing is held.
func TestExecHoldsSharedLock(t *testing.T) {
	dir := t.TempDir()
	root := filepath.Join(dir, "state")
	c := testContainer(t, root)
	try := func(how int) error {
		f, err := os.Open(filepath.Join(root, "c1"))
		if err != nil {
			return err
		}
		defer f.Close()
		return unix.Flock(int(f.Fd()), how|unix.LOCK_NB)
	}
	script := func(t *testing.T, end *initEnd, pid int) {
		readPlan(t, end)
		if err := try(unix.LOCK_EX); err != unix.EWOULDBLOCK {
			t.Errorf("an exclusive lock during the exec: %v, want EWOULDBLOCK", err)
		}
		if err := try(unix.LOCK_SH); err != nil {
			t.Errorf("a shared lock during the exec: %v, want it granted", err)
		}
		end.sendPid(pid)
		end.send(msgReady, nil)
	}
	o := &ExecOpts{Process: &specs.Process{Args: []string{"true"}, Cwd: "/"}, start: scripted(t, dir, "-", script)}
	if _, err := c.Exec(o); err != nil {
		t.Fatal(err)
	}
	if err := try(unix.LOCK_EX); err != nil {
		t.Errorf("an exclusive lock after the exec: %v", err)
	}
}

// An exec init that asks for what only create answers fails the exec,
// and the process is killed.
func TestExecSessionUnexpected(t *testing.T) {
	dir := t.TempDir()
	c := testContainer(t, filepath.Join(dir, "state"))
	stage := make(chan int, 1)
	script := func(t *testing.T, end *initEnd, pid int) {
		stage <- pid
		readPlan(t, end)
		end.send(msgUserns, nil)
		end.recv()
	}
	_, err := c.Exec(&ExecOpts{Process: &specs.Process{Args: []string{"true"}, Cwd: "/"}, start: scripted(t, dir, "-", script)})
	if err == nil || !strings.Contains(err.Error(), "id maps") {
		t.Fatalf("error %v, want the refused id maps", err)
	}
	if pid := <-stage; unix.Kill(pid, 0) != unix.ESRCH {
		t.Errorf("the exec init %d is still there", pid)
	}
}

// A process that dies after the init reported it, before the exec: exec
// says so, with its status.
func TestExecSessionProcessDies(t *testing.T) {
	dir := t.TempDir()
	c := testContainer(t, filepath.Join(dir, "state"))
	script := func(t *testing.T, end *initEnd, pid int) {
		readPlan(t, end)
		end.sendPid(pid)
	}
	_, err := c.Exec(&ExecOpts{Process: &specs.Process{Args: []string{"true"}, Cwd: "/"}, start: scripted(t, dir, "7", script)})
	if want := "the process died before exec: exit status 7"; err == nil || err.Error() != want {
		t.Fatalf("error %v, want %s", err, want)
	}
}
