package specconv

import (
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// The LSM label paths: process.selinuxLabel and linux.mountLabel are
// checked and formatted with go-selinux, carried when SELinux is on,
// dropped with a warning when it is off; the mount label becomes the
// context= option of the filesystems made for the container.
func TestSELinuxLabels(t *testing.T) {
	for _, tc := range []struct {
		label, want, err string
	}{
		{label: "system_u:system_r:container_t:s0:c1,c2", want: "system_u:system_r:container_t:s0:c1,c2"},
		{label: "system_u:system_r:container_t:s0-s0:c0.c1023", want: "system_u:system_r:container_t:s0-s0:c0.c1023"},
		{label: "user_u:user_r:user_t", want: "user_u:user_r:user_t"},
		{label: "system_u", err: "is not an SELinux label"},
		{label: "a:b", err: "is not an SELinux label"},
		{label: ":system_r:container_t:s0", err: "is not an SELinux label"},
		{label: "system_u::container_t:s0", err: "is not an SELinux label"},
		{label: "system_u:system_r::s0", err: "is not an SELinux label"},
		{label: "system_u:system_r:container_t:s0\nx", err: "is not an SELinux label"},
		{label: "system_u:system_r:container_t:s0 x", err: "is not an SELinux label"},
	} {
		for _, field := range []string{"process.selinuxLabel", "linux.mountLabel"} {
			s := baseSpec()
			if field == "process.selinuxLabel" {
				s.Process.SelinuxLabel = tc.label
			} else {
				s.Linux.MountLabel = tc.label
			}
			h := newFakeHost()
			h.selinux = true
			p, _, err := Convert(s, "/b", Options{Host: h})
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), field+": ") || !strings.Contains(err.Error(), tc.err) {
					t.Errorf("%s %q: got %v, want an error with %q", field, tc.label, err, tc.err)
				}
				continue
			}
			if err != nil {
				t.Errorf("%s %q: %v", field, tc.label, err)
				continue
			}
			got := p.Process.SelinuxLabel
			if field == "linux.mountLabel" {
				got = p.MountLabel
			}
			eq(t, field+" "+tc.label, got, tc.want)
		}
	}
}

func TestMountLabelContext(t *testing.T) {
	const label = "system_u:object_r:container_file_t:s0:c1,c2"
	s := Example()
	s.Linux.MountLabel = label
	s.Mounts = append(s.Mounts, specs.Mount{Destination: "/data", Source: "/data", Type: "bind", Options: []string{"rbind"}})
	h := newFakeHost()
	h.selinux = true
	p, _, err := Convert(s, "/b", Options{Host: h})
	if err != nil {
		t.Fatal(err)
	}
	ctx := `context="` + label + `"`
	for _, m := range p.Mounts {
		labelled := strings.Contains(m.Data, ctx)
		want := m.Kind == MountFS && (m.Type == "tmpfs" || m.Type == "devpts" || m.Type == "mqueue")
		if labelled != want {
			t.Errorf("mount %s (%s): data %q: labelled %v, want %v", m.Destination, m.Type, m.Data, labelled, want)
		}
		if want && m.Data != ctx && !strings.HasSuffix(m.Data, ","+ctx) {
			t.Errorf("mount %s: data %q: the context is not its own option", m.Destination, m.Data)
		}
	}

	// SELinux off: the label is dropped, with a warning, and no mount
	// gets a context
	p, warnings, err := Convert(s, "/b", Options{Host: newFakeHost()})
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range p.Mounts {
		if strings.Contains(m.Data, "context=") {
			t.Errorf("SELinux off: mount %s has %q", m.Destination, m.Data)
		}
	}
	if len(warnings) != 1 || !strings.Contains(warnings[0], "linux.mountLabel: SELinux is not enabled") {
		t.Errorf("warnings %q", warnings)
	}
}

// An AppArmor profile is carried when AppArmor is on and refused with one
// line when it is off (runc does the same).
func TestAppArmorProfile(t *testing.T) {
	s := baseSpec()
	s.Process.ApparmorProfile = "berth-default"
	h := newFakeHost()
	h.apparmor = true
	p, _, err := Convert(s, "/b", Options{Host: h})
	if err != nil {
		t.Fatal(err)
	}
	eq(t, "profile", p.Process.ApparmorProfile, "berth-default")
	_, _, err = Convert(s, "/b", Options{Host: newFakeHost()})
	if err == nil || strings.Contains(err.Error(), "\n") || !strings.Contains(err.Error(), "process.apparmorProfile") {
		t.Errorf("AppArmor off: %v", err)
	}
}
