package integration

import (
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// The command line as a user of runc meets it: list, help, spec and
// exec --process.

// TestListMissingRoot: a --root that does not exist is an error for list
// (runc 1.5.1 does the same); an existing empty one lists nothing.
func TestListMissingRoot(t *testing.T) {
	t.Parallel()
	missing := filepath.Join(t.TempDir(), "no-such-root")
	out, err := exec.Command(berthBin, "--root", missing, "list").CombinedOutput()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 1 {
		t.Fatalf("list with a missing --root: %v, output %q; want exit 1", err, out)
	}
	msg := strings.TrimSpace(string(out))
	if strings.Contains(msg, "\n") || !strings.Contains(msg, missing) || !strings.Contains(msg, "no such file or directory") {
		t.Errorf("list with a missing --root says %q, want one line naming %s", msg, missing)
	}
	if _, err := os.Stat(missing); err == nil {
		t.Errorf("list created the missing root %s", missing)
	}
	e := newEnv(t)
	if out := e.must("list", "-q"); out != "" {
		t.Errorf("list of an empty root: %q", out)
	}
}

// TestCheckpointRestoreHelp: checkpoint and restore take runc's CRIU
// flags without parsing them, yet -h and --help print their help.
func TestCheckpointRestoreHelp(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for _, cmd := range []string{"checkpoint", "restore"} {
		for _, h := range []string{"-h", "--help"} {
			lines := strings.Split(e.must(cmd, h), "\n")
			if len(lines) < 2 || lines[0] != "NAME:" || !strings.Contains(lines[1], "berth "+cmd) {
				t.Errorf("berth %s %s: %q, want its help", cmd, h, lines)
			}
		}
		failsOneLine(t, e.berth(cmd, "--image-path", "/tmp/x", "some-id"), "not supported")
	}
}

// TestCheckpointParentPath: checkpoint judges --parent-path before saying
// it cannot checkpoint: an absolute path, or one that names no directory
// under --image-path, is the caller's mistake and is named as such.
func TestCheckpointParentPath(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	images := t.TempDir()
	if err := os.Mkdir(filepath.Join(images, "pre"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(images, "file"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	cp := func(parent string) result {
		return e.berth("checkpoint", "--work-path", t.TempDir(), "--image-path", images, "--parent-path", parent, "some-id")
	}
	failsOneLine(t, cp(filepath.Join(images, "pre")), "--parent-path", "must be relative")
	failsOneLine(t, cp("./missing"), "--parent-path", "no such file or directory")
	failsOneLine(t, cp("file"), "--parent-path", "not a directory")
	failsOneLine(t, cp("pre"), "not supported")
	failsOneLine(t, e.berth("checkpoint", "--image-path="+images, "--parent-path=../"+filepath.Base(images)+"/pre", "some-id"), "not supported")
}

// TestSpecCgroupNamespace: spec asks for a cgroup namespace only where
// /sys/fs/cgroup is cgroup2, as runc's spec does; --rootless alike.
func TestSpecCgroupNamespace(t *testing.T) {
	t.Parallel()
	var st unix.Statfs_t
	if err := unix.Statfs("/sys/fs/cgroup", &st); err != nil {
		t.Fatal(err)
	}
	unified := st.Type == unix.CGROUP2_SUPER_MAGIC
	e := newEnv(t)
	for _, flags := range [][]string{nil, {"--rootless"}} {
		dir := t.TempDir()
		e.must(append([]string{"spec", "--bundle", dir}, flags...)...)
		data, err := os.ReadFile(filepath.Join(dir, "config.json"))
		if err != nil {
			t.Fatal(err)
		}
		var s specs.Spec
		if err := json.Unmarshal(data, &s); err != nil {
			t.Fatal(err)
		}
		has := slices.ContainsFunc(s.Linux.Namespaces, func(n specs.LinuxNamespace) bool { return n.Type == specs.CgroupNamespace })
		if has != unified {
			t.Errorf("spec %v: cgroup namespace %v on a host where /sys/fs/cgroup is cgroup2: %v", flags, has, unified)
		}
	}
}

// TestExecProcessFromPipe: --process is read once, so a pipe (here the
// standard input) or a fifo works.
func TestExecProcessFromPipe(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.startExec(e.execBundle())
	p := c.process("echo", "from-a-pipe")
	data, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	r := e.berthIn(string(data), "exec", "--process", "/dev/stdin", c.id)
	if r.code != 0 || r.stdout != "from-a-pipe\n" {
		t.Errorf("exec --process /dev/stdin: %s", r)
	}
	fifo := filepath.Join(t.TempDir(), "process.fifo")
	if err := unix.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	p.Args = []string{"echo", "from-a-fifo"}
	data, _ = json.Marshal(p)
	wrote := make(chan error, 1)
	go func() {
		// one writer, once: a second open for reading would wait forever
		f, err := os.OpenFile(fifo, os.O_WRONLY, 0)
		if err == nil {
			_, err = f.Write(data)
			f.Close()
		}
		wrote <- err
	}()
	r = c.run([]string{"--process", fifo})
	if r.code != 0 || r.stdout != "from-a-fifo\n" {
		t.Errorf("exec --process FIFO: %s", r)
	}
	if err := <-wrote; err != nil {
		t.Errorf("write the fifo: %v", err)
	}
}

// TestExecTTYWithProcessFile: exec -t --process is accepted (podman
// passes both); the file's terminal decides, as with runc, and a -t the
// file contradicts is said to be ignored with --debug only (runc's
// tty.bats reads stderr with the output).
func TestExecTTYWithProcessFile(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.startExec(e.execBundle())
	p := c.process("sh", "-c", "tty; read x; echo got-$x")
	p.Terminal = true
	r := e.berthIn("input\n", "exec", "-t", "--process", writeProcess(t, p), c.id)
	if r.code != 0 || !strings.Contains(r.stdout, "/dev/pts/") || !strings.Contains(r.stdout, "got-input") {
		t.Errorf("exec -t --process with terminal true: %s", r)
	}
	p.Terminal = false
	file := writeProcess(t, p)
	r = c.run([]string{"-t", "--process", file})
	if r.code != 0 || !strings.HasPrefix(r.stdout, "not a tty") || r.stderr != "" {
		t.Errorf("exec -t --process with terminal false: %s; want no terminal, nothing on stderr", r)
	}
	r = e.berth("--debug", "exec", "-t", "--process", file, c.id)
	if r.code != 0 || !strings.Contains(r.stderr, "--tty ignored") {
		t.Errorf("--debug exec -t --process with terminal false: %s; want the ignored --tty named", r)
	}
}

// TestTerminalKeepsNewlines: the pty that run and exec -t proxy passes
// "\n" as it is (ONLCR off, as runc's), so piped output is what the
// program wrote.
func TestTerminalKeepsNewlines(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.newBundle("printf", `one\ntwo\n`)
	b.spec.Process.Terminal = true
	if out := e.runOK(b); out != "one\ntwo\n" {
		t.Errorf("run with a terminal printed %q, want %q", out, "one\ntwo\n")
	}
	c := e.startExec(e.execBundle())
	// the program waits for input, which berth copies only once it holds
	// the master: by then the terminal is set
	r := e.berthIn("go\n", "exec", "-t", c.id, "sh", "-c", `stty -echo; read x; printf 'three\nfour\n'`)
	if r.code != 0 || strings.Contains(r.stdout, "\r") || !strings.HasSuffix(r.stdout, "three\nfour\n") {
		t.Errorf("exec -t: %s, want %q without \\r", r, "three\nfour\n")
	}
}

// TestExecTerminalFirstOutput: the init clears ONLCR before it sends
// the master of a pty berth proxies, so even output written at once,
// before berth could touch the terminal, passes "\n" as written. Before,
// berth cleared it on receipt and the first bytes raced the change (about
// one run in two came out with "\r\n" here); so it is run many times.
func TestExecTerminalFirstOutput(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.startExec(e.execBundle())
	for i := 0; i < 25; i++ {
		r := c.run([]string{"-t"}, "printf", `a\nb\n`)
		if r.code != 0 || r.stdout != "a\nb\n" {
			t.Fatalf("exec -t printf, run %d: %s, want %q", i, r, "a\nb\n")
		}
	}
	// a --console-socket receiver gets the pty as the kernel made it
	l, path := unixListener(t)
	received := recvFDLater(t, l)
	if r := c.run([]string{"-d", "-t", "--console-socket", path}, "sleep", "1000"); r.code != 0 {
		t.Fatalf("exec -d -t --console-socket: %s", r)
	}
	master, _ := received()
	defer master.Close()
	st, err := unix.IoctlGetTermios(int(master.Fd()), unix.TCGETS)
	if err != nil || st.Oflag&unix.ONLCR == 0 {
		t.Errorf("the pty sent to a console socket: termios %+v (%v), want ONLCR kept", st, err)
	}
}

// TestRunShowsTerminalOnFailedStart: what the container wrote to its
// terminal before its start failed (here a startContainer hook, which
// then fails) is shown, to its last line, before the error.
func TestRunShowsTerminalOnFailedStart(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.newBundle("echo", "never-runs")
	b.spec.Process.Terminal = true
	b.spec.Hooks = &specs.Hooks{StartContainer: []specs.Hook{{
		Path: "/bin/sh",
		Args: []string{"sh", "-c", "seq 1 20000 >/dev/console; echo last-words >/dev/console; exit 3"},
	}}}
	id := e.id()
	b.save(t)
	r := e.berth("run", "--bundle", b.dir, id)
	if r.code == 0 || !strings.HasSuffix(r.stdout, "20000\nlast-words\n") || strings.Contains(r.stdout, "never-runs") {
		t.Errorf("run whose startContainer hook fails: exit %d, stdout ends %q", r.code, tail(r.stdout, 40))
	}
	failsOneLine(t, r, "startContainer")
	e.assertNothingLeft(id, b)
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}
