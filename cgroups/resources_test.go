package cgroups

import (
	"fmt"
	"reflect"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// describe renders writes compactly for the tables:
// "ctrl:file=value" with " |alt=value" for alternatives and flag marks.
func describe(ws []fileWrite) []string {
	var out []string
	for _, w := range ws {
		s := fmt.Sprintf("%s:%s=%s", w.ctrl, w.file, w.value)
		for a := w.alt; a != nil; a = a.alt {
			s += fmt.Sprintf(" |%s=%s", a.file, a.value)
		}
		for _, f := range []struct {
			flag writeFlag
			mark string
		}{{ifExists, "ifExists"}, {warnMissing, "warnMissing"}, {warnRefused, "warnRefused"},
			{warnIgnored, "warnIgnored"}, {pairNext, "pair"}, {keepQuota, "keepQuota"}} {
			if w.flags&f.flag != 0 {
				s += " +" + f.mark
			}
		}
		out = append(out, s)
	}
	return out
}

type transCase struct {
	name  string
	r     *specs.LinuxResources
	want  []string // describe() of the writes
	warns []string // prefixes of the warnings
	err   string   // substring of the error
}

func runTrans(t *testing.T, f func(*specs.LinuxResources) (*plan, error), cases []transCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p, err := f(tc.r)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error = %v, want it to contain %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := describe(p.writes); !reflect.DeepEqual(got, tc.want) && !(len(got) == 0 && len(tc.want) == 0) {
				t.Errorf("writes:\n got  %q\n want %q", got, tc.want)
			}
			if len(p.warnings) != len(tc.warns) {
				t.Fatalf("warnings = %q, want %d starting %q", p.warnings, len(tc.warns), tc.warns)
			}
			for i, w := range tc.warns {
				if !strings.HasPrefix(p.warnings[i], w) {
					t.Errorf("warning %q, want prefix %q", p.warnings[i], w)
				}
			}
		})
	}
}

func mem(m specs.LinuxMemory) *specs.LinuxResources { return &specs.LinuxResources{Memory: &m} }
func cpu(c specs.LinuxCPU) *specs.LinuxResources    { return &specs.LinuxResources{CPU: &c} }
func bio(b specs.LinuxBlockIO) *specs.LinuxResources {
	return &specs.LinuxResources{BlockIO: &b}
}
func dev(maj, min int64) specs.LinuxBlockIODevice {
	return specs.LinuxBlockIODevice{Major: maj, Minor: min}
}

