package cgroups

import (
	"strconv"
	"strings"
)

// userHZ is the unit of cpuacct.stat (USER_HZ, 100 on every Linux ABI).
const userHZ = 100

// statsV1 reads the v1 controllers' statistics.
func statsV1(paths map[string]string) (*Snapshot, error) {
	var err error
	s := &Snapshot{HugePages: map[string]HugePageUsage{}}
	rd := func(ctrl string) (statReader, bool) {
		d, ok := paths[ctrl]
		return statReader{dir: d, err: &err}, ok
	}
	if r, ok := rd("cpuacct"); ok {
		cpuacctV1(r, &s.CPU)
	}
	if r, ok := rd("cpu"); ok {
		st := r.keyed("cpu.stat")
		s.CPU.Throttled = CFSThrottling{Elapsed: st["nr_periods"], Throttled: st["nr_throttled"], ThrottledNS: st["throttled_time"]}
	}
	if r, ok := rd("cpuset"); ok {
		cpusetV1(r, &s.Cpuset)
	}
	if r, ok := rd("memory"); ok {
		memoryV1(r, &s.Memory)
	}
	if r, ok := rd("pids"); ok {
		s.Tasks = TaskStats{Count: r.uint("pids.current"), Max: r.limitOrZero("pids.max")}
	}
	if r, ok := rd("blkio"); ok {
		blkioV1(r, &s.BlockIO)
	}
	if r, ok := rd("hugetlb"); ok {
		for _, size := range hostHugeSizes() {
			p := "hugetlb." + size + "."
			s.HugePages[size] = HugePageUsage{Bytes: r.uint(p + "usage_in_bytes"), PeakBytes: r.uint(p + "max_usage_in_bytes"), Refused: r.uint(p + "failcnt")}
		}
	}
	if r, ok := rd("rdma"); ok && r.has("rdma.current") {
		s.RDMA = parseRdma(r.str("rdma.current"))
	}
	return s, err
}

func cpuacctV1(r statReader, c *CPUStats) {
	c.Time.Total = r.uint("cpuacct.usage")
	c.Time.PerCPU = r.uints("cpuacct.usage_percpu")
	c.Time.PerCPUKernel = r.uints("cpuacct.usage_percpu_sys")
	c.Time.PerCPUUser = r.uints("cpuacct.usage_percpu_user")
	st := r.keyed("cpuacct.stat")
	c.Time.User = st["user"] * (1e9 / userHZ)
	c.Time.Kernel = st["system"] * (1e9 / userHZ)
}

func cpusetV1(r statReader, c *CpusetState) {
	c.CPUs = r.list("cpuset.cpus")
	c.Mems = r.list("cpuset.mems")
	c.ExclusiveCPUs = r.uint("cpuset.cpu_exclusive")
	c.HardwallMems = r.uint("cpuset.mem_hardwall")
	c.ExclusiveMems = r.uint("cpuset.mem_exclusive")
	c.MigrateMemory = r.uint("cpuset.memory_migrate")
	c.SpreadPage = r.uint("cpuset.memory_spread_page")
	c.SpreadSlab = r.uint("cpuset.memory_spread_slab")
	c.ReclaimPressure = r.uint("cpuset.memory_pressure")
	c.LoadBalance = r.uint("cpuset.sched_load_balance")
	if v, err := strconv.ParseInt(r.str("cpuset.sched_relax_domain_level"), 10, 64); err == nil {
		c.RelaxDomainLevel = v
	}
}

func memoryV1(r statReader, m *MemoryStats) {
	entry := func(prefix string) MemoryCounter {
		if !r.has(prefix + "usage_in_bytes") {
			return MemoryCounter{}
		}
		return MemoryCounter{Bytes: r.uint(prefix + "usage_in_bytes"), PeakBytes: r.uint(prefix + "max_usage_in_bytes"),
			LimitHits: r.uint(prefix + "failcnt"), Limit: r.uint(prefix + "limit_in_bytes")}
	}
	m.RAM = entry("memory.")
	m.WithSwap = entry("memory.memsw.")
	m.Kernel = entry("memory.kmem.")
	m.KernelTCP = entry("memory.kmem.tcp.")
	m.StatFile = r.keyed("memory.stat")
	m.CacheBytes = m.StatFile["cache"]
}

// blkioV1 reads the CFQ statistics where the kernel has them, else BFQ's,
// else the throttling layer's (always there), as runc does.
func blkioV1(r statReader, b *BlockIOStats) {
	entries := func(file string) []DeviceCount { return parseBlkio(r.str(file)) }
	switch {
	case r.has("blkio.io_serviced_recursive"):
		b.Bytes = entries("blkio.io_service_bytes_recursive")
		b.Ops = entries("blkio.io_serviced_recursive")
		b.Queued = entries("blkio.io_queued_recursive")
		b.ServiceTime = entries("blkio.io_service_time_recursive")
		b.WaitTime = entries("blkio.io_wait_time_recursive")
		b.Merged = entries("blkio.io_merged_recursive")
		b.DiskTime = entries("blkio.time_recursive")
		b.Sectors = entries("blkio.sectors_recursive")
	case r.has("blkio.bfq.io_serviced_recursive"):
		b.Bytes = entries("blkio.bfq.io_service_bytes_recursive")
		b.Ops = entries("blkio.bfq.io_serviced_recursive")
	default:
		b.Bytes = entries("blkio.throttle.io_service_bytes_recursive")
		b.Ops = entries("blkio.throttle.io_serviced_recursive")
	}
}

// parseBlkio parses "8:0 Read 4096" and "8:0 4096" lines; "Total" lines
// are skipped.
func parseBlkio(s string) []DeviceCount {
	var out []DeviceCount
	for _, line := range strings.Split(s, "\n") {
		f := strings.Fields(line)
		if len(f) < 2 || f[0] == "Total" {
			continue
		}
		maj, min, ok := strings.Cut(f[0], ":")
		if !ok {
			continue
		}
		e := DeviceCount{}
		e.Major, _ = strconv.ParseUint(maj, 10, 64)
		e.Minor, _ = strconv.ParseUint(min, 10, 64)
		val := f[1]
		if len(f) >= 3 {
			e.Operation, val = f[1], f[2]
		}
		e.Count, _ = strconv.ParseUint(val, 10, 64)
		out = append(out, e)
	}
	return out
}

// Stats reads the statistics of every v1 controller.
func (m *v1Manager) Stats() (*Snapshot, error) { return statsV1(m.paths) }
