package integration

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

func requireTimens(t *testing.T) {
	t.Helper()
	if _, err := os.Stat("/proc/self/ns/time"); err != nil {
		t.Skip("this kernel has no time namespaces")
	}
}

// timeOffsetsTest are the offsets the time-namespace tests set, and what
// /proc/self/timens_offsets shows for them.
var (
	timeOffsetsTest = map[string]specs.LinuxTimeOffset{
		"monotonic": {Secs: 7881, Nanosecs: 2718281},
		"boottime":  {Secs: 1337, Nanosecs: 3141519},
	}
	timeOffsetsShown = "monotonic 7881 2718281\nboottime 1337 3141519"
)

// usernsTimens gives the bundle a user namespace mapping from base and a
// new time namespace with timeOffsetsTest.
func (b *bundle) usernsTimens(t *testing.T, base uint32) *bundle {
	b.useUserns(t, base)
	b.setNamespace(specs.TimeNamespace, "")
	b.spec.Linux.TimeOffsets = timeOffsetsTest
	return b
}

// usernsOwner runs a container in a user namespace mapping from base and
// returns its pid, for others to join its namespaces.
func (e *env) usernsOwner(b *bundle, base uint32) string {
	if b == nil {
		b = e.newBundle("sleep", "1000")
		b.useUserns(e.t, base)
	}
	return strconv.Itoa(e.pid(e.runDetached(b)))
}

// joinUserns makes the bundle join the user namespace of pid, whose
// mapping starts at base, without mappings of its own.
func (b *bundle) joinUserns(t *testing.T, pid string, base uint32) *bundle {
	b.useUserns(t, base)
	b.spec.Linux.UIDMappings, b.spec.Linux.GIDMappings = nil, nil
	return b.setNamespace(specs.UserNamespace, "/proc/"+pid+"/ns/user")
}

// TestTimeNamespaceUserns: a new time namespace owned by a new user
// namespace gets its offsets (as runc 1.5.1: written with the rights of
// the runtime, which the mapped root of the container lacks over the
// host's /proc file).
func TestTimeNamespaceUserns(t *testing.T) {
	t.Parallel()
	requireTimens(t)
	e := newEnv(t)
	b := e.newBundle("cat", "/proc/self/timens_offsets").usernsTimens(t, 300000)
	if out := e.runOK(b); normSpaces(out) != timeOffsetsShown {
		t.Errorf("timens_offsets in a new user namespace: %q, want %q", out, timeOffsetsShown)
	}
}

// TestJoinTimeNamespace joins every namespace but the mount namespace of a
// container with a user and a time namespace with offsets: the joined
// time namespace keeps its owner's offsets, none are written (as runc).
func TestJoinTimeNamespace(t *testing.T) {
	t.Parallel()
	requireTimens(t)
	e := newEnv(t)
	pid := e.usernsOwner(e.newBundle("sleep", "1000").usernsTimens(t, 310000), 310000)
	b := e.newBundle().shell(lcNSScript("user", "time", "pid", "net")+"; cat /proc/self/timens_offsets").joinUserns(t, pid, 310000)
	for _, ns := range b.spec.Linux.Namespaces {
		if ns.Type != specs.MountNamespace {
			b.setNamespace(ns.Type, fmt.Sprintf("/proc/%s/ns/%s", pid, procNSName(ns.Type)))
		}
	}
	b.setNamespace(specs.TimeNamespace, "/proc/"+pid+"/ns/time")
	out := e.runOK(b)
	got := lcParseNS(t, out)
	for _, n := range []string{"user", "time", "pid", "net"} {
		if want := nsInode(t, pid, n); got[n] != want {
			t.Errorf("%s namespace %d, want the other container's %d", n, got[n], want)
		}
	}
	if !strings.HasSuffix(normSpaces(out), timeOffsetsShown) {
		t.Errorf("in the joined time namespace: %q, want the offsets %q", out, timeOffsetsShown)
	}
}

// procNSName is the name of a namespace type in /proc/<pid>/ns.
func procNSName(typ specs.LinuxNamespaceType) string {
	switch typ {
	case specs.NetworkNamespace:
		return "net"
	case specs.MountNamespace:
		return "mnt"
	}
	return string(typ)
}

