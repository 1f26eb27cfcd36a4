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

// Namespaces: new ones of every type, the user namespace's id maps, time
// offsets, and joining existing ones by path.

// lcNSScript is a script printing "name inode" for each namespace given.
func lcNSScript(names ...string) string {
	return "for n in " + strings.Join(names, " ") + `; do echo "$n $(stat -L -c %i /proc/self/ns/$n)"; done`
}

// lcParseNS reads lcNSScript' output.
func lcParseNS(t *testing.T, out string) map[string]uint64 {
	t.Helper()
	m := make(map[string]uint64)
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		var name string
		var ino uint64
		if _, err := fmt.Sscan(l, &name, &ino); err == nil {
			m[name] = ino
		}
	}
	return m
}

var lcNSNames = []string{"pid", "net", "ipc", "uts", "mnt", "cgroup"}

func TestNewNamespaces(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.newBundle().shell(lcNSScript(lcNSNames...) + `
echo "pid1 $$"; echo "ifaces $(tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' ' | tr '\n' ,)"
echo "host $(hostname) $(cat /proc/sys/kernel/domainname)"; cat /proc/self/cgroup`)
	b.spec.Hostname = "box"
	b.spec.Domainname = "example.org"
	// berth spec adds a cgroup namespace on cgroup v2 hosts only (as runc)
	b.setNamespace(specs.CgroupNamespace, "")
	out := e.runOK(b)
	got := lcParseNS(t, out)
	for _, n := range lcNSNames {
		if host := nsInode(t, "self", n); got[n] == 0 || got[n] == host {
			t.Errorf("%s namespace %d, host's %d: want a new one", n, got[n], host)
		}
	}
	for _, want := range []string{"\npid1 1\n", "\nifaces lo,\n", "\nhost box example.org\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("the container printed %q, want %q", out, want)
		}
	}
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		if strings.Contains(l, ":/") && !strings.HasSuffix(l, ":/") {
			t.Errorf("in its cgroup namespace the container sees %q, want /", l)
		}
	}
	if h, _ := os.Hostname(); h == "box" {
		t.Errorf("the host's hostname changed")
	}
}

// TestSharedNamespaces: a namespace not in the list is the runtime's.
func TestSharedNamespaces(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.newBundle().shell(lcNSScript("net", "ipc", "uts", "cgroup"))
	for _, n := range []specs.LinuxNamespaceType{specs.NetworkNamespace, specs.IPCNamespace, specs.UTSNamespace, specs.CgroupNamespace} {
		b.removeNamespace(n)
	}
	b.spec.Hostname = ""
	got := lcParseNS(t, e.runOK(b))
	for _, n := range []string{"net", "ipc", "uts", "cgroup"} {
		if host := nsInode(t, "self", n); got[n] != host {
			t.Errorf("%s namespace %d, want the host's %d", n, got[n], host)
		}
	}
}

// useUserns gives the bundle a user namespace mapping 0..65535 to
// host ids from base, and hands the rootfs to the mapped root.
func (b *bundle) useUserns(t *testing.T, base uint32) {
	t.Helper()
	b.setNamespace(specs.UserNamespace, "")
	b.spec.Linux.UIDMappings = []specs.LinuxIDMapping{{ContainerID: 0, HostID: base, Size: 65536}}
	b.spec.Linux.GIDMappings = []specs.LinuxIDMapping{{ContainerID: 0, HostID: base, Size: 65536}}
	if err := chownTree(b.rootfs(), int(base), int(base)); err != nil {
		t.Fatal(err)
	}
	// the bundle dir must be searchable by the mapped root
	os.Chmod(b.dir, 0o755)
	os.Chmod(filepath.Dir(b.dir), 0o755)
}

func chownTree(dir string, uid, gid int) error {
	return filepath.Walk(dir, func(p string, _ os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		return os.Lchown(p, uid, gid)
	})
}

