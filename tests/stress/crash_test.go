package stress

import (
	"encoding/json"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// TestCrashAtEveryStep kills berth (the berth_crashtest build) with
// SIGKILL at every step --debug logs of create, start, exec, kill and
// delete. After each: `state` reports something true, `delete --force`
// removes everything, and a second `delete --force` is a clean no-op.
// The steps are read from a --debug run, so a step added to berth is
// covered without a change here.
func TestCrashAtEveryStep(t *testing.T) {
	e := newEnv(t)
	b := e.newBundle("sleep", "1000")
	steps := e.discoverSteps(b)
	for _, cmd := range []string{"create", "start", "exec", "kill", "delete"} {
		if len(steps[cmd]) == 0 {
			t.Fatalf("no %s steps in the --debug log", cmd)
		}
		for _, step := range steps[cmd] {
			e.crashAt(b, cmd, step)
		}
	}
}

// lifecycle is the command sequence of the test, each with the steps
// before it that set the container up.
var lifecycle = map[string][]string{
	"create": nil,
	"start":  {"create"},
	"exec":   {"create", "start"},
	"kill":   {"create", "start"},
	"delete": {"create", "start"},
}

// args returns the command line of one lifecycle command.
func (e *env) cmdArgs(b *bundle, cmd, id string) []string {
	switch cmd {
	case "create":
		return []string{"create", "--bundle", b.dir, id}
	case "exec":
		return []string{"exec", id, "true"}
	case "kill":
		return []string{"kill", id, "KILL"}
	case "delete":
		return []string{"delete", "--force", id}
	}
	return []string{cmd, id}
}

var stepLine = regexp.MustCompile(`ms  ((create|start|exec|kill|delete): [^"]*)"`)

// discoverSteps runs the lifecycle once with --debug and returns the
// steps each command logged, in order.
func (e *env) discoverSteps(b *bundle) map[string][]string {
	e.t.Helper()
	id := e.id()
	steps := make(map[string][]string)
	for _, cmd := range []string{"create", "start", "exec", "kill", "delete"} {
		r := e.berth(append([]string{"--debug"}, e.cmdArgs(b, cmd, id)...)...)
		if r.code != 0 {
			e.t.Fatalf("%s: %s", cmd, r)
		}
		seen := make(map[string]bool)
		for _, m := range stepLine.FindAllStringSubmatch(r.stderr, -1) {
			if m[2] == cmd && !seen[m[1]] && !strings.Contains(m[1], ": filter not kept") {
				seen[m[1]] = true
				steps[cmd] = append(steps[cmd], m[1])
			}
		}
	}
	return steps
}

// crashAt sets a container up for cmd, runs cmd with berth killed at
// step, and checks what is left.
func (e *env) crashAt(b *bundle, cmd, step string) {
	e.t.Helper()
	id := e.id()
	for _, pre := range lifecycle[cmd] {
		e.must(e.cmdArgs(b, pre, id)...)
	}
	r := e.berthWith(func(c *exec.Cmd) {
		c.Path, c.Args[0] = crashBin, crashBin
		c.Env = append(os.Environ(), "BERTH_CRASH_AT="+step)
	}, e.cmdArgs(b, cmd, id)...)
	if r.signal != syscall.SIGKILL {
		e.t.Errorf("[%s] berth was not killed there: %s", step, r)
	} else {
		fault(step)
	}
	e.checkTruth(step, id)
	if r := e.berth("delete", "--force", id); r.code != 0 {
		e.t.Errorf("[%s] delete --force: %s", step, r)
	}
	e.assertNoLeaks("after a crash at " + strconv.Quote(step))
	if r := e.berth("delete", "--force", id); r.code != 0 || r.stdout != "" || r.stderr != "" {
		e.t.Errorf("[%s] second delete --force is not a clean no-op: %s", step, r)
	}
}

// checkTruth checks that `state` tells the truth: a live status names a
// live process, a stopped one no pid; or it fails with a clear error.
func (e *env) checkTruth(step, id string) {
	e.t.Helper()
	r := e.berth("state", id)
	if r.code != 0 {
		e.clearError(r, "["+step+"] state")
		return
	}
	var st ociState
	if err := json.Unmarshal([]byte(r.stdout), &st); err != nil {
		e.t.Errorf("[%s] state: %v: %s", step, err, r)
		return
	}
	switch st.Status {
	case "created", "running", "paused":
		if st.Pid <= 0 || !alive(st.Pid) {
			e.t.Errorf("[%s] state says %s with pid %d, which does not run", step, st.Status, st.Pid)
		}
	case "stopped":
		if st.Pid != 0 {
			e.t.Errorf("[%s] state says stopped with pid %d", step, st.Pid)
		}
	default:
		e.t.Errorf("[%s] state says %q", step, st.Status)
	}
}

// alive tells whether pid runs (exists and is no zombie).
func alive(pid int) bool {
	_, st := procPPid(pid)
	return st != 0 && st != 'Z' && st != 'X'
}