func TestV1Files(t *testing.T) {
	runTrans(t, v1Files, []transCase{
		{name: "nil", r: nil},
		{name: "empty", r: &specs.LinuxResources{}},
		{name: "memory limit", r: mem(specs.LinuxMemory{Limit: i64(1 << 20)}),
			want: []string{"memory:memory.limit_in_bytes=1048576"}},
		{name: "memory limit and swap are paired", r: mem(specs.LinuxMemory{Limit: i64(100), Swap: i64(300)}),
			want: []string{"memory:memory.limit_in_bytes=100 +pair", "memory:memory.memsw.limit_in_bytes=300 +warnMissing"}},
		{name: "unlimited memory makes memsw unlimited", r: mem(specs.LinuxMemory{Limit: i64(-1)}),
			want: []string{"memory:memory.limit_in_bytes=-1 +pair", "memory:memory.memsw.limit_in_bytes=-1 +ifExists"}},
		{name: "swap unlimited", r: mem(specs.LinuxMemory{Limit: i64(100), Swap: i64(-1)}),
			want: []string{"memory:memory.limit_in_bytes=100 +pair", "memory:memory.memsw.limit_in_bytes=-1 +warnMissing"}},
		{name: "zero is unset", r: mem(specs.LinuxMemory{Limit: i64(0), Reservation: i64(0), Swap: i64(0)})},
		{name: "memory others", r: mem(specs.LinuxMemory{Reservation: i64(50), Kernel: i64(70), KernelTCP: i64(80),
			Swappiness: u64(30), DisableOOMKiller: boolp(true), UseHierarchy: boolp(false)}),
			want: []string{"memory:memory.soft_limit_in_bytes=50",
				"memory:memory.kmem.limit_in_bytes=70 +warnMissing +warnRefused +warnIgnored",
				"memory:memory.kmem.tcp.limit_in_bytes=80 +warnMissing +warnRefused",
				"memory:memory.swappiness=30", "memory:memory.oom_control=1",
				"memory:memory.use_hierarchy=0 +warnRefused"}},
		{name: "cpu everything", r: cpu(specs.LinuxCPU{Shares: u64(1024), Quota: i64(50000), Period: u64(100000), Burst: u64(10000),
			RealtimeRuntime: i64(950), RealtimePeriod: u64(1000), Idle: i64(0), Cpus: "0-1", Mems: "0"}),
			want: []string{"cpu:cpu.cfs_period_us=100000 +pair", "cpu:cpu.cfs_quota_us=50000 +pair", "cpu:cpu.cfs_burst_us=10000",
				"cpu:cpu.rt_period_us=1000 +pair", "cpu:cpu.rt_runtime_us=950", "cpu:cpu.shares=1024 +pair", "cpu:cpu.idle=0",
				"cpuset:cpuset.cpus=0-1", "cpuset:cpuset.mems=0"}},
		{name: "cpu quota unlimited", r: cpu(specs.LinuxCPU{Quota: i64(-1)}), want: []string{"cpu:cpu.cfs_quota_us=-1"}},
		{name: "pids", r: &specs.LinuxResources{Pids: &specs.LinuxPids{Limit: i64(64)}}, want: []string{"pids:pids.max=64"}},
		{name: "pids 0 is a limit", r: &specs.LinuxResources{Pids: &specs.LinuxPids{Limit: i64(0)}}, want: []string{"pids:pids.max=0"}},
		{name: "pids -1 is max", r: &specs.LinuxResources{Pids: &specs.LinuxPids{Limit: i64(-1)}}, want: []string{"pids:pids.max=max"}},
		{name: "pids unset", r: &specs.LinuxResources{Pids: &specs.LinuxPids{}}},
		{name: "blockIO", r: bio(specs.LinuxBlockIO{Weight: u16(500), LeafWeight: u16(300),
			WeightDevice:            []specs.LinuxWeightDevice{{LinuxBlockIODevice: dev(8, 0), Weight: u16(600), LeafWeight: u16(200)}},
			ThrottleReadBpsDevice:   []specs.LinuxThrottleDevice{{LinuxBlockIODevice: dev(8, 0), Rate: 1000}},
			ThrottleWriteBpsDevice:  []specs.LinuxThrottleDevice{{LinuxBlockIODevice: dev(8, 16), Rate: 2000}},
			ThrottleReadIOPSDevice:  []specs.LinuxThrottleDevice{{LinuxBlockIODevice: dev(8, 0), Rate: 30}},
			ThrottleWriteIOPSDevice: []specs.LinuxThrottleDevice{{LinuxBlockIODevice: dev(8, 0), Rate: 0}}}),
			want: []string{"blkio:blkio.weight=500 |blkio.bfq.weight=500", "blkio:blkio.leaf_weight=300",
				"blkio:blkio.weight_device=8:0 600 |blkio.bfq.weight_device=8:0 600", "blkio:blkio.leaf_weight_device=8:0 200",
				"blkio:blkio.throttle.read_bps_device=8:0 1000", "blkio:blkio.throttle.write_bps_device=8:16 2000",
				"blkio:blkio.throttle.read_iops_device=8:0 30", "blkio:blkio.throttle.write_iops_device=8:0 0"}},
		{name: "hugepages", r: &specs.LinuxResources{HugepageLimits: []specs.LinuxHugepageLimit{{Pagesize: "2MB", Limit: 4 << 20}}},
			want: []string{"hugetlb:hugetlb.2MB.limit_in_bytes=4194304", "hugetlb:hugetlb.2MB.rsvd.limit_in_bytes=4194304 +ifExists"}},
		{name: "network", r: &specs.LinuxResources{Network: &specs.LinuxNetwork{ClassID: u32(0x100001),
			Priorities: []specs.LinuxInterfacePriority{{Name: "eth0", Priority: 5}, {Name: "lo", Priority: 2}}}},
			want: []string{"net_cls:net_cls.classid=1048577", "net_prio:net_prio.ifpriomap=eth0 5", "net_prio:net_prio.ifpriomap=lo 2"}},
		{name: "rdma", r: &specs.LinuxResources{Rdma: map[string]specs.LinuxRdma{"mlx5_1": {HcaHandles: u32(3)}, "mlx4_0": {HcaHandles: u32(2), HcaObjects: u32(2000)}}},
			want: []string{"rdma:rdma.max=mlx4_0 hca_handle=2 hca_object=2000", "rdma:rdma.max=mlx5_1 hca_handle=3"}},
		{name: "unified refused", r: &specs.LinuxResources{Unified: map[string]string{"memory.high": "1"}},
			err: "linux.resources.unified: invalid configuration for this host: cgroup v2 keys need a pure cgroup v2 host"},
		{name: "devices are not file writes here", r: &specs.LinuxResources{Devices: []specs.LinuxDeviceCgroup{{Allow: true}}}},
	})
}

