package libcontainer

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
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
	start     startFunc       // starts the init; spawnInit when nil (tests script one)
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
	inUserNS := o.Rootless && os.Geteuid() == 0 && RunningInUserNS()
	return specconv.Options{Rootless: o.Rootless, InUserNS: inUserNS, NoPivot: o.NoPivot}
}

// loadPlan is the preloaded plan, or loads it now.
func (o *CreateOpts) loadPlan() (*specconv.Plan, []string, error) {
	if o.preloaded != nil {
		r := <-o.preloaded
		return r.plan, r.warnings, r.err
	}
	return specconv.Load(o.Bundle, o.specOptions())
}

// creation is one `create` in progress; its session with the init is
// the one exec uses too, the creation answers what is create's own.
type creation struct {
	o     *CreateOpts
	plan  *specconv.Plan
	dir   *stateDir
	state *State
	cg    cgroups.Manager
	undo  undoStack
	s     *initSession
	fds   initFDs
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
	plan.Process.Env = specconv.DedupEnv(append(plan.Process.Env, o.ExtraEnv...))
	seccomp.SetDefaultFlags(plan.Seccomp)
	c := newCreation(o, plan)
	return c.create(c.makeStateDir, c.makeCgroup, c.prepareFiles, c.spawn, c.s.drive, c.finish)
}

func newCreation(o *CreateOpts, plan *specconv.Plan) *creation {
	c := &creation{o: o, plan: plan, fds: noFDs()}
	c.s = newSession(modeCreate, o.start, c, &c.undo)
	c.s.prefix = "create container " + o.ID + ": "
	return c
}

var createStepNames = []string{"state dir", "cgroup", "files", "spawn", "init ready", "state saved"}

// create runs the steps of a create in order; on error it undoes them
// and returns the error.
func (c *creation) create(steps ...func() error) (*Container, error) {
	for i, step := range steps {
		if err := step(); err != nil {
			c.undo.run()
			if errors.As(err, new(*hookFailure)) {
				c.poststop() // lifecycle step 13, after the undo (step 12)
			}
			return nil, err
		}
		if i < len(createStepNames) {
			trace("create: " + createStepNames[i])
		}
	}
	c.undo.forget()
	c.dir.unlock()
	return newContainer(c.o.Root, *c.state), nil
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
		Path:        c.plan.CgroupsPath,
		ID:          c.o.ID,
		Systemd:     c.o.SystemdCgroup,
		Rootless:    c.o.Rootless,
		Resources:   c.plan.Resources,
		Annotations: c.plan.Spec.Annotations,
		// the default devices are in Plan.Devices
		DefaultDevices: deviceRules(c.plan),
	})
	if err != nil {
		return err
	}
	// the `creating` record names every cgroup directory Create may make
	// before it makes the first: a create killed from here on, even inside
	// Create, leaves nothing `delete --force` cannot find
	intent := cgroups.Intent(cg)
	c.state.Cgroup = &intent
	if err := c.dir.save(c.state); err != nil {
		return err
	}
	trace("create: state recorded")
	if err := cg.Create(); err != nil {
		return err
	}
	c.cg = cg
	c.undo.push(func() { cg.Kill(unix.SIGKILL); cg.Destroy() })
	for _, w := range cg.Warnings() {
		cgroupWarn(w, c.o.Rootless, c.o.Warn)
	}
	st := cg.State()
	c.state.Cgroup = &st
	return nil
}

