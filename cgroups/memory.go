package cgroups

import (
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

const memField = "linux.resources.memory"

// validateMemory checks the memory values on their own. 0 means "not set"
// for the byte counts, as in runc; -1 means unlimited.
func validateMemory(m *specs.LinuxMemory) error {
	if m == nil {
		return nil
	}
	for _, f := range []struct {
		name string
		v    *int64
	}{{"limit", m.Limit}, {"reservation", m.Reservation}, {"swap", m.Swap},
		{"kernel", m.Kernel}, {"kernelTCP", m.KernelTCP}} {
		if f.v != nil && *f.v < -1 {
			return fieldErr(memField+"."+f.name, "%d is neither a byte count nor -1 (unlimited)", *f.v)
		}
	}
	if m.Swappiness != nil && *m.Swappiness > 100 {
		return fieldErr(memField+".swappiness", "%d is above 100", *m.Swappiness)
	}
	return validateSwap(m)
}

// validateSwap checks that the memory+swap limit is not below the memory
// limit and that it has a memory limit to be above of.
func validateSwap(m *specs.LinuxMemory) error {
	if !set(m.Swap) || *m.Swap == -1 {
		return nil
	}
	if !set(m.Limit) {
		return fieldErr(memField+".swap", "%d (memory+swap) needs %s.limit", *m.Swap, memField)
	}
	if *m.Limit == -1 {
		return fieldErr(memField+".swap", "%d is below the memory limit -1 (unlimited)", *m.Swap)
	}
	if *m.Swap < *m.Limit {
		return fieldErr(memField+".swap", "%d is below the memory limit %d", *m.Swap, *m.Limit)
	}
	return nil
}

// v1Memory maps memory to the v1 memory controller.
func v1Memory(m *specs.LinuxMemory, p *plan) {
	if m == nil {
		return
	}
	const c = "memory"
	v1MemoryLimits(m, p)
	if set(m.Reservation) {
		p.add(fileWrite{ctrl: c, file: "memory.soft_limit_in_bytes", value: itoa(*m.Reservation), field: memField + ".reservation"})
	}
	if set(m.Kernel) {
		p.add(fileWrite{ctrl: c, file: "memory.kmem.limit_in_bytes", value: itoa(*m.Kernel), field: memField + ".kernel",
			flags: warnMissing | warnRefused | warnIgnored, why: "kernel memory limits are not enforced by this kernel (deprecated since Linux 5.4)"})
	}
	if set(m.KernelTCP) {
		p.add(fileWrite{ctrl: c, file: "memory.kmem.tcp.limit_in_bytes", value: itoa(*m.KernelTCP), field: memField + ".kernelTCP",
			flags: warnMissing | warnRefused, why: "this kernel has no kernel TCP memory limit"})
	}
	if m.Swappiness != nil {
		p.add(fileWrite{ctrl: c, file: "memory.swappiness", value: utoa(*m.Swappiness), field: memField + ".swappiness"})
	}
	if m.DisableOOMKiller != nil {
		p.add(fileWrite{ctrl: c, file: "memory.oom_control", value: boolDigit(*m.DisableOOMKiller), field: memField + ".disableOOMKiller"})
	}
	if m.UseHierarchy != nil {
		p.add(fileWrite{ctrl: c, file: "memory.use_hierarchy", value: boolDigit(*m.UseHierarchy), field: memField + ".useHierarchy",
			flags: warnRefused, why: "this kernel always accounts hierarchically"})
	}
}

// v2Memory maps memory to cgroup v2: memory.max, memory.swap.max (swap
// only: the spec's memory+swap minus the memory limit), memory.low.
func v2Memory(m *specs.LinuxMemory, p *plan) {
	if m == nil {
		return
	}
	noSwapAcct := "the kernel has no swap accounting (no memory.swap.max)"
	if set(m.Limit) {
		p.add(fileWrite{file: "memory.max", value: maxOr(*m.Limit), field: memField + ".limit"})
	}
	switch {
	case set(m.Swap) && *m.Swap == -1:
		p.add(fileWrite{file: "memory.swap.max", value: "max", field: memField + ".swap", flags: warnMissing, why: noSwapAcct})
	case set(m.Swap):
		p.add(fileWrite{file: "memory.swap.max", value: itoa(*m.Swap - *m.Limit), field: memField + ".swap", flags: warnMissing, why: noSwapAcct})
	case set(m.Limit) && *m.Limit == -1:
		p.add(fileWrite{file: "memory.swap.max", value: "max", field: memField + ".swap", flags: ifExists})
	}
	if set(m.Reservation) {
		p.add(fileWrite{file: "memory.low", value: maxOr(*m.Reservation), field: memField + ".reservation"})
	}
	if set(m.Kernel) {
		p.warn(memField+".kernel", "ignored: cgroup v2 has no kernel memory limit")
	}
	if set(m.KernelTCP) {
		p.warn(memField+".kernelTCP", "ignored: cgroup v2 has no kernel TCP memory limit")
	}
	if m.Swappiness != nil {
		p.warn(memField+".swappiness", "ignored: cgroup v2 has no per-cgroup swappiness")
	}
	if m.DisableOOMKiller != nil && *m.DisableOOMKiller {
		p.warn(memField+".disableOOMKiller", "ignored: cgroup v2 cannot disable the OOM killer")
	}
	if m.UseHierarchy != nil && !*m.UseHierarchy {
		p.warn(memField+".useHierarchy", "ignored: cgroup v2 is always hierarchical")
	}
}

// v1MemoryLimits maps limit and swap. They are paired: the kernel keeps
// limit <= memsw at all times, so raising needs memsw first and lowering
// limit first.
func v1MemoryLimits(m *specs.LinuxMemory, p *plan) {
	const c = "memory"
	noSwapAcct := "the kernel has no swap accounting (boot with swapaccount=1)"
	swapW := fileWrite{ctrl: c, file: "memory.memsw.limit_in_bytes", field: memField + ".swap", flags: warnMissing, why: noSwapAcct}
	switch {
	case set(m.Swap):
		swapW.value = itoa(*m.Swap)
	case set(m.Limit) && *m.Limit == -1:
		// unlimited memory with swap unset: memsw must be unlimited too,
		// else the kernel refuses the limit
		swapW.value, swapW.flags = "-1", ifExists
	}
	if set(m.Limit) {
		p.add(fileWrite{ctrl: c, file: "memory.limit_in_bytes", value: itoa(*m.Limit), field: memField + ".limit"})
		if swapW.value != "" {
			p.pairLast()
		}
	}
	if swapW.value != "" {
		p.add(swapW)
	}
}

func boolDigit(b bool) string {
	if b {
		return "1"
	}
	return "0"
}
