package libcontainer

import (
	"errors"
	"fmt"
	"os"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/berth-oci/berth/specconv"
)

// ExecOpts are the options of `berth exec`.
type ExecOpts struct {
	// Process is the process to run, the container's with the command
	// line's changes; ProcessFile, when set, is a process.json giving
	// the whole process instead (--process), and ProcessJSON its content
	// if the caller has read it already (a pipe is read once).
	Process     *specs.Process
	ProcessFile string
	ProcessJSON []byte
	// ConsoleSocket receives the master of the process's terminal;
	// Console is an already connected one (berth's own proxy).
	ConsoleSocket string
	Console       *os.File
	// PidFile gets the process's host pid; PidfdSocket a pidfd of it.
	PidFile     string
	PidfdSocket string
	// IgnorePaused allows an exec into a paused container (the process
	// is frozen with it until it is resumed).
	IgnorePaused bool
	// SubCgroup is --cgroup: a sub-cgroup of the container's cgroup, per
	// controller ("" for all).
	SubCgroup map[string]string
	// ExtraFiles become the process's fds 3, 4, ...
	ExtraFiles []*os.File
	Stdio      [3]*os.File
	Warn       func(string)

	start startFunc // starts the init; spawnInit when nil (tests script one)
}

// Exec starts a process inside the running container and returns its
// host pid once it has exec'd. The process is the caller's child.
func (e *ExecContainer) Exec(o *ExecOpts) (int, error) {
	c := e.c
	if o.Warn == nil {
		o.Warn = func(string) {}
	}
	trace("exec: start")
	// The shared lock LoadForExec took is held until the process has
	// exec'd: a pause, a delete or a kill of the container waits for it,
	// other execs do not. Without it a pause between the check below and
	// the process joining the cgroup froze the new process, and the exec
	// waited on it with no one to resume it.
	defer e.release()
	st, err := c.execAllowed(o.IgnorePaused)
	if err != nil {
		return 0, err
	}
	if st == Paused {
		// --ignore-paused: the process waits frozen with the container
		// until a resume, which must not wait for this exec
		e.release()
	}
	proc, err := e.execProcess(o)
	if err != nil {
		return 0, err
	}
	x := newExecution(e, o, proc)
	defer x.undo.run()
	pid, err := x.run()
	if err != nil {
		return 0, err
	}
	x.undo.forget()
	trace("exec: done")
	return pid, nil
}

// execAllowed refuses a container that is not running (or created), and
// a paused one unless asked.
func (c *Container) execAllowed(ignorePaused bool) (Status, error) {
	st := c.Status()
	switch st {
	case Running, Created:
	case Paused:
		if !ignorePaused {
			// starts with the words tools look for in runc's error (kubectl
			// exec passes it through containerd; runc's bats suite checks it)
			return st, errors.New("cannot exec in a paused container: resume it, or pass --ignore-paused (the process then waits frozen with it)")
		}
	default:
		return st, fmt.Errorf("cannot exec in a %s container", st)
	}
	return st, nil
}

// execProcess resolves the process to run. A process built from the
// container's own repeats the warnings create gave for it: those are
// logged at debug level only.
func (e *ExecContainer) execProcess(o *ExecOpts) (*specconv.Process, error) {
	c := e.c
	opts := specconv.Options{Rootless: c.state.Rootless, File: "exec"}
	if o.ProcessFile != "" {
		opts.File = ""
		proc, warnings, err := specconv.LoadProcess(o.ProcessFile, o.ProcessJSON, opts)
		for _, w := range warnings {
			o.Warn(w)
		}
		if err != nil {
			return nil, fmt.Errorf("--process %s: %w", o.ProcessFile, err)
		}
		return &proc, nil
	}
	proc, warnings, err := specconv.ResolveProcess(o.Process, opts)
	if len(warnings) > 0 && e.cfg.Process != nil {
		_, known, _ := specconv.ResolveProcess(e.cfg.Process, opts)
		warnings = newWarnings(warnings, known)
	}
	for _, w := range warnings {
		o.Warn(w)
	}
	if err != nil {
		return nil, err
	}
	return &proc, nil
}

// newWarnings are the warnings not in known (the rest are traced).
func newWarnings(warnings, known []string) []string {
	seen := map[string]bool{}
	for _, w := range known {
		seen[w] = true
	}
	var out []string
	for _, w := range warnings {
		if seen[w] {
			trace("exec: " + w)
			continue
		}
		out = append(out, w)
	}
	return out
}

