package integration

import (
	"io"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// File descriptors: --preserve-fds, LISTEN_FDS, and nothing else leaks
// into the container.

// berthWithFiles runs berth with extra files as its fds 3, 4, ... and
// returns its combined output and exit code; via runs it through
// `sh -c` (e.g. to set LISTEN_PID to berth's own pid).
func (e *env) berthWithFiles(files []*os.File, via string, args ...string) (string, int) {
	e.t.Helper()
	argv := append([]string{berthBin, "--root", e.root}, args...)
	var cmd *exec.Cmd
	if via != "" {
		cmd = exec.Command("sh", append([]string{"-c", via + ` exec "$@"`, "sh"}, argv...)...)
	} else {
		cmd = exec.Command(argv[0], argv[1:]...)
	}
	cmd.ExtraFiles = files
	out, err := cmd.CombinedOutput()
	if err != nil && cmd.ProcessState == nil {
		e.t.Fatal(err)
	}
	return string(out), cmd.ProcessState.ExitCode()
}

func TestPreserveFDs(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	leak, _ := os.Open("/etc/hostname")
	defer leak.Close()
	b := e.newBundle().shell(`echo through-fd-3 >&3; ls /proc/self/fd | tr '\n' ' '; echo "LISTEN_FDS=$LISTEN_FDS"`)
	b.save(t)
	// fd 3 is the pipe, fd 4 a file berth's caller leaked: only the
	// preserved one reaches the container
	out, code := e.berthWithFiles([]*os.File{w, leak}, "", "run", "--preserve-fds", "1", "--bundle", b.dir, e.id())
	w.Close()
	if code != 0 {
		t.Fatalf("run --preserve-fds 1: exit %d: %s", code, out)
	}
	got, _ := io.ReadAll(r)
	if string(got) != "through-fd-3\n" {
		t.Errorf("the pipe at fd 3 got %q", got)
	}
	// ls's own directory fd is the fifth
	if want := "0 1 2 3 4 LISTEN_FDS=\n"; out != want {
		t.Errorf("the container's fds: %q, want %q", out, want)
	}
}

// TestListenFDs: with LISTEN_FDS and LISTEN_PID naming berth, the fds
// pass on (before --preserve-fds ones) with LISTEN_FDS=n and LISTEN_PID=1.
func TestListenFDs(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	r1, w1, _ := os.Pipe()
	r2, w2, _ := os.Pipe()
	defer r1.Close()
	defer r2.Close()
	b := e.newBundle().shell(`echo listen >&3; echo preserved >&4; echo "LISTEN_FDS=$LISTEN_FDS LISTEN_PID=$LISTEN_PID"`)
	b.save(t)
	out, code := e.berthWithFiles([]*os.File{w1, w2}, "LISTEN_FDS=1 LISTEN_PID=$$", "run", "--preserve-fds", "1", "--bundle", b.dir, e.id())
	w1.Close()
	w2.Close()
	if code != 0 {
		t.Fatalf("run: exit %d: %s", code, out)
	}
	a, _ := io.ReadAll(r1)
	c, _ := io.ReadAll(r2)
	if string(a) != "listen\n" || string(c) != "preserved\n" {
		t.Errorf("fd 3 got %q, fd 4 got %q", a, c)
	}
	if strings.TrimSpace(out) != "LISTEN_FDS=1 LISTEN_PID=1" {
		t.Errorf("the container's environment: %q", out)
	}
}

// TestPreserveFDsNotOpen: asking for more fds than berth has is an error.
func TestPreserveFDsNotOpen(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.newBundle("true")
	b.save(t)
	id := e.id()
	out, code := e.berthWithFiles(nil, "", "run", "--preserve-fds", "5", "--bundle", b.dir, id)
	failsOneLine(t, result{stderr: out, code: code}, "--preserve-fds")
	e.assertNothingLeft(id, b)
}
