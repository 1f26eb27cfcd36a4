package cgroups

import (
	"fmt"
	"math"
	"reflect"
	"sort"
	"strconv"
	"strings"

	sddbus "github.com/coreos/go-systemd/v22/dbus"
	"github.com/godbus/dbus/v5"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// The systemd driver sets the limits twice: as unit properties, so that
// systemd (which rewrites a unit's cgroup files whenever it realizes the
// unit again) keeps them, and in the files, with the cgroupfs code. The
// properties are derived from the same file writes, so the two agree.

// infinity is systemd's "no limit" for the byte, task and time properties.
const infinity = uint64(math.MaxUint64)

// defaultCFSPeriod is the kernel's CFS period when none is set (100 ms).
const defaultCFSPeriod = 100000

func prop(name string, v any) sddbus.Property {
	return sddbus.Property{Name: name, Value: dbus.MakeVariant(v)}
}

// unitProperties are the properties of a new unit: what it is and where,
// then the limits (resourceProperties).
func unitProperties(u SystemdUnit, id string, pid int) []sddbus.Property {
	ps := []sddbus.Property{sddbus.PropDescription("berth container " + id)}
	if u.IsSlice() {
		ps = append(ps, sddbus.PropWants(u.Slice))
	} else {
		ps = append(ps, sddbus.PropSlice(u.Slice), prop("Delegate", true))
		if pid > 0 {
			ps = append(ps, prop("PIDs", []uint32{uint32(pid)}))
		}
	}
	// accounting on, so that every controller is there as with cgroupfs
	return append(ps,
		prop("MemoryAccounting", true), prop("CPUAccounting", true),
		prop("IOAccounting", true), prop("TasksAccounting", true),
		prop("DefaultDependencies", false))
}

// roundedQuota returns r with the cpu quota rounded up to what systemd can
// hold: it keeps CPUQuotaPerSecUSec in steps of 10 ms per second (1% of a
// CPU). The file gets the rounded quota too, so that systemd and the file
// agree. r itself is not changed.
func roundedQuota(r *specs.LinuxResources) *specs.LinuxResources {
	if r == nil || r.CPU == nil || r.CPU.Quota == nil || *r.CPU.Quota <= 0 {
		return r
	}
	period := uint64(defaultCFSPeriod)
	if setU(r.CPU.Period) {
		period = *r.CPU.Period
	}
	perSec := uint64(*r.CPU.Quota) * 1000000 / period
	if perSec%10000 == 0 {
		return r
	}
	perSec = (perSec/10000 + 1) * 10000
	q := int64(perSec * period / 1000000)
	c, cpu := *r, *r.CPU
	cpu.Quota = &q
	c.CPU = &cpu
	return &c
}

// resourceProperties translates r (already rounded by roundedQuota) into
// unit properties for the host's cgroup version, from the file writes the
// cgroupfs code makes of it. Files without a systemd property (hugetlb,
// rdma, io.max ...) are in the files only, as with runc.
func resourceProperties(r *specs.LinuxResources, mode Mode, defaults []specs.LinuxDeviceCgroup) ([]sddbus.Property, []string, error) {
	p, err := translate(r, mode)
	if err != nil {
		return nil, nil, err
	}
	var ps []sddbus.Property
	for _, w := range p.writes {
		wp, err := writeProperties(w, mode)
		if err != nil {
			return nil, nil, err
		}
		ps = append(ps, wp...)
	}
	var warnings []string
	if r != nil && r.Devices != nil || len(defaults) > 0 {
		var spec []specs.LinuxDeviceCgroup
		if r != nil {
			spec = r.Devices
		}
		rules, err := deviceRules(spec, defaults)
		if err != nil {
			return nil, nil, err
		}
		dp, warns := deviceProperties(rules)
		ps, warnings = append(ps, dp...), warns
	}
	return ps, warnings, nil
}

// writeProperties maps one file write to its properties.
func writeProperties(w fileWrite, mode Mode) ([]sddbus.Property, error) {
	num := func(name string) ([]sddbus.Property, error) {
		v, err := limitValue(w.value)
		if err != nil {
			return nil, fieldErr(w.field, "%q for %s: %v", w.value, name, err)
		}
		return []sddbus.Property{prop(name, v)}, nil
	}
	switch w.file {
	case "memory.max":
		return num("MemoryMax")
	case "memory.low":
		return num("MemoryLow")
	case "memory.swap.max":
		return num("MemorySwapMax")
	case "memory.limit_in_bytes":
		return num("MemoryLimit")
	case "cpu.weight":
		return num("CPUWeight")
	case "cpu.shares":
		return num("CPUShares")
	case "blkio.weight":
		return num("BlockIOWeight")
	case "pids.max":
		if w.value == "0" {
			return []sddbus.Property{prop("TasksMax", uint64(1))}, nil // systemd takes no 0
		}
		return num("TasksMax")
	case "cpu.max":
		return cpuMaxProperties(w)
	case "cpu.cfs_quota_us":
		return v1QuotaProperties(w)
	case "cpu.cfs_period_us":
		return periodProperty(w.value, w.field)
	case "cpuset.cpus", "cpuset.mems":
		if mode != Unified {
			return nil, nil // AllowedCPUs/AllowedMemoryNodes are cgroup v2 only
		}
		return cpusetProperty(w)
	}
	return nil, nil
}

// limitValue reads a file value as a property value: "max" and -1 are
// systemd's infinity.
func limitValue(v string) (uint64, error) {
	if v == "max" || v == "-1" {
		return infinity, nil
	}
	return strconv.ParseUint(v, 10, 64)
}

// cpuMaxProperties maps cgroup v2 cpu.max ("QUOTA [PERIOD]", or a period
// alone that keeps the quota) to CPUQuotaPerSecUSec and
// CPUQuotaPeriodUSec.
func cpuMaxProperties(w fileWrite) ([]sddbus.Property, error) {
	f := strings.Fields(w.value)
	if w.flags&keepQuota != 0 {
		return periodProperty(w.value, w.field)
	}
	var ps []sddbus.Property
	period := uint64(defaultCFSPeriod)
	if len(f) == 2 {
		pp, err := periodProperty(f[1], w.field)
		if err != nil {
			return nil, err
		}
		ps = append(ps, pp...)
		period, _ = strconv.ParseUint(f[1], 10, 64)
	}
	q, err := quotaPerSec(f[0], period, w.field)
	if err != nil {
		return nil, err
	}
	return append(ps, q), nil
}

// v1QuotaProperties maps cpu.cfs_quota_us (the period, if any, is its
// own write).
func v1QuotaProperties(w fileWrite) ([]sddbus.Property, error) {
	q, err := quotaPerSec(w.value, defaultCFSPeriod, w.field)
	if err != nil {
		return nil, err
	}
	return []sddbus.Property{q}, nil
}

func periodProperty(v, field string) ([]sddbus.Property, error) {
	p, err := strconv.ParseUint(v, 10, 64)
	if err != nil {
		return nil, fieldErr(field, "period %q: %v", v, err)
	}
	return []sddbus.Property{prop("CPUQuotaPeriodUSec", p)}, nil
}

// quotaPerSec is CPUQuotaPerSecUSec: the quota's microseconds of CPU
// per second of time.
func quotaPerSec(quota string, period uint64, field string) (sddbus.Property, error) {
	v, err := limitValue(quota)
	if err != nil {
		return sddbus.Property{}, fieldErr(field, "quota %q: %v", quota, err)
	}
	if v != infinity && period > 0 {
		v = v * 1000000 / period
	}
	return prop("CPUQuotaPerSecUSec", v), nil
}

// cpusetProperty maps a CPU or node list to AllowedCPUs or
// AllowedMemoryNodes, which systemd takes as a bit mask of bytes.
func cpusetProperty(w fileWrite) ([]sddbus.Property, error) {
	l, err := parseCPUList(w.value)
	if err != nil {
		return nil, fieldErr(w.field, "%v", err)
	}
	name := "AllowedCPUs"
	if w.file == "cpuset.mems" {
		name = "AllowedMemoryNodes"
	}
	return []sddbus.Property{prop(name, cpuBits(l))}, nil
}

// cpuBits is the list as a bit mask: bit i%8 of byte i/8 for entry i.
func cpuBits(l cpuList) []byte {
	ids := l.sorted()
	if len(ids) == 0 {
		return []byte{}
	}
	b := make([]byte, int(ids[len(ids)-1])/8+1)
	for _, i := range ids {
		b[i/8] |= 1 << (i % 8)
	}
	return b
}

// deviceAllow is one entry of systemd's DeviceAllow (D-Bus a(ss)).
type deviceAllow struct {
	Path  string
	Perms string
}

// deviceProperties turns the ordered device rules (on a deny-all base)
// into DevicePolicy and DeviceAllow, the way runc does: an allow-list is
// "strict" with one entry per rule; rules that end allowing everything
// are "auto" with no list. systemd cannot express a deny inside an
// allowed range: such a rule is left to berth's own device program,
// which enforces the exact rules next to systemd's (both must allow).
func deviceProperties(rules []devRule) ([]sddbus.Property, []string) {
	var list []devRule
	var warnings []string
	all := false
	for _, r := range rules {
		switch {
		case r.typ == 'a' && r.major == wildcard && r.minor == wildcard && r.access == "rwm":
			all, list = r.allow, nil
		case r.allow && all:
		case r.allow && r.major == wildcard && r.minor != wildcard:
			warnings = append(warnings, fmt.Sprintf("%s: systemd's DeviceAllow has no rule for minor %d of every major: under its DevicePolicy=strict those devices stay denied (as with runc)", r.field, r.minor))
		case r.allow:
			for _, t := range typesOf(r.typ) {
				e := r
				e.typ = t
				list = append(list, e)
			}
		default:
			var exact bool
			list, exact = deny(list, r)
			if all || !exact {
				warnings = append(warnings, fmt.Sprintf("%s: systemd's DeviceAllow cannot express this deny rule; berth's device filter enforces it", r.field))
			}
		}
	}
	if all {
		return []sddbus.Property{prop("DevicePolicy", "auto"), prop("DeviceAllow", []deviceAllow{})}, warnings
	}
	out := []deviceAllow{}
	for _, e := range list {
		out = append(out, deviceAllow{Path: devicePath(e.typ, e.major, e.minor), Perms: e.access})
	}
	return []sddbus.Property{prop("DevicePolicy", "strict"), prop("DeviceAllow", out)}, warnings
}

func typesOf(t byte) []byte {
	if t == 'a' {
		return []byte{'b', 'c'}
	}
	return []byte{t}
}

// devicePath names devices for DeviceAllow: the node /dev/char/MAJ:MIN,
// "char-MAJ" for any minor, "char-*" for any device of the type.
func devicePath(t byte, major, minor int64) string {
	group, node := "char", "/dev/char/"
	if t == 'b' {
		group, node = "block", "/dev/block/"
	}
	switch {
	case major == wildcard:
		return group + "-*"
	case minor == wildcard:
		return group + "-" + itoa(major)
	}
	return node + itoa(major) + ":" + itoa(minor)
}

// deny takes the deny rule's access away from the allowed entries it
// covers whole. exact is false when some entry is only partly covered (a
// deny narrower than an allowed range), which systemd cannot express.
func deny(list []devRule, r devRule) (out []devRule, exact bool) {
	exact = true
	for _, e := range list {
		if covers(r, e) {
			e.access = strings.Map(func(c rune) rune {
				if strings.ContainsRune(r.access, c) {
					return -1
				}
				return c
			}, e.access)
		} else if covers(e, r) {
			exact = false
		}
		if e.access != "" {
			out = append(out, e)
		}
	}
	return out, exact
}

// covers tells whether every device of b is one of a's.
func covers(a, b devRule) bool {
	return (a.typ == 'a' || a.typ == b.typ) &&
		(a.major == wildcard || a.major == b.major) &&
		(a.minor == wildcard || a.minor == b.minor)
}

// annotationPrefix marks annotations that are unit properties for the
// systemd driver: "org.systemd.property.TimeoutStopUSec" = "uint64 5000000",
// the value in GVariant text, as runc takes them.
const annotationPrefix = "org.systemd.property."

// annotationProperties reads the unit properties the annotations give, in
// the order of their names. A NAMESec property (a lowercase letter before
// "Sec") holds seconds and is sent as NAMEUSec, as systemd's D-Bus API
// wants it.
func annotationProperties(ann map[string]string) ([]sddbus.Property, error) {
	var keys []string
	for k := range ann {
		if strings.HasPrefix(k, annotationPrefix) {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	var ps []sddbus.Property
	for _, k := range keys {
		p, err := annotationProperty(strings.TrimPrefix(k, annotationPrefix), ann[k])
		if err != nil {
			return nil, fmt.Errorf("annotations[%s]: %w", k, err)
		}
		ps = append(ps, p)
	}
	return ps, nil
}

func annotationProperty(name, text string) (sddbus.Property, error) {
	if len(name) < 3 || strings.IndexFunc(name, func(c rune) bool { return !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') }) >= 0 {
		return sddbus.Property{}, fmt.Errorf("%q is not a property name (ASCII letters, at least 3)", name)
	}
	v, err := dbus.ParseVariant(text, dbus.Signature{})
	if err != nil {
		return sddbus.Property{}, fmt.Errorf("value %q: %w", text, err)
	}
	base, isSec := strings.CutSuffix(name, "Sec")
	if !isSec || base == "" || base[len(base)-1] < 'a' || base[len(base)-1] > 'z' {
		return sddbus.Property{Name: name, Value: v}, nil
	}
	usec, ok := secondsToUSec(v.Value())
	if !ok {
		return sddbus.Property{}, fmt.Errorf("value %q: %sSec takes a number of seconds", text, base)
	}
	return prop(base+"USec", usec), nil
}

// secondsToUSec converts a D-Bus number of seconds to microseconds;
// a negative number or another type is refused.
func secondsToUSec(v any) (uint64, bool) {
	const m = 1000000
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return rv.Uint() * m, true
	case reflect.Int16, reflect.Int32, reflect.Int64:
		return uint64(rv.Int()) * m, rv.Int() >= 0
	case reflect.Float64:
		return uint64(rv.Float() * m), rv.Float() >= 0
	}
	return 0, false
}
