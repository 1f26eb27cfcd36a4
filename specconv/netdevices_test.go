package specconv

import (
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// withNetDevices gives s a new mount and network namespace and the devices.
func withNetDevices(devs map[string]specs.LinuxNetDevice) func(s *specs.Spec) {
	return func(s *specs.Spec) {
		s.Linux.Namespaces = ns(specs.MountNamespace, specs.NetworkNamespace)
		s.Linux.NetDevices = devs
	}
}

func init() {
	validCases = append(validCases, netDeviceValid...)
	invalidCases = append(invalidCases, netDeviceInvalid...)
}

var netDeviceValid = []validCase{
	{name: "netDevices renamed and kept, sorted", mutate: withNetDevices(map[string]specs.LinuxNetDevice{
		"veth9": {Name: "eth0"}, "veth1": {}, "veth2": {Name: "net%d"}, "veth3": {Name: "net%d"}}),
		check: func(t *testing.T, p *Plan) {
			eq(t, "devices", p.NetDevices, []NetDevice{{"veth1", "veth1"}, {"veth2", "net%d"}, {"veth3", "net%d"}, {"veth9", "eth0"}})
		}},
	{name: "netDevices into a joined network namespace", mutate: func(s *specs.Spec) {
		s.Linux.Namespaces = append(ns(specs.MountNamespace), specs.LinuxNamespace{Type: specs.NetworkNamespace, Path: "/run/netns/a"})
		s.Linux.NetDevices = map[string]specs.LinuxNetDevice{"veth1": {Name: "eth0"}}
	}, check: func(t *testing.T, p *Plan) { eq(t, "devices", p.NetDevices, []NetDevice{{"veth1", "eth0"}}) }},
	{name: "netDevices 15 bytes", mutate: withNetDevices(map[string]specs.LinuxNetDevice{"abcdefghijklmno": {}}),
		check: func(t *testing.T, p *Plan) { eq(t, "devices", len(p.NetDevices), 1) }},
}

var netDeviceInvalid = []invalidCase{
	{name: "netDevices without a network namespace", mutate: func(s *specs.Spec) {
		s.Linux.NetDevices = map[string]specs.LinuxNetDevice{"eth0": {}}
	}, want: `config.json: linux.netDevices: needs its own network namespace in linux.namespaces`},
	{name: "netDevices into the host's network namespace", mutate: func(s *specs.Spec) {
		s.Linux.Namespaces = append(ns(specs.MountNamespace), specs.LinuxNamespace{Type: specs.NetworkNamespace, Path: "/proc/1/ns/net"})
		s.Linux.NetDevices = map[string]specs.LinuxNetDevice{"eth0": {}}
	}, want: `config.json: linux.netDevices: the network namespace /proc/1/ns/net is the host's`},
	{name: "netDevices rootless", rootless: true, mutate: func(s *specs.Spec) {
		withNetDevices(map[string]specs.LinuxNetDevice{"eth0": {}})(s)
		withUserNS(s)
	}, want: `config.json: linux.netDevices: a rootless container cannot move the host's network devices`},
	{name: "netDevices host name too long", mutate: withNetDevices(map[string]specs.LinuxNetDevice{"abcdefghijklmnop": {}}),
		want: `config.json: linux.netDevices["abcdefghijklmnop"]: host device name "abcdefghijklmnop": longer than the kernel's 15 bytes`},
	{name: "netDevices empty host name", mutate: withNetDevices(map[string]specs.LinuxNetDevice{"": {Name: "eth0"}}),
		want: `config.json: linux.netDevices[""]: host device name "": must not be empty`},
	{name: "netDevices name with a slash", mutate: withNetDevices(map[string]specs.LinuxNetDevice{"eth0": {Name: "a/b"}}),
		want: `config.json: linux.netDevices["eth0"].name: "a/b": must not hold '/', ':' or white space`},
	{name: "netDevices name with a colon", mutate: withNetDevices(map[string]specs.LinuxNetDevice{"eth0": {Name: "eth0:1"}}),
		want: `config.json: linux.netDevices["eth0"].name: "eth0:1": must not hold '/', ':' or white space`},
	{name: "netDevices name with a tab", mutate: withNetDevices(map[string]specs.LinuxNetDevice{"eth0": {Name: "a\tb"}}),
		want: `config.json: linux.netDevices["eth0"].name: "a\tb": must not hold '/', ':' or white space`},
	{name: "netDevices name dot dot", mutate: withNetDevices(map[string]specs.LinuxNetDevice{"eth0": {Name: ".."}}),
		want: `config.json: linux.netDevices["eth0"].name: "..": not a device name`},
	{name: "netDevices bad pattern", mutate: withNetDevices(map[string]specs.LinuxNetDevice{"eth0": {Name: "net%s"}}),
		want: `config.json: linux.netDevices["eth0"].name: "net%s": the only pattern a name may hold is one %d`},
	{name: "netDevices two patterns", mutate: withNetDevices(map[string]specs.LinuxNetDevice{"eth0": {Name: "n%d%d"}}),
		want: `config.json: linux.netDevices["eth0"].name: "n%d%d": the only pattern a name may hold is one %d`},
	{name: "netDevices one name twice", mutate: withNetDevices(map[string]specs.LinuxNetDevice{"veth1": {Name: "eth0"}, "eth0": {}}),
		want: `config.json: linux.netDevices["veth1"].name: "eth0" is also the name of linux.netDevices["eth0"] in the container`},
	{name: "intelRdt without resctrl", mutate: func(s *specs.Spec) { s.Linux.IntelRdt = &specs.LinuxIntelRdt{ClosID: "x"} },
		want: `config.json: linux.intelRdt: this host has no resctrl filesystem (/sys/fs/resctrl is missing: the kernel or the CPU offers no Intel RDT), so the container's cache and memory bandwidth allocation cannot be set`},
	{name: "intelRdt with resctrl", mutate: func(s *specs.Spec) { s.Linux.IntelRdt = &specs.LinuxIntelRdt{ClosID: "x"} },
		host: func(h *fakeHost) { h.files["/sys/fs/resctrl"] = dir },
		want: `config.json: linux.intelRdt: not supported by berth: it does not manage resctrl groups (this host has /sys/fs/resctrl)`},
}
