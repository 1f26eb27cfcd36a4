package integration

import (
	"bufio"
	"os/exec"
	"strings"
	"testing"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// The container's terminal: the pty master sent over --console-socket,
// and `run` proxying its own terminal.

func TestConsoleSocket(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.newBundle("sh")
	b.spec.Process.Terminal = true
	b.spec.Process.ConsoleSize = &specs.Box{Height: 40, Width: 100}
	l, path := unixListener(t)
	received := recvFDLater(t, l)
	id := e.create(b, "--console-socket", path)
	master, name := received()
	defer master.Close()
	if _, err := unix.IoctlGetTermios(int(master.Fd()), unix.TCGETS); err != nil {
		t.Fatalf("the received fd (%q) is not a terminal: %v", name, err)
	}
	ws, err := unix.IoctlGetWinsize(int(master.Fd()), unix.TIOCGWINSZ)
	if err != nil || ws.Row != 40 || ws.Col != 100 {
		t.Errorf("consoleSize: the pty is %+v (%v), want 40x100", ws, err)
	}
	e.start(id)
	out := make(chan string, 100)
	go func() {
		s := bufio.NewScanner(master)
		for s.Scan() {
			out <- strings.TrimRight(s.Text(), "\r")
		}
		close(out)
	}()
	if _, err := master.WriteString("stty size; tty; readlink /proc/self/fd/1; echo answer=$((6*7))\n"); err != nil {
		t.Fatal(err)
	}
	var lines []string
	timeout := time.After(commandTimeout)
	for done := false; !done; {
		select {
		case l, ok := <-out:
			if !ok {
				t.Fatalf("the terminal closed: %q", lines)
			}
			lines = append(lines, l)
			done = l == "answer=42"
		case <-timeout:
			t.Fatalf("no answer through the terminal: %q", lines)
		}
	}
	text := strings.Join(lines, "\n")
	for _, want := range []string{"\n40 100\n", "/dev/pts/0\n"} {
		if !strings.Contains(text, want) {
			t.Errorf("the shell on the terminal printed %q, want %q in it", text, want)
		}
	}
	master.WriteString("exit 5\n")
	e.waitStatus(id, "stopped")
}

// TestRunProxiesTerminal: with process.terminal and no --console-socket,
// `berth run` copies its own terminal (here a pty from script(1)) to the
// container's and exits with the container's status.
func TestRunProxiesTerminal(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("script"); err != nil {
		t.Skip("script(1) from util-linux is not installed: no pty to run berth in")
	}
	e := newEnv(t)
	b := e.newBundle("sh")
	b.spec.Process.Terminal = true
	b.save(t)
	id := e.id()
	cmd := exec.Command("script", "-qec", "stty rows 30 cols 90; exec "+berthBin+" --root "+e.root+" run --bundle "+b.dir+" "+id, "/dev/null")
	cmd.Stdin = strings.NewReader("stty size; tty; echo answer=$((6*7)); exit 4\n")
	out, err := cmd.Output()
	text := strings.ReplaceAll(string(out), "\r", "")
	if code := cmd.ProcessState.ExitCode(); code != 4 {
		t.Errorf("berth run in a terminal exited %d (%v), want the container's 4: %q", code, err, text)
	}
	for _, want := range []string{"\n30 90\n", "\n/dev/pts/0\n", "\nanswer=42\n"} {
		if !strings.Contains(text, want) {
			t.Errorf("the terminal shows %q, want %q in it", text, want)
		}
	}
	e.assertNothingLeft(id, b)
}

// TestTerminalWithoutSocket: create (detached) with a terminal needs a
// console socket.
func TestTerminalWithoutSocket(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.newBundle("sh")
	b.spec.Process.Terminal = true
	id := e.id()
	failsOneLine(t, e.createIO("create", id, b), "terminal", "--console-socket")
	e.assertNothingLeft(id, b)
}

// TestStdioOwnedByUser: as with runc, a process of a user other than
// root owns its terminal (uid; the group is devpts' gid=5) and its pipes,
// so it can reopen them (/dev/stdout, $(tty)): run and exec, with a
// terminal and without. runc's tty.bats "[tty owner] ({u,g}id != 0)".
func TestStdioOwnedByUser(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	const script = `stat -c %u:%g $(tty); echo reopened > /dev/stdout`
	b := e.newBundle().shell(script)
	b.spec.Process.Terminal = true
	b.spec.Process.User = specs.User{UID: 1000, GID: 100}
	if out := e.runOK(b); out != "1000:5\nreopened\n" {
		t.Errorf("run with a terminal as 1000:100 printed %q, want %q", out, "1000:5\nreopened\n")
	}
	c := e.startExec(e.execBundle())
	if out := c.out([]string{"-t", "--user", "1000:100"}, "sh", "-c", script); out != "1000:5\nreopened\n" {
		t.Errorf("exec -t --user 1000:100 printed %q, want %q", out, "1000:5\nreopened\n")
	}
	// without a terminal: stdout is berth's pipe, stdin /dev/null (a
	// device of the caller's: left as it is)
	r := e.berthWith(func(cmd *exec.Cmd) { cmd.Stdin = nil }, c.argv([]string{"--user", "1000"},
		"sh", "-c", `stat -L -c %u /proc/self/fd/0 /proc/self/fd/1; echo reopened > /dev/stdout`)...)
	if r.code != 0 || r.stdout != "0\n1000\nreopened\n" {
		t.Errorf("exec --user 1000 with a pipe: %s, want stdin root's, stdout the user's", r)
	}
}
