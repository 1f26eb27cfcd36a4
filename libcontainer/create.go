package libcontainer

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/berth-oci/berth/cgroups"
	"github.com/berth-oci/berth/libcontainer/seccomp"
	"github.com/berth-oci/berth/specconv"
)

// CreateOpts are the options of `berth create` (and of `berth run`).
type CreateOpts struct {
	Root   string // state root, e.g. /run/berth
	ID     string
	Bundle string // absolute
	// ConsoleSocket is the path of a unix socket that receives the pty
	// master; Console, when set, is an already connected socket used
	// instead (`run` proxying its own terminal).
	ConsoleSocket string
	Console       *os.File
	PidFile       string
	PidfdSocket   string
	NoPivot       bool
	NoNewKeyring  bool
	// ExtraFiles become the process's fds 3, 4, ... (LISTEN_FDS and
	// --preserve-fds).
	ExtraFiles []*os.File
	// ExtraEnv is appended to the process's environment.
	ExtraEnv      []string
	Rootless      bool
	SystemdCgroup bool
	Stdio         [3]*os.File
	// Warn receives warnings (spec fields dropped, hooks that failed
	// where the spec says to go on).
	Warn func(string)

	preloaded chan loadedPlan // see Preload
}

type loadedPlan struct {
	plan     *specconv.Plan
	warnings []string
	err      error
}

// Preload starts reading and checking the bundle's config.json in the
// background; Create takes the result. Called as early as the options are
// known, it overlaps the decoding (about half a millisecond, mostly
// encoding/json's first-use reflection) with the rest of the start-up.
func (o *CreateOpts) Preload() {
	ch := make(chan loadedPlan, 1)
	bundle, opts := o.Bundle, o.specOptions()
	go func() {
		p, w, err := specconv.Load(bundle, opts)
		ch <- loadedPlan{p, w, err}
	}()
	o.preloaded = ch
}

func (o *CreateOpts) specOptions() specconv.Options {
	return specconv.Options{Rootless: o.Rootless, NoPivot: o.NoPivot}
}

// loadPlan is the preloaded plan, or loads it now.
func (o *CreateOpts) loadPlan() (*specconv.Plan, []string, error) {
	if o.preloaded != nil {
		r := <-o.preloaded
		return r.plan, r.warnings, r.err
	}
	return specconv.Load(o.Bundle, o.specOptions())
}

// creation is one `create` in progress.
type creation struct {
	o     *CreateOpts
	plan  *specconv.Plan
	dir   *stateDir
	state *State
	cg    cgroups.Manager
	init  *initProcess
	undo  undoStack
	files []*os.File // handed to the init, fd 3 onwards
	fds   initFDs
	prog  *seccomp.Program // the compiled seccomp profile, nil for none
	// hookFailed: a create-time hook failed, poststop hooks run after
	// the container is destroyed
	hookFailed bool
}

// Create makes a container from a bundle and leaves its process waiting
// for Start. On error nothing it made is left behind.
func Create(o *CreateOpts) (*Container, error) {
	if o.Warn == nil {
		o.Warn = func(string) {}
	}
	if err := ValidateID(o.ID); err != nil {
		return nil, err
	}
	trace("create: start")
	plan, warnings, err := o.loadPlan()
	trace("create: config loaded")
	for _, w := range warnings {
		o.Warn(w)
	}
	if err != nil {
		return nil, err
	}
	if plan.Process.Terminal && o.ConsoleSocket == "" && o.Console == nil {
		return nil, errors.New("process.terminal is true: --console-socket is required (berth would detach without a terminal)")
	}
	plan.Process.Env = append(plan.Process.Env, o.ExtraEnv...)
	c := &creation{o: o, plan: plan, fds: noFDs()}
	if err := c.run(); err != nil {
		c.undo.run()
		if c.hookFailed {
			c.poststop() // lifecycle step 13, after the undo (step 12)
		}
		return nil, err
	}
	c.undo.forget()
	c.dir.unlock()
	return &Container{root: o.Root, state: *c.state}, nil
}

func (c *creation) run() error {
	steps := []func() error{
		c.makeStateDir,
		c.makeCgroup,
		c.prepareFiles,
		c.spawn,
		c.drive,
		c.finish,
	}
	names := []string{"state dir", "cgroup", "files", "spawn", "init ready", "state saved"}
	for i, step := range steps {
		if err := step(); err != nil {
			return err
		}
		trace("create: " + names[i])
	}
	return nil
}

func (c *creation) makeStateDir() error {
	dir, err := createStateDir(c.o.Root, c.o.ID)
	if err != nil {
		return err
	}
	c.dir = dir
	c.undo.push(func() { dir.remove() })
	c.state = &State{
		ID:       c.o.ID,
		Bundle:   c.o.Bundle,
		Rootfs:   c.plan.Rootfs,
		Status:   Creating,
		Created:  time.Now().UTC(),
		Owner:    "",
		Config:   c.plan.Spec,
		Rootless: c.o.Rootless,
	}
	return nil
}

