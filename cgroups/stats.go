package cgroups

// What `berth events` reports about a cgroup. The Go names are berth's;
// the JSON keys (in the tags, and the order of the fields) are the
// interface: the keys tools already read from runc's `events` output,
// which testdata/runc-1.1.5-events-stats.json pins. The event's data
// also holds "intel_rdt" and "network_interfaces", which are not cgroup
// values: libcontainer's EventStats adds them around a Snapshot. "rdma"
// is berth's addition, left out when there is nothing to report.

// Snapshot is what one reading of a container's cgroup found.
type Snapshot struct {
	CPU       CPUStats                 `json:"cpu"`
	Cpuset    CpusetState              `json:"cpuset"`
	Memory    MemoryStats              `json:"memory"`
	Tasks     TaskStats                `json:"pids"`
	BlockIO   BlockIOStats             `json:"blkio"`
	HugePages map[string]HugePageUsage `json:"hugetlb"` // keyed by page size, "2MB"
	RDMA      []RDMAUsage              `json:"rdma,omitempty"`
}

// HugePageUsage is the cgroup's use of huge pages of one size.
type HugePageUsage struct {
	Bytes     uint64 `json:"usage,omitempty"`
	PeakBytes uint64 `json:"max,omitempty"` // cgroup v1 keeps a peak; v2 does not
	Refused   uint64 `json:"failcnt"`       // faults the limit turned down
}

// DeviceCount is a block I/O counter of one device, for one kind of
// operation where the kernel splits them.
type DeviceCount struct {
	Major     uint64 `json:"major,omitempty"`
	Minor     uint64 `json:"minor,omitempty"`
	Operation string `json:"op,omitempty"` // Read, Write, Sync, Async, Discard, Total, or "" for a plain count
	Count     uint64 `json:"value,omitempty"`
}

// BlockIOStats holds the block I/O counters. cgroup v2 (io.stat), BFQ
// and the v1 throttling layer fill Bytes and Ops only; the other lists
// come from v1's CFQ scheduler files where the kernel still has them.
type BlockIOStats struct {
	Bytes       []DeviceCount `json:"ioServiceBytesRecursive,omitempty"`
	Ops         []DeviceCount `json:"ioServicedRecursive,omitempty"`
	Queued      []DeviceCount `json:"ioQueueRecursive,omitempty"`
	ServiceTime []DeviceCount `json:"ioServiceTimeRecursive,omitempty"` // nanoseconds
	WaitTime    []DeviceCount `json:"ioWaitTimeRecursive,omitempty"`    // nanoseconds
	Merged      []DeviceCount `json:"ioMergedRecursive,omitempty"`
	DiskTime    []DeviceCount `json:"ioTimeRecursive,omitempty"` // milliseconds
	Sectors     []DeviceCount `json:"sectorsRecursive,omitempty"`
	Pressure    *Pressure     `json:"psi,omitempty"` // io.pressure, cgroup v2
}

// TaskStats counts the cgroup's processes and threads (the pids
// controller counts both).
type TaskStats struct {
	Count uint64 `json:"current,omitempty"`
	Max   uint64 `json:"limit,omitempty"` // pids.max; 0 when there is none
}

// CFSThrottling says how often the CFS bandwidth quota held the cgroup
// back.
type CFSThrottling struct {
	Elapsed     uint64 `json:"periods,omitempty"`          // enforcement periods so far
	Throttled   uint64 `json:"throttledPeriods,omitempty"` // of those, the ones the quota ran out in
	ThrottledNS uint64 `json:"throttledTime,omitempty"`
}

// CPUTime is the CPU time the cgroup used, in nanoseconds. The per-CPU
// lists exist on cgroup v1 only (cpuacct).
type CPUTime struct {
	Total        uint64   `json:"total,omitempty"`
	PerCPU       []uint64 `json:"percpu,omitempty"`
	PerCPUKernel []uint64 `json:"percpu_kernel,omitempty"`
	PerCPUUser   []uint64 `json:"percpu_user,omitempty"`
	Kernel       uint64   `json:"kernel"`
	User         uint64   `json:"user"`
}

// CPUStats gathers the CPU side: time used, throttling, pressure.
type CPUStats struct {
	Time      CPUTime       `json:"usage,omitempty"`
	Throttled CFSThrottling `json:"throttling,omitempty"`
	Pressure  *Pressure     `json:"psi,omitempty"` // cpu.pressure, cgroup v2
}

// CpusetState is where the cgroup may run and allocate, and on cgroup v1
// the cpuset flags, each the value of the file named in its key
// (cpuset.<key>). On v2 the lists are the effective ones.
type CpusetState struct {
	CPUs             []uint16 `json:"cpus,omitempty"`
	ExclusiveCPUs    uint64   `json:"cpu_exclusive"`
	Mems             []uint16 `json:"mems,omitempty"`
	HardwallMems     uint64   `json:"mem_hardwall"`
	ExclusiveMems    uint64   `json:"mem_exclusive"`
	MigrateMemory    uint64   `json:"memory_migrate"`
	SpreadPage       uint64   `json:"memory_spread_page"`
	SpreadSlab       uint64   `json:"memory_spread_slab"`
	ReclaimPressure  uint64   `json:"memory_pressure"`
	LoadBalance      uint64   `json:"sched_load_balance"`
	RelaxDomainLevel int64    `json:"sched_relax_domain_level"`
}

// MemoryCounter is one kind of memory charged to the cgroup, against
// its limit.
type MemoryCounter struct {
	Limit     uint64 `json:"limit"` // no limit reads as the largest value the kernel shows
	Bytes     uint64 `json:"usage,omitempty"`
	PeakBytes uint64 `json:"max,omitempty"`
	LimitHits uint64 `json:"failcnt"` // how often a charge hit Limit
}

// MemoryStats is the memory side. WithSwap counts memory and swap
// together, which is what v1's memsw files hold; on v2, where swap has
// files of its own, berth adds the memory values to them.
type MemoryStats struct {
	CacheBytes uint64            `json:"cache,omitempty"`
	RAM        MemoryCounter     `json:"usage,omitempty"`
	WithSwap   MemoryCounter     `json:"swap,omitempty"`
	Kernel     MemoryCounter     `json:"kernel,omitempty"`    // cgroup v1 kmem
	KernelTCP  MemoryCounter     `json:"kernelTCP,omitempty"` // cgroup v1 kmem.tcp
	StatFile   map[string]uint64 `json:"raw,omitempty"`       // memory.stat, every line as the kernel names it
	Pressure   *Pressure         `json:"psi,omitempty"`       // memory.pressure, cgroup v2
}

// PressureAverages is one line of a pressure (PSI) file: the share of
// time tasks were stalled, averaged over 10, 60 and 300 seconds, and the
// total stall.
type PressureAverages struct {
	Avg10     float64 `json:"avg10"`
	Avg60     float64 `json:"avg60"`
	Avg300    float64 `json:"avg300"`
	StalledUS uint64  `json:"total"` // microseconds
}

// Pressure is a cgroup v2 pressure file: "some" when at least one task
// stalled, "full" when all did.
type Pressure struct {
	Some PressureAverages `json:"some,omitempty"`
	Full PressureAverages `json:"full,omitempty"`
}

// RDMAUsage is what the cgroup holds of one RDMA device.
type RDMAUsage struct {
	Name    string `json:"device,omitempty"`
	Handles uint32 `json:"hca_handles,omitempty"`
	Objects uint32 `json:"hca_objects,omitempty"`
}
