package integration

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// What the init sets up around the process the way runc does: the
// loopback interface of a new network namespace, the cwd entered before
// the identity changes, the CPU affinity reset from the caller's, HOME.

// A new network namespace has its loopback interface up; one joined by
// path is left as it is.
func TestLoopbackUp(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	// flags of lo: IFF_LOOPBACK (0x8) | IFF_UP (0x1); the network
	// namespace is the container's own (the default spec makes one)
	if b := e.newBundle(); b.namespace(specs.NetworkNamespace) == nil {
		t.Fatal("the default spec has no network namespace")
	}
	b := e.newBundle().shell(`cat /sys/class/net/lo/flags; ls /sys/class/net`)
	expectLines(t, e.runOK(b), "0x9", "lo")
}

// mkdirOwned makes the rootfs directory rel with mode and owner.
func mkdirOwned(t *testing.T, b *bundle, rel string, mode os.FileMode, uid, gid int) {
	t.Helper()
	p := filepath.Join(b.rootfs(), rel)
	if err := os.Mkdir(p, mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(p, mode); err != nil { // past the umask
		t.Fatal(err)
	}
	if err := os.Chown(p, uid, gid); err != nil {
		t.Fatal(err)
	}
}

// A cwd only root may enter still works for another user, as with runc:
// the init enters it before it drops its privileges. The same for exec.
func TestCwdOnlyRootReaches(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.newBundle("sh", "-c", `pwd; ls . >/dev/null 2>&1 || echo "cannot list"; sleep 100000`)
	mkdirOwned(t, b, "secret", 0o700, 0, 0)
	b.spec.Process.Cwd = "/secret"
	b.spec.Process.User = specs.User{UID: 1000, GID: 1000}
	c := e.startExec(b)
	// the user is really refused the directory: only the chdir was root's
	expectLines(t, e.waitOutput(c.id, "cannot list\n"), "/secret", "cannot list")
	out := c.out([]string{"--user", "1000:1000", "--cwd", "/secret"}, "sh", "-c", "pwd; ls . 2>&1 >/dev/null | grep -c 'ermission denied'")
	expectLines(t, out, "/secret", "1")
}

// A cwd only the process's user may enter (in a user namespace: a
// directory of an unmapped owner whose group is the user's) is entered
// after the identity change, when the init's own attempt was refused.
func TestCwdOnlyUserReaches(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.execBundle()
	// the container's ids (host 100000...) must reach the rootfs
	b.mapIDs(t, 100000)
	// owner host uid 5 (unmapped: the container's root has no override
	// over it), group the container's gid 1000
	mkdirOwned(t, b, "shared", 0o070, 5, 101000)
	b.spec.Process.Cwd = "/shared"
	b.spec.Process.User = specs.User{UID: 1000, GID: 1000}
	c := e.startExec(b)
	expectLines(t, c.out(nil, "pwd"), "/shared")
	// the container's root is refused it: the first attempt really failed
	r := c.run([]string{"--user", "0:0", "--cwd", "/shared"}, "pwd")
	if r.code == 0 || !strings.Contains(r.stderr, "/shared") {
		t.Errorf("root entered a directory it may not search: %s", r)
	}
}

// cpusAllowed prints the Cpus_allowed_list line of /proc/self/status.
const cpusAllowed = `grep Cpus_allowed_list /proc/self/status`

// The caller's CPU affinity (taskset) does not leak into the container:
// the init and an exec get every CPU their cgroup allows, as with runc.
func TestCPUAffinityReset(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Fatal(err)
	}
	var all string
	for _, l := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(l, "Cpus_allowed_list:") {
			all = l
		}
	}
	if all == "Cpus_allowed_list:\t0" {
		t.Skip("host limitation: one CPU, no affinity to narrow")
	}
	taskset, err := exec.LookPath("taskset")
	if err != nil {
		t.Fatalf("taskset (util-linux) is needed: %v", err)
	}
	e := newEnv(t)
	b := e.execBundle()
	b.save(t)
	// berth, and so the init, under taskset -c 0
	narrow := func(cmd *exec.Cmd) {
		cmd.Args = append([]string{taskset, "-c", "0", berthBin}, cmd.Args[1:]...)
		cmd.Path = taskset
	}
	id := e.id()
	if r := e.berthWith(narrow, "run", "--detach", "--bundle", b.dir, id); r.code != 0 {
		t.Fatalf("taskset -c 0 berth run --detach: %s", r)
	}
	expectLines(t, e.must("exec", id, "grep", "Cpus_allowed_list", "/proc/1/status"), all)
	r := e.berthWith(narrow, "exec", id, "sh", "-c", cpusAllowed)
	if r.code != 0 {
		t.Fatalf("taskset -c 0 berth exec: %s", r)
	}
	expectLines(t, r.stdout, all)
}

// HOME comes from the container's /etc/passwd when the process's
// environment has none (or an empty one), "/" for a user without an
// entry; a HOME given is kept. The same for exec.
func TestHomeFromPasswd(t *testing.T) {
	t.Parallel()
	passwd := "root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000:App:/home/app:/bin/sh\n"
	for _, tc := range []struct {
		name string
		uid  uint32
		env  []string
		want string
	}{
		{"unset", 1000, []string{"PATH=/bin"}, "HOME=/home/app"},
		{"empty", 1000, []string{"PATH=/bin", "HOME="}, "HOME=/home/app"},
		{"root", 0, []string{"PATH=/bin"}, "HOME=/root"},
		{"no entry", 1234, []string{"PATH=/bin"}, "HOME=/"},
		{"given", 1000, []string{"HOME=/given", "PATH=/bin"}, "HOME=/given"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			b := e.newBundle("sh", "-c", "env | grep -c '^HOME='; env | grep '^HOME='")
			b.writeRootfs(t, "etc/passwd", passwd, 0o644)
			b.spec.Process.User = specs.User{UID: tc.uid, GID: tc.uid}
			b.spec.Process.Env = tc.env
			expectLines(t, e.runOK(b), "1", tc.want)
		})
	}
	t.Run("exec", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t)
		b := e.execBundle()
		b.writeRootfs(t, "etc/passwd", passwd, 0o644)
		b.spec.Process.Env = []string{"PATH=/bin"}
		c := e.startExec(b)
		show := []string{"sh", "-c", "env | grep '^HOME='"}
		expectLines(t, c.out(nil, show...), "HOME=/root")
		expectLines(t, c.out([]string{"--user", "1000:1000"}, show...), "HOME=/home/app")
		expectLines(t, c.out([]string{"--user", "1000:1000", "--env", "HOME=/mine"}, show...), "HOME=/mine")
	})
}

// mapIDs gives b a user namespace mapping container ids 0-65535 to host
// ids from base, and opens the bundle's directories to those ids.
func (b *bundle) mapIDs(t *testing.T, base uint32) {
	t.Helper()
	for _, d := range []string{filepath.Dir(b.dir), b.dir} {
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	b.setNamespace(specs.UserNamespace, "")
	m := []specs.LinuxIDMapping{{ContainerID: 0, HostID: base, Size: 65536}}
	b.spec.Linux.UIDMappings, b.spec.Linux.GIDMappings = m, m
}
