package libcontainer

import (
	"errors"
	"fmt"
	"os"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/berth-oci/berth/libcontainer/seccomp"
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
}

// Exec starts a process inside the running container and returns its
// host pid once it has exec'd. The process is the caller's child.
func (c *Container) Exec(o *ExecOpts) (int, error) {
	if o.Warn == nil {
		o.Warn = func(string) {}
	}
	trace("exec: start")
	if err := c.execAllowed(o.IgnorePaused); err != nil {
		return 0, err
	}
	proc, err := c.execProcess(o)
	if err != nil {
		return 0, err
	}
	x := &execution{c: c, o: o, proc: proc, fds: noFDs()}
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
func (c *Container) execAllowed(ignorePaused bool) error {
	switch st := c.Status(); st {
	case Running, Created:
	case Paused:
		if !ignorePaused {
			return errors.New("cannot exec in a paused container (use --ignore-paused to override)")
		}
	default:
		return fmt.Errorf("cannot exec in a %s container", st)
	}
	return nil
}

// execProcess resolves the process to run. A process built from the
// container's own repeats the warnings create gave for it: those are
// logged at debug level only.
func (c *Container) execProcess(o *ExecOpts) (*specconv.Process, error) {
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
	if len(warnings) > 0 && c.state.Config != nil && c.state.Config.Process != nil {
		_, known, _ := specconv.ResolveProcess(c.state.Config.Process, opts)
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

// execution is one `exec` in progress.
type execution struct {
	c     *Container
	o     *ExecOpts
	proc  *specconv.Process
	init  *initProcess
	files []*os.File
	fds   initFDs
	prog  *seccomp.Program
	pid   int
	undo  undoStack
}

func (x *execution) run() (int, error) {
	if err := x.checkTerminal(); err != nil {
		return 0, err
	}
	if err := x.prepareFiles(); err != nil {
		return 0, err
	}
	if err := x.spawn(); err != nil {
		return 0, err
	}
	if err := x.drive(); err != nil {
		return 0, err
	}
	return x.pid, x.finish()
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

func (x *execution) prepareFiles() error {
	x.files = append(x.files, x.o.ExtraFiles...)
	x.fds.preserve = len(x.o.ExtraFiles)
	x.fds.setgroups = !x.c.state.Rootless || !x.c.hasNamespace(specs.UserNamespace)
	x.undo.push(func() {
		for _, f := range x.files[len(x.o.ExtraFiles):] {
			f.Close()
		}
	})
	if x.proc.Terminal {
		sock := x.o.Console
		if sock == nil {
			var err error
			if sock, err = dialUnix(x.o.ConsoleSocket); err != nil {
				return fmt.Errorf("--console-socket: %w", err)
			}
		}
		x.fds.console = x.add(sock)
	}
	if err := x.namespaces(); err != nil {
		return err
	}
	var err error
	x.fds.seccomp, x.prog, err = x.seccomp()
	return err
}

// add hands f to the init and returns its fd number there.
func (x *execution) add(f *os.File) int {
	x.files = append(x.files, f)
	return 2 + len(x.files)
}

func (x *execution) spawn() error {
	spec := spawnSpec{stdio: x.o.Stdio, cgroupFD: -1}
	entry, err := x.cgroupEntry()
	if err != nil {
		return err
	}
	defer entry.Close()
	spec.files, spec.cgroupFD = x.files, entry.CloneFD
	init, err := spawnInit(spec)
	if err != nil {
		return err
	}
	x.init = init
	x.undo.push(init.kill)
	if err := x.setInitialAffinity(); err != nil {
		return err
	}
	trace("exec: init started")
	fork := x.c.hasNamespace(specs.PIDNamespace) || x.c.hasNamespace(specs.TimeNamespace)
	return init.sock.send(msgPlan, encodeExecPlan(x.proc, x.fds, fork))
}

// drive answers the init until the process has exec'd: EOF after
// msgReady (the socket is close-on-exec) means it did.
func (x *execution) drive() error {
	ready := false
	for {
		fr, err := x.init.sock.recv()
		if errors.Is(err, errInitGone) && ready {
			return nil
		}
		if err != nil {
			return x.failed(err)
		}
		if err := x.handle(fr, &ready); err != nil {
			return err
		}
	}
}

// handle answers one message of the init.
func (x *execution) handle(fr frame, ready *bool) error {
	if fr.fd != nil {
		defer fr.fd.Close()
	}
	switch fr.typ {
	case msgPID:
		return x.recordPid(fr.payload)
	case msgReady:
		*ready = true
	case msgSeccompFD:
		return x.handOverListener(fr.fd)
	case msgError, msgHookError:
		return initError(fr.payload)
	default:
		return fmt.Errorf("unexpected message %d from the exec init", fr.typ)
	}
	return nil
}

func (x *execution) handOverListener(fd *os.File) error {
	if fd == nil || x.prog == nil {
		return errors.New("seccomp listener message without a listener")
	}
	st := x.c.hookState(Running)
	st.Pid = x.pid
	if err := sendListener(x.prog, int(fd.Fd()), st); err != nil {
		return err
	}
	return x.init.sock.send(msgSeccompDone, nil)
}

func (x *execution) failed(err error) error {
	if !errors.Is(err, errInitGone) {
		return err
	}
	if x.pid > 0 {
		var ws unix.WaitStatus
		unix.Wait4(x.pid, &ws, 0, nil)
		return fmt.Errorf("the process died before exec: %s", describeWait(ws))
	}
	return fmt.Errorf("the exec init died: %s", describeWait(x.init.wait()))
}

func (x *execution) recordPid(payload []byte) error {
	if len(payload) != 4 {
		return errors.New("bad pid message from the exec init")
	}
	x.pid = int(uint32(payload[0]) | uint32(payload[1])<<8 | uint32(payload[2])<<16 | uint32(payload[3])<<24)
	if x.pid != x.init.pid {
		x.init.wait()
	}
	pid := x.pid
	x.undo.push(func() {
		unix.Kill(pid, unix.SIGKILL)
		var ws unix.WaitStatus
		unix.Wait4(pid, &ws, 0, nil)
	})
	trace("exec: process forked")
	return nil
}

func (x *execution) finish() error {
	x.init.sock.f.Close()
	for _, f := range x.files[len(x.o.ExtraFiles):] {
		f.Close()
	}
	if x.o.PidFile != "" {
		if err := writePidFile(x.o.PidFile, x.pid); err != nil {
			return err
		}
	}
	if x.o.PidfdSocket != "" {
		st, err := readProcStat(x.pid)
		if err != nil {
			return fmt.Errorf("--pidfd-socket: process %d: %w", x.pid, err)
		}
		return sendPidfd(x.o.PidfdSocket, x.pid, st.startTime)
	}
	return nil
}

// hasNamespace says whether the container has its own namespace of typ
// (made or joined).
func (c *Container) hasNamespace(typ specs.LinuxNamespaceType) bool {
	if c.state.Config == nil || c.state.Config.Linux == nil {
		return false
	}
	for _, ns := range c.state.Config.Linux.Namespaces {
		if ns.Type == typ {
			return true
		}
	}
	return false
}
