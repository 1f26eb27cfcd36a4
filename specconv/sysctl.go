package specconv

import (
	"sort"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// ipcSysctls are the kernel.* sysctls an IPC namespace owns (with fs.mqueue.*).
var ipcSysctls = map[string]bool{
	"kernel.msgmax": true, "kernel.msgmnb": true, "kernel.msgmni": true,
	"kernel.sem": true, "kernel.shmall": true, "kernel.shmmax": true,
	"kernel.shmmni": true, "kernel.shm_rmid_forced": true,
}

// sysctlKey gives the dotted form of key and its path below /proc, by the
// rule of sysctl(8) that runc follows: when the first separator is a dot,
// dots and slashes are swapped ("net.ipv4.conf.eth0/100.forwarding" is
// net/ipv4/conf/eth0.100/forwarding); when it is a slash the key is the
// path already.
func sysctlKey(key string) (dotted, path string) {
	swap := strings.NewReplacer(".", "/", "/", ".")
	i := strings.IndexAny(key, "./")
	if i >= 0 && key[i] == '/' {
		return swap.Replace(key), "sys/" + key
	}
	return key, "sys/" + swap.Replace(key)
}

// convertSysctls checks each sysctl as runc does: only namespaced ones,
// and only in a namespace of the container's own (new, or joined by a
// path that is not the runtime's own namespace). Sorted by key, so the
// Plan does not depend on map order.
func (c *checker) convertSysctls(s *specs.Spec, l *specs.Linux, ns nsSet) ([]Sysctl, error) {
	keys := make([]string, 0, len(l.Sysctl))
	for k := range l.Sysctl {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var out []Sysctl
	for _, k := range keys {
		dotted, path := sysctlKey(k)
		f := key("linux.sysctl", k)
		if err := c.checkSysctl(f, dotted, s, ns); err != nil {
			return nil, err
		}
		out = append(out, Sysctl{Key: k, Path: path, Value: l.Sysctl[k]})
	}
	return out, nil
}

// checkSysctl finds the namespace a sysctl belongs to and checks that the
// container has one of its own. The UTS ones follow runc: kernel.hostname
// is refused (the config's hostname field says it), kernel.domainname is
// allowed and, written after the domainname field, wins over it.
func (c *checker) checkSysctl(f, k string, s *specs.Spec, ns nsSet) error {
	if strings.Contains(k, "..") || strings.HasPrefix(k, ".") || k == "" {
		return c.errorf(f, "not a sysctl name")
	}
	switch {
	case ipcSysctls[k] || strings.HasPrefix(k, "fs.mqueue."):
		return c.ownNamespace(f, specs.IPCNamespace, ns)
	case strings.HasPrefix(k, "net."):
		return c.ownNamespace(f, specs.NetworkNamespace, ns)
	case strings.HasPrefix(k, "user."):
		// the ucounts limits of a user namespace, which its owner may set
		return c.ownNamespace(f, specs.UserNamespace, ns)
	case k == "kernel.hostname":
		return c.errorf(f, "not allowed: set the hostname with the config's hostname field")
	case k == "kernel.domainname":
		if s.Domainname != "" {
			c.warnf(f, "overrides the config's domainname %q", s.Domainname)
		}
		return c.ownNamespace(f, specs.UTSNamespace, ns)
	}
	return c.errorf(f, "not a namespaced sysctl: it would change the host")
}

// ownNamespace checks that the container has a namespace of type t that is
// not the runtime's.
func (c *checker) ownNamespace(f string, t specs.LinuxNamespaceType, ns nsSet) error {
	if !ns.has(t) {
		return c.errorf(f, "needs its own %s namespace in linux.namespaces", t)
	}
	if !ns.joined(t) {
		return nil
	}
	host, err := c.host.IsHostNamespace(ns[t].Path, t)
	if err != nil {
		return c.errorf(f, "cannot check the %s namespace %s: %v", t, ns[t].Path, unwrapPathError(err))
	}
	if host {
		return c.errorf(f, "the %s namespace %s is the host's", t, ns[t].Path)
	}
	return nil
}
