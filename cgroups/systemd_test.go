package cgroups

import (
	"math"
	"reflect"
	"strings"
	"testing"

	sddbus "github.com/coreos/go-systemd/v22/dbus"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// "slice:prefix:name" as runc 1.5.1 reads it: a scope "prefix-name.scope"
// under slice (empty: system.slice); a name that is a slice is the unit
// itself; an empty path is system.slice:runc:<id>.
func TestParseSystemdPath(t *testing.T) {
	cases := []struct {
		path       string
		unit, cg   string
		wantErrHas string
	}{
		{"system.slice:runc:test3", "runc-test3.scope", "/system.slice/runc-test3.scope", ""},
		{"", "runc-c1.scope", "/system.slice/runc-c1.scope", ""},
		{":berth:x", "berth-x.scope", "/system.slice/berth-x.scope", ""},
		{"machine-a-b.slice:p:n", "p-n.scope", "/machine.slice/machine-a.slice/machine-a-b.slice/p-n.scope", ""},
		{"-.slice:p:n", "p-n.scope", "/p-n.scope", ""},
		{"system.slice::n", "-n.scope", "/system.slice/-n.scope", ""},
		{"system.slice:p:system-pod1.slice", "system-pod1.slice", "/system.slice/system-pod1.slice", ""},
		{"system.slice:p:pod1.slice", "", "", "not a child of system.slice"},
		{"/a/b", "", "", `not of the form "slice:prefix:name"`},
		{"a:b", "", "", `not of the form "slice:prefix:name"`},
		{"a:b:c:d", "", "", `not of the form "slice:prefix:name"`},
		{"system.slice:p:", "", "", "empty name"},
		{"system:p:n", "", "", "not a slice unit name"},
		{"a--b.slice:p:n", "", "", "empty part"},
		{"system.slice:p:n/x", "", "", `contains '/'`},
		{"system.slice:p:a b", "", "", `contains ' '`},
	}
	for _, tc := range cases {
		u, err := parseSystemdPath(tc.path, "c1")
		if tc.wantErrHas != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErrHas) {
				t.Errorf("%q: error %v, want one with %q", tc.path, err, tc.wantErrHas)
			}
			continue
		}
		if err != nil {
			t.Errorf("%q: %v", tc.path, err)
			continue
		}
		cg, _ := u.cgroupPath()
		if u.Name != tc.unit || cg != tc.cg {
			t.Errorf("%q: unit %s at %s, want %s at %s", tc.path, u.Name, cg, tc.unit, tc.cg)
		}
	}
}

