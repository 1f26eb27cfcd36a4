package libcontainer

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/berth-oci/berth/cgroups"
	"github.com/berth-oci/berth/libcontainer/seccomp"
	"github.com/berth-oci/berth/specconv"
)

// ExecOpts are the options of `berth exec`.
type ExecOpts struct {
	// Process is the process to run, resolved (from --process or from the
	// container's process with the command line's changes).
	Process       *specs.Process
	ConsoleSocket string
	Console       *os.File
	PidFile       string
	PidfdSocket   string
	IgnorePaused  bool
	// SubCgroup is --cgroup: a sub-cgroup of the container's cgroup, per
	// controller ("" for all).
	SubCgroup  map[string]string
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
	switch st := c.Status(); st {
	case Running, Created:
	case Paused:
		if !o.IgnorePaused {
			return 0, errors.New("cannot exec in a paused container (use --ignore-paused to override)")
		}
	default:
		return 0, fmt.Errorf("cannot exec in a %s container", st)
	}
	proc, warnings, err := specconv.ResolveProcess(o.Process, specconv.Options{Rootless: c.state.Rootless, File: "exec"})
	for _, w := range warnings {
		o.Warn(w)
	}
	if err != nil {
		return 0, err
	}
	x := &execution{c: c, o: o, proc: &proc, fds: noFDs()}
	defer x.undo.run()
	pid, err := x.run()
	if err != nil {
		return 0, err
	}
	x.undo.forget()
	return pid, nil
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
	if x.proc.Terminal && x.o.ConsoleSocket == "" && x.o.Console == nil {
		return 0, errors.New("exec: --tty needs --console-socket (berth would detach without a terminal)")
	}
	if err := x.prepareFiles(); err != nil {
		return 0, err
	}
	cg, err := x.cgroup()
	if err != nil {
		return 0, err
	}
	if err := x.spawn(cg); err != nil {
		return 0, err
	}
	if err := x.drive(); err != nil {
		return 0, err
	}
	return x.pid, x.finish()
}

func (x *execution) prepareFiles() error {
	x.files = append(x.files, x.o.ExtraFiles...)
	x.fds.preserve = len(x.o.ExtraFiles)
	x.fds.setgroups = !x.c.state.Rootless || !x.c.hasNamespace(specs.UserNamespace)
	if x.proc.Terminal {
		sock := x.o.Console
		if sock == nil {
			var err error
			if sock, err = dialUnix(x.o.ConsoleSocket); err != nil {
				return err
			}
		}
		x.fds.console = x.add(sock)
	}
	pidfd, err := openPidfd(x.c.state.InitPid, x.c.state.InitStartTime)
	if err != nil {
		return fmt.Errorf("exec: container %s: %w", x.c.state.ID, err)
	}
	x.fds.pidfd = x.add(os.NewFile(uintptr(pidfd), "pidfd"))
	x.fds.pidFlags = x.c.namespaceFlags()
	if cfg := x.c.state.Config; cfg != nil && cfg.Linux != nil {
		if x.fds.seccomp, x.prog, err = compileSeccomp(x.c.root, cfg.Linux.Seccomp); err != nil {
			return err
		}
	}
	x.undo.push(func() {
		for _, f := range x.files[len(x.o.ExtraFiles):] {
			f.Close()
		}
	})
	return nil
}

func (x *execution) add(f *os.File) int {
	x.files = append(x.files, f)
	return 2 + len(x.files)
}

// cgroup is the container's cgroup, or the --cgroup sub-cgroup.
func (x *execution) cgroup() (cgroups.Manager, error) {
	cg, err := x.c.cgroup()
	if err != nil || cg == nil || len(x.o.SubCgroup) == 0 {
		return cg, err
	}
	st := cg.State()
	sub, err := subCgroupState(st, x.o.SubCgroup)
	if err != nil {
		return nil, err
	}
	return cgroups.Load(sub)
}

func (x *execution) spawn(cg cgroups.Manager) error {
	spec := spawnSpec{stdio: x.o.Stdio, files: x.files, cgroupFD: -1}
	if cg != nil {
		entry, err := cg.OpenEntry()
		if err != nil {
			return fmt.Errorf("exec: join the container's cgroup: %w", err)
		}
		defer entry.Close()
		for _, f := range entry.Tasks {
			x.fds.tasks = append(x.fds.tasks, x.add(f))
		}
		spec.files, spec.cgroupFD = x.files, entry.CloneFD
	}
	init, err := spawnInit(spec)
	if err != nil {
		return err
	}
	x.init = init
	x.undo.push(init.kill)
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
		return fmt.Errorf("exec: the process died before exec: %s", describeWait(ws))
	}
	return fmt.Errorf("exec: the init died: %s", describeWait(x.init.wait()))
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
			return fmt.Errorf("exec: process %d: %w", x.pid, err)
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

// namespaceFlags are the CLONE_NEW* flags of the container's namespaces,
// for setns through its pidfd.
func (c *Container) namespaceFlags() uintptr {
	var flags uintptr
	for flag, typ := range nsFlagNames {
		if c.hasNamespace(typ) {
			flags |= flag
		}
	}
	return flags
}

// subCgroupState points a cgroup record at the --cgroup sub-cgroups: an
// entry "" applies to every hierarchy, a controller name to its own. The
// sub-cgroup must exist already, as with runc.
func subCgroupState(st cgroups.State, sub map[string]string) (cgroups.State, error) {
	out := st
	out.Paths = map[string]string{}
	out.Created = nil
	for ctrl, dir := range st.Paths {
		rel, ok := sub[ctrl]
		if !ok {
			rel = sub[""]
		}
		if rel == "" {
			out.Paths[ctrl] = dir
			continue
		}
		p := filepath.Join(dir, filepath.Clean("/"+rel))
		if fi, err := os.Stat(p); err != nil || !fi.IsDir() {
			return out, fmt.Errorf("--cgroup %s: no sub-cgroup %s", rel, p)
		}
		out.Paths[ctrl] = p
	}
	for ctrl := range sub {
		if _, ok := st.Paths[ctrl]; ctrl != "" && !ok {
			return out, fmt.Errorf("--cgroup %s:%s: the container has no %s cgroup", ctrl, sub[ctrl], ctrl)
		}
	}
	return out, nil
}
