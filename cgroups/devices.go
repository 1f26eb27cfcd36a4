package cgroups

import (
	"fmt"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

const devField = "linux.resources.devices"

// wildcard stands for "any" major or minor number in a devRule.
const wildcard = -1

// devRule is a validated device cgroup rule.
type devRule struct {
	allow  bool
	typ    byte  // 'a', 'b' or 'c'
	major  int64 // wildcard or a number
	minor  int64
	access string // a non-empty subset of "rwm", in that order
	// ignored are the config's access letters outside "rwm", dropped
	ignored string
	field   string // where it comes from, for errors
}

// parseDeviceRules validates rules; field names the list in errors
// ("linux.resources.devices" or "Config.DefaultDevices").
func parseDeviceRules(rules []specs.LinuxDeviceCgroup, field string) ([]devRule, error) {
	out := make([]devRule, 0, len(rules))
	for i, r := range rules {
		d, err := parseDeviceRule(r, fmt.Sprintf("%s[%d]", field, i))
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, nil
}

func parseDeviceRule(r specs.LinuxDeviceCgroup, field string) (devRule, error) {
	d := devRule{allow: r.Allow, major: wildcard, minor: wildcard, field: field}
	switch r.Type {
	case "", "a":
		d.typ = 'a'
	case "b", "c":
		d.typ = r.Type[0]
	default:
		return d, fieldErr(field+".type", "%q is not a (all), b (block) or c (char)", r.Type)
	}
	var err error
	if d.major, err = devNumber(field+".major", r.Major); err != nil {
		return d, err
	}
	if d.minor, err = devNumber(field+".minor", r.Minor); err != nil {
		return d, err
	}
	d.access, d.ignored, err = canonicalAccess(field+".access", r.Access)
	return d, err
}

func devNumber(field string, v *int64) (int64, error) {
	if v == nil || *v == wildcard {
		return wildcard, nil
	}
	if *v < 0 || *v > 1<<32-1 {
		return 0, fieldErr(field, "%d is not a device number", *v)
	}
	return *v, nil
}

// canonicalAccess orders the access letters "rwm"; empty is all access.
// Other letters are returned in ignored: runtime-spec lists r, w and m
// only, runc drops the others ("rwa" in its tests) and so does berth, with
// a warning. An access of other letters only is refused: it would allow or
// deny nothing, and the user surely meant something.
func canonicalAccess(field, a string) (access, ignored string, err error) {
	if a == "" {
		return "rwm", "", nil
	}
	var seen [3]bool
	for _, ch := range a {
		if i := strings.IndexRune("rwm", ch); i >= 0 {
			seen[i] = true
		} else {
			ignored += string(ch)
		}
	}
	var b strings.Builder
	for i, ch := range "rwm" {
		if seen[i] {
			b.WriteRune(ch)
		}
	}
	if b.Len() == 0 {
		return "", "", fieldErr(field, "%q has none of r (read), w (write), m (mknod)", a)
	}
	return b.String(), ignored, nil
}

// accessWarnings names the rules whose access letters outside "rwm" were
// dropped.
func accessWarnings(rules []devRule) []string {
	var out []string
	for _, r := range rules {
		if r.ignored != "" {
			out = append(out, fmt.Sprintf("%s.access: %q ignored: not r (read), w (write) or m (mknod)", r.field, r.ignored))
		}
	}
	return out
}

// isAll tells whether the rule covers every device with every access.
func (d devRule) isAll() bool {
	return d.typ == 'a' && d.major == wildcard && d.minor == wildcard && d.access == "rwm"
}

// v1Strings formats the rule for devices.allow / devices.deny. The kernel
// reads "a" as "every device, every access" whatever follows, so a
// narrower rule of type a is written as the same rule for b and for c.
func (d devRule) v1Strings() []string {
	if d.isAll() {
		return []string{"a"}
	}
	num := func(n int64) string {
		if n == wildcard {
			return "*"
		}
		return itoa(n)
	}
	types := []byte{d.typ}
	if d.typ == 'a' {
		types = []byte{'b', 'c'}
	}
	var out []string
	for _, t := range types {
		out = append(out, fmt.Sprintf("%c %s:%s %s", t, num(d.major), num(d.minor), d.access))
	}
	return out
}

// deviceRules returns the rules to enforce: the spec's, in order, then
// the runtime's default devices, so that the spec's rules keep their
// positions in devices.list (runc orders them the same way).
func deviceRules(spec, defaults []specs.LinuxDeviceCgroup) ([]devRule, error) {
	s, err := parseDeviceRules(spec, devField)
	if err != nil {
		return nil, err
	}
	d, err := parseDeviceRules(defaults, "Config.DefaultDevices")
	if err != nil {
		return nil, err
	}
	return append(s, d...), nil
}

// v1DeviceWrites turns rules into writes to the v1 devices controller:
// deny everything first, then each rule in order. The kernel keeps its
// exception list in insertion order, so devices.list shows the allowed
// rules in the order of the config.
func v1DeviceWrites(rules []devRule) []fileWrite {
	ws := []fileWrite{{ctrl: "devices", file: "devices.deny", value: "a", field: devField}}
	for _, r := range rules {
		file := "devices.deny"
		if r.allow {
			file = "devices.allow"
		}
		for _, s := range r.v1Strings() {
			ws = append(ws, fileWrite{ctrl: "devices", file: file, value: s, field: r.field})
		}
	}
	return ws
}
