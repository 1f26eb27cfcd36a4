package integration

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync/atomic"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// linux.netDevices: a host device moved into the container's network
// namespace, renamed, up, with its addresses. The host's devices are
// veth pairs (this kernel has no dummy driver), named uniquely per test.

var vethSeq atomic.Int64

// hostIP runs ip(8) on the host and fails the test on an error.
func hostIP(t *testing.T, args ...string) string {
	t.Helper()
	out, err := exec.Command("ip", args...).CombinedOutput()
	if err != nil {
		t.Fatalf("ip %s: %v: %s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// hostLinkExists says whether the host has a link called name.
func hostLinkExists(name string) bool {
	return exec.Command("ip", "link", "show", "dev", name).Run() == nil
}

// newVeth makes a veth pair on the host, the peer up, and returns the
// names; both are deleted at the end of the test if still there.
func newVeth(t *testing.T) (dev, peer string) {
	t.Helper()
	n := vethSeq.Add(1)
	dev, peer = fmt.Sprintf("bn%dd%d", os.Getpid()%100000, n), fmt.Sprintf("bn%dp%d", os.Getpid()%100000, n)
	hostIP(t, "link", "add", dev, "type", "veth", "peer", "name", peer)
	t.Cleanup(func() {
		exec.Command("ip", "link", "del", dev).Run()
		exec.Command("ip", "link", "del", peer).Run()
	})
	hostIP(t, "link", "set", peer, "up")
	return dev, peer
}

// addressed gives dev an IPv4 address, a labelled second one and an IPv6
// one, all permanent and global.
func addressed(t *testing.T, dev string, n int) {
	t.Helper()
	hostIP(t, "addr", "add", fmt.Sprintf("10.231.%d.2/24", n), "dev", dev)
	hostIP(t, "addr", "add", fmt.Sprintf("10.231.%d.3/24", n), "dev", dev, "label", dev+":web")
	hostIP(t, "-6", "addr", "add", fmt.Sprintf("fd00:231:%d::2/64", n), "dev", dev, "nodad")
}

// waitGone waits until the host has no link called name: the kernel frees
// a network namespace, and destroys its veth devices, after its last user.
func waitGone(e *env, name string) {
	e.t.Helper()
	e.waitFor(func() bool { return !hostLinkExists(name) })
}

func TestNetDevicesMoved(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	dev, peer := newVeth(t)
	n := int(vethSeq.Load()) % 250
	addressed(t, dev, n)
	b := e.newBundle().shell("ip addr; echo done; sleep 1000")
	b.spec.Linux.NetDevices = map[string]specs.LinuxNetDevice{dev: {Name: "ctr0"}}
	id := e.runDetached(b)
	out := e.waitOutput(id, "done")
	for _, want := range []string{
		": ctr0@", ",UP,", fmt.Sprintf("inet 10.231.%d.2/24 ", n), fmt.Sprintf("inet 10.231.%d.3/24 ", n),
		"ctr0:web", fmt.Sprintf("inet6 fd00:231:%d::2/64 ", n),
	} {
		if !strings.Contains(out, want) {
			t.Errorf("the container's `ip addr` has no %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, dev) {
		t.Errorf("the host name %s is still used in the container:\n%s", dev, out)
	}
	if hostLinkExists(dev) {
		t.Errorf("%s is still on the host while the container runs", dev)
	}
	if !hostLinkExists(peer) {
		t.Fatalf("the veth peer %s left the host before delete", peer)
	}
	e.must("delete", "--force", id)
	// the spec forbids moving it back: the namespace goes, and the veth
	// pair with it
	waitGone(e, peer)
	if hostLinkExists(dev) {
		t.Errorf("%s came back to the host after delete", dev)
	}
}

// A "%d" name is filled in by the kernel; a device without a name keeps
// the host's.
func TestNetDevicesPatternAndKeptName(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	dev1, _ := newVeth(t)
	dev2, _ := newVeth(t)
	b := e.newBundle().shell("ip link")
	b.spec.Linux.NetDevices = map[string]specs.LinuxNetDevice{dev1: {Name: "net%d"}, dev2: {}}
	out := e.runOK(b)
	for _, want := range []string{": net0@", ": " + dev2 + "@"} {
		if !strings.Contains(out, want) {
			t.Errorf("the container's `ip link` has no %q:\n%s", want, out)
		}
	}
}

// A joined network namespace (a pod's) takes the device, which stays
// there after delete.
func TestNetDevicesJoinedNamespace(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	dev, _ := newVeth(t)
	n := int(vethSeq.Load()) % 250
	hostIP(t, "addr", "add", fmt.Sprintf("10.232.%d.2/24", n), "dev", dev)
	name := "berth-" + dev
	hostIP(t, "netns", "add", name)
	t.Cleanup(func() { exec.Command("ip", "netns", "del", name).Run() })
	b := e.newBundle().shell("ip addr")
	b.setNamespace(specs.NetworkNamespace, "/run/netns/"+name)
	b.spec.Linux.NetDevices = map[string]specs.LinuxNetDevice{dev: {Name: "eth7"}}
	out := e.runOK(b)
	if !strings.Contains(out, ": eth7@") || !strings.Contains(out, fmt.Sprintf("inet 10.232.%d.2/24 ", n)) {
		t.Errorf("the container's `ip addr` has no eth7 with its address:\n%s", out)
	}
	after := hostIP(t, "-n", name, "addr", "show", "dev", "eth7")
	if !strings.Contains(after, "UP") || !strings.Contains(after, fmt.Sprintf("10.232.%d.2/24", n)) {
		t.Errorf("eth7 did not stay, up and addressed, in the joined namespace:\n%s", after)
	}
}

// Bad input: one line naming linux.netDevices, nothing left behind, the
// host's device where it was.
func TestNetDevicesBadInput(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		edit func(b *bundle, dev string)
		want []string
	}{
		{"missing device", func(b *bundle, dev string) {
			b.spec.Linux.NetDevices = map[string]specs.LinuxNetDevice{dev + "x": {}}
		}, []string{"linux.netDevices", `no network device "`}},
		{"no network namespace", func(b *bundle, dev string) {
			b.removeNamespace(specs.NetworkNamespace)
			b.spec.Linux.NetDevices = map[string]specs.LinuxNetDevice{dev: {}}
		}, []string{"linux.netDevices", "needs its own network namespace"}},
		{"the host's network namespace joined", func(b *bundle, dev string) {
			b.setNamespace(specs.NetworkNamespace, "/proc/self/ns/net")
			b.spec.Linux.NetDevices = map[string]specs.LinuxNetDevice{dev: {}}
		}, []string{"linux.netDevices", "/proc/self/ns/net is the host's"}},
		{"name taken in the container", func(b *bundle, dev string) {
			b.spec.Linux.NetDevices = map[string]specs.LinuxNetDevice{dev: {Name: "lo"}}
		}, []string{"linux.netDevices", `already has a device named "lo"`}},
		{"bad name", func(b *bundle, dev string) {
			b.spec.Linux.NetDevices = map[string]specs.LinuxNetDevice{dev: {Name: "eth0:1"}}
		}, []string{`linux.netDevices["`, `"].name: "eth0:1": must not hold '/', ':'`}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			dev, _ := newVeth(t)
			hostIP(t, "addr", "add", "10.233.0.2/24", "dev", dev)
			b := e.newBundle("true")
			tc.edit(b, dev)
			b.save(t)
			id := e.id()
			failsOneLine(t, e.berth("create", "--bundle", b.dir, id), tc.want...)
			e.assertNothingLeft(id, b)
			if out := hostIP(t, "addr", "show", "dev", dev); !strings.Contains(out, "10.233.0.2/24") {
				t.Errorf("the host's %s lost its address:\n%s", dev, out)
			}
		})
	}
}

// In a user namespace the network namespace is the container's user's:
// berth, root on the host, still moves and configures the device there.
func TestNetDevicesUserNamespace(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	dev, _ := newVeth(t)
	n := int(vethSeq.Load()) % 250
	hostIP(t, "addr", "add", fmt.Sprintf("10.234.%d.2/24", n), "dev", dev)
	b := e.newBundle().shell("ip addr show eth0")
	b.useUserns(t, 500000)
	b.spec.Linux.NetDevices = map[string]specs.LinuxNetDevice{dev: {Name: "eth0"}}
	out := e.runOK(b)
	if !strings.Contains(out, ",UP,") || !strings.Contains(out, fmt.Sprintf("inet 10.234.%d.2/24 ", n)) {
		t.Errorf("eth0 is not up with its address in the container:\n%s", out)
	}
}
