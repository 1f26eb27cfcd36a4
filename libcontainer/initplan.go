package libcontainer

import (
	"os"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/berth-oci/berth/cgroups"
	"github.com/berth-oci/berth/specconv"
)

// The finished plan: specconv.Plan (what config.json asks) plus the host
// facts and berth's own options, with every runtime decision made and
// every fd numbered. finishCreatePlan and finishExecPlan are the only
// places that decide; the encoder (initencode.go) serialises an initPlan as it
// is, and the init carries it out.

// initPlan is what the init carries out.
type initPlan struct {
	mode     uint32
	pathWalk bool // resolve paths by the openat2 fallback (tests of it)

	// joining: cgroup tasks files, the container's pidfd (exec) or its
	// namespace files, in joinOrder
	tasks    []int
	pidfd    int
	pidFlags uint32
	joins    []nsJoin
	// making: a user namespace (the parent writes its id maps), the rest
	// in one unshare, then a fork when a pid or time namespace needs one
	newUserns   bool
	unshare     uint32
	timeOffsets string
	fork        bool

	rootfs *initRootfs // create only

	proc      *specconv.Process
	umask     uint32
	setgroups bool        // setgroups(2) is allowed (not in a rootless user namespace)
	preserve  int         // fds 3..3+preserve-1 pass to the process
	console   int         // the console socket's fd, -1 for no terminal
	seccomp   *initFilter // nil for none
	finalCPUs []byte      // exec: the CPUs set once inside the cgroup
	resetCPUs bool        // allow every CPU of the cgroup, not the caller's
	// schedWithCPUs: the container has linux.resources.cpu.cpus; the
	// init says a refused scheduler (EPERM) as that conflict
	schedWithCPUs bool
	// consoleNoONLCR: berth proxies the pty (run, exec -t): the init
	// clears ONLCR before it sends the master, so that no output of the
	// process is translated, however early it writes
	consoleNoONLCR bool

	// the container's own settings (create only; personality and
	// memPolicy an exec gets too)
	hooks       []initHook
	keyring     string // the session keyring to join, "" to keep the caller's
	hostname    *string
	domainname  *string
	sysctls     []specconv.Sysctl
	personality *uint32
	memPolicy   *specconv.MemoryPolicy
	fifo        int // O_PATH fd of the exec fifo, -1 for none
}

// initRootfs is the container's filesystem as the init builds it.
type initRootfs struct {
	path        string
	readonly    bool
	propagation uint32
	noPivot     bool
	noMountNS   bool
	trees       []int // prepared idmapped mount trees, by initMount.tree
	mounts      []initMount
	setupDev    bool
	devices     []specconv.Device
	symlinks    []specconv.Symlink
	masked      []string
	readonlyP   []string
}

// initMount is one mount step of the init.
type initMount struct {
	kind        uint32 // initMount*
	source      string
	dest        string
	fstype      string
	flags       uint32
	clearFlags  uint32
	data        string
	propagation []uint32
	attrSet     uint64
	attrClr     uint64
	file        bool            // the source is a file (the target is made a file)
	remount     bool            // a bind remounted with exactly flags (specconv.Mount.Remount)
	copyUp      bool            // a tmpfs gets a copy of what lay below it (specconv.Mount.CopyUp)
	cloned      bool            // a bind whose source the parent clones in the container's mount namespace (mountsources.go)
	idmap       *specconv.Idmap // cloned: the mapping the parent gives the clone (not sent)
	tree        int             // initMountTree: index in initRootfs.trees
	origin      string
}

// initHook is a hook the init runs in the container.
type initHook struct {
	kind uint32 // hookCreateContainer, hookStartContainer
	specs.Hook
}

// initFDs are the numbers, in the init's fd table, of what the parent
// hands it (-1 when absent).
type initFDs struct {
	preserve int      // fds 3..3+preserve-1 pass to the process
	fifo     int      // O_PATH fd of the exec fifo (create)
	console  int      // console socket
	joins    []nsJoin // namespaces to join, in joinOrder
	trees    []int    // prepared idmapped mount trees, by Mount.TreeIndex
	pidfd    int      // container init's pidfd (exec)
	pidFlags uintptr  // namespaces joined through pidfd
	tasks    []int    // v1 cgroup `tasks` files the init writes "0" into
}

// nsJoin is one namespace file opened and checked by the parent.
type nsJoin struct {
	flag uintptr
	fd   int
}

// initFilter is a compiled seccomp program for the init to load.
type initFilter struct {
	insns  []byte // struct sock_filter[]
	flags  uint32
	notify bool
}

func noFDs() initFDs {
	return initFDs{fifo: -1, console: -1, pidfd: -1}
}

// pathWalkEnv, set to 1 in berth's environment, makes the init resolve
// paths by its openat2 fallback (kernels before 5.6): the tests of the
// fallback force it so.
const pathWalkEnv = "BERTH_FORCE_PATH_WALK"

