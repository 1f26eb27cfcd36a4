package integration

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/opencontainers/runtime-spec/specs-go/features"
)

// `berth features` is what containerd reads before it runs pods: JSON
// that specs-go/features decodes with nothing unknown, with what the
// engines look at (user namespaces, idmapped mounts, rro).
func TestFeatures(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	r := e.berth("features")
	if r.code != 0 || r.stderr != "" {
		t.Fatalf("berth features: %s", r)
	}
	var f features.Features
	dec := json.NewDecoder(strings.NewReader(r.stdout))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		t.Fatalf("berth features is not the runtime-spec's structure: %v\n%s", err, r.stdout)
	}
	if f.OCIVersionMin != "1.0.0" || f.OCIVersionMax != "1.3.0" {
		t.Errorf("versions %s to %s", f.OCIVersionMin, f.OCIVersionMax)
	}
	l := f.Linux
	switch {
	case l == nil || !slices.Contains(l.Namespaces, "user") || !slices.Contains(l.Namespaces, "time"):
		t.Errorf("namespaces: %v", l)
	case !slices.Contains(f.MountOptions, "rro") || !slices.Contains(f.MountOptions, "idmap"):
		t.Errorf("mount options: %v", f.MountOptions)
	case l.MountExtensions == nil || l.MountExtensions.IDMap == nil || !*l.MountExtensions.IDMap.Enabled:
		t.Error("idmapped mounts not reported")
	case l.Seccomp == nil || !*l.Seccomp.Enabled || !slices.Contains(l.Seccomp.Actions, "SCMP_ACT_NOTIFY") || len(l.Seccomp.Archs) == 0:
		t.Errorf("seccomp: %+v", l.Seccomp)
	case l.NetDevices == nil || !*l.NetDevices.Enabled:
		t.Error("netDevices must say true: berth moves them")
	case l.IntelRdt == nil || *l.IntelRdt.Enabled:
		t.Error("intelRdt must say false: berth refuses it")
	case f.Annotations["io.github.seccomp.libseccomp.version"] == "":
		t.Errorf("annotations: %v", f.Annotations)
	}
	// the one annotation berth acts on: the systemd driver's unit
	// properties (prefix form, as runc lists it)
	if !slices.Equal(f.PotentiallyUnsafeConfigAnnotations, []string{"org.systemd.property."}) {
		t.Errorf("potentiallyUnsafeConfigAnnotations: %q", f.PotentiallyUnsafeConfigAnnotations)
	}
	if c := l.Cgroup; c == nil || c.Systemd == nil || !*c.Systemd || c.SystemdUser == nil || *c.SystemdUser {
		t.Errorf("cgroup: %+v: want systemd true, systemdUser false", c)
	}
	if r := e.berth("features", "extra"); r.code == 0 {
		t.Error("berth features took an argument")
	}
}