func TestUserNamespace(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.newBundle().shell(`cat /proc/self/uid_map /proc/self/gid_map; echo "id $(id -u):$(id -g)"
echo "owner $(stat -c %u:%g /bin/busybox)"; touch /tmp/new && echo "new $(stat -c %u /tmp/new)"; sleep 1000`)
	b.useUserns(t, 100000)
	b.spec.Root.Readonly = false
	id := e.runDetached(b)
	out := e.waitOutput(id, "new ")
	want := "0     100000      65536\n         0     100000      65536\nid 0:0\nowner 0:0\nnew 0\n"
	if normSpaces(out) != normSpaces(want) {
		t.Errorf("in the user namespace the container printed %q, want %q", out, want)
	}
	status, _ := os.ReadFile(fmt.Sprintf("/proc/%d/status", e.pid(id)))
	if !strings.Contains(string(status), "\nUid:\t100000\t100000\t100000\t100000\n") {
		t.Errorf("on the host the container's process is not uid 100000: %s", status)
	}
	var st unix.Stat_t
	if err := unix.Stat(filepath.Join(b.rootfs(), "tmp/new"), &st); err != nil || st.Uid != 100000 {
		t.Errorf("a file the container made is owned by host uid %d (%v), want 100000", st.Uid, err)
	}
	if got, host := nsInode(t, strconv.Itoa(e.pid(id)), "user"), nsInode(t, "self", "user"); got == host {
		t.Errorf("the container is in the host's user namespace")
	}
}

// norm collapses runs of spaces.
func normSpaces(s string) string {
	var lines []string
	for _, l := range strings.Split(strings.TrimSpace(s), "\n") {
		lines = append(lines, strings.Join(strings.Fields(l), " "))
	}
	return strings.Join(lines, "\n")
}

func TestTimeNamespace(t *testing.T) {
	t.Parallel()
	if _, err := os.Stat("/proc/self/ns/time"); err != nil {
		t.Skip("this kernel has no time namespaces")
	}
	e := newEnv(t)
	b := e.newBundle().shell("cat /proc/self/timens_offsets; cut -d. -f1 /proc/uptime")
	b.setNamespace(specs.TimeNamespace, "")
	b.spec.Linux.TimeOffsets = map[string]specs.LinuxTimeOffset{
		"boottime":  {Secs: 10 * 86400, Nanosecs: 5},
		"monotonic": {Secs: 3600},
	}
	out := e.runOK(b)
	lines := strings.Split(normSpaces(out), "\n")
	if len(lines) != 3 || lines[0] != "monotonic 3600 0" || lines[1] != "boottime 864000 5" {
		t.Fatalf("timens_offsets: %q", out)
	}
	var hostUp float64
	data, _ := os.ReadFile("/proc/uptime")
	fmt.Sscan(string(data), &hostUp)
	up, _ := strconv.ParseFloat(lines[2], 64)
	if up < hostUp+10*86400-60 {
		t.Errorf("uptime in the container %v, host %v: want 10 days more", up, hostUp)
	}
}

// TestJoinNamespaces joins a network namespace made with `ip netns`, uts
// and ipc namespaces made with unshare(1), and the pid namespace of
// another container, and compares inodes.
func TestJoinNamespaces(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	dir := t.TempDir()
	netns := fmt.Sprintf("berth-itest-%d", os.Getpid())
	if out, err := exec.Command("ip", "netns", "add", netns).CombinedOutput(); err != nil {
		t.Fatalf("ip netns add: %v: %s", err, out)
	}
	t.Cleanup(func() { exec.Command("ip", "netns", "del", netns).Run() })
	// no dummy driver on this host: a veth pair inside the namespace
	if out, err := exec.Command("ip", "-n", netns, "link", "add", "berth0", "type", "veth", "peer", "name", "berth1").CombinedOutput(); err != nil {
		t.Fatalf("ip link add: %v: %s", err, out)
	}
	uts, ipc := filepath.Join(dir, "uts"), filepath.Join(dir, "ipc")
	for _, f := range []string{uts, ipc} {
		os.WriteFile(f, nil, 0o644)
		t.Cleanup(func() { unix.Unmount(f, unix.MNT_DETACH) })
	}
	if out, err := exec.Command("unshare", "--uts="+uts, "--ipc="+ipc, "hostname", "joined-uts").CombinedOutput(); err != nil {
		t.Fatalf("unshare: %v: %s", err, out)
	}
	other := e.runDetached(e.newBundle("sleep", "1000"))
	pidns := fmt.Sprintf("/proc/%d/ns/pid", e.pid(other))

	b := e.newBundle().shell(lcNSScript("net", "uts", "ipc", "pid") + `; hostname; ls /sys/class/net | tr '\n' ,; echo; ps -o pid,args`)
	b.spec.Hostname = ""
	b.setNamespace(specs.NetworkNamespace, "/run/netns/"+netns)
	b.setNamespace(specs.UTSNamespace, uts)
	b.setNamespace(specs.IPCNamespace, ipc)
	b.setNamespace(specs.PIDNamespace, pidns)
	out := e.runOK(b)
	got := lcParseNS(t, out)
	want := map[string]string{"net": "/run/netns/" + netns, "uts": uts, "ipc": ipc, "pid": pidns}
	for n, path := range want {
		var st unix.Stat_t
		if err := unix.Stat(path, &st); err != nil {
			t.Fatal(err)
		}
		if got[n] != st.Ino {
			t.Errorf("%s namespace %d, want %s's %d", n, got[n], path, st.Ino)
		}
	}
	for _, w := range []string{"\njoined-uts\n", "berth0,", "sleep 1000"} {
		if !strings.Contains(out, w) {
			t.Errorf("in the joined namespaces the container printed %q, want %q", out, w)
		}
	}
}

