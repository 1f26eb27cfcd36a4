package cgroups

import (
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// v1Files translates r (devices excepted, see v1DeviceWrites) into writes
// to the v1 controllers, in the order they must happen. Unified keys are
// refused: they need cgroup v2.
func v1Files(r *specs.LinuxResources) (*plan, error) {
	p := &plan{}
	if r == nil {
		return p, nil
	}
	if err := validateValues(r); err != nil {
		return nil, err
	}
	if err := validateModeSupport(r, Legacy); err != nil {
		return nil, err
	}
	v1Memory(r.Memory, p)
	v1CPU(r.CPU, p)
	pidsWrite(r.Pids, "pids", p)
	v1BlockIO(r.BlockIO, p)
	hugetlbWrites(r.HugepageLimits, "hugetlb", p)
	v1Network(r.Network, p)
	rdmaWrites(r.Rdma, "rdma", p)
	return p, nil
}

// v2Files translates r (devices excepted: an eBPF program) into writes to
// the cgroup v2 directory, unified keys last. What v2 cannot express is
// refused (real-time, net_cls/net_prio) or warned about (kernel memory,
// swappiness, leaf weights...).
func v2Files(r *specs.LinuxResources) (*plan, error) {
	p := &plan{}
	if r == nil {
		return p, nil
	}
	if err := validateValues(r); err != nil {
		return nil, err
	}
	if err := v2CPU(r.CPU, p); err != nil {
		return nil, err
	}
	if err := v2Network(r.Network); err != nil {
		return nil, err
	}
	v2Memory(r.Memory, p)
	pidsWrite(r.Pids, "", p)
	v2BlockIO(r.BlockIO, p)
	hugetlbWrites(r.HugepageLimits, "", p)
	rdmaWrites(r.Rdma, "", p)
	v2Unified(r.Unified, p)
	return p, nil
}

// translate picks v1Files or v2Files for the mode.
func translate(r *specs.LinuxResources, mode Mode) (*plan, error) {
	if mode == Unified {
		return v2Files(r)
	}
	return v1Files(r)
}
