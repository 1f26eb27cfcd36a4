package cgroups

import (
	"fmt"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

const netField = "linux.resources.network"

// validateNetwork checks the interface names of the priorities.
func validateNetwork(n *specs.LinuxNetwork) error {
	if n == nil {
		return nil
	}
	for i, p := range n.Priorities {
		if p.Name == "" || strings.ContainsAny(p.Name, " \t\n/") {
			return fieldErr(fmt.Sprintf("%s.priorities[%d].name", netField, i), "%q is not an interface name", p.Name)
		}
	}
	return nil
}

// v1Network maps network to the v1 net_cls and net_prio controllers.
func v1Network(n *specs.LinuxNetwork, p *plan) {
	if n == nil {
		return
	}
	if n.ClassID != nil {
		p.add(fileWrite{ctrl: "net_cls", file: "net_cls.classid", value: utoa(uint64(*n.ClassID)), field: netField + ".classID"})
	}
	for i, pr := range n.Priorities {
		p.add(fileWrite{ctrl: "net_prio", file: "net_prio.ifpriomap", value: fmt.Sprintf("%s %d", pr.Name, pr.Priority),
			field: fmt.Sprintf("%s.priorities[%d]", netField, i)})
	}
}

// v2Network refuses network settings: net_cls and net_prio exist only in
// cgroup v1 (cgroup v2 classifies traffic with eBPF instead).
func v2Network(n *specs.LinuxNetwork) error {
	if n == nil {
		return nil
	}
	if n.ClassID != nil {
		return fieldErr(netField+".classID", "not supported: the net_cls controller exists only in cgroup v1")
	}
	if len(n.Priorities) > 0 {
		return fieldErr(netField+".priorities", "not supported: the net_prio controller exists only in cgroup v1")
	}
	return nil
}
