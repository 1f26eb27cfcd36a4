package integration

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
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

// inaccessibleSource makes dir/<name>/dir/foo.txt below a directory of
// mode 0700 owned by the host's root, and returns dir/<name>/dir.
func inaccessibleSource(t *testing.T, dir, name string) string {
	t.Helper()
	src := filepath.Join(dir, name, "dir")
	if err := os.MkdirAll(src, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(src, "foo.txt"), []byte(name+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(filepath.Join(dir, name), 0o700); err != nil {
		t.Fatal(err)
	}
	return src
}

// requireUnreachable fails the test unless the host uid is refused path:
// the test exercises the case only if the container's mapped root is.
func requireUnreachable(t *testing.T, uid uint32, path string) {
	t.Helper()
	id := strconv.FormatUint(uint64(uid), 10)
	if err := exec.Command("setpriv", "--reuid="+id, "--regid="+id, "--clear-groups", "cat", path).Run(); err == nil {
		t.Fatalf("host uid %s reads %s: the test would not exercise the case", id, path)
	}
}

// TestUsernsInaccessibleBinds: in a user namespace, bind sources below a
// directory only the host's root may search are mounted (runc opens them
// from the host's side; userns.bats "inaccessible mounts"), a bind and an
// rbind, for the container's process and for an exec.
func TestUsernsInaccessibleBinds(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.newBundle("sleep", "1000")
	b.useUserns(t, 320000)
	for i, opt := range []string{"bind", "rbind"} {
		name := fmt.Sprintf("inaccessible-%d", i+1)
		src := inaccessibleSource(t, b.dir, name)
		b.addMount(specs.Mount{Source: src, Destination: fmt.Sprintf("/tmp/mount-%d", i+1), Options: []string{opt}})
	}
	requireUnreachable(t, 320000, filepath.Join(b.dir, "inaccessible-1/dir/foo.txt"))
	id := e.runDetached(b)
	out := e.must("exec", id, "cat", "/tmp/mount-1/foo.txt", "/tmp/mount-2/foo.txt")
	if out != "inaccessible-1\ninaccessible-2\n" {
		t.Errorf("exec read the bind mounts as %q", out)
	}
}

// lockedSource mounts a read-only, noexec, nosuid tmpfs holding busybox
// and foo.txt at dir/secret/mnt, below a directory of mode 0700, and
// returns the mount point.
func lockedSource(t *testing.T, dir string) string {
	t.Helper()
	src := filepath.Join(dir, "secret", "mnt")
	if err := os.MkdirAll(src, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := unix.Mount("tmpfs", src, "tmpfs", unix.MS_NOEXEC|unix.MS_NOSUID, "size=8m,mode=755"); err != nil {
		t.Fatalf("mount a noexec tmpfs: %v", err)
	}
	t.Cleanup(func() { unix.Unmount(src, unix.MNT_DETACH) })
	data, err := os.ReadFile("/bin/busybox")
	if err != nil {
		t.Fatal(err)
	}
	if os.WriteFile(filepath.Join(src, "busybox"), data, 0o755) != nil || os.WriteFile(filepath.Join(src, "foo.txt"), []byte("locked\n"), 0o644) != nil {
		t.Fatal("fill the tmpfs")
	}
	if err := unix.Mount("", src, "", unix.MS_REMOUNT|unix.MS_RDONLY|unix.MS_NOEXEC|unix.MS_NOSUID, "size=8m,mode=755"); err != nil {
		t.Fatalf("make the tmpfs read-only: %v", err)
	}
	if err := os.Chmod(filepath.Join(dir, "secret"), 0o700); err != nil {
		t.Fatal(err)
	}
	return src
}

// lockedScript checks the mount at dir in the container: its mountinfo
// line, foo.txt read, busybox run from it, remounts to exec and rw.
func lockedScript(dir string) string {
	return strings.NewReplacer("DIR", dir).Replace(`grep " DIR " /proc/self/mountinfo; cat DIR/foo.txt
DIR/busybox true && echo ran || echo exec refused
mount -o remount,bind,exec DIR 2>/dev/null && echo exec remounted || echo exec remount refused
mount -o remount,bind,rw DIR 2>/dev/null && echo rw remounted || echo rw remount refused
`)
}

// TestUsernsInaccessibleBindLocked: a bind source only the host's root
// may reach, whose host mount is ro, noexec and nosuid, is mounted in a
// user namespace, plainly and idmapped, with those flags locked, as the
// kernel locks them for a bind the container makes itself: its root (with
// CAP_SYS_ADMIN) cannot run a binary from it nor remount it exec or rw,
// while it can remount a tmpfs of its own exec (the attack is real), and
// a config asking for exec is refused.
func TestUsernsInaccessibleBindLocked(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.newBundle().shell(lockedScript("/src") + lockedScript("/idm") +
		"mount -t tmpfs -o noexec tmpfs /tmp && mount -o remount,bind,exec /tmp && echo own tmpfs remounted exec")
	b.useUserns(t, 330000)
	caps := b.spec.Process.Capabilities
	for _, set := range []*[]string{&caps.Bounding, &caps.Effective, &caps.Permitted} {
		*set = append(*set, "CAP_SYS_ADMIN")
	}
	src := lockedSource(t, b.dir)
	maps := []specs.LinuxIDMapping{{ContainerID: 0, HostID: 330000, Size: 65536}}
	b.addMount(specs.Mount{Source: src, Destination: "/idm", Options: []string{"bind", "idmap"}, UIDMappings: maps, GIDMappings: maps})
	b.addMount(specs.Mount{Source: src, Destination: "/src", Options: []string{"bind"}})
	requireUnreachable(t, 330000, filepath.Join(src, "foo.txt"))
	lines := strings.Split(e.runOK(b), "\n")
	if len(lines) != 12 {
		t.Fatalf("in the container:\n%s", strings.Join(lines, "\n"))
	}
	want := []string{"locked", "exec refused", "exec remount refused", "rw remount refused"}
	for i, dir := range []string{"/src", "/idm"} {
		got := lines[5*i : 5*i+5]
		if f := strings.Fields(got[0]); len(f) < 6 || !hasAll(","+f[5]+",", ",ro,", ",noexec,", ",nosuid,") {
			t.Errorf("%s is mounted as %q: want ro,noexec,nosuid", dir, got[0])
		}
		if !slices.Equal(got[1:], want) {
			t.Errorf("%s in the container: %q, want %q", dir, got[1:], want)
		}
	}
	if lines[10] != "own tmpfs remounted exec" {
		t.Errorf("a tmpfs of the container's own: %q, want it remounted exec", lines[10])
	}
	for _, i := range []int{1, 2} {
		b.spec.Mounts[len(b.spec.Mounts)-i].Options = append(b.spec.Mounts[len(b.spec.Mounts)-i].Options, "exec")
		failsOneLine(t, e.run(b), "mounts[", "operation not permitted")
	}
}

func hasAll(s string, subs ...string) bool {
	for _, x := range subs {
		if !strings.Contains(s, x) {
			return false
		}
	}
	return true
}

// TestUsernsBindSourceThroughRootfs: a bind source whose host path leads
// through a symlink in the rootfs (which the container may plant) is not
// opened with the host's rights: the init resolves it with the mapped
// root's, which cannot reach the directory it points to; the same
// directory named directly is mounted (the host's side would have reached
// it).
func TestUsernsBindSourceThroughRootfs(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.newBundle("cat", "/mnt/foo.txt")
	b.useUserns(t, 340000)
	secret := inaccessibleSource(t, b.dir, "secret")
	requireUnreachable(t, 340000, filepath.Join(secret, "foo.txt"))
	if err := os.Symlink(secret, filepath.Join(b.rootfs(), "planted")); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(b.dir, "link")
	if err := os.Symlink(filepath.Join(b.rootfs(), "planted"), link); err != nil {
		t.Fatal(err)
	}
	b.addMount(specs.Mount{Source: link, Destination: "/mnt", Options: []string{"bind"}})
	failsOneLine(t, e.run(b), "mounts[", "permission denied")
	b.spec.Mounts[len(b.spec.Mounts)-1].Source = secret
	if out := e.runOK(b); out != "secret\n" {
		t.Errorf("the source named directly reads %q", out)
	}
}
