package cgroups

import (
	"bytes"
	"encoding/json"
	"os"
	"reflect"
	"testing"
)

// TestStatsJSONShape: runc 1.1.5's `events --stats` data (captured on a
// hybrid host, intel_rdt and network_interfaces removed) decodes into
// Snapshot and encodes back to the same bytes: the field names match.
func TestStatsJSONShape(t *testing.T) {
	in, err := os.ReadFile("testdata/runc-1.1.5-events-stats.json")
	if err != nil {
		t.Fatal(err)
	}
	var s Snapshot
	dec := json.NewDecoder(bytes.NewReader(in))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&s); err != nil {
		t.Fatal(err)
	}
	out, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(bytes.TrimSpace(in), out) {
		t.Errorf("re-encoded:\n%s\nwant:\n%s", out, in)
	}
}

func TestStatsV1(t *testing.T) {
	cpuacct := fakeCgroup(t, map[string]string{
		"cpuacct.usage": "3000\n", "cpuacct.usage_percpu": "1000 2000 \n", "cpuacct.usage_percpu_sys": "10 20\n",
		"cpuacct.usage_percpu_user": "30 40\n", "cpuacct.stat": "user 5\nsystem 7\n"})
	cpuDir := fakeCgroup(t, map[string]string{"cpu.stat": "nr_periods 4\nnr_throttled 2\nthrottled_time 99\n"})
	memDir := fakeCgroup(t, map[string]string{
		"memory.usage_in_bytes": "100", "memory.max_usage_in_bytes": "150", "memory.failcnt": "1", "memory.limit_in_bytes": "200",
		"memory.memsw.usage_in_bytes": "110", "memory.memsw.max_usage_in_bytes": "160", "memory.memsw.failcnt": "0",
		"memory.memsw.limit_in_bytes": "9223372036854771712", "memory.stat": "cache 42\nrss 58\n"})
	pidsDir := fakeCgroup(t, map[string]string{"pids.current": "3\n", "pids.max": "max\n"})
	blkio := fakeCgroup(t, map[string]string{
		"blkio.throttle.io_service_bytes_recursive": "8:0 Read 4096\n8:0 Write 512\n8:0 Total 4608\nTotal 4608\n",
		"blkio.throttle.io_serviced_recursive":      "8:0 Read 2\nTotal 2\n"})
	s, err := statsV1(map[string]string{"cpuacct": cpuacct, "cpu": cpuDir, "memory": memDir, "pids": pidsDir, "blkio": blkio})
	if err != nil {
		t.Fatal(err)
	}
	wantCPU := CPUStats{Time: CPUTime{Total: 3000, PerCPU: []uint64{1000, 2000}, PerCPUKernel: []uint64{10, 20}, PerCPUUser: []uint64{30, 40},
		User: 5e7, Kernel: 7e7}, Throttled: CFSThrottling{Elapsed: 4, Throttled: 2, ThrottledNS: 99}}
	if !reflect.DeepEqual(s.CPU, wantCPU) {
		t.Errorf("cpu %+v\nwant %+v", s.CPU, wantCPU)
	}
	if s.Memory.RAM != (MemoryCounter{Bytes: 100, PeakBytes: 150, LimitHits: 1, Limit: 200}) || s.Memory.WithSwap.Limit != 9223372036854771712 || s.Memory.CacheBytes != 42 {
		t.Errorf("memory %+v", s.Memory)
	}
	if s.Memory.Kernel != (MemoryCounter{}) {
		t.Errorf("kernel memory without files: %+v", s.Memory.Kernel)
	}
	if s.Tasks != (TaskStats{Count: 3}) {
		t.Errorf("pids %+v", s.Tasks)
	}
	wantBytes := []DeviceCount{{8, 0, "Read", 4096}, {8, 0, "Write", 512}, {8, 0, "Total", 4608}}
	if !reflect.DeepEqual(s.BlockIO.Bytes, wantBytes) || len(s.BlockIO.Ops) != 1 {
		t.Errorf("blkio %+v", s.BlockIO)
	}
}

func TestStatsV2(t *testing.T) {
	dir := fakeCgroup(t, map[string]string{
		"cpu.stat":              "usage_usec 10\nuser_usec 6\nsystem_usec 4\nnr_periods 3\nnr_throttled 1\nthrottled_usec 2\n",
		"cpu.pressure":          "some avg10=1.50 avg60=0.00 avg300=0.00 total=123\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=45\n",
		"cpuset.cpus.effective": "0-1\n", "cpuset.mems.effective": "0\n",
		"memory.current": "1000\n", "memory.max": "max\n", "memory.peak": "1500\n", "memory.events": "low 0\nhigh 0\nmax 4\noom 1\noom_kill 1\n",
		"memory.swap.current": "10\n", "memory.swap.max": "max\n", "memory.stat": "anon 500\nfile 300\n",
		"pids.current": "2\n", "pids.max": "20\n",
		"io.stat":      "8:0 rbytes=100 wbytes=200 rios=1 wios=2 dbytes=0 dios=0\n",
		"rdma.current": "mlx4_0 hca_handle=2 hca_object=max\n",
	})
	s, err := statsV2(dir)
	if err != nil {
		t.Fatal(err)
	}
	if s.CPU.Time.Total != 10000 || s.CPU.Time.User != 6000 || s.CPU.Time.Kernel != 4000 || s.CPU.Throttled.ThrottledNS != 2000 {
		t.Errorf("cpu %+v", s.CPU)
	}
	if s.CPU.Pressure == nil || s.CPU.Pressure.Some.Avg10 != 1.5 || s.CPU.Pressure.Full.StalledUS != 45 {
		t.Errorf("psi %+v", s.CPU.Pressure)
	}
	if !reflect.DeepEqual(s.Cpuset.CPUs, []uint16{0, 1}) || !reflect.DeepEqual(s.Cpuset.Mems, []uint16{0}) {
		t.Errorf("cpuset %+v", s.Cpuset)
	}
	if s.Memory.RAM != (MemoryCounter{Bytes: 1000, PeakBytes: 1500, LimitHits: 4, Limit: ^uint64(0)}) || s.Memory.WithSwap.Bytes != 1010 || s.Memory.CacheBytes != 300 {
		t.Errorf("memory %+v", s.Memory)
	}
	if s.Tasks != (TaskStats{Count: 2, Max: 20}) {
		t.Errorf("pids %+v", s.Tasks)
	}
	wantIO := []DeviceCount{{8, 0, "Read", 100}, {8, 0, "Write", 200}, {8, 0, "Discard", 0}}
	if !reflect.DeepEqual(s.BlockIO.Bytes, wantIO) {
		t.Errorf("io %+v", s.BlockIO.Bytes)
	}
	if !reflect.DeepEqual(s.RDMA, []RDMAUsage{{Name: "mlx4_0", Handles: 2}}) {
		t.Errorf("rdma %+v", s.RDMA)
	}
}
