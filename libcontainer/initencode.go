package libcontainer

import (
	"encoding/binary"

	"github.com/berth-oci/berth/specconv"
)

// The encoder: an initPlan as the TLV stream of a msgPlan frame
// (initproto.go). It decides nothing: every value was settled by
// finishCreatePlan or finishExecPlan (initplan.go).

// encode serialises the plan.
func (ip *initPlan) encode() []byte {
	var e tlv
	e.u32(tMode, ip.mode)
	e.flag(tPathWalk, ip.pathWalk)
	ip.encodeNamespaces(&e)
	if r := ip.rootfs; r != nil {
		r.encode(&e)
	}
	ip.encodeProcess(&e)
	for i := range ip.hooks {
		encodeHook(&e, &ip.hooks[i])
	}
	ip.encodeContainer(&e)
	return e.b
}

func (ip *initPlan) encodeNamespaces(e *tlv) {
	if ip.newUserns {
		e.flag(tNewUserns, true)
	}
	for _, fd := range ip.tasks {
		e.u32(tCgroupTasks, uint32(fd))
	}
	if ip.pidfd >= 0 {
		e.u32(tNSPidfd, uint32(ip.pidfd))
		e.u32(tNSPidfdFlags, ip.pidFlags)
	}
	for _, j := range ip.joins {
		e.nested(tNSJoin, func(n *tlv) {
			n.u32(tNSFlag, uint32(j.flag))
			n.u32(tNSFD, uint32(j.fd))
		})
	}
	if ip.unshare != 0 {
		e.u32(tUnshare, ip.unshare)
	}
	if ip.timeOffsets != "" {
		e.str(tTimensOffsets, ip.timeOffsets)
	}
	e.flag(tFork, ip.fork)
}

func (r *initRootfs) encode(e *tlv) {
	e.str(tRootfs, r.path)
	e.flag(tRootReadonly, r.readonly)
	if r.propagation != 0 {
		e.u32(tRootPropagation, r.propagation)
	}
	e.flag(tNoPivot, r.noPivot)
	e.flag(tNoMountns, r.noMountNS)
	for _, fd := range r.trees {
		e.u32(tTreeFD, uint32(fd))
	}
	for i := range r.mounts {
		encodeMount(e, &r.mounts[i])
	}
	e.flag(tSetupDev, r.setupDev)
	for i := range r.devices {
		e.nested(tDevice, func(n *tlv) { encodeDevice(n, &r.devices[i]) })
	}
	for _, l := range r.symlinks {
		e.nested(tDevSymlink, func(n *tlv) {
			n.str(tLTarget, l.Target)
			n.str(tLPath, l.Path)
		})
	}
	e.strs(tMasked, r.masked)
	e.strs(tReadonly, r.readonlyP)
}

func encodeMount(e *tlv, m *initMount) {
	e.nested(tMount, func(n *tlv) {
		n.u32(tMKind, m.kind)
		if m.source != "" {
			n.str(tMSource, m.source)
		}
		n.str(tMDest, m.dest)
		if m.fstype != "" {
			n.str(tMFstype, m.fstype)
		}
		n.u32(tMFlags, m.flags)
		if m.clearFlags != 0 {
			n.u32(tMClrFlags, m.clearFlags)
		}
		if m.data != "" {
			n.str(tMData, m.data)
		}
		for _, pr := range m.propagation {
			n.u32(tMPropagation, pr)
		}
		if m.attrSet != 0 {
			n.u64(tMAttrSet, m.attrSet)
		}
		if m.attrClr != 0 {
			n.u64(tMAttrClr, m.attrClr)
		}
		n.flag(tMFile, m.file)
		n.flag(tMRemount, m.remount)
		n.flag(tMCopyUp, m.copyUp)
		n.flag(tMCloned, m.cloned)
		if m.tree >= 0 {
			n.u32(tMTree, uint32(m.tree))
		}
		if m.origin != "" {
			n.str(tMOrigin, m.origin)
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

func (ip *initPlan) encodeProcess(e *tlv) {
	p := ip.proc
	e.strs(tArg, p.Args)
	e.strs(tEnv, p.Env)
	if p.Cwd != "" {
		e.str(tCwd, p.Cwd)
	}
	ip.encodeUser(e)
	encodeLimits(e, p, ip.schedWithCPUs)
	e.flag(tNoNewPrivs, p.NoNewPrivileges)
	if ip.console >= 0 {
		e.flag(tTerminal, true)
		e.u32(tConsoleFD, uint32(ip.console))
		e.flag(tConsoleNoONLCR, ip.consoleNoONLCR)
		if p.ConsoleSize != nil {
			size := binary.LittleEndian.AppendUint32(nil, uint32(p.ConsoleSize.Height))
			e.raw(tConsoleSize, binary.LittleEndian.AppendUint32(size, uint32(p.ConsoleSize.Width)))
		}
	}
	e.u32(tPreserveFDs, uint32(ip.preserve))
	if f := ip.seccomp; f != nil {
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
	if ip.finalCPUs != nil {
		e.raw(tCPUAffinity, ip.finalCPUs)
	}
	e.flag(tCPUAffinityReset, ip.resetCPUs)
}

func (ip *initPlan) encodeUser(e *tlv) {
	p := ip.proc
	e.u32(tUID, p.UID)
	e.u32(tGID, p.GID)
	for _, g := range p.AdditionalGids {
		e.u32(tAdditionalGID, g)
	}
	e.flag(tSetgroups, ip.setgroups)
	e.u32(tUmask, ip.umask)
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

func encodeLimits(e *tlv, p *specconv.Process, schedWithCPUs bool) {
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
			n.flag(tSchedWithCPUs, schedWithCPUs)
		})
	}
	if io := p.IOPriority; io != nil {
		e.u32(tIOPrio, uint32(io.Class<<13|io.Priority))
	}
}

func encodeHook(e *tlv, h *initHook) {
	e.nested(tHook, func(n *tlv) {
		n.u32(tHKind, h.kind)
		n.str(tHPath, h.Path)
		n.strs(tHArg, h.Args)
		n.strs(tHEnv, h.Env)
		if h.Timeout != nil {
			n.u32(tHTimeout, uint32(*h.Timeout))
		}
	})
}

// encodeContainer: the container's own settings (create only; the
// personality and memory policy of an exec too).
func (ip *initPlan) encodeContainer(e *tlv) {
	if ip.keyring != "" {
		e.str(tSessionKeyring, ip.keyring)
	}
	if ip.hostname != nil {
		e.str(tHostname, *ip.hostname)
	}
	if ip.domainname != nil {
		e.str(tDomainname, *ip.domainname)
	}
	for _, s := range ip.sysctls {
		e.nested(tSysctl, func(n *tlv) {
			n.str(tSPath, s.Path)
			n.str(tSValue, s.Value)
		})
	}
	if ip.personality != nil {
		e.u32(tPersonality, *ip.personality)
	}
	if mp := ip.memPolicy; mp != nil {
		e.nested(tMemPolicy, func(n *tlv) {
			n.u32(tMPMode, mp.Mode)
			if len(mp.Nodes) > 0 {
				n.raw(tMPNodes, mp.Nodes)
			}
		})
	}
	if ip.fifo >= 0 {
		e.u32(tFifoFD, uint32(ip.fifo))
	}
}
