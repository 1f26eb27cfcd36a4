package cgroups

// The types below reproduce the cgroup part of runc's `events --stats`
// data (runc's types/events.go): the same JSON field names, so tools that
// read runc's output read berth's. runc's Stats also has "intel_rdt" and
// "network_interfaces", which do not come from cgroups: the events
// command embeds Stats in a struct that adds them. Rdma is berth's own
// addition and is omitted when empty.

// Stats is the cgroup statistics of a container.
type Stats struct {
	CPU     CPU                `json:"cpu"`            // CPU time and throttling
	Cpuset  CPUSet             `json:"cpuset"`         // the cpuset
	Memory  Memory             `json:"memory"`         // memory usage and limits
	Tasks    Pids               `json:"pids"`           // process count and limit
	BlockIO   Blkio              `json:"blkio"`          // block I/O counters
	HugePages map[string]Hugetlb `json:"hugetlb"`        // by page size ("2MB")
	RDMA    []RdmaEntry        `json:"rdma,omitempty"` // RDMA usage by device (rdma.current)
}

// Hugetlb is the usage of one huge page size.
type Hugetlb struct {
	Bytes   uint64 `json:"usage,omitempty"` // bytes in use
	PeakBytes     uint64 `json:"max,omitempty"`   // peak bytes (v1 only)
	Refused uint64 `json:"failcnt"`         // allocations refused by the limit
}

// BlkioEntry is one device's value of a block I/O statistic.
type BlkioEntry struct {
	Major uint64 `json:"major,omitempty"` // device major
	Minor uint64 `json:"minor,omitempty"` // device minor
	Operation    string `json:"op,omitempty"`    // Read, Write, Sync, Async, Discard, Total or ""
	Count uint64 `json:"value,omitempty"` // bytes, operations or time, by file
}

// Blkio is the block I/O statistics.
type Blkio struct {
	Bytes []BlkioEntry `json:"ioServiceBytesRecursive,omitempty"` // bytes transferred
	IoServicedRecursive     []BlkioEntry `json:"ioServicedRecursive,omitempty"`     // I/O operations
	IoQueuedRecursive       []BlkioEntry `json:"ioQueueRecursive,omitempty"`        // queued operations (v1 CFQ)
	IoServiceTimeRecursive  []BlkioEntry `json:"ioServiceTimeRecursive,omitempty"`  // service time, ns (v1 CFQ)
	IoWaitTimeRecursive     []BlkioEntry `json:"ioWaitTimeRecursive,omitempty"`     // wait time, ns (v1 CFQ)
	IoMergedRecursive       []BlkioEntry `json:"ioMergedRecursive,omitempty"`       // merged operations (v1 CFQ)
	IoTimeRecursive         []BlkioEntry `json:"ioTimeRecursive,omitempty"`         // device time, ms (v1 CFQ)
	SectorsRecursive        []BlkioEntry `json:"sectorsRecursive,omitempty"`        // sectors (v1 CFQ)
	PSI                     *PSIStats    `json:"psi,omitempty"`                     // io.pressure (v2)
}

// Pids is the number of processes and its limit (0: no limit).
type Pids struct {
	Current uint64 `json:"current,omitempty"` // processes now
	Limit   uint64 `json:"limit,omitempty"`   // pids.max; 0 for none
}

// Throttling is the CFS bandwidth statistics.
type Throttling struct {
	Periods          uint64 `json:"periods,omitempty"`          // CFS periods elapsed
	ThrottledPeriods uint64 `json:"throttledPeriods,omitempty"` // periods the quota ran out
	ThrottledTime    uint64 `json:"throttledTime,omitempty"`    // time throttled, ns
}

// CPUUsage is CPU time in nanoseconds.
type CPUUsage struct {
	Total        uint64   `json:"total,omitempty"`         // all CPU time
	Percpu       []uint64 `json:"percpu,omitempty"`        // by CPU (v1)
	PercpuKernel []uint64 `json:"percpu_kernel,omitempty"` // kernel time by CPU (v1)
	PercpuUser   []uint64 `json:"percpu_user,omitempty"`   // user time by CPU (v1)
	Kernel       uint64   `json:"kernel"`                  // kernel time
	User         uint64   `json:"user"`                    // user time
}

