package specconv

import (
	"encoding/json"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func TestExampleConverts(t *testing.T) {
	s := Example()
	p, warnings, err := Convert(s, "/b", Options{Host: newFakeHost()})
	if err != nil {
		t.Fatal(err)
	}
	eq(t, "warnings", warnings, []string(nil))
	eq(t, "version", s.Version, "1.3.0")
	eq(t, "args", p.Process.Args, []string{"sh"})
	eq(t, "terminal", p.Process.Terminal, true)
	eq(t, "readonly", p.RootReadonly, true)
	eq(t, "mounts", len(p.Mounts), 7)
	eq(t, "cgroup mount", p.Mounts[6].Type, "cgroup")
	eq(t, "network namespace, as runc", p.Namespaces[1].Type, specs.NetworkNamespace)
}

func TestExampleIsFresh(t *testing.T) {
	a := Example()
	a.Process.Args[0] = "changed"
	a.Process.Capabilities.Bounding[0] = "changed"
	eq(t, "args", Example().Process.Args, []string{"sh"})
	eq(t, "caps", Example().Process.Capabilities.Bounding[0], "CAP_AUDIT_WRITE")
}

func TestToRootless(t *testing.T) {
	s := Example()
	ToRootless(s, 1000, 1001)
	p, warnings, err := Convert(s, "/b", Options{Host: newFakeHost(), Rootless: true})
	if err != nil {
		t.Fatal(err)
	}
	eq(t, "warnings", warnings, []string(nil))
	eq(t, "namespaces", s.Linux.Namespaces, ns("pid", "ipc", "uts", "mount", "cgroup", "user"))
	eq(t, "uid map", s.Linux.UIDMappings, []specs.LinuxIDMapping{{ContainerID: 0, HostID: 1000, Size: 1}})
	eq(t, "gid map", s.Linux.GIDMappings, []specs.LinuxIDMapping{{ContainerID: 0, HostID: 1001, Size: 1}})
	eq(t, "resources", s.Linux.Resources, (*specs.LinuxResources)(nil))
	eq(t, "devpts", s.Mounts[2].Options, []string{"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620"})
	eq(t, "sysfs", s.Mounts[5], specs.Mount{Destination: "/sys", Type: "none", Source: "/sys",
		Options: []string{"rbind", "nosuid", "noexec", "nodev", "rro"}})
	eq(t, "sys bind", p.Mounts[5].Kind, MountBind)
	eq(t, "devices bound", p.Devices[0].Bind, true)
}

func TestToRootlessReplacesUserNamespace(t *testing.T) {
	s := &specs.Spec{Linux: &specs.Linux{Namespaces: []specs.LinuxNamespace{
		{Type: "user", Path: "/proc/1/ns/user"}, {Type: "network"}, {Type: "mount"}}}}
	ToRootless(s, 5, 6)
	eq(t, "namespaces", s.Linux.Namespaces, ns("mount", "user"))
	s = &specs.Spec{}
	ToRootless(s, 5, 6)
	eq(t, "namespaces", s.Linux.Namespaces, ns("user"))
}

// TestExampleJSON pins the printed form of the fields engines look at.
func TestExampleJSON(t *testing.T) {
	b, err := json.Marshal(Example().Process.Capabilities)
	if err != nil {
		t.Fatal(err)
	}
	eq(t, "capabilities", string(b), `{"bounding":["CAP_AUDIT_WRITE","CAP_KILL","CAP_NET_BIND_SERVICE"],`+
		`"effective":["CAP_AUDIT_WRITE","CAP_KILL","CAP_NET_BIND_SERVICE"],`+
		`"permitted":["CAP_AUDIT_WRITE","CAP_KILL","CAP_NET_BIND_SERVICE"]}`)
}

func TestVersionAccepted(t *testing.T) {
	for _, v := range []string{"1.0.0", "1.0.0-rc5", "1.0.0-rc5-dev", "1.0.1", "1.0.2-dev", "1.1.0", "1.1.0-rc.1",
		"1.2.0", "1.2.1", "1.3.0", "1.3.0-dev", "1.3.7", "1.3.0+build.5", "1.3.0-alpha.1+sha.abc"} {
		c := newChecker(Options{Host: newFakeHost()})
		if err := c.checkVersion(v); err != nil {
			t.Errorf("%s: %v", v, err)
		}
	}
}

func TestVersionRefused(t *testing.T) {
	for _, v := range []string{"1", "1.0", "1.0.0.0", "v1.0.0", "01.0.0", "1.00.0", "1.0.00", "1.0.0-01", "1.0.0-a..b",
		"1.0.0+", "1.0.0-a_b", " 1.0.0", "1.a.0", "-1.0.0", "1.4.0", "1.10.0", "2.0.0", "0.9.0"} {
		c := newChecker(Options{Host: newFakeHost()})
		if err := c.checkVersion(v); err == nil {
			t.Errorf("%s: accepted", v)
		}
	}
}
