package integration

import (
	"bufio"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// Exec: terminals, inherited fds, detaching, pid files and pidfds,
// signals, paused containers, sub-cgroups and CPU affinity.

// --tty with --console-socket: the test receives the pty master on its
// socket and talks to the process through it; berth waits for the
// process and exits with its status.
func TestExecTTYConsoleSocket(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.startExec(e.execBundle())
	l, sock := unixListener(t)
	cmd := c.cmd([]string{"-t", "--console-socket", sock}, "sh", "-c",
		`[ -t 0 ] && [ -t 1 ] && echo "tty $(tty)"; echo ready; read line; echo "got:$line"; exit 3`)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	master, name := recvFD(t, l)
	defer master.Close()
	if !strings.HasPrefix(name, "/dev/pts/") {
		t.Errorf("the console socket message names %q, want /dev/pts/N", name)
	}
	var out lockedBuffer
	go io.Copy(&out, master)
	out.waitFor(t, "ready")
	if !strings.Contains(out.String(), "tty "+name) {
		t.Errorf("the process's stdin and stdout are not the terminal %s: %q", name, out.String())
	}
	if _, err := master.Write([]byte("hello\n")); err != nil {
		t.Fatal(err)
	}
	out.waitFor(t, "got:hello")
	if code := waitCmd(t, cmd); code != 3 {
		t.Errorf("berth exited %d, want the process's 3", code)
	}
}

// --tty without a console socket: berth makes the terminal and copies its
// own stdin and stdout through it (here pipes, not a terminal).
func TestExecTTYProxy(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.startExec(e.execBundle())
	r := e.berthIn("hello\n", c.argv([]string{"-t"}, "sh", "-c", `[ -t 0 ] && echo "tty $(tty)"; read line; echo "got:$line"; exit 5`)...)
	if r.code != 5 || !strings.Contains(r.stdout, "tty /dev/pts/") || !strings.Contains(r.stdout, "got:hello") {
		t.Errorf("exec -t through berth's own terminal: %s", r)
	}
}

// --preserve-fds N passes fds 3..3+N-1 and nothing above them.
func TestExecPreserveFDs(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.startExec(e.execBundle())
	var files []*os.File
	for _, text := range []string{"first", "second", "not passed"} {
		p := filepath.Join(t.TempDir(), "f")
		os.WriteFile(p, []byte(text+"\n"), 0o644)
		f, err := os.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		files = append(files, f)
	}
	cmd := c.cmd([]string{"--preserve-fds", "2"}, "sh", "-c",
		`cat <&3; cat <&4; if [ -e /proc/$$/fd/5 ]; then echo "fd 5 leaked"; fi`)
	cmd.ExtraFiles = files
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("exec --preserve-fds 2: %v", err)
	}
	if string(out) != "first\nsecond\n" {
		t.Errorf("exec --preserve-fds 2 read %q, want the two files and no fd 5", out)
	}
}

// --detach with --pid-file: berth returns at once; the pid file names the
// process, which runs in the container's pid namespace.
func TestExecDetachPidFile(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.startExec(e.execBundle())
	pidFile := filepath.Join(t.TempDir(), "exec.pid")
	if r := c.run([]string{"-d", "--pid-file", pidFile}, "sleep", "1000"); r.code != 0 || r.stdout != "" {
		t.Fatalf("exec -d: %s", r)
	}
	pid := readPid(t, pidFile)
	defer syscall.Kill(pid, syscall.SIGKILL)
	if cmdline := readFile(t, "/proc/"+strconv.Itoa(pid)+"/cmdline"); cmdline != "sleep\x001000\x00" {
		t.Errorf("the pid file names %d running %q", pid, cmdline)
	}
	if got, want := hostNS(t, pid)["pid"], hostNS(t, c.initPid())["pid"]; got != want {
		t.Errorf("detached process in pid namespace %s, container in %s", got, want)
	}
}

func readPid(t *testing.T, path string) int {
	t.Helper()
	pid, err := strconv.Atoi(strings.TrimSpace(readFile(t, path)))
	if err != nil || pid <= 0 {
		t.Fatalf("pid file %s: %q", path, readFile(t, path))
	}
	return pid
}