// CPU is the CPU statistics.
type CPU struct {
	Usage      CPUUsage   `json:"usage,omitempty"`      // time used
	Throttling Throttling `json:"throttling,omitempty"` // CFS bandwidth throttling
	PSI        *PSIStats  `json:"psi,omitempty"`        // cpu.pressure (v2)
}

// CPUSet is the cpuset of the cgroup and its v1 flags.
type CPUSet struct {
	CPUs                  []uint16 `json:"cpus,omitempty"`           // CPUs (v2: effective)
	CPUExclusive          uint64   `json:"cpu_exclusive"`            // cpuset.cpu_exclusive
	Mems                  []uint16 `json:"mems,omitempty"`           // memory nodes (v2: effective)
	MemHardwall           uint64   `json:"mem_hardwall"`             // cpuset.mem_hardwall
	MemExclusive          uint64   `json:"mem_exclusive"`            // cpuset.mem_exclusive
	MemoryMigrate         uint64   `json:"memory_migrate"`           // cpuset.memory_migrate
	MemorySpreadPage      uint64   `json:"memory_spread_page"`       // cpuset.memory_spread_page
	MemorySpreadSlab      uint64   `json:"memory_spread_slab"`       // cpuset.memory_spread_slab
	MemoryPressure        uint64   `json:"memory_pressure"`          // cpuset.memory_pressure
	SchedLoadBalance      uint64   `json:"sched_load_balance"`       // cpuset.sched_load_balance
	SchedRelaxDomainLevel int64    `json:"sched_relax_domain_level"` // cpuset.sched_relax_domain_level
}

// MemoryEntry is one memory counter: usage, peak, limit hits and limit.
type MemoryEntry struct {
	Limit   uint64 `json:"limit"`           // bytes; unlimited is the largest value
	Usage   uint64 `json:"usage,omitempty"` // bytes now
	Max     uint64 `json:"max,omitempty"`   // peak bytes
	Failcnt uint64 `json:"failcnt"`         // times the limit was hit
}

// Memory is the memory statistics. Swap is memory+swap, as in v1 (on v2
// the swap-only values plus the memory ones).
type Memory struct {
	Cache     uint64            `json:"cache,omitempty"`     // page cache bytes
	Usage     MemoryEntry       `json:"usage,omitempty"`     // memory
	Swap      MemoryEntry       `json:"swap,omitempty"`      // memory+swap
	Kernel    MemoryEntry       `json:"kernel,omitempty"`    // kernel memory (v1)
	KernelTCP MemoryEntry       `json:"kernelTCP,omitempty"` // kernel TCP memory (v1)
	Raw       map[string]uint64 `json:"raw,omitempty"`       // memory.stat as is
	PSI       *PSIStats         `json:"psi,omitempty"`       // memory.pressure (v2)
}

// PSIData is one line of a cgroup v2 pressure file.
type PSIData struct {
	Avg10  float64 `json:"avg10"`  // percent stalled, last 10 s
	Avg60  float64 `json:"avg60"`  // percent stalled, last 60 s
	Avg300 float64 `json:"avg300"` // percent stalled, last 300 s
	Total  uint64  `json:"total"`  // time stalled, µs
}

// PSIStats is a cgroup v2 pressure file (cpu, memory or io.pressure).
type PSIStats struct {
	Some PSIData `json:"some,omitempty"` // some tasks stalled
	Full PSIData `json:"full,omitempty"` // all tasks stalled
}

// RdmaEntry is one RDMA device's usage.
type RdmaEntry struct {
	Device     string `json:"device,omitempty"`      // device name
	HcaHandles uint32 `json:"hca_handles,omitempty"` // HCA handles
	HcaObjects uint32 `json:"hca_objects,omitempty"` // HCA objects
}