// defaultUmask is the process's umask when config.json gives none, as
// runc's.
const defaultUmask = 0o022

// createFacts are what a new container's plan takes beyond config.json.
type createFacts struct {
	id       string
	rootless bool
	// groupsDenied: setgroups(2) is denied in berth's own user namespace
	// (see setgroupsDenied)
	groupsDenied bool
	// newKeyring: the process gets a session keyring of its own
	// (_ses.<id>), not berth's caller's (--no-new-keyring clears it)
	newKeyring bool
	// cgroup is where the container's cgroups are: its "cgroup" mounts
	// show them. nil leaves those mounts as config.json has them (the
	// encoding tests).
	cgroup   *cgroups.State
	pathWalk bool
	// proxyTTY: berth holds the pty master itself (`run` with a
	// terminal and no --console-socket)
	proxyTTY bool
}

// hostPathWalk reads pathWalkEnv.
func hostPathWalk() bool { return os.Getenv(pathWalkEnv) == "1" }

// finishCreatePlan is the finished plan of a new container.
func finishCreatePlan(p *specconv.Plan, h createFacts, fds initFDs, filter *initFilter) *initPlan {
	ip := &initPlan{
		mode:        modeCreate,
		pathWalk:    h.pathWalk,
		timeOffsets: p.TimeOffsets,
		proc:        &p.Process,
		umask:       umaskOf(&p.Process),
		setgroups:   !(h.rootless && createsNamespace(p, unix.CLONE_NEWUSER)) && !h.groupsDenied,
		seccomp:     filter,
		resetCPUs:   true, // as runc: the caller's affinity does not leak in
		hostname:    p.Hostname,
		domainname:  p.Domainname,
		sysctls:     p.Sysctls,
		personality: p.Personality,
		memPolicy:   p.MemoryPolicy,
		// as runc's: a scheduler the kernel refuses is said as the
		// conflict with the cpuset
		schedWithCPUs: p.Resources != nil && p.Resources.CPU != nil && p.Resources.CPU.Cpus != "",
	}
	ip.setFDs(fds)
	ip.setONLCR(h.proxyTTY)
	for _, ns := range p.Namespaces {
		if ns.Flag == unix.CLONE_NEWPID || ns.Flag == unix.CLONE_NEWTIME {
			ip.fork = true // both apply to children only
		}
		switch {
		case ns.Path != "":
		case ns.Flag == unix.CLONE_NEWUSER:
			ip.newUserns = true
		default:
			ip.unshare |= uint32(ns.Flag)
		}
	}
	if h.newKeyring {
		ip.keyring = "_ses." + h.id
	}
	ip.rootfs = finishRootfs(p, h, fds)
	if hk := p.Hooks; hk != nil {
		for _, x := range hk.CreateContainer {
			ip.hooks = append(ip.hooks, initHook{hookCreateContainer, x})
		}
		for _, x := range hk.StartContainer {
			ip.hooks = append(ip.hooks, initHook{hookStartContainer, x})
		}
	}
	return ip
}

// execFacts are what an exec's plan takes beyond its process.
type execFacts struct {
	rootless     bool
	groupsDenied bool // as createFacts.groupsDenied
	// namespaces are the container's (made or joined), as CLONE_NEW*
	namespaces uintptr
	pathWalk   bool
	proxyTTY   bool // berth holds the pty master itself (exec -t)
	cpusSet    bool // the container has linux.resources.cpu.cpus
	// wide: what every process of the container runs with
	wide specconv.ContainerWide
}

// finishExecPlan is the finished plan of a process joining a container.
func finishExecPlan(proc *specconv.Process, h execFacts, fds initFDs, filter *initFilter) *initPlan {
	ip := &initPlan{
		mode:     modeExec,
		pathWalk: h.pathWalk,
		// the process enters the container's pid and time namespaces
		// only as a child
		fork:      h.namespaces&(unix.CLONE_NEWPID|unix.CLONE_NEWTIME) != 0,
		proc:      proc,
		umask:     umaskOf(proc),
		setgroups: (!h.rootless || h.namespaces&unix.CLONE_NEWUSER == 0) && !h.groupsDenied,
		seccomp:   filter,
		// as runc: the container's personality and memory policy
		personality:   h.wide.Personality,
		memPolicy:     h.wide.MemoryPolicy,
		schedWithCPUs: h.cpusSet,
	}
	ip.setFDs(fds)
	ip.setONLCR(h.proxyTTY)
	// the final CPUs, set once the process is in the container's cgroup
	// (the initial ones are the parent's to set, before)
	a := proc.ExecCPUAffinity
	if a != nil && a.Final != nil {
		ip.finalCPUs = a.Final
	}
	// as runc: without an affinity of its own, every CPU of the cgroup
	ip.resetCPUs = a == nil || a.Initial == nil && a.Final == nil
	return ip
}

