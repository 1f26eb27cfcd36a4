package stress

import (
	"bufio"
	"io"
	"os"
	"os/exec"
	"syscall"
	"testing"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// TestVanishingReader: a container writing as fast as it can to a
// reader that reads slowly, then goes away, does not hang `run` or
// `exec`: both return, and nothing is left.
func TestVanishingReader(t *testing.T) {
	e := newEnv(t)
	// cat stops at EPIPE; busybox yes ignores write errors, and as a PID
	// namespace's init it ignores SIGPIPE too: it would spin forever
	b := e.newBundle("cat", "/dev/zero")
	slowThenGone := func(args ...string) result {
		pr, pw, err := os.Pipe()
		if err != nil {
			t.Fatal(err)
		}
		done := make(chan result, 1)
		go func() {
			r := result{code: -1}
			defer func() { done <- r }() // also when berthWith gives up
			r = e.berthWith(func(c *exec.Cmd) { c.Stdout = pw }, args...)
		}()
		buf := make([]byte, 4096)
		for i := 0; i < 16; i++ {
			if _, err := io.ReadFull(pr, buf); err != nil {
				t.Errorf("%v: read: %v", args, err)
				break
			}
			time.Sleep(5 * time.Millisecond)
		}
		pr.Close()
		r := <-done
		pw.Close()
		return r
	}
	r := slowThenGone("run", "--bundle", b.dir, e.id())
	t.Logf("run with a vanished reader: %s", r)
	id := e.id()
	long := e.newBundle("sleep", "1000")
	e.must("run", "-d", "--bundle", long.dir, id)
	r = slowThenGone("exec", id, "cat", "/dev/zero")
	t.Logf("exec with a vanished reader: %s", r)
	e.must("delete", "--force", id)
}

// TestRunForwardsSignals: `run` in the foreground forwards each
// catchable signal to the container and exits 128+signal when the
// signal kills it. (Without a PID namespace: a namespace's init ignores
// signals it has no handler for.)
func TestRunForwardsSignals(t *testing.T) {
	e := newEnv(t)
	b := e.newBundle("sh", "-c", "echo ready; exec sleep 1000")
	b.withoutNamespace(t, specs.PIDNamespace)
	for _, sig := range []syscall.Signal{unix.SIGHUP, unix.SIGINT, unix.SIGQUIT, unix.SIGUSR1, unix.SIGUSR2, unix.SIGTERM, unix.SIGALRM} {
		pr, pw, err := os.Pipe()
		if err != nil {
			t.Fatal(err)
		}
		var berth *exec.Cmd
		done := make(chan result, 1)
		started := make(chan struct{})
		go func() {
			r := result{code: -1}
			defer func() { done <- r }() // also when berthWith gives up
			r = e.berthWith(func(c *exec.Cmd) {
				c.Stdout = pw
				berth = c
				close(started)
			}, "run", "--bundle", b.dir, e.id())
		}()
		<-started
		line, err := bufio.NewReader(pr).ReadString('\n')
		if err != nil || line != "ready\n" {
			t.Fatalf("%s: container said %q, %v", unix.SignalName(sig), line, err)
		}
		berth.Process.Signal(sig)
		r := <-done
		pr.Close()
		pw.Close()
		if r.code != 128+int(sig) {
			t.Errorf("run, sent %s: %s; want exit %d", unix.SignalName(sig), r, 128+int(sig))
		}
	}
}
