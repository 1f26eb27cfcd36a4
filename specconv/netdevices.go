package specconv

import (
	"slices"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// NetDevice is one entry of linux.netDevices: a host network device the
// parent moves into the container's network namespace before the hooks
// run, renamed, with its permanent global addresses and up.
type NetDevice struct {
	// HostName is the device's name in berth's network namespace.
	HostName string
	// Name is its name in the container's; a "%d" in it lets the kernel
	// pick the number.
	Name string
}

// stepNetDevices: linux.netDevices, sorted by host name. The container
// needs a network namespace of its own, new or joined (a pod's, as runc
// allows), never the host's; a rootless berth cannot move devices (nor
// can runc's).
func (c *checker) stepNetDevices(st *convertState) error {
	devs := st.linux.NetDevices
	if len(devs) == 0 {
		return nil
	}
	const path = "linux.netDevices"
	if c.opts.Rootless {
		return c.errorf(path, "a rootless container cannot move the host's network devices")
	}
	if err := c.ownNamespace(path, specs.NetworkNamespace, st.ns); err != nil {
		return err
	}
	names := make([]string, 0, len(devs))
	for n := range devs {
		names = append(names, n)
	}
	slices.Sort(names)
	taken := map[string]string{}
	for _, n := range names {
		d := NetDevice{HostName: n, Name: devs[n].Name}
		if d.Name == "" {
			d.Name = n
		}
		if err := c.checkNetDevice(key(path, n), d, taken); err != nil {
			return err
		}
		st.plan.NetDevices = append(st.plan.NetDevices, d)
	}
	return nil
}

// checkNetDevice checks both names of a device as the kernel would, and
// that no two devices ask for one name in the container.
func (c *checker) checkNetDevice(f string, d NetDevice, taken map[string]string) error {
	if msg := netDeviceNameError(d.HostName); msg != "" {
		return c.errorf(f, "host device name %q: %s", d.HostName, msg)
	}
	if msg := netDeviceNameError(d.Name); msg != "" {
		return c.errorf(field(f, "name"), "%q: %s", d.Name, msg)
	}
	if strings.Count(d.Name, "%") > 1 || strings.Contains(d.Name, "%") && !strings.Contains(d.Name, "%d") {
		return c.errorf(field(f, "name"), "%q: the only pattern a name may hold is one %%d", d.Name)
	}
	if strings.Contains(d.Name, "%d") {
		return nil // the kernel picks a free number
	}
	if other, dup := taken[d.Name]; dup {
		return c.errorf(field(f, "name"), "%q is also the name of linux.netDevices[%q] in the container", d.Name, other)
	}
	taken[d.Name] = d.HostName
	return nil
}

// netDeviceNameError says why the kernel would refuse name (its
// dev_valid_name), or "" when it would not.
func netDeviceNameError(name string) string {
	switch {
	case name == "":
		return "must not be empty"
	case len(name) >= unix.IFNAMSIZ:
		return "longer than the kernel's 15 bytes"
	case name == "." || name == "..":
		return "not a device name"
	case strings.ContainsAny(name, "/:") || strings.ContainsFunc(name, isSpace):
		return "must not hold '/', ':' or white space"
	}
	return ""
}

// isSpace is the kernel's isspace(): the C locale's white space.
func isSpace(r rune) bool {
	return r == ' ' || r >= '\t' && r <= '\r'
}