// TestJoinNamespaceWrongType: a path that is a namespace of another type
// is refused at create, naming the field.
func TestJoinNamespaceWrongType(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.newBundle("true")
	b.setNamespace(specs.NetworkNamespace, "/proc/self/ns/uts")
	id := e.id()
	failsOneLine(t, e.createIO("create", id, b), "network", "/proc/self/ns/uts")
	e.assertNothingLeft(id, b)
}

// TestJoinUserNamespace joins the user and network namespaces of another
// container: the ids are that container's, no maps are written.
func TestJoinUserNamespace(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	first := e.newBundle("sleep", "1000")
	first.useUserns(t, 200000)
	other := e.runDetached(first)
	pid := strconv.Itoa(e.pid(other))
	b := e.newBundle().shell(lcNSScript("user", "net") + "; cat /proc/self/uid_map; id -u")
	b.useUserns(t, 200000)
	b.spec.Linux.UIDMappings, b.spec.Linux.GIDMappings = nil, nil
	b.setNamespace(specs.UserNamespace, "/proc/"+pid+"/ns/user")
	b.setNamespace(specs.NetworkNamespace, "/proc/"+pid+"/ns/net")
	out := e.runOK(b)
	got := lcParseNS(t, out)
	for _, n := range []string{"user", "net"} {
		if want := nsInode(t, pid, n); got[n] != want {
			t.Errorf("%s namespace %d, want the other container's %d", n, got[n], want)
		}
	}
	if !strings.Contains(normSpaces(out), "\n0 200000 65536\n0") {
		t.Errorf("in the joined user namespace: %q", out)
	}
}

// TestJoinMountNamespace joins a mount namespace made with unshare(1):
// the container's mounts are made in it and undone at delete.
func TestJoinMountNamespace(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	dir := t.TempDir()
	// unshare --mount=FILE needs FILE on a private mount
	if err := unix.Mount(dir, dir, "", unix.MS_BIND, ""); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { unix.Unmount(dir, unix.MNT_DETACH) })
	if err := unix.Mount("", dir, "", unix.MS_PRIVATE, ""); err != nil {
		t.Fatal(err)
	}
	mnt := filepath.Join(dir, "mnt")
	os.WriteFile(mnt, nil, 0o644)
	t.Cleanup(func() { unix.Unmount(mnt, unix.MNT_DETACH) })
	if out, err := exec.Command("unshare", "--mount="+mnt, "--propagation", "private", "true").CombinedOutput(); err != nil {
		t.Fatalf("unshare --mount: %v: %s", err, out)
	}
	b := e.newBundle().shell(lcNSScript("mnt") + "; grep -c '^proc /proc proc' /proc/self/mounts; sleep 1000")
	b.setNamespace(specs.MountNamespace, mnt)
	id := e.runDetached(b)
	out := e.waitOutput(id, "\n1\n")
	var st unix.Stat_t
	unix.Stat(mnt, &st)
	if got := lcParseNS(t, out)["mnt"]; got != st.Ino {
		t.Errorf("mnt namespace %d, want %s's %d", got, mnt, st.Ino)
	}
	mountsIn := func() string {
		out, _ := exec.Command("nsenter", "--mount="+mnt, "grep", "-c", b.dir, "/proc/self/mountinfo").Output()
		return strings.TrimSpace(string(out))
	}
	if n := mountsIn(); n == "0" {
		t.Errorf("no mount under the bundle in the joined namespace while the container runs")
	}
	e.must("delete", "--force", id)
	if n := mountsIn(); n != "0" {
		t.Errorf("%s mounts under the bundle left in the joined namespace after delete", n)
	}
	if m := mountsUnder(b.dir); len(m) > 0 {
		t.Errorf("mounts in the host's namespace: %v", m)
	}
}