// --pidfd-socket: the test receives a pidfd of the exec'd process and
// kills it through the pidfd.
func TestExecPidfdSocket(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.startExec(e.execBundle())
	l, sock := unixListener(t)
	pidFile := filepath.Join(t.TempDir(), "exec.pid")
	// the pidfd waits in the socket's queue until the test accepts
	if r := c.run([]string{"-d", "--pid-file", pidFile, "--pidfd-socket", sock}, "sleep", "1000"); r.code != 0 {
		t.Fatalf("exec --pidfd-socket: %s", r)
	}
	pid := readPid(t, pidFile)
	defer syscall.Kill(pid, syscall.SIGKILL)
	pidfd, _ := recvFD(t, l)
	defer pidfd.Close()
	info := readFile(t, "/proc/self/fdinfo/"+strconv.Itoa(int(pidfd.Fd())))
	if !strings.Contains(info, "Pid:\t"+strconv.Itoa(pid)+"\n") {
		t.Fatalf("the pidfd is not of process %d: %q", pid, info)
	}
	if err := unix.PidfdSendSignal(int(pidfd.Fd()), unix.SIGKILL, nil, 0); err != nil {
		t.Fatalf("kill through the pidfd: %v", err)
	}
	// a pidfd polls readable once its process has exited
	fds := []unix.PollFd{{Fd: int32(pidfd.Fd()), Events: unix.POLLIN}}
	if n, err := unix.Poll(fds, 60_000); n != 1 || err != nil {
		t.Errorf("the process did not exit after SIGKILL through the pidfd: %d %v", n, err)
	}
}

// Signals berth receives in the foreground reach the process.
func TestExecSignalForwarding(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.startExec(e.execBundle())
	cmd := c.cmd(nil, "sh", "-c", `trap 'echo "got TERM"; exit 9' TERM; echo ready; while :; do sleep 0.05; done`)
	var out lockedBuffer
	cmd.Stdout = &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	out.waitFor(t, "ready")
	cmd.Process.Signal(syscall.SIGTERM)
	if code := waitCmd(t, cmd); code != 9 {
		t.Errorf("berth exited %d, want 9 from the trap", code)
	}
	if !strings.Contains(out.String(), "got TERM") {
		t.Errorf("the process did not get SIGTERM: %q", out.String())
	}
}

// A paused container refuses exec unless --ignore-paused; the process
// then runs once the container is resumed.
func TestExecPaused(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.startExec(e.execBundle())
	e.must("pause", c.id)
	r := c.run(nil, "true")
	failsOneLine(t, r, "paused", "--ignore-paused")
	if r.code != 255 {
		t.Errorf("exec into a paused container: exit %d, want 255", r.code)
	}
	cmd := c.cmd([]string{"--ignore-paused"}, "echo", "ran after resume")
	var out lockedBuffer
	cmd.Stdout = &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	e.must("resume", c.id)
	if code := waitCmd(t, cmd); code != 0 || out.String() != "ran after resume\n" {
		t.Errorf("exec --ignore-paused: exit %d, stdout %q", code, out.String())
	}
}

// --cgroup puts the process in an existing sub-cgroup of the container:
// of one controller ("ctrl:path") or of every hierarchy ("path").
func TestExecSubCgroup(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.startExec(e.execBundle())
	dirs := cgroupDirs(t, c.initPid())
	mkSub := func(key, name string) {
		dir := filepath.Join(dirs[key], name)
		if err := os.Mkdir(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		for _, f := range []string{"cpuset.cpus", "cpuset.mems"} { // an empty v1 cpuset takes no process
			if data, err := os.ReadFile(filepath.Join(dirs[key], f)); err == nil {
				os.WriteFile(filepath.Join(dir, f), data, 0o644)
			}
		}
	}
	for key := range dirs {
		mkSub(key, "all")
	}
	pidFile := filepath.Join(t.TempDir(), "pid")
	if r := c.run([]string{"--cgroup", "all", "-d", "--pid-file", pidFile}, "sleep", "1000"); r.code != 0 {
		t.Fatalf("exec --cgroup all: %s", r)
	}
	pid := readPid(t, pidFile)
	defer syscall.Kill(pid, syscall.SIGKILL)
	for key, dir := range cgroupDirs(t, pid) {
		if dir != filepath.Join(dirs[key], "all") {
			t.Errorf("--cgroup all: hierarchy %q: process in %s, want %s/all", key, dir, dirs[key])
		}
	}
	if _, hybrid := dirs["pids"]; hybrid {
		mkSub("pids", "one")
		out := c.out([]string{"--cgroup", "pids:one"}, "cat", "/proc/self/cgroup")
		for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
			f := strings.SplitN(l, ":", 3)
			if want := strings.HasSuffix(f[2], "/one"); want != (f[1] == "pids") {
				t.Errorf("--cgroup pids:one: %q", l)
			}
		}
		failsOneLine(t, c.run([]string{"--cgroup", "nosuchctrl:one"}, "true"), "nosuchctrl", "unknown controller ")
	}
	// runc's words, as its exec.bats "--cgroup sub-cgroups" matches them
	failsOneLine(t, c.run([]string{"--cgroup", "missing"}, "true"), "missing", " adding pid ", "no such file or directory")
	failsOneLine(t, c.run([]string{"--cgroup", "../escape"}, "true"), "../escape", "bad sub cgroup path")
	failsOneLine(t, c.run([]string{"--cgroup", ".."}, "true"), "bad sub cgroup path")
}

