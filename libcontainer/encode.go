package libcontainer

import (
	"encoding/binary"
	"os"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/berth-oci/berth/specconv"
)

// initFDs are the numbers, in the init's fd table, of what the parent
// hands it (-1 when absent), and the decisions of the runtime's own flags.
type initFDs struct {
	preserve int         // fds 3..3+preserve-1 pass to the process
	fifo     int         // O_PATH fd of the exec fifo (create)
	console  int         // console socket
	joins    []nsJoin    // namespaces to join, user first
	trees    []int       // prepared idmapped mount trees, by Mount.TreeIndex
	pidfd    int         // container init's pidfd (exec)
	pidFlags uintptr     // namespaces joined through pidfd
	tasks    []int       // v1 cgroup `tasks` files the init writes "0" into
	seccomp  *initFilter // compiled seccomp filter, nil for none

	setgroups bool   // setgroups(2) is allowed (not in a rootless user namespace)
	keyring   string // the session keyring to join, "" for none (--no-new-keyring)
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

// encodeCreatePlan is the plan of a new container.
func encodeCreatePlan(p *specconv.Plan, fds initFDs) []byte {
	var e tlv
	e.u32(tMode, modeCreate)
	e.flag(tPathWalk, os.Getenv(pathWalkEnv) == "1")
	encodeNamespaces(&e, p, fds)
	encodeRootfs(&e, p, fds)
	encodeProcess(&e, &p.Process, fds)
	encodeHooks(&e, p)
	if fds.keyring != "" {
		e.str(tSessionKeyring, fds.keyring)
	}
	if p.Hostname != nil {
		e.str(tHostname, *p.Hostname)
	}
	if p.Domainname != nil {
		e.str(tDomainname, *p.Domainname)
	}
	for _, s := range p.Sysctls {
		e.nested(tSysctl, func(n *tlv) {
			n.str(tSPath, s.Path)
			n.str(tSValue, s.Value)
		})
	}
	if p.Personality != nil {
		e.u32(tPersonality, *p.Personality)
	}
	if mp := p.MemoryPolicy; mp != nil {
		e.nested(tMemPolicy, func(n *tlv) {
			n.u32(tMPMode, mp.Mode)
			if len(mp.Nodes) > 0 {
				n.raw(tMPNodes, mp.Nodes)
			}
		})
	}
	if fds.fifo >= 0 {
		e.u32(tFifoFD, uint32(fds.fifo))
	}
	return e.b
}

// encodeExecPlan is the plan of a process joining a running container.
func encodeExecPlan(proc *specconv.Process, fds initFDs, fork bool) []byte {
	var e tlv
	e.u32(tMode, modeExec)
	e.flag(tPathWalk, os.Getenv(pathWalkEnv) == "1")
	encodeJoins(&e, fds)
	e.flag(tFork, fork)
	encodeProcess(&e, proc, fds)
	// the final CPUs, set once the process is in the container's cgroup
	// (the initial ones are the parent's to set, before)
	if a := proc.ExecCPUAffinity; a != nil && a.Final != nil {
		e.raw(tCPUAffinity, a.Final)
	}
	return e.b
}

func encodeJoins(e *tlv, fds initFDs) {
	for _, fd := range fds.tasks {
		e.u32(tCgroupTasks, uint32(fd))
	}
	if fds.pidfd >= 0 {
		e.u32(tNSPidfd, uint32(fds.pidfd))
		e.u32(tNSPidfdFlags, uint32(fds.pidFlags))
	}
	for _, j := range fds.joins {
		e.nested(tNSJoin, func(n *tlv) {
			n.u32(tNSFlag, uint32(j.flag))
			n.u32(tNSFD, uint32(j.fd))
		})
	}
}

func encodeNamespaces(e *tlv, p *specconv.Plan, fds initFDs) {
	var unshare uint32
	fork := false
	for _, ns := range p.Namespaces {
		if ns.Flag == unix.CLONE_NEWPID || ns.Flag == unix.CLONE_NEWTIME {
			fork = true // both apply to children only
		}
		switch {
		case ns.Path != "":
		case ns.Flag == unix.CLONE_NEWUSER:
			e.flag(tNewUserns, true)
		default:
			unshare |= uint32(ns.Flag)
		}
	}
	encodeJoins(e, fds)
	if unshare != 0 {
		e.u32(tUnshare, unshare)
	}
	if p.TimeOffsets != "" {
		e.str(tTimensOffsets, p.TimeOffsets)
	}
	e.flag(tFork, fork)
}

func encodeRootfs(e *tlv, p *specconv.Plan, fds initFDs) {
	e.str(tRootfs, p.Rootfs)
	e.flag(tRootReadonly, p.RootReadonly)
	if p.RootfsPropagation != 0 {
		e.u32(tRootPropagation, uint32(p.RootfsPropagation))
	}
	e.flag(tNoPivot, p.NoPivot)
	e.flag(tNoMountns, p.NoMountNS)
	for _, fd := range fds.trees {
		e.u32(tTreeFD, uint32(fd))
	}
	for i := range p.Mounts {
		encodeMount(e, &p.Mounts[i])
	}
	e.flag(tSetupDev, p.SetupDev)
	for _, d := range p.Devices {
		e.nested(tDevice, func(n *tlv) { encodeDevice(n, &d) })
	}
	for _, l := range p.DevSymlinks {
		e.nested(tDevSymlink, func(n *tlv) {
			n.str(tLTarget, l.Target)
			n.str(tLPath, l.Path)
		})
	}
	e.strs(tMasked, p.MaskedPaths)
	e.strs(tReadonly, p.ReadonlyPaths)
}

var initMountKind = map[specconv.MountKind]uint32{
	specconv.MountFS:      initMountFS,
	specconv.MountBind:    initMountBind,
	specconv.MountTree:    initMountTree,
	specconv.MountSymlink: initMountSymlink,
	mountRemount:          initMountRemount,
}

func encodeMount(e *tlv, m *specconv.Mount) {
	e.nested(tMount, func(n *tlv) {
		n.u32(tMKind, initMountKind[m.Kind])
		if m.Source != "" {
			n.str(tMSource, m.Source)
		}
		n.str(tMDest, m.Destination)
		if m.Type != "" {
			n.str(tMFstype, m.Type)
		}
		n.u32(tMFlags, uint32(m.Flags))
		if m.ClearFlags != 0 {
			n.u32(tMClrFlags, uint32(m.ClearFlags))
		}
		if m.Data != "" {
			n.str(tMData, m.Data)
		}
		for _, pr := range m.Propagation {
			n.u32(tMPropagation, uint32(pr))
		}
		if m.AttrSet != 0 {
			n.u64(tMAttrSet, m.AttrSet)
		}
		if m.AttrClr != 0 {
			n.u64(tMAttrClr, m.AttrClr)
		}
		n.flag(tMFile, m.SourceIsFile)
		n.flag(tMRemount, m.Remount)
		if m.Kind == specconv.MountTree {
			n.u32(tMTree, uint32(m.TreeIndex))
		}
		if m.Origin != "" {
			n.str(tMOrigin, m.Origin)
		}
	})
}

func encodeDevice(n *tlv, d *specconv.Device) {
	n.str(tDPath, d.Path)
	n.u32(tDType, uint32(d.Type))
	n.u32(tDMajor, uint32(d.Major))
	n.u32(tDMinor, uint32(d.Minor))
	n.u32(tDMode, d.FileMode)
	n.u32(tDUID, d.UID)
	n.u32(tDGID, d.GID)
	n.flag(tDBind, d.Bind)
}

func encodeProcess(e *tlv, p *specconv.Process, fds initFDs) {
	e.strs(tArg, p.Args)
	e.strs(tEnv, p.Env)
	if p.Cwd != "" {
		e.str(tCwd, p.Cwd)
	}
	encodeUser(e, p, fds.setgroups)
	encodeLimits(e, p)
	e.flag(tNoNewPrivs, p.NoNewPrivileges)
	if p.Terminal {
		e.flag(tTerminal, true)
		e.u32(tConsoleFD, uint32(fds.console))
		if p.ConsoleSize != nil {
			size := binary.LittleEndian.AppendUint32(nil, uint32(p.ConsoleSize.Height))
			e.raw(tConsoleSize, binary.LittleEndian.AppendUint32(size, uint32(p.ConsoleSize.Width)))
		}
	}
	e.u32(tPreserveFDs, uint32(fds.preserve))
	if f := fds.seccomp; f != nil {
		e.raw(tSeccomp, f.insns)
		e.u32(tSeccompFlags, f.flags)
		e.flag(tSeccompNotify, f.notify)
	}
	if p.SelinuxLabel != "" {
		e.str(tExecLabel, p.SelinuxLabel)
	}
	if p.ApparmorProfile != "" {
		e.str(tAppArmor, p.ApparmorProfile)
	}
}

func encodeUser(e *tlv, p *specconv.Process, setgroups bool) {
	e.u32(tUID, p.UID)
	e.u32(tGID, p.GID)
	for _, g := range p.AdditionalGids {
		e.u32(tAdditionalGID, g)
	}
	e.flag(tSetgroups, setgroups)
	umask := uint32(0o022)
	if p.Umask != nil {
		umask = *p.Umask
	}
	e.u32(tUmask, umask)
	if c := p.Capabilities; c != nil {
		e.nested(tCaps, func(n *tlv) {
			n.u64(tCBounding, c.Bounding)
			n.u64(tCEffective, c.Effective)
			n.u64(tCInheritable, c.Inheritable)
			n.u64(tCPermitted, c.Permitted)
			n.u64(tCAmbient, c.Ambient)
		})
	}
}

func encodeLimits(e *tlv, p *specconv.Process) {
	for _, r := range p.Rlimits {
		e.nested(tRlimit, func(n *tlv) {
			n.u32(tRType, uint32(r.Resource))
			n.u64(tRSoft, r.Soft)
			n.u64(tRHard, r.Hard)
		})
	}
	if p.OOMScoreAdj != nil {
		e.u32(tOOMScoreAdj, uint32(int32(*p.OOMScoreAdj)))
	}
	if s := p.Scheduler; s != nil {
		e.nested(tScheduler, func(n *tlv) {
			n.u32(tSchedPolicy, s.Policy)
			n.u64(tSchedFlags, s.Flags)
			n.u32(tSchedNice, uint32(s.Nice))
			n.u32(tSchedPriority, s.Priority)
			n.u64(tSchedRuntime, s.Runtime)
			n.u64(tSchedDeadline, s.Deadline)
			n.u64(tSchedPeriod, s.Period)
		})
	}
	if io := p.IOPriority; io != nil {
		e.u32(tIOPrio, uint32(io.Class<<13|io.Priority))
	}
}

func encodeHooks(e *tlv, p *specconv.Plan) {
	if p.Hooks == nil {
		return
	}
	add := func(kind uint32, hooks []specs.Hook) {
		for _, h := range hooks {
			e.nested(tHook, func(n *tlv) {
				n.u32(tHKind, kind)
				n.str(tHPath, h.Path)
				n.strs(tHArg, h.Args)
				n.strs(tHEnv, h.Env)
				if h.Timeout != nil {
					n.u32(tHTimeout, uint32(*h.Timeout))
				}
			})
		}
	}
	add(hookCreateContainer, p.Hooks.CreateContainer)
	add(hookStartContainer, p.Hooks.StartContainer)
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