func (c *creation) makeCgroup() error {
	cg, err := cgroups.New(cgroups.Config{
		Path:           c.plan.CgroupsPath,
		ID:             c.o.ID,
		Systemd:        c.o.SystemdCgroup,
		Rootless:       c.o.Rootless,
		Resources:      c.plan.Resources,
		DefaultDevices: deviceRules(c.plan),
	})
	if err != nil {
		return err
	}
	if err := cg.Create(); err != nil {
		return err
	}
	c.cg = cg
	c.undo.push(func() { cg.Kill(unix.SIGKILL); cg.Destroy() })
	for _, w := range cg.Warnings() {
		c.o.Warn(w)
	}
	st := cg.State()
	c.state.Cgroup = &st
	// the first record names the cgroup: a create killed from here on
	// leaves something `delete --force` can finish
	if err := c.dir.save(c.state); err != nil {
		return err
	}
	return expandCgroupMounts(c.plan, cg)
}

// prepareFiles opens what the init gets as fds, in this order: the
// process's extra files, the exec fifo, the console socket, the
// namespaces to join.
func (c *creation) prepareFiles() error {
	c.files = append(c.files, c.o.ExtraFiles...)
	c.fds.preserve = len(c.o.ExtraFiles)
	c.fds.setgroups = !(c.o.Rootless && createsNamespace(c.plan, unix.CLONE_NEWUSER))
	if !c.o.NoNewKeyring {
		// a keyring of its own, not the one of berth's caller, as runc
		c.fds.keyring = "_ses." + c.o.ID
	}
	fifo, err := c.makeFifo()
	if err != nil {
		return err
	}
	c.fds.fifo = c.add(fifo)
	if c.plan.Process.Terminal {
		sock, err := c.consoleSocket()
		if err != nil {
			return err
		}
		c.fds.console = c.add(sock)
	}
	joins, err := openJoins(c.plan, &c.files)
	if err != nil {
		return err
	}
	c.fds.joins = joins
	trees, err := prepareIdmapTrees(c.plan.Mounts)
	if err != nil {
		return err
	}
	for _, t := range trees {
		c.fds.trees = append(c.fds.trees, c.add(t))
	}
	if c.fds.seccomp, c.prog, err = compileSeccomp(c.o.Root, c.plan.Seccomp); err != nil {
		return err
	}
	c.undo.push(func() {
		for _, f := range c.files[len(c.o.ExtraFiles):] {
			f.Close()
		}
	})
	return nil
}

// add appends f to the init's files and returns its fd number there.
func (c *creation) add(f *os.File) int {
	c.files = append(c.files, f)
	return 2 + len(c.files)
}

// makeFifo makes the exec fifo `start` opens and returns an O_PATH fd of it.
func (c *creation) makeFifo() (*os.File, error) {
	path := c.dir.file(fifoName)
	old := unix.Umask(0)
	err := unix.Mkfifo(path, 0o622)
	unix.Umask(old)
	if err != nil {
		return nil, fmt.Errorf("make exec fifo %s: %w", path, err)
	}
	fd, err := unix.Open(path, unix.O_PATH|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("open exec fifo %s: %w", path, err)
	}
	return os.NewFile(uintptr(fd), path), nil
}

func (c *creation) consoleSocket() (*os.File, error) {
	if c.o.Console != nil {
		return c.o.Console, nil
	}
	if c.o.ConsoleSocket == "" {
		return nil, errors.New("process.terminal is true: --console-socket is required")
	}
	return dialUnix(c.o.ConsoleSocket)
}

func (c *creation) spawn() error {
	if c.plan.NoMountNS {
		ns, rootfs := mountNSPath(c.plan.Spec), c.plan.Rootfs
		var id uint64
		err := inMountNS(ns, func() (err error) { id, err = mountID(rootfs); return err })
		if err != nil {
			return err
		}
		c.state.RootfsMountBefore = id
		c.undo.push(func() { inMountNS(ns, func() error { return detachHostMounts(rootfs, id) }) })
	}
	entry, err := c.cg.OpenEntry()
	if err != nil {
		return err
	}
	defer entry.Close()
	for _, f := range entry.Tasks {
		c.fds.tasks = append(c.fds.tasks, c.add(f))
	}
	init, err := spawnInit(spawnSpec{stdio: c.o.Stdio, files: c.files, cgroupFD: entry.CloneFD})
	if err != nil {
		return err
	}
	trace("create: init started")
	c.init = init
	c.undo.push(init.kill)
	return init.sock.send(msgPlan, encodeCreatePlan(c.plan, c.fds))
}

// drive answers the init's requests until it is ready.
func (c *creation) drive() error {
	for {
		fr, err := c.init.sock.recv()
		if err != nil {
			return c.initFailed(err)
		}
		switch fr.typ {
		case msgUserns:
			trace("create: init made the user namespace")
			err = c.writeIDMaps()
		case msgPID:
			trace("create: init forked the container process")
			err = c.recordPid(fr.payload)
			if err == nil {
				// the pids limit counts the fork just made (cgroups.Manager)
				err = c.cg.Started()
			}
		case msgHooks:
			trace("create: init mounted the rootfs")
			err = c.runCreateHooks()
		case msgSeccompFD:
			err = c.handOverListener(fr.fd)
		case msgReady:
			return nil
		case msgError:
			return fmt.Errorf("create container %s: %w", c.o.ID, initError(fr.payload))
		case msgHookError:
			c.hookFailed = true
			return initError(fr.payload)
		default:
			err = fmt.Errorf("unexpected message %d from the container init", fr.typ)
		}
		if fr.fd != nil {
			fr.fd.Close()
		}
		if err != nil {
			return err
		}
	}
}