func TestV2Files(t *testing.T) {
	runTrans(t, v2Files, []transCase{
		{name: "nil", r: nil},
		{name: "memory limit", r: mem(specs.LinuxMemory{Limit: i64(1 << 20)}), want: []string{":memory.max=1048576"}},
		{name: "swap is memory+swap minus memory", r: mem(specs.LinuxMemory{Limit: i64(100 << 20), Swap: i64(300 << 20)}),
			want: []string{":memory.max=104857600", ":memory.swap.max=209715200 +warnMissing"}},
		{name: "swap equal to limit: no swap", r: mem(specs.LinuxMemory{Limit: i64(100), Swap: i64(100)}),
			want: []string{":memory.max=100", ":memory.swap.max=0 +warnMissing"}},
		{name: "unlimited", r: mem(specs.LinuxMemory{Limit: i64(-1)}), want: []string{":memory.max=max", ":memory.swap.max=max +ifExists"}},
		{name: "swap unlimited", r: mem(specs.LinuxMemory{Limit: i64(100), Swap: i64(-1)}), want: []string{":memory.max=100", ":memory.swap.max=max +warnMissing"}},
		{name: "reservation", r: mem(specs.LinuxMemory{Reservation: i64(50)}), want: []string{":memory.low=50"}},
		{name: "v1-only memory settings warn", r: mem(specs.LinuxMemory{Kernel: i64(1), KernelTCP: i64(2), Swappiness: u64(10),
			DisableOOMKiller: boolp(true), UseHierarchy: boolp(false)}),
			warns: []string{"linux.resources.memory.kernel: ignored", "linux.resources.memory.kernelTCP: ignored",
				"linux.resources.memory.swappiness: ignored", "linux.resources.memory.disableOOMKiller: ignored",
				"linux.resources.memory.useHierarchy: ignored"}},
		{name: "harmless v1 settings do not warn", r: mem(specs.LinuxMemory{DisableOOMKiller: boolp(false), UseHierarchy: boolp(true), CheckBeforeUpdate: boolp(true)})},
		{name: "shares to weight", r: cpu(specs.LinuxCPU{Shares: u64(1024)}), want: []string{":cpu.weight=39"}},
		{name: "shares min", r: cpu(specs.LinuxCPU{Shares: u64(2)}), want: []string{":cpu.weight=1"}},
		{name: "shares max", r: cpu(specs.LinuxCPU{Shares: u64(262144)}), want: []string{":cpu.weight=10000"}},
		{name: "quota and period", r: cpu(specs.LinuxCPU{Quota: i64(50000), Period: u64(100000)}), want: []string{":cpu.max=50000 100000"}},
		{name: "quota only", r: cpu(specs.LinuxCPU{Quota: i64(50000)}), want: []string{":cpu.max=50000"}},
		{name: "unlimited quota", r: cpu(specs.LinuxCPU{Quota: i64(-1), Period: u64(20000)}), want: []string{":cpu.max=max 20000"}},
		{name: "period only keeps the quota", r: cpu(specs.LinuxCPU{Period: u64(20000)}), want: []string{":cpu.max=20000 +keepQuota"}},
		{name: "burst paired with cpu.max", r: cpu(specs.LinuxCPU{Quota: i64(50000), Burst: u64(1000)}),
			want: []string{":cpu.max=50000 +pair", ":cpu.max.burst=1000"}},
		{name: "idle paired with weight", r: cpu(specs.LinuxCPU{Shares: u64(2), Idle: i64(1)}), want: []string{":cpu.weight=1 +pair", ":cpu.idle=1"}},
		{name: "cpuset", r: cpu(specs.LinuxCPU{Cpus: "1", Mems: "0"}), want: []string{":cpuset.cpus=1", ":cpuset.mems=0"}},
		{name: "realtime refused", r: cpu(specs.LinuxCPU{RealtimeRuntime: i64(100)}), err: "linux.resources.cpu.realtimeRuntime: not supported"},
		{name: "realtime period refused", r: cpu(specs.LinuxCPU{RealtimePeriod: u64(100)}), err: "linux.resources.cpu.realtimePeriod: not supported"},
		{name: "pids", r: &specs.LinuxResources{Pids: &specs.LinuxPids{Limit: i64(-1)}}, want: []string{":pids.max=max"}},
		{name: "blockIO", r: bio(specs.LinuxBlockIO{Weight: u16(500), LeafWeight: u16(300),
			WeightDevice:            []specs.LinuxWeightDevice{{LinuxBlockIODevice: dev(8, 0), Weight: u16(10), LeafWeight: u16(20)}},
			ThrottleReadBpsDevice:   []specs.LinuxThrottleDevice{{LinuxBlockIODevice: dev(8, 0), Rate: 1000}},
			ThrottleWriteIOPSDevice: []specs.LinuxThrottleDevice{{LinuxBlockIODevice: dev(8, 0), Rate: 0}}}),
			want: []string{":io.bfq.weight=500 |io.weight=4950", ":io.bfq.weight=8:0 10 |io.weight=8:0 1",
				":io.max=8:0 rbps=1000", ":io.max=8:0 wiops=max"},
			warns: []string{"linux.resources.blockIO.leafWeight: ignored", "linux.resources.blockIO.weightDevice[0].leafWeight: ignored"}},
		{name: "hugepages", r: &specs.LinuxResources{HugepageLimits: []specs.LinuxHugepageLimit{{Pagesize: "1GB", Limit: 1 << 30}}},
			want: []string{":hugetlb.1GB.max=1073741824", ":hugetlb.1GB.rsvd.max=1073741824 +ifExists"}},
		{name: "net_cls refused", r: &specs.LinuxResources{Network: &specs.LinuxNetwork{ClassID: u32(1)}}, err: "linux.resources.network.classID: not supported"},
		{name: "net_prio refused", r: &specs.LinuxResources{Network: &specs.LinuxNetwork{Priorities: []specs.LinuxInterfacePriority{{Name: "eth0"}}}},
			err: "linux.resources.network.priorities: not supported"},
		{name: "rdma", r: &specs.LinuxResources{Rdma: map[string]specs.LinuxRdma{"mlx4_0": {HcaObjects: u32(9)}}}, want: []string{":rdma.max=mlx4_0 hca_object=9"}},
		{name: "unified last, in key order", r: &specs.LinuxResources{Pids: &specs.LinuxPids{Limit: i64(5)},
			Unified: map[string]string{"pids.max": "7", "memory.high": "1000", "cgroup.max.depth": "2"}},
			want: []string{":pids.max=5", ":cgroup.max.depth=2", ":memory.high=1000", ":pids.max=7"}},
	})
}

