package cgroups

import (
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// deviceWrites returns the v1 device writes for Create (always: the
// spec's rules and the defaults on a deny-all base) or Set (only when r
// has a device list, and only when it changes what devices.list shows:
// rewriting denies every device for a moment).
func (m *v1Manager) deviceWrites(r *specs.LinuxResources, create bool) ([]fileWrite, error) {
	var spec []specs.LinuxDeviceCgroup
	if r != nil {
		spec = r.Devices
	}
	if !create && spec == nil {
		return nil, nil
	}
	rules, err := deviceRules(spec, m.defaults)
	if err != nil || len(rules) == 0 {
		return nil, err
	}
	m.warn(accessWarnings(rules)...)
	dir, ok := m.paths["devices"]
	switch {
	case m.rootless:
		m.warn(devField + ": not enforced: rootless containers cannot write the v1 devices controller")
		return nil, nil
	case !ok:
		m.warn(devField + ": not enforced: the devices controller is not mounted on this host")
		return nil, nil
	case !create && v1DevicesUnchanged(dir, rules):
		return nil, nil
	}
	return v1DeviceWrites(rules), nil
}

// v1DevicesUnchanged tells whether devices.list already shows what the
// rules would make.
func v1DevicesUnchanged(dir string, rules []devRule) bool {
	cur, err := readFile(dir, "devices.list")
	if err != nil {
		return false
	}
	allowAll, want := v1DeviceList(rules)
	return !allowAll && cur == strings.Join(want, "\n")
}

// v1Exception is one entry of the kernel's device exception list.
type v1Exception struct {
	typ, num string // "c", "1:3"
	access   string
}

// v1DeviceList emulates security/device_cgroup.c on the writes of
// v1DeviceWrites: whether the cgroup ends allowing by default, and the
// lines devices.list then shows (for a deny-by-default cgroup: the
// exceptions in insertion order, same device merged into one entry).
func v1DeviceList(rules []devRule) (allowAll bool, list []string) {
	var ex []v1Exception
	for _, w := range v1DeviceWrites(rules) {
		allow := w.file == "devices.allow"
		if w.value == "a" {
			allowAll, ex = allow, nil
			continue
		}
		f := strings.Fields(w.value)
		e := v1Exception{typ: f[0], num: f[1], access: f[2]}
		// an exception grants in deny mode and denies in allow mode
		if allow != allowAll {
			ex = addException(ex, e)
		} else {
			ex = removeException(ex, e)
		}
	}
	if allowAll {
		return true, []string{"a *:* rwm"}
	}
	for _, e := range ex {
		list = append(list, e.typ+" "+e.num+" "+e.access)
	}
	return false, list
}

func addException(ex []v1Exception, e v1Exception) []v1Exception {
	for i := range ex {
		if ex[i].typ == e.typ && ex[i].num == e.num {
			ex[i].access = mergeAccess(ex[i].access, e.access, true)
			return ex
		}
	}
	return append(ex, e)
}

func removeException(ex []v1Exception, e v1Exception) []v1Exception {
	out := ex[:0]
	for _, x := range ex {
		if x.typ == e.typ && x.num == e.num {
			x.access = mergeAccess(x.access, e.access, false)
			if x.access == "" {
				continue
			}
		}
		out = append(out, x)
	}
	return out
}

// mergeAccess adds (or removes) access letters, keeping "rwm" order.
func mergeAccess(a, b string, add bool) string {
	var out strings.Builder
	for _, ch := range "rwm" {
		inA, inB := strings.ContainsRune(a, ch), strings.ContainsRune(b, ch)
		if (add && (inA || inB)) || (!add && inA && !inB) {
			out.WriteRune(ch)
		}
	}
	return out.String()
}

// snapshotDevicesV1 reads devices.list and returns a function that puts
// it back: for a Set whose device writes fail half-way.
func snapshotDevicesV1(dir string) func() {
	old, err := readFile(dir, "devices.list")
	if err != nil {
		return func() {}
	}
	return func() {
		if old == "a *:* rwm" {
			_ = writeFile(dir, "devices.allow", "a")
			return
		}
		_ = writeFile(dir, "devices.deny", "a")
		for _, line := range strings.Split(old, "\n") {
			if line != "" {
				_ = writeFile(dir, "devices.allow", line)
			}
		}
	}
}