// initFailed explains a socket error: the init died without a word.
func (c *creation) initFailed(err error) error {
	if !errors.Is(err, errInitGone) {
		return err
	}
	if c.state.InitPid > 0 {
		var ws unix.WaitStatus
		unix.Wait4(c.state.InitPid, &ws, 0, nil)
		return fmt.Errorf("create container %s: the container init died: %s", c.o.ID, describeWait(ws))
	}
	return fmt.Errorf("create container %s: the container init died: %s", c.o.ID, describeWait(c.init.wait()))
}

func (c *creation) writeIDMaps() error {
	err := writeIDMaps(c.init.pid, c.plan.UIDMappings, c.plan.GIDMappings, c.o.Rootless)
	if err != nil {
		return err
	}
	return c.init.sock.send(msgUsernsDone, nil)
}

func (c *creation) recordPid(payload []byte) error {
	if len(payload) != 4 {
		return errors.New("bad pid message from the container init")
	}
	pid := int(uint32(payload[0]) | uint32(payload[1])<<8 | uint32(payload[2])<<16 | uint32(payload[3])<<24)
	st, err := readProcStat(pid)
	if err != nil {
		return fmt.Errorf("container process %d: %w", pid, err)
	}
	c.state.InitPid, c.state.InitStartTime = pid, st.startTime
	if pid != c.init.pid {
		// the forked process is our child (CLONE_PARENT): reap the stage
		c.init.wait()
		c.undo.push(func() {
			unix.Kill(pid, unix.SIGKILL)
			var ws unix.WaitStatus
			unix.Wait4(pid, &ws, 0, nil)
		})
	}
	return nil
}

// ociState is the state handed to hooks.
func (c *creation) ociState(status Status) *specs.State {
	return &specs.State{
		Version:     specs.Version,
		ID:          c.o.ID,
		Status:      specs.ContainerState(status),
		Pid:         c.state.InitPid,
		Bundle:      c.o.Bundle,
		Annotations: c.plan.Spec.Annotations,
	}
}

// runCreateHooks runs prestart and createRuntime hooks, then hands the
// init the state for createContainer and startContainer hooks. A failing
// hook stops the container and runs the poststop hooks (lifecycle step 12).
func (c *creation) runCreateHooks() error {
	st := c.ociState(Created)
	if h := c.plan.Hooks; h != nil {
		err := runHooks("prestart", h.Prestart, st)
		if err == nil {
			err = runHooks("createRuntime", h.CreateRuntime, st)
		}
		if err != nil {
			c.hookFailed = true
			return err
		}
	}
	data, err := json.Marshal(st)
	if err != nil {
		return err
	}
	return c.init.sock.send(msgHooksDone, data)
}

// handOverListener passes the seccomp listener to the agent.
func (c *creation) handOverListener(fd *os.File) error {
	if fd == nil || c.prog == nil {
		return errors.New("seccomp listener message without a listener")
	}
	if err := sendListener(c.prog, int(fd.Fd()), c.ociState(Creating)); err != nil {
		return err
	}
	return c.init.sock.send(msgSeccompDone, nil)
}

func (c *creation) poststop() {
	if h := c.plan.Hooks; h != nil {
		runHooksWarn("poststop", h.Poststop, c.ociState(Stopped), func(err error) { c.o.Warn(err.Error()) })
	}
}

func (c *creation) finish() error {
	c.init.sock.f.Close()
	for _, f := range c.files[len(c.o.ExtraFiles):] {
		f.Close() // the init has its copies
	}
	c.state.Status = Created
	if err := c.dir.save(c.state); err != nil {
		return err
	}
	if c.o.PidFile != "" {
		if err := writePidFile(c.o.PidFile, c.state.InitPid); err != nil {
			return err
		}
	}
	if c.o.PidfdSocket != "" {
		return sendPidfd(c.o.PidfdSocket, c.state.InitPid, c.state.InitStartTime)
	}
	return nil
}

// writePidFile writes pid atomically, as runc does.
func writePidFile(path string, pid int) error {
	tmp := filepath.Join(filepath.Dir(path), "."+filepath.Base(path)+".tmp")
	if err := os.WriteFile(tmp, []byte(fmt.Sprint(pid)), 0o644); err != nil {
		return fmt.Errorf("--pid-file %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("--pid-file %s: %w", path, err)
	}
	return nil
}

func describeWait(ws unix.WaitStatus) string {
	switch {
	case ws.Exited():
		return fmt.Sprintf("exit status %d", ws.ExitStatus())
	case ws.Signaled():
		return fmt.Sprintf("killed by %s", unix.SignalName(syscall.Signal(ws.Signal())))
	}
	return "unknown status"
}