func TestExpandSlice(t *testing.T) {
	for in, want := range map[string]string{
		"system.slice": "/system.slice",
		"a-b-c.slice":  "/a.slice/a-b.slice/a-b-c.slice",
		"-.slice":      "/",
	} {
		if got, err := expandSlice(in); err != nil || got != want {
			t.Errorf("expandSlice(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{".slice", "a.scope", "-a.slice", "a-.slice", "a/b.slice"} {
		if _, err := expandSlice(bad); err == nil {
			t.Errorf("expandSlice(%q) succeeded", bad)
		}
	}
}

// propMap flattens properties for comparison.
func propMap(ps []sddbus.Property) map[string]any {
	m := make(map[string]any)
	for _, p := range ps {
		m[p.Name] = p.Value.Value()
	}
	return m
}

// The unit's properties follow the files' values: the same conversions
// (shares to weight, memory+swap to swap), -1 as infinity.
func TestResourceProperties(t *testing.T) {
	r := &specs.LinuxResources{
		Memory: &specs.LinuxMemory{Limit: i64(32 << 20), Swap: i64(64 << 20), Reservation: i64(16 << 20)},
		CPU:    &specs.LinuxCPU{Shares: u64(1024), Quota: i64(50000), Period: u64(100000), Cpus: "0-1,3", Mems: "0"},
		Pids:   &specs.LinuxPids{Limit: i64(-1)},
	}
	got, _, err := resourceProperties(r, Unified, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"MemoryMax":          uint64(32 << 20),
		"MemorySwapMax":      uint64(32 << 20),
		"MemoryLow":          uint64(16 << 20),
		"CPUWeight":          sharesToWeight(1024),
		"CPUQuotaPerSecUSec": uint64(500000),
		"CPUQuotaPeriodUSec": uint64(100000),
		"TasksMax":           uint64(math.MaxUint64),
		"AllowedCPUs":        []byte{0x0b},
		"AllowedMemoryNodes": []byte{0x01},
	}
	if m := propMap(got); !reflect.DeepEqual(m, want) {
		t.Errorf("v2 properties:\n got %v\nwant %v", m, want)
	}
	got, _, err = resourceProperties(r, Hybrid, nil)
	if err != nil {
		t.Fatal(err)
	}
	want = map[string]any{
		"MemoryLimit":        uint64(32 << 20),
		"CPUShares":          uint64(1024),
		"CPUQuotaPerSecUSec": uint64(500000),
		"CPUQuotaPeriodUSec": uint64(100000),
		"TasksMax":           uint64(math.MaxUint64),
	}
	if m := propMap(got); !reflect.DeepEqual(m, want) {
		t.Errorf("v1 properties:\n got %v\nwant %v", m, want)
	}
	// systemd takes no TasksMax=0: the least it has is 1, as with runc
	got, _, _ = resourceProperties(&specs.LinuxResources{Pids: &specs.LinuxPids{Limit: i64(0)}}, Unified, nil)
	if m := propMap(got); m["TasksMax"] != uint64(1) {
		t.Errorf("pids 0: %v", m)
	}
}

// systemd keeps the quota in 10 ms steps per second; the file gets the
// rounded quota too, so both agree.
func TestRoundedQuota(t *testing.T) {
	r := &specs.LinuxResources{CPU: &specs.LinuxCPU{Quota: i64(12345), Period: u64(100000)}}
	got := roundedQuota(r)
	if *got.CPU.Quota != 13000 || *r.CPU.Quota != 12345 {
		t.Errorf("rounded %d (input now %d), want 13000 and the input untouched", *got.CPU.Quota, *r.CPU.Quota)
	}
	r.CPU.Quota = i64(50000)
	if got := roundedQuota(r); got != r {
		t.Error("an exact quota was copied")
	}
	ps, _, _ := resourceProperties(roundedQuota(&specs.LinuxResources{CPU: &specs.LinuxCPU{Quota: i64(12345)}}), Unified, nil)
	if m := propMap(ps); m["CPUQuotaPerSecUSec"] != uint64(130000) {
		t.Errorf("quota without period: %v", m)
	}
}

func sdDev(allow bool, typ string, major, minor int64, access string) specs.LinuxDeviceCgroup {
	return specs.LinuxDeviceCgroup{Allow: allow, Type: typ, Major: &major, Minor: &minor, Access: access}
}

// DevicePolicy and DeviceAllow from the ordered rules, as runc gives them.
func TestDeviceProperties(t *testing.T) {
	w := int64(wildcard)
	cases := []struct {
		name   string
		rules  []specs.LinuxDeviceCgroup
		policy string
		allow  []deviceAllow
		warns  int
	}{
		{"allow-list", []specs.LinuxDeviceCgroup{{Allow: false, Access: "rwm"}, sdDev(true, "c", 1, 3, "rwm"), sdDev(true, "c", 136, w, "rw"), sdDev(true, "b", w, w, "m")},
			"strict", []deviceAllow{{"/dev/char/1:3", "rwm"}, {"char-136", "rw"}, {"block-*", "m"}}, 0},
		{"allow all", []specs.LinuxDeviceCgroup{{Allow: true, Access: "rwm"}}, "auto", []deviceAllow{}, 0},
		{"nothing", nil, "strict", []deviceAllow{}, 0},
		{"deny taken back", []specs.LinuxDeviceCgroup{sdDev(true, "c", 1, 3, "rwm"), sdDev(false, "c", 1, 3, "w")},
			"strict", []deviceAllow{{"/dev/char/1:3", "rm"}}, 0},
		{"deny inside a range", []specs.LinuxDeviceCgroup{sdDev(true, "c", 136, w, "rwm"), sdDev(false, "c", 136, 2, "rwm")},
			"strict", []deviceAllow{{"char-136", "rwm"}}, 1},
		{"blacklist", []specs.LinuxDeviceCgroup{{Allow: true, Access: "rwm"}, sdDev(false, "c", 1, 3, "rwm")},
			"auto", []deviceAllow{}, 1},
		{"type a", []specs.LinuxDeviceCgroup{sdDev(true, "a", 7, w, "r")},
			"strict", []deviceAllow{{"block-7", "r"}, {"char-7", "r"}}, 0},
		{"any major, one minor", []specs.LinuxDeviceCgroup{sdDev(true, "c", w, 3, "r")}, "strict", []deviceAllow{}, 1},
	}
	for _, tc := range cases {
		rules, err := deviceRules(tc.rules, nil)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		ps, warns := deviceProperties(rules)
		m := propMap(ps)
		if m["DevicePolicy"] != tc.policy || !reflect.DeepEqual(m["DeviceAllow"], tc.allow) || len(warns) != tc.warns {
			t.Errorf("%s: %v %v (warnings %q), want %s %v and %d warnings", tc.name, m["DevicePolicy"], m["DeviceAllow"], warns, tc.policy, tc.allow, tc.warns)
		}
	}
}

// A new scope: in its slice, delegated, started with the init as its
// process; a slice unit is wanted by its parent and gets no PIDs.
func TestUnitProperties(t *testing.T) {
	m := propMap(unitProperties(SystemdUnit{Name: "runc-a.scope", Slice: "system.slice"}, "a", 42))
	if m["Slice"] != "system.slice" || m["Delegate"] != true || !reflect.DeepEqual(m["PIDs"], []uint32{42}) || m["DefaultDependencies"] != false {
		t.Errorf("scope: %v", m)
	}
	m = propMap(unitProperties(SystemdUnit{Name: "system-a.slice", Slice: "system.slice"}, "a", 42))
	if _, ok := m["PIDs"]; ok || m["Delegate"] != nil || !reflect.DeepEqual(m["Wants"], []string{"system.slice"}) {
		t.Errorf("slice: %v", m)
	}
}

// The driver's refusals name what: no systemd, rootless, a path of the
// wrong form; a systemd path without the driver is refused too.
func TestValidateSystemdDriver(t *testing.T) {
	si := &sysInfo{mode: Unified, controllers: map[string]bool{}, systemd: true}
	cases := []struct {
		cfg  Config
		si   sysInfo
		want string
	}{
		{Config{Systemd: true, Path: "system.slice:r:a", ID: "a"}, *si, ""},
		{Config{Systemd: true, ID: "a"}, *si, ""},
		{Config{Systemd: true, Path: "/a/b", ID: "a"}, *si, `not of the form "slice:prefix:name"`},
		{Config{Systemd: true, Path: "system.slice:r:a", ID: "a", Rootless: true}, *si, "rootless"},
		{Config{Systemd: true, Path: "system.slice:r:a", ID: "a"}, sysInfo{mode: Unified, controllers: map[string]bool{}}, "systemd is not running"},
		{Config{Path: "system.slice:r:a", ID: "a"}, *si, "needs --systemd-cgroup"},
	}
	for _, tc := range cases {
		err := validate(tc.cfg, &tc.si)
		if tc.want == "" && err != nil || tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("%+v: %v, want %q", tc.cfg, err, tc.want)
		}
	}
}

// org.systemd.property.* annotations become unit properties: GVariant
// text values, NAMESec in seconds sent as NAMEUSec; other annotations are
// not read; bad names and values are refused naming the annotation.
func TestAnnotationProperties(t *testing.T) {
	ps, err := annotationProperties(map[string]string{
		"org.systemd.property.TimeoutStopSec":    "uint64 5",
		"org.systemd.property.CollectMode":       "'inactive-or-failed'",
		"org.systemd.property.RuntimeMaxUSec":    "uint64 1000",
		"org.systemd.property.CPUQuotaPerSecSec": "2",
		"other":                                  "x",
	})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"TimeoutStopUSec": uint64(5000000), "CollectMode": "inactive-or-failed",
		"RuntimeMaxUSec": uint64(1000), "CPUQuotaPerSecUSec": uint64(2000000),
	}
	if m := propMap(ps); !reflect.DeepEqual(m, want) {
		t.Errorf("got %v, want %v", m, want)
	}
	for k, v := range map[string]string{
		"org.systemd.property.Bad-Name":       "1",
		"org.systemd.property.Ab":             "1",
		"org.systemd.property.TimeoutStopSec": "'five'",
		"org.systemd.property.CollectMode":    "'unterminated",
	} {
		if _, err := annotationProperties(map[string]string{k: v}); err == nil || !strings.Contains(err.Error(), k) {
			t.Errorf("%s=%s: %v, want an error naming it", k, v, err)
		}
	}
}

// A state with a unit loads as the systemd driver's manager, which keeps
// the unit in its State; a unit name systemd could not have is refused.
func TestLoadSystemdState(t *testing.T) {
	st := State{Mode: DetectMode(), Paths: map[string]string{"": "/sys/fs/cgroup/system.slice/runc-a.scope"},
		Systemd: &SystemdUnit{Name: "runc-a.scope", Slice: "system.slice"}}
	if st.Mode == Unavailable {
		t.Skip("skip: no cgroup hierarchy at /sys/fs/cgroup")
	}
	m, err := Load(st)
	if err != nil {
		t.Fatal(err)
	}
	sd, ok := m.(*sdManager)
	if !ok || !sd.started || !reflect.DeepEqual(m.State().Systemd, st.Systemd) {
		t.Errorf("Load gave %T %+v", m, m.State())
	}
	st.Systemd = &SystemdUnit{Name: "../x.scope", Slice: "system.slice"}
	if _, err := Load(st); err == nil || !strings.Contains(err.Error(), "systemd unit") {
		t.Errorf("a bad unit loaded: %v", err)
	}
}
