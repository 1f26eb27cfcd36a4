package specconv

import (
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// schedPolicies are the sched_setattr(2) policies by name. SCHED_ISO is
// in the spec but was never merged into Linux: it is refused.
var schedPolicies = map[specs.LinuxSchedulerPolicy]uint32{
	specs.SchedOther:    0,
	specs.SchedFIFO:     1,
	specs.SchedRR:       2,
	specs.SchedBatch:    3,
	specs.SchedIdle:     5,
	specs.SchedDeadline: 6,
}

// schedFlags are the sched_setattr(2) flags by name. The utilization
// clamp flags need sched_util_min/max values the spec has no field for:
// they are refused.
var schedFlags = map[specs.LinuxSchedulerFlag]uint64{
	specs.SchedFlagResetOnFork: unix.SCHED_FLAG_RESET_ON_FORK,
	specs.SchedFlagReclaim:     unix.SCHED_FLAG_RECLAIM,
	specs.SchedFlagDLOverrun:   unix.SCHED_FLAG_DL_OVERRUN,
	specs.SchedFlagKeepPolicy:  unix.SCHED_FLAG_KEEP_POLICY,
	specs.SchedFlagKeepParams:  unix.SCHED_FLAG_KEEP_PARAMS,
}

// convertScheduler resolves process.scheduler with the checks
// sched_setattr(2) makes, so that a bad value fails here, naming the field.
func (c *checker) convertScheduler(path string, s *specs.Scheduler) (*Scheduler, error) {
	if s == nil {
		return nil, nil
	}
	policy, ok := schedPolicies[s.Policy]
	if !ok {
		if s.Policy == specs.SchedISO {
			return nil, c.errorf(field(path, "policy"), "SCHED_ISO is not implemented by Linux")
		}
		return nil, c.errorf(field(path, "policy"), "unknown scheduling policy %q", s.Policy)
	}
	out := &Scheduler{Policy: policy, Nice: s.Nice, Runtime: s.Runtime, Deadline: s.Deadline, Period: s.Period}
	for i, f := range s.Flags {
		v, ok := schedFlags[f]
		if !ok {
			return nil, c.errorf(index(field(path, "flags"), i), "%s", unknownSchedFlag(f))
		}
		out.Flags |= v
	}
	if err := c.checkSchedPriority(path, s, out); err != nil {
		return nil, err
	}
	return out, c.checkDeadline(path, s)
}

func unknownSchedFlag(f specs.LinuxSchedulerFlag) string {
	if f == specs.SchedFlagUtilClampMin || f == specs.SchedFlagUtilClampMax {
		return string(f) + " needs utilization clamp values, which runtime-spec has no field for"
	}
	return "unknown scheduling flag \"" + string(f) + "\""
}

// checkSchedPriority: a nice of -20..19 with any policy (sched_setattr(2)
// takes it with every policy and uses it for the fair ones: SCHED_OTHER,
// SCHED_BATCH, SCHED_IDLE; runc accepts it too), a priority of 1..99 for
// the real-time policies and 0 for the others.
func (c *checker) checkSchedPriority(path string, s *specs.Scheduler, out *Scheduler) error {
	realtime := s.Policy == specs.SchedFIFO || s.Policy == specs.SchedRR
	if s.Nice < -20 || s.Nice > 19 {
		return c.errorf(field(path, "nice"), "must be between -20 and 19, got %d", s.Nice)
	}
	if realtime && (s.Priority < 1 || s.Priority > 99) {
		return c.errorf(field(path, "priority"), "must be between 1 and 99 for %s, got %d", s.Policy, s.Priority)
	}
	if !realtime && s.Priority != 0 {
		return c.errorf(field(path, "priority"), "must be 0 for %s, got %d", s.Policy, s.Priority)
	}
	out.Priority = uint32(s.Priority)
	return nil
}

// checkDeadline: runtime, deadline and period are for SCHED_DEADLINE,
// which needs 1024 <= runtime <= deadline <= period (period 0: deadline).
func (c *checker) checkDeadline(path string, s *specs.Scheduler) error {
	if s.Policy != specs.SchedDeadline {
		if s.Runtime != 0 || s.Deadline != 0 || s.Period != 0 {
			return c.errorf(path, "runtime, deadline and period apply to SCHED_DEADLINE only, not %s", s.Policy)
		}
		if s.Flags != nil && hasDLFlag(s.Flags) {
			return c.errorf(field(path, "flags"), "SCHED_FLAG_RECLAIM and SCHED_FLAG_DL_OVERRUN apply to SCHED_DEADLINE only")
		}
		return nil
	}
	switch {
	case s.Runtime < 1024:
		return c.errorf(field(path, "runtime"), "must be at least 1024 (ns) for SCHED_DEADLINE, got %d", s.Runtime)
	case s.Deadline < s.Runtime:
		return c.errorf(field(path, "deadline"), "must not be below runtime (%d), got %d", s.Runtime, s.Deadline)
	case s.Period != 0 && s.Period < s.Deadline:
		return c.errorf(field(path, "period"), "must not be below deadline (%d), got %d", s.Deadline, s.Period)
	}
	return nil
}

func hasDLFlag(flags []specs.LinuxSchedulerFlag) bool {
	for _, f := range flags {
		if f == specs.SchedFlagReclaim || f == specs.SchedFlagDLOverrun {
			return true
		}
	}
	return false
}

// ioprioClasses are the I/O scheduling classes by name.
var ioprioClasses = map[specs.IOPriorityClass]int{
	specs.IOPRIO_CLASS_RT:   1,
	specs.IOPRIO_CLASS_BE:   2,
	specs.IOPRIO_CLASS_IDLE: 3,
}

// convertIOPriority resolves process.ioPriority.
func (c *checker) convertIOPriority(path string, p *specs.LinuxIOPriority) (*IOPriority, error) {
	if p == nil {
		return nil, nil
	}
	class, ok := ioprioClasses[p.Class]
	if !ok {
		return nil, c.errorf(field(path, "class"), "unknown I/O priority class %q", p.Class)
	}
	if p.Priority < 0 || p.Priority > 7 {
		return nil, c.errorf(field(path, "priority"), "must be between 0 and 7, got %d", p.Priority)
	}
	return &IOPriority{Class: class, Priority: p.Priority}, nil
}

// Value is the ioprio_set(2) value: class << 13 | priority.
func (p IOPriority) Value() uint32 {
	return uint32(p.Class)<<13 | uint32(p.Priority)
}
