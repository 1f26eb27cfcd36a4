package specconv

import (
	"slices"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// The lists `berth features` reports must be what the conversion does.

// specMountOptions is the example list of runtime-spec v1.3.0's
// features.md (runc's): every one berth does not report must be one it
// does not interpret.
var specMountOptions = strings.Fields(`acl async atime bind defaults dev diratime dirsync exec iversion
	lazytime loud mand noacl noatime nodev nodiratime noexec noiversion nolazytime nomand norelatime
	nostrictatime nosuid nosymfollow private ratime rbind rdev rdiratime relatime remount rexec rnoatime
	rnodev rnodiratime rnoexec rnorelatime rnostrictatime rnosuid rnosymfollow ro rprivate rrelatime rro
	rrw rshared rslave rstrictatime rsuid rsymfollow runbindable rw shared silent slave strictatime suid
	symfollow sync tmpcopyup unbindable`)

// interpreted says whether berth acts on the option itself (it is not
// refused, nor passed to the filesystem as data).
func interpreted(opt string) bool {
	o := parseMountOptions([]string{opt})
	return len(o.other) == 0 && (!o.copyUp || copyUpCarried)
}

func TestFeaturesMountOptions(t *testing.T) {
	names := MountOptionNames()
	for _, n := range names {
		if !interpreted(n) {
			t.Errorf("%q is reported but not interpreted", n)
		}
	}
	for _, n := range specMountOptions {
		if !slices.Contains(names, n) && interpreted(n) {
			t.Errorf("%q is interpreted but not reported", n)
		}
	}
	if !slices.IsSorted(names) || len(slices.Compact(slices.Clone(names))) != len(names) {
		t.Errorf("not sorted or not unique: %v", names)
	}
}

func TestFeaturesNamespaces(t *testing.T) {
	for _, n := range NamespaceTypes() {
		s := baseSpec()
		switch specs.LinuxNamespaceType(n) {
		case specs.MountNamespace:
		case specs.UserNamespace:
			withUserNS(s)
		default:
			s.Linux.Namespaces = append(s.Linux.Namespaces, specs.LinuxNamespace{Type: specs.LinuxNamespaceType(n)})
		}
		if _, _, err := Convert(s, "/b", Options{Host: newFakeHost()}); err != nil {
			t.Errorf("namespace %q is reported but refused: %v", n, err)
		}
	}
	if got := len(NamespaceTypes()); got != 8 {
		t.Errorf("%d namespace types, want the spec's 8", got)
	}
}

// Every capability the kernel headers know has its name, in order.
func TestFeaturesCapabilities(t *testing.T) {
	names := CapabilityNames()
	if len(names) != unix.CAP_LAST_CAP+1 {
		t.Fatalf("%d capabilities, the kernel knows %d", len(names), unix.CAP_LAST_CAP+1)
	}
	for i, n := range names {
		if capabilityNumbers[n] != i {
			t.Errorf("capability %d is %s (number %d)", i, n, capabilityNumbers[n])
		}
	}
}

// Every hook kind reported is checked (and so run).
func TestFeaturesHooks(t *testing.T) {
	for _, n := range HookNames() {
		h := &specs.Hooks{}
		for _, l := range []struct {
			name string
			set  *[]specs.Hook
		}{
			//lint:ignore SA1019 prestart is deprecated, but configs still use it and berth runs it
			{"prestart", &h.Prestart}, {"createRuntime", &h.CreateRuntime}, {"createContainer", &h.CreateContainer},
			{"startContainer", &h.StartContainer}, {"poststart", &h.Poststart}, {"poststop", &h.Poststop},
		} {
			if l.name == n {
				*l.set = []specs.Hook{{Path: "relative"}}
			}
		}
		err := newChecker(Options{Host: newFakeHost()}).checkHooks(h)
		if err == nil || !strings.Contains(err.Error(), "hooks."+n) {
			t.Errorf("hook kind %q is reported but not checked: %v", n, err)
		}
	}
	if len(HookNames()) != 6 {
		t.Errorf("hooks %v, want the spec's 6", HookNames())
	}
}

func TestFeaturesVersions(t *testing.T) {
	c := newChecker(Options{Host: newFakeHost()})
	for _, v := range []string{OCIVersionMin, OCIVersionMax} {
		if err := c.checkVersion(v); err != nil {
			t.Errorf("ociVersion %s is reported but refused: %v", v, err)
		}
	}
}

func TestFeaturesMemoryPolicy(t *testing.T) {
	for _, m := range MemoryPolicyModes() {
		p := &specs.LinuxMemoryPolicy{Mode: specs.MemoryPolicyModeType(m), Nodes: "0"}
		if memoryModes[p.Mode].nodes < 0 {
			p.Nodes = ""
		}
		if _, err := newChecker(Options{}).convertMemoryPolicy(p); err != nil {
			t.Errorf("mode %s is reported but refused: %v", m, err)
		}
	}
	for _, f := range MemoryPolicyFlags() {
		p := &specs.LinuxMemoryPolicy{Mode: specs.MpolBind, Nodes: "0", Flags: []specs.MemoryPolicyFlagType{specs.MemoryPolicyFlagType(f)}}
		if _, err := newChecker(Options{}).convertMemoryPolicy(p); err != nil {
			t.Errorf("flag %s is reported but refused: %v", f, err)
		}
	}
}

// What features reports as absent is refused, what it reports present is
// converted: idmapped mounts and net devices yes; Intel RDT no.
func TestFeaturesExtensions(t *testing.T) {
	s := baseSpec()
	withUserNS(s)
	s.Mounts = []specs.Mount{{Destination: "/data", Source: "/data", Options: []string{"bind", "idmap"}}}
	if p, _, err := Convert(s, "/b", Options{Host: newFakeHost()}); err != nil || p.Mounts[0].Idmap == nil {
		t.Errorf("idmapped mount: %v", err)
	}
	s = baseSpec()
	s.Linux.Namespaces = ns(specs.MountNamespace, specs.NetworkNamespace)
	s.Linux.NetDevices = map[string]specs.LinuxNetDevice{"eth1": {}}
	if _, _, err := Convert(s, "/b", Options{Host: newFakeHost()}); err != nil {
		t.Errorf("linux.netDevices refused; features says it is supported: %v", err)
	}
	s = baseSpec()
	s.Linux.IntelRdt = &specs.LinuxIntelRdt{}
	if _, _, err := Convert(s, "/b", Options{Host: newFakeHost()}); err == nil {
		t.Error("linux.intelRdt accepted; features says it is not supported")
	}
}