// TestInvalidValues: both translations refuse the same bad values, naming
// the field.
func TestInvalidValues(t *testing.T) {
	cases := []struct {
		r   *specs.LinuxResources
		err string
	}{
		{mem(specs.LinuxMemory{Limit: i64(-2)}), "linux.resources.memory.limit: -2 is neither a byte count nor -1"},
		{mem(specs.LinuxMemory{Reservation: i64(-5)}), "linux.resources.memory.reservation: -5"},
		{mem(specs.LinuxMemory{Kernel: i64(-3)}), "linux.resources.memory.kernel: -3"},
		{mem(specs.LinuxMemory{Limit: i64(200), Swap: i64(100)}), "linux.resources.memory.swap: 100 is below the memory limit 200"},
		{mem(specs.LinuxMemory{Swap: i64(100)}), "linux.resources.memory.swap: 100 (memory+swap) needs linux.resources.memory.limit"},
		{mem(specs.LinuxMemory{Limit: i64(-1), Swap: i64(100)}), "linux.resources.memory.swap: 100 is below the memory limit -1 (unlimited)"},
		{mem(specs.LinuxMemory{Swappiness: u64(101)}), "linux.resources.memory.swappiness: 101 is above 100"},
		{cpu(specs.LinuxCPU{Shares: u64(1)}), "linux.resources.cpu.shares: 1 is outside 2..262144"},
		{cpu(specs.LinuxCPU{Shares: u64(300000)}), "linux.resources.cpu.shares: 300000 is outside"},
		{cpu(specs.LinuxCPU{Quota: i64(500)}), "linux.resources.cpu.quota: 500 is neither -1"},
		{cpu(specs.LinuxCPU{Quota: i64(-7)}), "linux.resources.cpu.quota: -7"},
		{cpu(specs.LinuxCPU{Period: u64(999)}), "linux.resources.cpu.period: 999 is outside 1000..1000000"},
		{cpu(specs.LinuxCPU{Period: u64(2000000)}), "linux.resources.cpu.period: 2000000"},
		{cpu(specs.LinuxCPU{Quota: i64(5000), Burst: u64(6000)}), "linux.resources.cpu.burst: 6000 is above the quota 5000"},
		{cpu(specs.LinuxCPU{RealtimeRuntime: i64(-2)}), "linux.resources.cpu.realtimeRuntime: -2"},
		{cpu(specs.LinuxCPU{RealtimeRuntime: i64(2000), RealtimePeriod: u64(1000)}), "linux.resources.cpu.realtimeRuntime: 2000 is above realtimePeriod 1000"},
		{cpu(specs.LinuxCPU{Idle: i64(2)}), "linux.resources.cpu.idle: 2 is neither 0 nor 1"},
		{cpu(specs.LinuxCPU{Cpus: "0-"}), "linux.resources.cpu.cpus:"},
		{cpu(specs.LinuxCPU{Cpus: "3-1"}), "linux.resources.cpu.cpus: \"3-1\": range 3-1 is backwards"},
		{cpu(specs.LinuxCPU{Mems: "x"}), "linux.resources.cpu.mems:"},
		{&specs.LinuxResources{Pids: &specs.LinuxPids{Limit: i64(-2)}}, "linux.resources.pids.limit: -2 is neither a count nor -1"},
		{bio(specs.LinuxBlockIO{Weight: u16(5)}), "linux.resources.blockIO.weight: 5 is outside 10..1000"},
		{bio(specs.LinuxBlockIO{LeafWeight: u16(2000)}), "linux.resources.blockIO.leafWeight: 2000"},
		{bio(specs.LinuxBlockIO{WeightDevice: []specs.LinuxWeightDevice{{LinuxBlockIODevice: dev(8, 0), Weight: u16(1)}}}), "linux.resources.blockIO.weightDevice[0].weight: 1"},
		{bio(specs.LinuxBlockIO{ThrottleReadBpsDevice: []specs.LinuxThrottleDevice{{LinuxBlockIODevice: dev(-1, 0)}}}), "linux.resources.blockIO.throttleReadBpsDevice[0]: -1:0 is not a device number"},
		{&specs.LinuxResources{HugepageLimits: []specs.LinuxHugepageLimit{{Pagesize: "2M"}}}, "linux.resources.hugepageLimits[0].pageSize: \"2M\" is not a size"},
		{&specs.LinuxResources{Network: &specs.LinuxNetwork{Priorities: []specs.LinuxInterfacePriority{{Name: ""}}}}, "linux.resources.network.priorities[0].name"},
		{&specs.LinuxResources{Rdma: map[string]specs.LinuxRdma{"mlx4_0": {}}}, "linux.resources.rdma[mlx4_0]: sets neither hcaHandles nor hcaObjects"},
		{&specs.LinuxResources{Rdma: map[string]specs.LinuxRdma{"a b": {HcaHandles: u32(1)}}}, "linux.resources.rdma[a b]: \"a b\" is not an RDMA device name"},
		{&specs.LinuxResources{Unified: map[string]string{"../x": "1"}}, "linux.resources.unified[../x]"},
		{&specs.LinuxResources{Unified: map[string]string{"nodot": "1"}}, "is not a cgroup v2 file name"},
		{&specs.LinuxResources{Unified: map[string]string{"cgroup.procs": "1"}}, "linux.resources.unified[cgroup.procs]: \"cgroup.procs\" is not a resource file"},
		{&specs.LinuxResources{Devices: []specs.LinuxDeviceCgroup{{Type: "p"}}}, "linux.resources.devices[0].type: \"p\" is not a (all), b (block) or c (char)"},
		{&specs.LinuxResources{Devices: []specs.LinuxDeviceCgroup{{}, {Access: "x"}}}, "linux.resources.devices[1].access: \"x\" has none of r (read), w (write), m (mknod)"},
		{&specs.LinuxResources{Devices: []specs.LinuxDeviceCgroup{{Major: i64(-3)}}}, "linux.resources.devices[0].major: -3 is not a device number"},
	}
	for _, tc := range cases {
		for name, f := range map[string]func(*specs.LinuxResources) (*plan, error){"v1": v1Files, "v2": v2Files} {
			err := validateValues(tc.r)
			if err == nil {
				_, err = f(tc.r)
			}
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%s: error = %v, want %q", name, err, tc.err)
			}
		}
	}
}