// execution is one `exec` in progress; its session with the init is the
// one create uses too, the execution answers what is exec's own.
type execution struct {
	c    *Container
	cfg  *ExecConfig
	o    *ExecOpts
	proc *specconv.Process
	s    *initSession
	fds  initFDs
	wide specconv.ContainerWide // the container's personality and memory policy
	undo undoStack
}

func newExecution(e *ExecContainer, o *ExecOpts, proc *specconv.Process) *execution {
	x := &execution{c: e.c, cfg: e.cfg, o: o, proc: proc, fds: noFDs()}
	x.s = newSession(modeExec, o.start, x, &x.undo)
	return x
}

func (x *execution) run() (int, error) {
	for _, step := range []func() error{x.checkTerminal, x.containerWide, x.prepareFiles, x.spawn, x.s.drive, x.finish} {
		if err := step(); err != nil {
			return 0, err
		}
	}
	return x.s.pid, nil
}

// checkTerminal: a terminal needs someone to hold its master, and a
// console socket a terminal to send.
func (x *execution) checkTerminal() error {
	hasSocket := x.o.ConsoleSocket != "" || x.o.Console != nil
	switch {
	case x.proc.Terminal && !hasSocket:
		return errors.New("a terminal needs --console-socket when berth detaches (nobody would hold it)")
	case !x.proc.Terminal && x.o.ConsoleSocket != "":
		return errors.New("--console-socket given but the process has no terminal (process.terminal is false)")
	}
	return nil
}

// containerWide resolves what the process gets from the container as
// every process of it: linux.personality and linux.memoryPolicy.
func (x *execution) containerWide() error {
	var err error
	opts := specconv.Options{Rootless: x.c.state.Rootless}
	x.wide, err = specconv.ResolveContainerWide(x.cfg.personality, x.cfg.memoryPolicy, opts)
	return err
}

func (x *execution) prepareFiles() error {
	for _, f := range x.o.ExtraFiles {
		x.s.pass(f)
	}
	x.fds.preserve = len(x.o.ExtraFiles)
	if x.proc.Terminal {
		sock := x.o.Console
		if sock == nil {
			var err error
			if sock, err = dialUnix(x.o.ConsoleSocket); err != nil {
				return fmt.Errorf("--console-socket: %w", err)
			}
		}
		x.fds.console = x.s.add(sock)
	}
	return x.namespaces()
}

// facts are what the process's plan takes beyond the process.
func (x *execution) facts() execFacts {
	return execFacts{rootless: x.c.state.Rootless, groupsDenied: setgroupsDenied(), namespaces: x.c.namespaceFlags(), pathWalk: hostPathWalk(),
		proxyTTY: x.o.Console != nil, wide: x.wide, cpusSet: x.cfg.cpus != ""}
}

func (x *execution) spawn() error {
	filter, prog, err := x.seccomp()
	if err != nil {
		return err
	}
	x.s.prog = prog
	entry, err := x.cgroupEntry()
	if err != nil {
		return err
	}
	defer entry.Close()
	if err := x.s.spawn(x.o.Stdio, entry.CloneFD); err != nil {
		return err
	}
	if err := x.setInitialAffinity(); err != nil {
		return err
	}
	h := x.facts()
	warnDeniedGroups(x.proc.AdditionalGids, h.groupsDenied, x.o.Warn)
	return x.s.sendPlan(finishExecPlan(x.proc, h, x.fds, filter))
}

func (x *execution) writeIDMaps(int) error {
	return errors.New("the exec init asked for id maps: it joins the container's user namespace")
}

func (x *execution) runHooks() ([]byte, error) {
	return nil, errors.New("the exec init asked for hooks: an exec runs none")
}

// forked: the session keeps the pid (and kills the process on failure).
func (x *execution) forked(int) error { return nil }

func (x *execution) agentState() *specs.State {
	st := x.c.hookState(Running)
	st.Pid = x.s.pid
	return st
}

func (x *execution) finish() error {
	x.s.finish()
	pid := x.s.pid
	if x.o.PidFile != "" {
		if err := writePidFile(x.o.PidFile, pid); err != nil {
			return err
		}
	}
	if x.o.PidfdSocket != "" {
		st, err := readProcStat(pid)
		if err != nil {
			return fmt.Errorf("--pidfd-socket: process %d: %w", pid, err)
		}
		return sendPidfd(x.o.PidfdSocket, pid, st.startTime)
	}
	return nil
}
