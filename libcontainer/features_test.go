package libcontainer

import (
	"bytes"
	"encoding/json"
	"slices"
	"testing"

	"github.com/opencontainers/runtime-spec/specs-go/features"

	"github.com/berth-oci/berth/libcontainer/seccomp"
	"github.com/berth-oci/berth/specconv"
)

// Features is made of the tables specconv and seccomp check configs
// with (their own tests tie each table to what they accept), and decodes
// as the runtime-spec's features structure.
func TestFeatures(t *testing.T) {
	f := Features()
	data, err := json.Marshal(f)
	if err != nil {
		t.Fatal(err)
	}
	var back features.Features
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&back); err != nil {
		t.Fatalf("features does not decode as specs-go/features: %v", err)
	}
	l := back.Linux
	for _, c := range []struct {
		name      string
		got, want []string
	}{
		{"hooks", back.Hooks, specconv.HookNames()},
		{"mountOptions", back.MountOptions, specconv.MountOptionNames()},
		{"namespaces", l.Namespaces, specconv.NamespaceTypes()},
		{"capabilities", l.Capabilities, specconv.CapabilityNames()},
		{"seccomp.actions", l.Seccomp.Actions, seccomp.ActionNames()},
		{"seccomp.operators", l.Seccomp.Operators, seccomp.OperatorNames()},
		{"seccomp.archs", l.Seccomp.Archs, seccomp.ArchNames()},
		{"seccomp.knownFlags", l.Seccomp.KnownFlags, seccomp.FlagNames()},
		{"memoryPolicy.modes", l.MemoryPolicy.Modes, specconv.MemoryPolicyModes()},
		{"memoryPolicy.flags", l.MemoryPolicy.Flags, specconv.MemoryPolicyFlags()},
	} {
		if !slices.Equal(c.got, c.want) || len(c.got) == 0 {
			t.Errorf("%s: %v, the tables say %v", c.name, c.got, c.want)
		}
	}
	for _, s := range l.Seccomp.SupportedFlags {
		if !slices.Contains(l.Seccomp.KnownFlags, s) {
			t.Errorf("supported flag %s is not a known one", s)
		}
	}
	if *l.Seccomp.Enabled != seccomp.Enabled || back.OCIVersionMin != "1.0.0" || back.OCIVersionMax != specconv.OCIVersionMax {
		t.Errorf("seccomp enabled %v, versions %s-%s", *l.Seccomp.Enabled, back.OCIVersionMin, back.OCIVersionMax)
	}
	if *l.Apparmor.Enabled != specconv.RealHost().AppArmorEnabled() || *l.Selinux.Enabled != specconv.RealHost().SELinuxEnabled() {
		t.Errorf("apparmor %v, selinux %v: not what berth applies on this host", *l.Apparmor.Enabled, *l.Selinux.Enabled)
	}
}
