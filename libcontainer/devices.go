package libcontainer

import (
	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/berth-oci/berth/specconv"
)

// deviceRules are the device cgroup rules berth always allows, after the
// config's linux.resources.devices: mknod of any node (the init makes the
// nodes; access is what the rules below grant), ptys and the default
// devices the config does not replace. A device of linux.devices gets no
// rule of berth's: the config's rules say who may use it (runc's way;
// runc's own tests deny /dev/kmsg this way).
func deviceRules(p *specconv.Plan) []specs.LinuxDeviceCgroup {
	rule := func(typ string, major, minor int64, access string) specs.LinuxDeviceCgroup {
		r := specs.LinuxDeviceCgroup{Allow: true, Type: typ, Access: access}
		if major >= 0 {
			r.Major = &major
		}
		if minor >= 0 {
			r.Minor = &minor
		}
		return r
	}
	rules := []specs.LinuxDeviceCgroup{
		rule("c", -1, -1, "m"),
		rule("b", -1, -1, "m"),
		rule("c", 136, -1, "rwm"), // /dev/pts/*
		rule("c", 5, 2, "rwm"),    // /dev/ptmx
	}
	for _, d := range p.AllowedDevices() {
		rules = append(rules, rule(string(d.Type), d.Major, d.Minor, "rwm"))
	}
	return rules
}
