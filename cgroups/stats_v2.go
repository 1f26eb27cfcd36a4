package cgroups

import (
	"math"
	"strconv"
	"strings"
)

// statsV2 reads a cgroup v2 directory's statistics.
func statsV2(dir string) (*Snapshot, error) {
	var err error
	r := statReader{dir: dir, err: &err}
	s := &Snapshot{HugePages: map[string]HugePageUsage{}}
	cpuV2(r, &s.CPU)
	s.Cpuset.CPUs = r.list("cpuset.cpus.effective")
	s.Cpuset.Mems = r.list("cpuset.mems.effective")
	memoryV2(r, &s.Memory)
	if r.has("pids.current") {
		s.Tasks = TaskStats{Count: r.uint("pids.current"), Max: r.limitOrZero("pids.max")}
	}
	ioV2(r, &s.BlockIO)
	for _, size := range hostHugeSizes() {
		p := "hugetlb." + size + "."
		if r.has(p + "current") {
			s.HugePages[size] = HugePageUsage{Bytes: r.uint(p + "current"), Refused: r.keyed(p + "events")["max"]}
		}
	}
	if r.has("rdma.current") {
		s.RDMA = parseRdma(r.str("rdma.current"))
	}
	return s, err
}

// cpuV2 reads cpu.stat (microseconds, reported in nanoseconds) and
// cpu.pressure. cgroup v2 has no per-CPU usage.
func cpuV2(r statReader, c *CPUStats) {
	st := r.keyed("cpu.stat")
	c.Time.Total = st["usage_usec"] * 1000
	c.Time.User = st["user_usec"] * 1000
	c.Time.Kernel = st["system_usec"] * 1000
	c.Throttled = CFSThrottling{Elapsed: st["nr_periods"], Throttled: st["nr_throttled"], ThrottledNS: st["throttled_usec"] * 1000}
	c.Pressure = r.psi("cpu.pressure")
}

// memoryV2 reads memory.current/max/peak and the swap files; WithSwap is
// reported as memory+swap, like v1.
func memoryV2(r statReader, m *MemoryStats) {
	if !r.has("memory.current") {
		return
	}
	ev := r.keyed("memory.events")
	m.RAM = MemoryCounter{Bytes: r.uint("memory.current"), Limit: r.uint("memory.max"), LimitHits: ev["max"]}
	if r.has("memory.peak") {
		m.RAM.PeakBytes = r.uint("memory.peak")
	}
	if r.has("memory.swap.current") {
		sw := MemoryCounter{Bytes: r.uint("memory.swap.current"), Limit: r.uint("memory.swap.max"), LimitHits: r.keyed("memory.swap.events")["fail"]}
		if r.has("memory.swap.peak") {
			sw.PeakBytes = r.uint("memory.swap.peak")
		}
		sw.Bytes += m.RAM.Bytes
		if sw.Limit != math.MaxUint64 && m.RAM.Limit != math.MaxUint64 {
			sw.Limit += m.RAM.Limit
		} else {
			sw.Limit = math.MaxUint64
		}
		m.WithSwap = sw
	}
	m.StatFile = r.keyed("memory.stat")
	m.CacheBytes = m.StatFile["file"]
	m.Pressure = r.psi("memory.pressure")
}

// ioV2 reads io.stat ("8:0 rbytes=1 wbytes=2 rios=3 wios=4 dbytes=0
// dios=0") into the v1 shape: bytes and operations by Read, Write and
// Discard.
func ioV2(r statReader, b *BlockIOStats) {
	if r.has("io.stat") {
		for _, line := range strings.Split(r.str("io.stat"), "\n") {
			addIOStat(line, b)
		}
	}
	b.Pressure = r.psi("io.pressure")
}

func addIOStat(line string, b *BlockIOStats) {
	f := strings.Fields(line)
	if len(f) < 2 {
		return
	}
	maj, min, ok := strings.Cut(f[0], ":")
	if !ok {
		return
	}
	e := DeviceCount{}
	e.Major, _ = strconv.ParseUint(maj, 10, 64)
	e.Minor, _ = strconv.ParseUint(min, 10, 64)
	ops := map[byte]string{'r': "Read", 'w': "Write", 'd': "Discard"}
	for _, kv := range f[1:] {
		k, v, _ := strings.Cut(kv, "=")
		if len(k) < 2 || ops[k[0]] == "" {
			continue
		}
		e.Operation = ops[k[0]]
		e.Count, _ = strconv.ParseUint(v, 10, 64)
		switch k[1:] {
		case "bytes":
			b.Bytes = append(b.Bytes, e)
		case "ios":
			b.Ops = append(b.Ops, e)
		}
	}
}

// Stats reads the cgroup's statistics.
func (m *v2Manager) Stats() (*Snapshot, error) { return statsV2(m.dir()) }
