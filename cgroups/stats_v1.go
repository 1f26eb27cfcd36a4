package cgroups

import (
	"strconv"
	"strings"
)

// userHZ is the unit of cpuacct.stat (USER_HZ, 100 on every Linux ABI).
const userHZ = 100

// statsV1 reads the v1 controllers' statistics.
func statsV1(paths map[string]string) (*Stats, error) {
	var err error
	s := &Stats{HugePages: map[string]Hugetlb{}}
	rd := func(ctrl string) (statReader, bool) {
		d, ok := paths[ctrl]
		return statReader{dir: d, err: &err}, ok
	}
	if r, ok := rd("cpuacct"); ok {
		cpuacctV1(r, &s.CPU)
	}
	if r, ok := rd("cpu"); ok {
		st := r.keyed("cpu.stat")
		s.CPU.Throttling = Throttling{Periods: st["nr_periods"], ThrottledPeriods: st["nr_throttled"], ThrottledTime: st["throttled_time"]}
	}
	if r, ok := rd("cpuset"); ok {
		cpusetV1(r, &s.Cpuset)
	}
	if r, ok := rd("memory"); ok {
		memoryV1(r, &s.Memory)
	}
	if r, ok := rd("pids"); ok {
		s.Tasks = Pids{Current: r.uint("pids.current"), Limit: r.limitOrZero("pids.max")}
	}
	if r, ok := rd("blkio"); ok {
		blkioV1(r, &s.BlockIO)
	}
	if r, ok := rd("hugetlb"); ok {
		for _, size := range hostHugeSizes() {
			p := "hugetlb." + size + "."
			s.HugePages[size] = Hugetlb{Bytes: r.uint(p + "usage_in_bytes"), PeakBytes: r.uint(p + "max_usage_in_bytes"), Refused: r.uint(p + "failcnt")}
		}
	}
	if r, ok := rd("rdma"); ok && r.has("rdma.current") {
		s.RDMA = parseRdma(r.str("rdma.current"))
	}
	return s, err
}

func cpuacctV1(r statReader, c *CPU) {
	c.Usage.Total = r.uint("cpuacct.usage")
	c.Usage.Percpu = r.uints("cpuacct.usage_percpu")
	c.Usage.PercpuKernel = r.uints("cpuacct.usage_percpu_sys")
	c.Usage.PercpuUser = r.uints("cpuacct.usage_percpu_user")
	st := r.keyed("cpuacct.stat")
	c.Usage.User = st["user"] * (1e9 / userHZ)
	c.Usage.Kernel = st["system"] * (1e9 / userHZ)
}

func cpusetV1(r statReader, c *CPUSet) {
	c.CPUs = r.list("cpuset.cpus")
	c.Mems = r.list("cpuset.mems")
	c.CPUExclusive = r.uint("cpuset.cpu_exclusive")
	c.MemHardwall = r.uint("cpuset.mem_hardwall")
	c.MemExclusive = r.uint("cpuset.mem_exclusive")
	c.MemoryMigrate = r.uint("cpuset.memory_migrate")
	c.MemorySpreadPage = r.uint("cpuset.memory_spread_page")
	c.MemorySpreadSlab = r.uint("cpuset.memory_spread_slab")
	c.MemoryPressure = r.uint("cpuset.memory_pressure")
	c.SchedLoadBalance = r.uint("cpuset.sched_load_balance")
	if v, err := strconv.ParseInt(r.str("cpuset.sched_relax_domain_level"), 10, 64); err == nil {
		c.SchedRelaxDomainLevel = v
	}
}

func memoryV1(r statReader, m *Memory) {
	entry := func(prefix string) MemoryEntry {
		if !r.has(prefix + "usage_in_bytes") {
			return MemoryEntry{}
		}
		return MemoryEntry{Usage: r.uint(prefix + "usage_in_bytes"), Max: r.uint(prefix + "max_usage_in_bytes"),
			Failcnt: r.uint(prefix + "failcnt"), Limit: r.uint(prefix + "limit_in_bytes")}
	}
	m.Usage = entry("memory.")
	m.Swap = entry("memory.memsw.")
	m.Kernel = entry("memory.kmem.")
	m.KernelTCP = entry("memory.kmem.tcp.")
	m.Raw = r.keyed("memory.stat")
	m.Cache = m.Raw["cache"]
}

// blkioV1 reads the CFQ statistics where the kernel has them, else BFQ's,
// else the throttling layer's (always there), as runc does.
func blkioV1(r statReader, b *Blkio) {
	entries := func(file string) []BlkioEntry { return parseBlkio(r.str(file)) }
	switch {
	case r.has("blkio.io_serviced_recursive"):
		b.Bytes = entries("blkio.io_service_bytes_recursive")
		b.IoServicedRecursive = entries("blkio.io_serviced_recursive")
		b.IoQueuedRecursive = entries("blkio.io_queued_recursive")
		b.IoServiceTimeRecursive = entries("blkio.io_service_time_recursive")
		b.IoWaitTimeRecursive = entries("blkio.io_wait_time_recursive")
		b.IoMergedRecursive = entries("blkio.io_merged_recursive")
		b.IoTimeRecursive = entries("blkio.time_recursive")
		b.SectorsRecursive = entries("blkio.sectors_recursive")
	case r.has("blkio.bfq.io_serviced_recursive"):
		b.Bytes = entries("blkio.bfq.io_service_bytes_recursive")
		b.IoServicedRecursive = entries("blkio.bfq.io_serviced_recursive")
	default:
		b.Bytes = entries("blkio.throttle.io_service_bytes_recursive")
		b.IoServicedRecursive = entries("blkio.throttle.io_serviced_recursive")
	}
}

// parseBlkio parses "8:0 Read 4096" and "8:0 4096" lines; "Total" lines
// are skipped.
func parseBlkio(s string) []BlkioEntry {
	var out []BlkioEntry
	for _, line := range strings.Split(s, "\n") {
		f := strings.Fields(line)
		if len(f) < 2 || f[0] == "Total" {
			continue
		}
		maj, min, ok := strings.Cut(f[0], ":")
		if !ok {
			continue
		}
		e := BlkioEntry{}
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
func (m *v1Manager) Stats() (*Stats, error) { return statsV1(m.paths) }
