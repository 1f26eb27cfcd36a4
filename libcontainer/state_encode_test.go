package libcontainer

import (
	"bytes"
	"encoding/json"
	"math"
	"reflect"
	"slices"
	"testing"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/berth-oci/berth/cgroups"
	"github.com/berth-oci/berth/specconv"
)

// ociStateFields is OCIState without its MarshalJSON: what encoding/json
// writes by reflection.
type ociStateFields OCIState

func ociStates() []OCIState {
	at := time.Date(2026, 12, 7, 15, 2, 14, 88292060, time.UTC)
	return []OCIState{
		{},
		{OCIVersion: "1.2.1", ID: "c1", Pid: 5782, Status: Running, Bundle: "/run/b", Rootfs: "/run/b/rootfs",
			Created: at, Owner: "root"},
		{ID: "c2", Pid: math.MaxInt, Status: Stopped, Created: at.In(time.FixedZone("", -7*3600)),
			Annotations: map[string]string{}},
		{ID: "c3", Pid: -1, Status: Created, Created: at.Truncate(time.Second),
			Annotations: map[string]string{"b": "2", "a": "1", "": "", "<&>": "\"\\\x00\n\u2028\xff", "é": "😀",
				"org.opencontainers.image.ref.name": "busybox"}},
		{ID: "x\ty", Bundle: "/tmp/b <1> & \"2\"", Rootfs: "\xc3\x28", Owner: "\u2029", Status: Paused,
			Annotations: map[string]string{"k": ""}},
	}
}

// The state berth prints is what encoding/json wrote for it: by
// MarshalIndent (state) and by an Encoder (list --format json).
func TestOCIStateJSON(t *testing.T) {
	for _, s := range ociStates() {
		got, err := json.MarshalIndent(s, "", "  ")
		want, werr := json.MarshalIndent(ociStateFields(s), "", "  ")
		if err != nil || werr != nil || !bytes.Equal(got, want) {
			t.Errorf("state %s (%v)\nencoding/json by reflection:\n%s (%v)", got, err, want, werr)
		}
	}
	var got, want bytes.Buffer
	list := ociStates()
	fields := make([]ociStateFields, len(list))
	for i, s := range list {
		fields[i] = ociStateFields(s)
	}
	if err := json.NewEncoder(&got).Encode(list); err != nil {
		t.Fatal(err)
	}
	json.NewEncoder(&want).Encode(fields)
	if got.String() != want.String() {
		t.Errorf("list\n%s\nencoding/json by reflection:\n%s", got.String(), want.String())
	}
}

// The state record is written as json.Marshal writes it, the config by
// specconv's generated encoder (whose own tests compare it with
// json.Marshal on every config they decode).
func TestEncodeState(t *testing.T) {
	full := specconv.Example()
	full.Annotations = map[string]string{"b<>&": "\u2028\xff", "a": ""}
	full.Windows = &specs.Windows{CredentialSpec: map[string]any{"x": []any{1.5, "y", nil}}}
	var states []*State
	for _, config := range []*specs.Spec{nil, {}, specconv.Example(), full} {
		states = append(states, &State{ID: "c1<&>\xff", Bundle: "/b", Rootfs: "/b/rootfs", Status: Created,
			Created: time.Date(2026, 12, 7, 15, 2, 14, 88292060, time.UTC), Owner: "root",
			InitPid: 7, InitStartTime: 9, Cgroup: &cgroups.State{Paths: map[string]string{"": "/x"}},
			Rootless: true, RootfsMountBefore: 3, Config: config})
	}
	states = append(states, &State{}, &State{Created: time.Unix(1, 2).In(time.FixedZone("x", 3600))})
	for _, cg := range cgroupStates() {
		states = append(states, &State{ID: "c", Cgroup: cg, Config: specconv.Example()})
	}
	for _, s := range states {
		got, err := encodeState(s)
		if err != nil {
			t.Fatal(err)
		}
		want, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("state record:\n got %s\nwant %s", got, want)
		}
	}
	// encodeState knows these fields: a new one must be added to it
	var names []string
	for f := range reflect.TypeFor[State]().Fields() {
		names = append(names, f.Name+" "+string(f.Tag))
	}
	want := []string{`ID json:"id"`, `Bundle json:"bundle"`, `Rootfs json:"rootfs"`, `Status json:"status"`,
		`Created json:"created"`, `Owner json:"owner"`, `InitPid json:"init_pid"`,
		`InitStartTime json:"init_start_time"`, `Cgroup json:"cgroup,omitempty"`,
		`Rootless json:"rootless,omitempty"`, `RootfsMountBefore json:"rootfs_mount_before,omitempty"`,
		`Config json:"config"`}
	if !slices.Equal(names, want) {
		t.Errorf("State's fields changed: %q; update encodeState", names)
	}
	names = nil
	for f := range reflect.TypeFor[cgroups.State]().Fields() {
		names = append(names, f.Name+" "+string(f.Tag))
	}
	want = []string{`Mode json:"mode"`, `Paths json:"paths"`, `Created json:"created,omitempty"`,
		`Rootless json:"rootless,omitempty"`, `Systemd json:"systemd,omitempty"`,
		`DefaultDevices json:"defaultDevices,omitempty"`}
	if !slices.Equal(names, want) {
		t.Errorf("cgroups.State's fields changed: %q; update appendCgroupState", names)
	}
}

// cgroupStates are cgroup parts of records as the drivers and modes
// write them, and odd ones: every field empty, set, escaped.
func cgroupStates() []*cgroups.State {
	n, m := int64(1), int64(-1)
	return []*cgroups.State{
		{},
		{Mode: cgroups.Hybrid, Paths: map[string]string{}, Created: []string{}, DefaultDevices: []specs.LinuxDeviceCgroup{}},
		{Mode: cgroups.Legacy, Paths: map[string]string{"memory": "/sys/fs/cgroup/memory/a", "name=systemd": "/s", "": "/u"},
			Created: []string{"/sys/fs/cgroup/memory/a", "/x<&>\xff\u2028"}},
		{Mode: cgroups.Unified, Paths: map[string]string{"": "/sys/fs/cgroup/a"}, Rootless: true,
			Systemd: &cgroups.SystemdUnit{Name: "berth-a.scope", Slice: "system.slice"}},
		{Mode: cgroups.Unified, Systemd: &cgroups.SystemdUnit{}},
		{Mode: cgroups.Mode(9), DefaultDevices: []specs.LinuxDeviceCgroup{
			{}, {Allow: true, Type: "c", Major: &n, Minor: &m, Access: "rwm"}, {Type: "\"", Minor: &n}}},
	}
}
