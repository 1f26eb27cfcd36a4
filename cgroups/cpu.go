package cgroups

import (
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

const cpuField = "linux.resources.cpu"

// Kernel bounds (kernel/sched/core.c, kernel/sched/sched.h).
const (
	minShares    = 2
	maxShares    = 262144
	minCFSPeriod = 1000    // 1 ms
	maxCFSPeriod = 1000000 // 1 s
	minCFSQuota  = 1000    // 1 ms
)

// validateCPU checks the cpu values on their own; the host's CPU and node
// lists are checked in Validate.
func validateCPU(c *specs.LinuxCPU) error {
	if c == nil {
		return nil
	}
	if setU(c.Shares) && (*c.Shares < minShares || *c.Shares > maxShares) {
		return fieldErr(cpuField+".shares", "%d is outside %d..%d", *c.Shares, minShares, maxShares)
	}
	if set(c.Quota) && *c.Quota != -1 && *c.Quota < minCFSQuota {
		return fieldErr(cpuField+".quota", "%d is neither -1 (unlimited) nor at least %d (1ms)", *c.Quota, minCFSQuota)
	}
	if setU(c.Period) && (*c.Period < minCFSPeriod || *c.Period > maxCFSPeriod) {
		return fieldErr(cpuField+".period", "%d is outside %d..%d (1ms..1s)", *c.Period, minCFSPeriod, maxCFSPeriod)
	}
	if c.Burst != nil && set(c.Quota) && *c.Quota > 0 && *c.Burst > uint64(*c.Quota) {
		return fieldErr(cpuField+".burst", "%d is above the quota %d", *c.Burst, *c.Quota)
	}
	if c.RealtimeRuntime != nil && *c.RealtimeRuntime < -1 {
		return fieldErr(cpuField+".realtimeRuntime", "%d is neither a time nor -1 (unlimited)", *c.RealtimeRuntime)
	}
	if set(c.RealtimeRuntime) && setU(c.RealtimePeriod) && *c.RealtimeRuntime > 0 && uint64(*c.RealtimeRuntime) > *c.RealtimePeriod {
		return fieldErr(cpuField+".realtimeRuntime", "%d is above realtimePeriod %d", *c.RealtimeRuntime, *c.RealtimePeriod)
	}
	if c.Idle != nil && *c.Idle != 0 && *c.Idle != 1 {
		return fieldErr(cpuField+".idle", "%d is neither 0 nor 1", *c.Idle)
	}
	if _, err := parseCPUList(c.Cpus); err != nil {
		return fieldErr(cpuField+".cpus", "%v", err)
	}
	if _, err := parseCPUList(c.Mems); err != nil {
		return fieldErr(cpuField+".mems", "%v", err)
	}
	return nil
}

// v1CPU maps cpu to the v1 cpu and cpuset controllers.
func v1CPU(c *specs.LinuxCPU, p *plan) {
	if c == nil {
		return
	}
	if setU(c.Period) {
		p.add(fileWrite{ctrl: "cpu", file: "cpu.cfs_period_us", value: utoa(*c.Period), field: cpuField + ".period"})
		if set(c.Quota) {
			// under a parent with a quota, the kernel refuses a period
			// that would raise the ratio quota/period above the parent's
			// until the new quota is in
			p.pairLast()
		}
	}
	if set(c.Quota) {
		p.add(fileWrite{ctrl: "cpu", file: "cpu.cfs_quota_us", value: itoa(*c.Quota), field: cpuField + ".quota"})
		if c.Burst != nil {
			p.pairLast()
		}
	}
	if c.Burst != nil {
		p.add(fileWrite{ctrl: "cpu", file: "cpu.cfs_burst_us", value: utoa(*c.Burst), field: cpuField + ".burst"})
	}
	if setU(c.RealtimePeriod) {
		p.add(fileWrite{ctrl: "cpu", file: "cpu.rt_period_us", value: utoa(*c.RealtimePeriod), field: cpuField + ".realtimePeriod"})
		if c.RealtimeRuntime != nil {
			p.pairLast()
		}
	}
	if c.RealtimeRuntime != nil {
		p.add(fileWrite{ctrl: "cpu", file: "cpu.rt_runtime_us", value: itoa(*c.RealtimeRuntime), field: cpuField + ".realtimeRuntime"})
	}
	if setU(c.Shares) {
		p.add(fileWrite{ctrl: "cpu", file: "cpu.shares", value: utoa(*c.Shares), field: cpuField + ".shares"})
		if c.Idle != nil {
			p.pairLast()
		}
	}
	if c.Idle != nil {
		p.add(fileWrite{ctrl: "cpu", file: "cpu.idle", value: itoa(*c.Idle), field: cpuField + ".idle"})
	}
	cpuset(c, "cpuset", p)
}

// cpuset maps cpus and mems, the same files in v1 and v2.
func cpuset(c *specs.LinuxCPU, ctrl string, p *plan) {
	if c.Cpus != "" {
		p.add(fileWrite{ctrl: ctrl, file: "cpuset.cpus", value: c.Cpus, field: cpuField + ".cpus"})
	}
	if c.Mems != "" {
		p.add(fileWrite{ctrl: ctrl, file: "cpuset.mems", value: c.Mems, field: cpuField + ".mems"})
	}
}

// sharesToWeight converts v1 cpu.shares (2..262144) to v2 cpu.weight
// (1..10000), the formula runc and crun use.
func sharesToWeight(shares uint64) uint64 {
	return 1 + ((shares-2)*9999)/262142
}

// v2CPU maps cpu to cgroup v2: cpu.weight, cpu.max, cpu.max.burst,
// cpu.idle, cpuset.cpus, cpuset.mems. Real-time group scheduling does
// not exist in cgroup v2 and is refused.
func v2CPU(c *specs.LinuxCPU, p *plan) error {
	if c == nil {
		return nil
	}
	if set(c.RealtimeRuntime) {
		return fieldErr(cpuField+".realtimeRuntime", "not supported: cgroup v2 has no real-time group scheduling")
	}
	if setU(c.RealtimePeriod) {
		return fieldErr(cpuField+".realtimePeriod", "not supported: cgroup v2 has no real-time group scheduling")
	}
	if w, ok := cpuMax(c); ok {
		p.add(w)
		if c.Burst != nil {
			p.pairLast()
		}
	}
	if c.Burst != nil {
		p.add(fileWrite{file: "cpu.max.burst", value: utoa(*c.Burst), field: cpuField + ".burst"})
	}
	if setU(c.Shares) {
		p.add(fileWrite{file: "cpu.weight", value: utoa(sharesToWeight(*c.Shares)), field: cpuField + ".shares"})
		if c.Idle != nil {
			p.pairLast()
		}
	}
	if c.Idle != nil {
		p.add(fileWrite{file: "cpu.idle", value: itoa(*c.Idle), field: cpuField + ".idle"})
	}
	cpuset(c, "", p)
	return nil
}

// cpuMax builds the cpu.max write: "QUOTA PERIOD", "QUOTA", or (period
// only) the period with keepQuota, since the kernel wants the quota first.
func cpuMax(c *specs.LinuxCPU) (fileWrite, bool) {
	w := fileWrite{file: "cpu.max", field: cpuField + ".quota"}
	switch {
	case set(c.Quota) && setU(c.Period):
		w.value = maxOr(*c.Quota) + " " + utoa(*c.Period)
	case set(c.Quota):
		w.value = maxOr(*c.Quota)
	case setU(c.Period):
		w.value, w.field, w.flags = utoa(*c.Period), cpuField+".period", keepQuota
	default:
		return w, false
	}
	return w, true
}