func (ip *initPlan) setFDs(fds initFDs) {
	ip.tasks, ip.joins, ip.preserve = fds.tasks, fds.joins, fds.preserve
	ip.pidfd, ip.pidFlags, ip.fifo = fds.pidfd, uint32(fds.pidFlags), fds.fifo
	ip.console = -1
	if ip.proc.Terminal {
		ip.console = fds.console
	}
}

// setONLCR: a pty berth proxies passes "\n" as written, as runc's
// does: the output reaches berth's own terminal, which translates
// already, or a pipe or file, which wants the bytes as written. A
// --console-socket receiver gets the pty as the kernel made it.
func (ip *initPlan) setONLCR(proxyTTY bool) {
	ip.consoleNoONLCR = proxyTTY && ip.console >= 0
}

func umaskOf(p *specconv.Process) uint32 {
	if p.Umask != nil {
		return *p.Umask
	}
	return defaultUmask
}

func finishRootfs(p *specconv.Plan, h createFacts, fds initFDs) *initRootfs {
	r := &initRootfs{
		path:        p.Rootfs,
		readonly:    p.RootReadonly,
		propagation: uint32(p.RootfsPropagation),
		noPivot:     p.NoPivot,
		noMountNS:   p.NoMountNS,
		trees:       fds.trees,
		setupDev:    p.SetupDev,
		devices:     p.Devices,
		symlinks:    p.DevSymlinks,
		masked:      p.MaskedPaths,
		readonlyP:   p.ReadonlyPaths,
	}
	cgroupns := createsNamespace(p, unix.CLONE_NEWCGROUP)
	idmapped, binds := sourceClones(p, h.rootless)
	for i := range p.Mounts {
		m := &p.Mounts[i]
		if h.cgroup != nil && m.Kind == specconv.MountFS && (m.Type == "cgroup" || m.Type == "cgroup2") {
			r.mounts = append(r.mounts, cgroupMounts(m, *h.cgroup, cgroupns)...)
			continue
		}
		im := initMountOf(m)
		if m.Kind == specconv.MountBind {
			// a source inside the rootfs is the container's to shape (a
			// symlink it planted there): the init binds it with its own
			// rights, unless it is idmapped
			im.cloned = m.Idmap != nil && idmapped || binds && !underDir(m.Source, p.Rootfs)
		}
		r.mounts = append(r.mounts, im)
	}
	return r
}

// sourceClones says which bind sources the parent clones from inside the
// container's mount namespace, as the init makes the mount
// (mountsources.go). Where the container has a mount namespace of its own
// and berth is not rootless (a rootless parent reaches nothing the
// container's root cannot): idmapped ones, whose source may be made by an
// earlier mount of the config; and in a user namespace, made or joined,
// the binds of host paths, which its root may not reach.
func sourceClones(p *specconv.Plan, rootless bool) (idmapped, binds bool) {
	if rootless || p.NoMountNS {
		return false, false
	}
	for _, ns := range p.Namespaces {
		if ns.Flag == unix.CLONE_NEWUSER {
			return true, true
		}
	}
	return true, false
}

// underDir says whether path is dir or below it (both absolute and clean).
func underDir(path, dir string) bool {
	return path == dir || strings.HasPrefix(path, strings.TrimSuffix(dir, "/")+"/")
}

var initMountKind = map[specconv.MountKind]uint32{
	specconv.MountFS:      initMountFS,
	specconv.MountBind:    initMountBind,
	specconv.MountTree:    initMountTree,
	specconv.MountSymlink: initMountSymlink,
}

// initMountOf is a mount of the plan as the init's step.
func initMountOf(m *specconv.Mount) initMount {
	out := initMount{
		kind:       initMountKind[m.Kind],
		source:     m.Source,
		dest:       m.Destination,
		fstype:     m.Type,
		flags:      uint32(m.Flags),
		clearFlags: uint32(m.ClearFlags),
		data:       m.Data,
		attrSet:    m.AttrSet,
		attrClr:    m.AttrClr,
		file:       m.SourceIsFile,
		remount:    m.Remount,
		copyUp:     m.CopyUp,
		tree:       -1,
		origin:     m.Origin,
	}
	for _, pr := range m.Propagation {
		out.propagation = append(out.propagation, uint32(pr))
	}
	if m.Kind == specconv.MountTree {
		out.tree = m.TreeIndex
	}
	if m.Kind == specconv.MountBind {
		out.idmap = m.Idmap
	}
	return out
}

// createsNamespace says whether the plan makes a new namespace of flag.
func createsNamespace(p *specconv.Plan, flag uintptr) bool {
	for _, ns := range p.Namespaces {
		if ns.Flag == flag && ns.Path == "" {
			return true
		}
	}
	return false
}