// prepareFiles opens what the init gets as fds, in this order: the
// process's extra files, the exec fifo, the console socket, the
// namespaces to join, the prepared mount trees; and compiles seccomp.
func (c *creation) prepareFiles() error {
	for _, f := range c.o.ExtraFiles {
		c.s.pass(f)
	}
	c.fds.preserve = len(c.o.ExtraFiles)
	fifo, err := c.makeFifo()
	if err != nil {
		return err
	}
	c.fds.fifo = c.s.add(fifo)
	if c.plan.Process.Terminal {
		sock, err := c.consoleSocket()
		if err != nil {
			return err
		}
		c.fds.console = c.s.add(sock)
	}
	if c.fds.joins, err = openJoins(c.plan, c.s.add); err != nil {
		return err
	}
	idmapped, _ := sourceClones(c.plan, c.o.Rootless)
	trees, idmaps, err := prepareMountTrees(c.plan, idmapped)
	if err != nil {
		return err
	}
	c.s.idmaps = idmaps
	for _, t := range trees {
		c.fds.trees = append(c.fds.trees, c.s.add(t))
	}
	return nil
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

// facts are what the container's plan takes beyond config.json.
func (c *creation) facts() createFacts {
	return createFacts{
		id:           c.o.ID,
		rootless:     c.o.Rootless,
		groupsDenied: setgroupsDenied(),
		newKeyring:   !c.o.NoNewKeyring,
		cgroup:       c.state.Cgroup,
		pathWalk:     hostPathWalk(),
		proxyTTY:     c.o.Console != nil,
	}
}

func (c *creation) spawn() error {
	if c.plan.NoMountNS {
		if err := c.recordHostMounts(); err != nil {
			return err
		}
	}
	filter, prog, err := compileSeccomp(c.o.Root, c.plan.Seccomp)
	if err != nil {
		return err
	}
	c.s.prog = prog
	entry := cgroups.Entry{CloneFD: -1}
	if c.cg != nil {
		if entry, err = c.cg.OpenEntry(); err != nil {
			return err
		}
		defer entry.Close()
	}
	for _, f := range entry.Tasks {
		c.fds.tasks = append(c.fds.tasks, c.s.add(f))
	}
	if err := c.s.spawn(c.o.Stdio, entry.CloneFD); err != nil {
		return err
	}
	if err := c.adopt(); err != nil {
		return err
	}
	h := c.facts()
	warnDeniedGroups(c.plan.Process.AdditionalGids, h.groupsDenied, c.o.Warn)
	return c.s.sendPlan(finishCreatePlan(c.plan, h, c.fds, filter))
}

// adopt puts the init, which waits for its plan, into a cgroup that
// needs a process to be made (the systemd driver's unit: see
// cgroups.Manager.Adopt), and records the cgroup as made.
func (c *creation) adopt() error {
	if c.cg == nil {
		return nil
	}
	if err := c.cg.Adopt(c.s.init.pid); err != nil {
		return err
	}
	for _, w := range c.cg.Warnings() {
		cgroupWarn(w, c.o.Rootless, c.o.Warn)
	}
	st := c.cg.State()
	c.state.Cgroup = &st
	return nil
}

// recordHostMounts records the mount at the rootfs before create, for a
// container without a mount namespace of its own: its mounts stack above
// it until delete.
func (c *creation) recordHostMounts() error {
	ns, rootfs := lifecycleOf(c.plan.Spec).mountNSPath(), c.plan.Rootfs
	var id uint64
	err := inMountNS(ns, func() (err error) { id, err = mountID(rootfs); return err })
	if err != nil {
		return err
	}
	c.state.RootfsMountBefore = id
	c.undo.push(func() { inMountNS(ns, func() error { return detachHostMounts(rootfs, id) }) })
	return nil
}

func (c *creation) writeIDMaps(initPid int) error {
	return writeIDMaps(initPid, c.plan.UIDMappings, c.plan.GIDMappings, c.o.Rootless)
}

func (c *creation) forked(pid int) error {
	st, err := readProcStat(pid)
	if err != nil {
		return fmt.Errorf("container process %d: %w", pid, err)
	}
	c.state.InitPid, c.state.InitStartTime = pid, st.startTime
	// the record names the process from here on: a create killed later
	// leaves a pid (with its start time) that delete can stop even where
	// no cgroup holds it (rootless)
	if err := c.dir.save(c.state); err != nil {
		return err
	}
	// the pids limit counts the fork just made (cgroups.Manager.Started)
	if c.cg == nil {
		return nil
	}
	return c.cg.Started()
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

func (c *creation) agentState() *specs.State { return c.ociState(Creating) }

// runHooks moves linux.netDevices into the container's network namespace,
// runs prestart and createRuntime hooks, then returns the state for the
// init's createContainer and startContainer hooks. A failing hook
// stops the container and runs the poststop hooks (lifecycle step 12).
func (c *creation) runHooks() ([]byte, error) {
	// the network devices first: runc moves them before the hooks run
	if err := moveNetDevices(c.plan.NetDevices, c.state.InitPid); err != nil {
		return nil, err
	}
	if len(c.plan.NetDevices) > 0 {
		trace("create: network devices moved")
	}
	st := c.ociState(Created)
	if h := c.plan.Hooks; h != nil {
		err := runHooks("prestart", h.Prestart, st)
		if err == nil {
			err = runHooks("createRuntime", h.CreateRuntime, st)
		}
		if err != nil {
			return nil, &hookFailure{err}
		}
	}
	return json.Marshal(st)
}

func (c *creation) poststop() {
	if h := c.plan.Hooks; h != nil {
		runHooksWarn("poststop", h.Poststop, c.ociState(Stopped), func(err error) { c.o.Warn(err.Error()) })
	}
}

func (c *creation) finish() error {
	c.s.finish()
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
