package cgroups

import (
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// fakeHost is a two-CPU, one-node host with the given mode and
// controllers.
func fakeHost(mode Mode, ctrls ...string) *sysInfo {
	si := &sysInfo{mode: mode, controllers: map[string]bool{}, cpus: cpuList{0: true, 1: true},
		mems: cpuList{0: true}, pageSizes: map[string]bool{"2MB": true, "1GB": true}}
	for _, c := range ctrls {
		si.controllers[c] = true
	}
	return si
}

var v1All = []string{"cpu", "cpuacct", "cpuset", "memory", "devices", "freezer", "blkio", "pids", systemdHierarchy}

func TestValidate(t *testing.T) {
	hybrid := fakeHost(Hybrid, v1All...)
	unified := fakeHost(Unified, "cpuset", "cpu", "io", "memory", "hugetlb", "pids", "rdma")
	withSystemd := fakeHost(Hybrid, v1All...)
	withSystemd.systemd = true
	cases := []struct {
		name string
		cfg  Config
		si   *sysInfo
		err  string // "" for valid
	}{
		{"default path", Config{ID: "c1"}, hybrid, ""},
		{"absolute path", Config{Path: "/a/b"}, unified, ""},
		{"no path no id", Config{}, hybrid, "linux.cgroupsPath: empty and no container id"},
		{"dotdot", Config{Path: "/a/../../etc"}, hybrid, "linux.cgroupsPath: \"/a/../../etc\" contains \"..\""},
		{"relative dotdot", Config{Path: "../x"}, hybrid, "contains \"..\""},
		{"root", Config{Path: "/"}, hybrid, "names the root of the hierarchy"},
		{"NUL", Config{Path: "a\x00b"}, hybrid, "NUL"},
		{"systemd path without the driver", Config{Path: "system.slice:berth:c1"}, hybrid, "is a systemd \"slice:prefix:name\" path; it needs --systemd-cgroup"},
		{"systemd without systemd", Config{ID: "c", Systemd: true}, hybrid, "--systemd-cgroup: systemd is not running"},
		{"systemd driver", Config{Path: "system.slice:berth:c1", Systemd: true}, withSystemd, ""},
		{"systemd driver, cgroupfs path", Config{Path: "/berth/c1", Systemd: true}, withSystemd, `is not of the form "slice:prefix:name"`},
		{"systemd driver rootless", Config{Path: "system.slice:berth:c1", Systemd: true, Rootless: true}, withSystemd, "rootless containers (the user's systemd instance) are not supported"},
		{"no cgroups", Config{ID: "c"}, &sysInfo{}, "no cgroup hierarchy is mounted"},
		{"cpus outside host", Config{ID: "c", Resources: cpu(specs.LinuxCPU{Cpus: "0-3"})}, hybrid,
			"linux.resources.cpu.cpus: \"0-3\" names [2 3], not among the host's online CPUs (0-1)"},
		{"mems outside host", Config{ID: "c", Resources: cpu(specs.LinuxCPU{Mems: "1"})}, unified, "linux.resources.cpu.mems: \"1\" names [1]"},
		{"cpus inside host", Config{ID: "c", Resources: cpu(specs.LinuxCPU{Cpus: "1", Mems: "0"})}, unified, ""},
		{"page size not on host", Config{ID: "c", Resources: &specs.LinuxResources{HugepageLimits: []specs.LinuxHugepageLimit{{Pagesize: "64KB"}}}},
			unified, "linux.resources.hugepageLimits[0].pageSize: 64KB is not a huge page size of this host (have: 1GB 2MB)"},
		{"hugetlb not mounted as v1", Config{ID: "c", Resources: &specs.LinuxResources{HugepageLimits: []specs.LinuxHugepageLimit{{Pagesize: "2MB"}}}},
			hybrid, "linux.resources.hugepageLimits[0]: the hugetlb controller is not mounted on this host"},
		{"net_cls not mounted", Config{ID: "c", Resources: &specs.LinuxResources{Network: &specs.LinuxNetwork{ClassID: u32(1)}}},
			hybrid, "linux.resources.network.classID: the net_cls controller is not mounted on this host (have: blkio cpu"},
		{"net_prio not mounted", Config{ID: "c", Resources: &specs.LinuxResources{Network: &specs.LinuxNetwork{Priorities: []specs.LinuxInterfacePriority{{Name: "lo", Priority: 1}}}}},
			hybrid, "linux.resources.network.priorities[0]: the net_prio controller is not mounted"},
		{"net_cls mounted", Config{ID: "c", Resources: &specs.LinuxResources{Network: &specs.LinuxNetwork{ClassID: u32(1)}}},
			fakeHost(Legacy, "net_cls"), ""},
		{"network on v2", Config{ID: "c", Resources: &specs.LinuxResources{Network: &specs.LinuxNetwork{ClassID: u32(1)}}},
			unified, "linux.resources.network.classID: not supported: the net_cls controller exists only in cgroup v1"},
		{"rdma controller missing", Config{ID: "c", Resources: &specs.LinuxResources{Rdma: map[string]specs.LinuxRdma{"mlx4_0": {HcaHandles: u32(1)}}}},
			hybrid, "linux.resources.rdma[mlx4_0]: the rdma controller is not mounted"},
		{"v2 controller missing", Config{ID: "c", Resources: &specs.LinuxResources{Rdma: map[string]specs.LinuxRdma{"mlx4_0": {HcaHandles: u32(1)}}}},
			fakeHost(Unified, "memory"), "the rdma controller is not available in cgroup.controllers on this host"},
		{"unified on hybrid", Config{ID: "c", Resources: &specs.LinuxResources{Unified: map[string]string{"memory.high": "1"}}},
			hybrid, "linux.resources.unified: invalid configuration for this host: cgroup v2 keys need a pure cgroup v2 host; this host's cgroups are hybrid"},
		{"unified on v2", Config{ID: "c", Resources: &specs.LinuxResources{Unified: map[string]string{"memory.high": "1"}}}, unified, ""},
		{"unified key of a missing controller", Config{ID: "c", Resources: &specs.LinuxResources{Unified: map[string]string{"misc.max": "x 1"}}},
			unified, "linux.resources.unified[misc.max]: the misc controller is not available"},
		{"realtime on v2", Config{ID: "c", Resources: cpu(specs.LinuxCPU{RealtimeRuntime: i64(1)})}, unified, "not supported: cgroup v2 has no real-time"},
		{"bad device rule", Config{ID: "c", Resources: &specs.LinuxResources{Devices: []specs.LinuxDeviceCgroup{{Type: "x"}}}}, hybrid, "linux.resources.devices[0].type"},
		{"bad default device", Config{ID: "c", DefaultDevices: []specs.LinuxDeviceCgroup{{Type: "c", Access: "z"}}}, hybrid, "Config.DefaultDevices[0].access"},
		{"devices need no controller check", Config{ID: "c", Resources: &specs.LinuxResources{Devices: []specs.LinuxDeviceCgroup{{}}}}, fakeHost(Legacy), ""},
		{"swap below limit", Config{ID: "c", Resources: mem(specs.LinuxMemory{Limit: i64(200), Swap: i64(100)})}, unified,
			"linux.resources.memory.swap: 100 is below the memory limit 200"},
		{"memory without the controller", Config{ID: "c", Resources: mem(specs.LinuxMemory{Limit: i64(200)})}, fakeHost(Legacy, "cpu"),
			"linux.resources.memory.limit: the memory controller is not mounted"},
		{"optional files need no controller", Config{ID: "c", Resources: mem(specs.LinuxMemory{Limit: i64(-1)})}, fakeHost(Unified, "memory"), ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := validate(tc.cfg, tc.si)
			switch {
			case tc.err == "" && err != nil:
				t.Fatalf("unexpected error: %v", err)
			case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
				t.Fatalf("error = %v, want %q", err, tc.err)
			}
		})
	}
}

func TestParseCPUList(t *testing.T) {
	cases := []struct {
		in   string
		want string // formatList of the result, or "error"
	}{
		{"", ""}, {"0", "0"}, {"0-3,7", "0-3,7"}, {" 1,2 ,3\n", "1-3"}, {"5,1-2", "1-2,5"},
		{"a", "error"}, {"1-", "error"}, {"-1", "error"}, {"2-1", "error"}, {"70000", "error"}, {"1,,2", "error"},
	}
	for _, tc := range cases {
		l, err := parseCPUList(tc.in)
		got := "error"
		if err == nil {
			got = formatList(l)
		}
		if got != tc.want {
			t.Errorf("parseCPUList(%q) = %q (%v), want %q", tc.in, got, err, tc.want)
		}
	}
}

func TestPageSizeName(t *testing.T) {
	for kb, want := range map[uint64]string{64: "64KB", 2048: "2MB", 1 << 20: "1GB", 16 << 20: "16GB", 512: "512KB"} {
		if got := pageSizeName(kb); got != want {
			t.Errorf("pageSizeName(%d) = %s, want %s", kb, got, want)
		}
	}
}