// TestJoinUsernsForeignNetns joins the user namespace of another container
// and a network namespace that user namespace does not own (made by `ip
// netns` in the host's): as runc, the network namespace is joined first,
// with the host's privileges, for the container's process and for an exec.
func TestJoinUsernsForeignNetns(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	pid := e.usernsOwner(nil, 330000)
	netns := fmt.Sprintf("berth-itest-userns-%d", os.Getpid())
	if out, err := exec.Command("ip", "netns", "add", netns).CombinedOutput(); err != nil {
		t.Fatalf("ip netns add: %v: %s", err, out)
	}
	t.Cleanup(func() { exec.Command("ip", "netns", "del", netns).Run() })

	b := e.newBundle("sleep", "1000").joinUserns(t, pid, 330000)
	b.setNamespace(specs.NetworkNamespace, "/run/netns/"+netns)
	// sysfs cannot be mounted without rights over the network namespace
	for i, m := range b.spec.Mounts {
		if m.Type == "sysfs" {
			b.spec.Mounts[i] = specs.Mount{Source: "/sys", Destination: m.Destination, Type: "bind", Options: []string{"rbind", "ro"}}
		}
	}
	id := e.runDetached(b)
	var st unix.Stat_t
	if err := unix.Stat("/run/netns/"+netns, &st); err != nil {
		t.Fatal(err)
	}
	want := map[string]uint64{"user": nsInode(t, pid, "user"), "net": st.Ino}
	for n, ino := range want {
		if got := nsInode(t, strconv.Itoa(e.pid(id)), n); got != ino {
			t.Errorf("the container's %s namespace is %d, want %d", n, got, ino)
		}
	}
	got := lcParseNS(t, e.must("exec", id, "sh", "-c", lcNSScript("user", "net")))
	for n, ino := range want {
		if got[n] != ino {
			t.Errorf("an exec's %s namespace is %d, want %d", n, got[n], ino)
		}
	}
}

// TestJoinUsernsWithMappings: a joined user namespace with uid and gid
// mappings, as containerd sends a pod's: accepted when they are the
// namespace's own (read through /proc/<pid> or, for a bind-mounted
// namespace file, by joining it), refused with one line naming the field
// and leaving nothing behind otherwise (runc 1.5.1 does the same check).
func TestJoinUsernsWithMappings(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	pid := e.usernsOwner(nil, 340000)
	// a bind of the namespace file: no /proc/<pid> to read the maps from
	nsFile := filepath.Join(t.TempDir(), "userns")
	if err := os.WriteFile(nsFile, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := unix.Mount("/proc/"+pid+"/ns/user", nsFile, "", unix.MS_BIND, ""); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { unix.Unmount(nsFile, unix.MNT_DETACH) })

	joining := func(path string, hostID uint32) *bundle {
		b := e.newBundle().shell(lcNSScript("user") + "; cat /proc/self/uid_map")
		b.useUserns(t, 340000)
		b.spec.Linux.GIDMappings[0].HostID = hostID
		b.setNamespace(specs.UserNamespace, path)
		return b
	}
	for _, path := range []string{"/proc/" + pid + "/ns/user", nsFile} {
		out := e.runOK(joining(path, 340000))
		if got, want := lcParseNS(t, out)["user"], nsInode(t, pid, "user"); got != want {
			t.Errorf("joining %s: user namespace %d, want %d", path, got, want)
		}
		if !strings.Contains(normSpaces(out), "\n0 340000 65536") {
			t.Errorf("joining %s: uid_map %q", path, out)
		}
		b := joining(path, 350000)
		id := e.id()
		failsOneLine(t, e.createIO("create", id, b), "linux.gidMappings", "0 350000 65536", path, "0 340000 65536")
		e.assertNothingLeft(id, b)
	}
}

// TestJoinUsernsIdmap: an "idmap" bind mount without mappings in a joined
// user namespace takes that namespace's mapping, as runc: a directory of
// the host's root shows as root's inside, not as the overflow id.
func TestJoinUsernsIdmap(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	pid := e.usernsOwner(nil, 360000)
	src := t.TempDir()
	if err := os.WriteFile(filepath.Join(src, "f"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	b := e.newBundle("stat", "-c", "%u:%g", "/plain/f", "/mapped/f").joinUserns(t, pid, 360000)
	b.addMount(specs.Mount{Source: src, Destination: "/plain", Options: []string{"bind"}})
	b.addMount(specs.Mount{Source: src, Destination: "/mapped", Options: []string{"bind", "idmap"}})
	if out := e.runOK(b); out != "65534:65534\n0:0\n" {
		t.Errorf("a file of the host's root: %q, want 65534:65534 without idmap and 0:0 with it", out)
	}
}
