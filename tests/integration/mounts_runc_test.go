package integration

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// Mount behaviour that engines and users of runc rely on: a tmpfs keeps
// its mount point's mode, a destination through a dangling symlink is
// made inside the root, masked directories share one tmpfs, a read-only
// /dev still gets its mount points and devices, and a symlink at /proc is
// refused in runc's words.

// TestTmpfsInheritsMode: a tmpfs without "mode=" on an existing mount
// point gets that directory's mode; "mode=" in the options wins; a
// mount point made for it leaves the tmpfs's own default (1777).
func TestTmpfsInheritsMode(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.newBundle().shell(mountOpts + `for d in /inherit /explicit /new; do echo "$d $(stat -c %a $d) $(mo $d | cut -d' ' -f3 | tr , '\n' | grep '^mode=')"; done`)
	for _, d := range []string{"inherit", "explicit"} {
		dir := filepath.Join(b.rootfs(), d)
		if err := os.Mkdir(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(dir, 0o710); err != nil {
			t.Fatal(err)
		}
	}
	opts := []string{"rw", "nodev", "nosuid"}
	b.addMount(specs.Mount{Destination: "/inherit", Type: "tmpfs", Source: "tmpfs", Options: opts})
	b.addMount(specs.Mount{Destination: "/explicit", Type: "tmpfs", Source: "tmpfs", Options: append(opts, "mode=1500")})
	b.addMount(specs.Mount{Destination: "/new", Type: "tmpfs", Source: "tmpfs", Options: opts})
	expectLines(t, e.runOK(b), "/inherit 710 mode=710", "/explicit 1500 mode=1500", "/new 1777 ")
}

// TestBindThroughDanglingSymlink: a bind destination whose path goes
// through a symlink to nowhere (engines bind /etc/hosts and
// /etc/resolv.conf where an image may have such links) is made where the
// link points, inside the root, missing parents included, as a file for
// a file source and a directory for a directory source; nothing is made
// on the host where an absolute link would point outside the root.
func TestBindThroughDanglingSymlink(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name, link, target string // link in /etc/hosts (and /jump) -> where it lands
		jump               string
		dir                bool
	}{
		{name: "component", link: "/jump/baz/hosts", jump: "/tmp/foo/bar", target: "/tmp/foo/bar/baz/hosts"},
		{name: "trailing-file", link: "/tmp/hosts", target: "/tmp/hosts"},
		{name: "trailing-dir", link: "/tmp/hosts", target: "/tmp/hosts", dir: true},
		{name: "relative", link: "../tmp/y/hosts", target: "/tmp/y/hosts"},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			src := hostDir(t)
			if !c.dir {
				src = filepath.Join(src, "f")
			}
			var st unix.Stat_t
			if err := unix.Stat(src, &st); err != nil {
				t.Fatal(err)
			}
			b := e.newBundle("stat", "-c", "%n %d:%i", "--", c.target)
			os.Symlink(c.link, filepath.Join(b.rootfs(), "etc/hosts"))
			if c.jump != "" {
				os.Symlink(c.jump, filepath.Join(b.rootfs(), "jump"))
			}
			b.addMount(specs.Mount{Destination: "/etc/hosts", Source: src, Options: []string{"bind"}})
			want := c.target + " " + devIno(st)
			expectLines(t, e.runOK(b), want)
			// the same through /etc/hosts, and a mount entry at the target
			b.shell(`stat -L -c '%d:%i' /etc/hosts; awk '$2 == "` + c.target + `" { print "mounted" }' /proc/self/mounts`)
			expectLines(t, e.runOK(b), devIno(st), "mounted")
		})
	}
}

// devIno formats a file's device and inode as stat -c '%d:%i' does.
func devIno(st unix.Stat_t) string { return fmt.Sprintf("%d:%d", st.Dev, st.Ino) }

// TestMaskedDirsShareTmpfs: every masked directory shows the same
// read-only tmpfs (one mount, bound on the others); files are still
// masked with /dev/null.
func TestMaskedDirsShareTmpfs(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.newBundle().shell(`set -- $(stat -c %d /m1 /m2 /m3)
[ "$1" = "$2" ] && [ "$2" = "$3" ] && echo shared || echo "apart $*"
[ "$(stat -c %d /)" != "$1" ] && echo "not the root's"
touch /m2/x 2>&1 | grep -q 'Read-only file system' && echo read-only
ls -A /m1 /m2 /m3 | grep -v ':$' | grep . || echo empty
cat /secret; echo "secret $?"`)
	for _, d := range []string{"m1", "m2", "m3"} {
		os.MkdirAll(filepath.Join(b.rootfs(), d, "inside"), 0o755)
	}
	os.WriteFile(filepath.Join(b.rootfs(), "secret"), []byte("hidden\n"), 0o644)
	b.spec.Linux.MaskedPaths = append(b.spec.Linux.MaskedPaths, "/m1", "/m2", "/secret", "/m3")
	expectLines(t, e.runOK(b), "shared", "not the root's", "read-only", "empty", "secret 0")
}

