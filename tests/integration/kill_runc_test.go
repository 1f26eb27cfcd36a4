package integration

import (
	"encoding/json"
	"syscall"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// kill as runc 1.5.1 does it: signal 0, the words for a container that
// is not running, and SIGKILL reaching every process of a container
// without its own pid namespace.

// TestKillSignalZero: `kill ID 0` checks the process and succeeds while
// it runs; on a stopped container kill says "container not running"
// (runc's words, which containerd's shim matches), unless -a is given.
func TestKillSignalZero(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	id := e.runDetached(e.newBundle("sleep", "1000"))
	e.must("kill", id, "0")
	if st := e.state(id)["status"]; st != "running" {
		t.Fatalf("signal 0 changed the container: it is %v", st)
	}
	e.must("kill", id, "KILL")
	e.waitStatus(id, "stopped")
	failsOneLine(t, e.berth("kill", id, "0"), id, "container not running")
	failsOneLine(t, e.berth("kill", id), "container not running")
	e.must("kill", "-a", id, "0")
	e.must("delete", id)
}

// containerPids lists the container's processes as `berth ps` reads them
// from its cgroup.
func (e *env) containerPids(id string) []int {
	e.t.Helper()
	var pids []int
	if err := json.Unmarshal([]byte(e.must("ps", "--format", "json", id)), &pids); err != nil {
		e.t.Fatal(err)
	}
	return pids
}

// TestKillHostPidns: without a pid namespace, killing the init does not
// end the container's other processes; `kill KILL` reaches every process
// of the cgroup (the init gone or not), and `kill --all` with any signal.
func TestKillHostPidns(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name     string
		initGone bool
		args     []string
	}{
		{"KILL", false, []string{"kill", "ID", "KILL"}},
		{"KILL-init-gone", true, []string{"kill", "ID", "KILL"}},
		{"all-TERM", false, []string{"kill", "--all", "ID", "TERM"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			b := e.newBundle("sleep", "1000").removeNamespace(specs.PIDNamespace)
			id := e.runDetached(b)
			for range 3 {
				e.must("exec", "-d", id, "sleep", "1000")
			}
			pids := e.containerPids(id)
			if len(pids) != 4 {
				t.Fatalf("the container has processes %v, want its init and 3 execs", pids)
			}
			if c.initGone {
				init := e.pid(id)
				syscall.Kill(init, syscall.SIGKILL)
				e.waitFor(func() bool { return zombieOrGone(init) })
				if left := e.containerPids(id); len(left) != 3 {
					t.Fatalf("after its init was killed the container has %v, want the 3 execs", left)
				}
			}
			args := append([]string(nil), c.args...)
			for i := range args {
				if args[i] == "ID" {
					args[i] = id
				}
			}
			e.must(args...)
			for _, p := range pids {
				e.waitFor(func() bool { return zombieOrGone(p) })
			}
			e.waitStatus(id, "stopped")
			e.must("delete", id)
			e.assertNothingLeft(id, b)
		})
	}
}

// TestKillCreatedStopSignals: a created container (its init waiting for start, pid
// 1 of its namespace) ends on SIGTERM, SIGINT, SIGHUP and SIGQUIT as
// runc's does, and `kill ID` (SIGTERM) stops it; SIGUSR1 leaves it
// created, as runc leaves it.
func TestKillCreatedStopSignals(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ sig, want string }{
		{"", "stopped"}, {"INT", "stopped"}, {"HUP", "stopped"}, {"QUIT", "stopped"}, {"USR1", "created"},
	} {
		t.Run("sig"+c.sig, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			b := e.newBundle("sleep", "1000")
			id := e.create(b)
			if c.sig == "" {
				e.must("kill", id)
			} else {
				e.must("kill", id, c.sig)
			}
			if c.want == "created" {
				// the kernel drops a signal without handler for a
				// namespace's pid 1 when it is sent: start finds the
				// init still waiting
				e.must("start", id)
				e.waitStatus(id, "running")
			} else {
				e.waitStatus(id, c.want)
			}
			e.must("delete", "--force", id)
			e.assertNothingLeft(id, b)
		})
	}
}
