package libcontainer

import (
	"bytes"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/berth-oci/berth/specconv"
)

// linux.netDevices: each host device is moved into the container's network
// namespace under its new name, given back its permanent global addresses
// (the kernel drops a device's addresses when it changes namespace) and
// brought up. The runtime-spec forbids moving it back: when the namespace
// goes, the kernel destroys a virtual device and returns a physical one.

// keptAddrFlags are the address flags worth giving back; the others are
// state the kernel sets (tentative, deprecated, secondary, ...).
const keptAddrFlags = unix.IFA_F_NODAD | unix.IFA_F_NOPREFIXROUTE | unix.IFA_F_HOMEADDRESS |
	unix.IFA_F_MANAGETEMPADDR | unix.IFA_F_MCAUTOJOIN | unix.IFA_F_PERMANENT

// moveNetDevices moves the devices into the network namespace of pid,
// the container's process: berth's child, not reaped, so the pid cannot
// name another process.
func moveNetDevices(devs []specconv.NetDevice, pid int) error {
	if len(devs) == 0 {
		return nil
	}
	ns, err := os.Open("/proc/" + strconv.Itoa(pid) + "/ns/net")
	if err != nil {
		return fmt.Errorf("linux.netDevices: the container's network namespace: %w", err)
	}
	defer ns.Close()
	host, err := openRtnl()
	if err != nil {
		return fmt.Errorf("linux.netDevices: %w", err)
	}
	defer host.close()
	in, err := openRtnlIn(ns)
	if err != nil {
		return fmt.Errorf("linux.netDevices: %w", err)
	}
	defer in.close()
	for _, d := range devs {
		if err := moveNetDevice(host, in, ns, d); err != nil {
			return fmt.Errorf("linux.netDevices[%q]: %w", d.HostName, err)
		}
	}
	return nil
}

// moveNetDevice moves one device: host is a socket in berth's network
// namespace, in one in the container's.
func moveNetDevice(host, in *rtnl, ns *os.File, d specconv.NetDevice) error {
	l, err := host.linkByName(d.HostName)
	if errors.Is(err, unix.ENODEV) {
		return fmt.Errorf("no network device %q on the host", d.HostName)
	}
	if err != nil {
		return fmt.Errorf("find the host device: %w", err)
	}
	// the kernel would move the device first and fail the rename after
	if !strings.Contains(d.Name, "%d") {
		if _, err := in.linkByName(d.Name); err == nil {
			return fmt.Errorf("the container's network namespace already has a device named %q", d.Name)
		}
	}
	addrs, err := host.addrs(l.index)
	if err != nil {
		return fmt.Errorf("list the addresses of %q: %w", d.HostName, err)
	}
	if err := host.moveLink(l.index, d.Name, ns); err != nil {
		if errors.Is(err, unix.EEXIST) {
			return fmt.Errorf("the container's network namespace already has a device named %q", d.Name)
		}
		return fmt.Errorf("move it into the container's network namespace as %q: %w", d.Name, err)
	}
	moved, err := findMoved(in, l, d.Name)
	if err != nil {
		return err
	}
	for _, a := range addrs {
		if a.flags&unix.IFA_F_PERMANENT == 0 || a.scope != unix.RT_SCOPE_UNIVERSE {
			continue // the spec keeps the permanent addresses of global scope
		}
		a.flags &= keptAddrFlags
		relabel(&a, d.HostName, moved.name)
		if err := in.addAddr(moved.index, a); err != nil {
			return fmt.Errorf("give %q its address %s back: %w", moved.name, addrString(a), err)
		}
	}
	if err := in.setUp(moved.index); err != nil {
		return fmt.Errorf("bring %q up: %w", moved.name, err)
	}
	return nil
}

// findMoved finds the moved link in the container's namespace: by name,
// or for a "%d" name, the link whose name fits it with the device's
// hardware address (its index when the kernel kept it).
func findMoved(in *rtnl, old nlLink, name string) (nlLink, error) {
	if !strings.Contains(name, "%d") {
		l, err := in.linkByName(name)
		if err != nil {
			return l, fmt.Errorf("find %q in the container's network namespace: %w", name, err)
		}
		return l, nil
	}
	links, err := in.links()
	if err != nil {
		return nlLink{}, fmt.Errorf("list the container's network devices: %w", err)
	}
	var found []nlLink
	for _, l := range links {
		if fitsPattern(l.name, name) && bytes.Equal(l.mac, old.mac) {
			if l.index == old.index {
				return l, nil
			}
			found = append(found, l)
		}
	}
	if len(found) != 1 {
		return nlLink{}, fmt.Errorf("%d devices in the container's network namespace fit %q", len(found), name)
	}
	return found[0], nil
}

// fitsPattern says whether name is pattern with its "%d" a number.
func fitsPattern(name, pattern string) bool {
	pre, post, _ := strings.Cut(pattern, "%d")
	num, ok := strings.CutPrefix(name, pre)
	if !ok {
		return false
	}
	if num, ok = strings.CutSuffix(num, post); !ok || num == "" {
		return false
	}
	_, err := strconv.ParseUint(num, 10, 32)
	return err == nil
}

// relabel gives an IPv4 address labelled after the host name ("veth1",
// "veth1:web") the new name's label; a label that would not fit is dropped
// (the kernel then labels the address with the device's name).
func relabel(a *nlAddr, oldName, newName string) {
	l, ok := a.attrs[unix.IFA_LABEL]
	if !ok {
		return
	}
	delete(a.attrs, unix.IFA_LABEL)
	label := cString(l)
	rest, ok := strings.CutPrefix(label, oldName)
	if !ok || (rest != "" && rest[0] != ':') || len(newName+rest) >= unix.IFNAMSIZ {
		return
	}
	a.attrs[unix.IFA_LABEL] = append([]byte(newName+rest), 0)
}

// addrString is the address and prefix length, for errors.
func addrString(a nlAddr) string {
	ip := a.attrs[unix.IFA_LOCAL]
	if ip == nil {
		ip = a.attrs[unix.IFA_ADDRESS]
	}
	if addr, ok := netip.AddrFromSlice(ip); ok {
		return addr.String() + "/" + strconv.Itoa(int(a.prefixLen))
	}
	return fmt.Sprintf("%x/%d", ip, a.prefixLen)
}