// process.execCPUAffinity applies to exec'd processes, not the
// container's: the initial CPUs are set before the process enters the
// container's cgroup (so they may lie outside its cpuset), the final
// ones after.
func TestExecCPUAffinity(t *testing.T) {
	t.Parallel()
	if onlineCPUs(t) < 2 {
		t.Skip("needs 2 online CPUs: this host has 1")
	}
	e := newEnv(t)
	b := e.execBundle()
	b.spec.Process.ExecCPUAffinity = &specs.CPUAffinity{Final: "1"}
	c := e.startExec(b)
	initCPUs := procStatus(t, c.initPid(), "Cpus_allowed_list")
	if v := c.statusLine(nil, "Cpus_allowed_list"); v != "1" {
		t.Errorf("config's execCPUAffinity final 1: exec'd process on %s", v)
	}
	p := c.process("grep", "^Cpus_allowed_list:", "/proc/self/status")
	p.ExecCPUAffinity = &specs.CPUAffinity{Initial: "1", Final: "0"}
	if out := c.out([]string{"-p", writeProcess(t, p)}); !strings.HasSuffix(strings.TrimSpace(out), "\t0") {
		t.Errorf("process.json final 0: %q", out)
	}
	if got := procStatus(t, c.initPid(), "Cpus_allowed_list"); got != initCPUs {
		t.Errorf("the container's process moved from CPUs %s to %s", initCPUs, got)
	}

	// in a cpuset of CPU 0 only, initial CPU 1 can only be set outside
	pinned := e.execBundle()
	if pinned.spec.Linux.Resources == nil {
		pinned.spec.Linux.Resources = &specs.LinuxResources{}
	}
	pinned.spec.Linux.Resources.CPU = &specs.LinuxCPU{Cpus: "0", Mems: "0"}
	pc := e.startExec(pinned)
	r := pc.run([]string{"-p", writeProcess(t, p)})
	if r.code != 0 || !strings.HasSuffix(strings.TrimSpace(r.stdout), "\t0") {
		t.Errorf("initial 1, final 0 in a cpuset of CPU 0: %s", r)
	}
	p.ExecCPUAffinity = &specs.CPUAffinity{Final: "1"}
	failsOneLine(t, pc.run([]string{"-p", writeProcess(t, p)}), "execCPUAffinity")
}

// The exec'd process's output and exit reach the caller through pipes
// too (no terminal), line by line.
func TestExecStdio(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.startExec(e.execBundle())
	cmd := c.cmd(nil, "sh", "-c", "while read l; do echo \"<$l>\"; done; echo err >&2")
	cmd.Stdin = strings.NewReader("a\nb\n")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var lines []string
	for s := bufio.NewScanner(stdout); s.Scan(); {
		lines = append(lines, s.Text())
	}
	if code := waitCmd(t, cmd); code != 0 || strings.Join(lines, ",") != "<a>,<b>" || stderr.String() != "err\n" {
		t.Errorf("exit %d, stdout %q, stderr %q", code, lines, stderr.String())
	}
}