// TestReadonlyDev: a /dev tmpfs with "ro" is read-only in the container,
// yet the mounts below it (/dev/pts, /dev/shm, /dev/mqueue), the devices
// and the console are there: it is made read-only at the end.
func TestReadonlyDev(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.newBundle().shell(mountOpts + `echo "dev $(mo /dev | cut -d, -f1)"
for d in /dev/pts /dev/shm /dev/mqueue; do echo "$d $(mo $d | cut -d' ' -f2)"; done
echo x > /dev/null && echo null-ok; touch /dev/new 2>/dev/null && echo dev-written || echo dev-refused
echo "ro-tmpfs $(mo /ro | cut -d, -f1) $(ls -A /ro | wc -l)"`)
	readonlyDev(b)
	// a read-only tmpfs other than /dev is made so at the end too: a
	// later mount inside it still gets its mount point
	b.addMount(specs.Mount{Destination: "/ro", Type: "tmpfs", Source: "tmpfs", Options: []string{"ro"}})
	b.addMount(specs.Mount{Destination: "/ro/sub", Type: "tmpfs", Source: "tmpfs"})
	expectLines(t, e.runOK(b), "dev ro", "/dev/pts devpts", "/dev/shm tmpfs", "/dev/mqueue mqueue", "null-ok", "dev-refused", "ro-tmpfs ro 1")
}

// TestProcSymlinkRefused: a rootfs whose /proc is a symlink is refused
// before anything is mounted there, in the words runc's tests (and users'
// scripts) match: "must be mounted on ordinary directory".
func TestProcSymlinkRefused(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.newBundle("true")
	proc := filepath.Join(b.rootfs(), "proc")
	os.Remove(proc)
	os.MkdirAll(filepath.Join(b.rootfs(), "bad-proc"), 0o755)
	if err := os.Symlink("/bad-proc", proc); err != nil {
		t.Fatal(err)
	}
	id := e.id()
	b.save(t)
	r := e.berth("run", "--bundle", b.dir, id)
	failsOneLine(t, r, "must be mounted on ordinary directory")
	if m := mountsUnder(filepath.Join(b.rootfs(), "bad-proc")); len(m) > 0 {
		t.Errorf("a procfs landed where the symlink points: %v", m)
	}
	e.assertNothingLeft(id, b)
}

// TestNoPivotHidesHostProcfs: with --no-pivot the host's root stays in
// the container's mount namespace, below the chroot; its whole procfs
// would let a process that makes a user namespace of its own mount a
// fresh procfs, without the container's masks (the kernel allows that
// when a procfs without locked mounts over it is in the namespace). The
// process here does make the user namespace (it prints "in-userns"), and
// the mount is refused, as with runc.
func TestNoPivotHidesHostProcfs(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.newBundle("unshare", "-mrpf", "sh", "-c", "echo in-userns; mount -t proc none /proc && echo mounted")
	caps := b.spec.Process.Capabilities
	caps.Bounding = append(caps.Bounding, "CAP_SETFCAP")
	caps.Permitted = append(caps.Permitted, "CAP_SETFCAP")
	caps.Effective = append(caps.Effective, "CAP_SETFCAP")
	id := e.id()
	b.save(t)
	r := e.berth("run", "--no-pivot", "--bundle", b.dir, id)
	out := r.stdout + r.stderr
	if !strings.Contains(out, "in-userns") {
		t.Fatalf("the attack did not run (no user namespace made): %s", r)
	}
	if r.code == 0 || strings.Contains(out, "mounted") || !strings.Contains(out, "mount: permission denied") {
		t.Errorf("a fresh procfs could be mounted in a --no-pivot container: %s", r)
	}
	e.assertNothingLeft(id, b)
}

// readonlyDev adds "ro" to the options of the spec's /dev mount.
func readonlyDev(b *bundle) {
	for i := range b.spec.Mounts {
		if b.spec.Mounts[i].Destination == "/dev" {
			b.spec.Mounts[i].Options = append(b.spec.Mounts[i].Options, "ro")
		}
	}
}

// TestReadonlyDevConsole: with a read-only /dev the console's mount point
// is made before /dev becomes read-only, so a terminal still works.
func TestReadonlyDevConsole(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("script"); err != nil {
		t.Skip("script(1) from util-linux is not installed: no pty to run berth in")
	}
	e := newEnv(t)
	b := e.newBundle("sh", "-c", `tty; stat -c %t:%T /dev/console; touch /dev/x 2>/dev/null || echo dev-ro`)
	b.spec.Process.Terminal = true
	readonlyDev(b)
	b.save(t)
	id := e.id()
	cmd := exec.Command("script", "-qec", "exec "+berthBin+" --root "+e.root+" run --bundle "+b.dir+" "+id, "/dev/null")
	out, err := cmd.Output()
	// script(1) may echo a NUL it sends as "^@" anywhere in the output
	text := strings.NewReplacer("\r", "", "^@", "", "\x00", "").Replace(string(out))
	if err != nil || !strings.Contains(text, "/dev/pts/0\n88:0\ndev-ro\n") {
		t.Errorf("a terminal with a read-only /dev: %v: %q", err, text)
	}
	e.assertNothingLeft(id, b)
}
