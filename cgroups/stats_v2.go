package cgroups

import (
	"math"
	"strconv"
	"strings"
)

// statsV2 reads a cgroup v2 directory's statistics.
func statsV2(dir string) (*Stats, error) {
	var err error
	r := statReader{dir: dir, err: &err}
	s := &Stats{HugePages: map[string]Hugetlb{}}
	cpuV2(r, &s.CPU)
	s.Cpuset.CPUs = r.list("cpuset.cpus.effective")
	s.Cpuset.Mems = r.list("cpuset.mems.effective")
	memoryV2(r, &s.Memory)
	if r.has("pids.current") {
		s.Tasks = Pids{Current: r.uint("pids.current"), Limit: r.limitOrZero("pids.max")}
	}
	ioV2(r, &s.BlockIO)
	for _, size := range hostHugeSizes() {
		p := "hugetlb." + size + "."
		if r.has(p + "current") {
			s.HugePages[size] = Hugetlb{Bytes: r.uint(p + "current"), Refused: r.keyed(p + "events")["max"]}
		}
	}
	if r.has("rdma.current") {
		s.RDMA = parseRdma(r.str("rdma.current"))
	}
	return s, err
}

// cpuV2 reads cpu.stat (microseconds, reported in nanoseconds) and
// cpu.pressure. cgroup v2 has no per-CPU usage.
func cpuV2(r statReader, c *CPU) {
	st := r.keyed("cpu.stat")
	c.Usage.Total = st["usage_usec"] * 1000
	c.Usage.User = st["user_usec"] * 1000
	c.Usage.Kernel = st["system_usec"] * 1000
	c.Throttling = Throttling{Periods: st["nr_periods"], ThrottledPeriods: st["nr_throttled"], ThrottledTime: st["throttled_usec"] * 1000}
	c.PSI = r.psi("cpu.pressure")
}

// memoryV2 reads memory.current/max/peak and the swap files; Swap is
// reported as memory+swap, like v1.
func memoryV2(r statReader, m *Memory) {
	if !r.has("memory.current") {
		return
	}
	ev := r.keyed("memory.events")
	m.Usage = MemoryEntry{Usage: r.uint("memory.current"), Limit: r.uint("memory.max"), Failcnt: ev["max"]}
	if r.has("memory.peak") {
		m.Usage.Max = r.uint("memory.peak")
	}
	if r.has("memory.swap.current") {
		sw := MemoryEntry{Usage: r.uint("memory.swap.current"), Limit: r.uint("memory.swap.max"), Failcnt: r.keyed("memory.swap.events")["fail"]}
		if r.has("memory.swap.peak") {
			sw.Max = r.uint("memory.swap.peak")
		}
		sw.Usage += m.Usage.Usage
		if sw.Limit != math.MaxUint64 && m.Usage.Limit != math.MaxUint64 {
			sw.Limit += m.Usage.Limit
		} else {
			sw.Limit = math.MaxUint64
		}
		m.Swap = sw
	}
	m.Raw = r.keyed("memory.stat")
	m.Cache = m.Raw["file"]
	m.PSI = r.psi("memory.pressure")
}

// ioV2 reads io.stat ("8:0 rbytes=1 wbytes=2 rios=3 wios=4 dbytes=0
// dios=0") into the v1 shape: bytes and operations by Read, Write and
// Discard.
func ioV2(r statReader, b *Blkio) {
	if r.has("io.stat") {
		for _, line := range strings.Split(r.str("io.stat"), "\n") {
			addIOStat(line, b)
		}
	}
	b.PSI = r.psi("io.pressure")
}

func addIOStat(line string, b *Blkio) {
	f := strings.Fields(line)
	if len(f) < 2 {
		return
	}
	maj, min, ok := strings.Cut(f[0], ":")
	if !ok {
		return
	}
	e := BlkioEntry{}
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
			b.IoServicedRecursive = append(b.IoServicedRecursive, e)
		}
	}
}

// Stats reads the cgroup's statistics.
func (m *v2Manager) Stats() (*Stats, error) { return statsV2(m.dir()) }
