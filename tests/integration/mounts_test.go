package integration

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// The root filesystem and mounts: root.path and root.readonly, every
// common mount type with its options, propagation, recursive attributes,
// idmapped mounts, masked and read-only paths, and destinations that
// must stay inside the rootfs.

// mountOpts is a shell function printing "<per-mount opts> <fstype>
// <super opts>" for a mount point (the last mount there).
const mountOpts = `mo() { awk -v d="$1" '$5==d { for (i=7; $i!="-"; i++); print $6, $(i+1), $(i+3) }' /proc/self/mountinfo | tail -n 1; }
`

// hostDir makes a directory with a file "f" holding "host" in it.
func hostDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "f"), []byte("host\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// subMount mounts a tmpfs on dir/sub with a file "g" in it, undone at
// the end of the test.
func subMount(t *testing.T, dir string) string {
	t.Helper()
	sub := filepath.Join(dir, "sub")
	os.MkdirAll(sub, 0o755)
	if err := unix.Mount("tmpfs", sub, "tmpfs", 0, "size=1m"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { unix.Unmount(sub, unix.MNT_DETACH) })
	os.WriteFile(filepath.Join(sub, "g"), []byte("sub\n"), 0o644)
	return sub
}

// lines splits the container's output into lines.
func lines(s string) []string { return strings.Split(strings.TrimRight(s, "\n"), "\n") }

// expectLines checks the container printed exactly want.
func expectLines(t *testing.T, out string, want ...string) {
	t.Helper()
	got := lines(out)
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("the container printed\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestRootPathAndReadonly(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name     string
		path     func(b *bundle) string
		readonly bool
		want     string
	}{
		{"relative-ro", func(*bundle) string { return "rootfs" }, true, "ro"},
		{"relative-rw", func(*bundle) string { return "./rootfs/" }, false, "rw"},
		{"absolute-rw", func(b *bundle) string { return b.rootfs() }, false, "rw"},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			b := e.newBundle().shell(mountOpts + `mo / | cut -d, -f1; touch /new 2>/dev/null && echo wrote || echo refused; cat /marker`)
			os.WriteFile(filepath.Join(b.rootfs(), "marker"), []byte("mine\n"), 0o644)
			b.spec.Root.Path = c.path(b)
			b.spec.Root.Readonly = c.readonly
			want := map[bool]string{true: "refused", false: "wrote"}[c.readonly]
			expectLines(t, e.runOK(b), c.want, want, "mine")
		})
	}
}

func TestBindMountFlags(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	src := hostDir(t)
	b := e.newBundle().shell(mountOpts + `for d in /ro /nosuid /nodev /noexec /rw; do echo "$d $(mo $d | cut -d' ' -f1)"; done
cat /ro/f; echo x > /ro/f 2>/dev/null && echo ro-written || echo ro-refused
/noexec/f 2>/dev/null; echo "exec $?"; echo x > /rw/new && echo rw-written
cat /file`)
	for _, m := range []struct{ dst, opt string }{{"/ro", "ro"}, {"/nosuid", "nosuid"}, {"/nodev", "nodev"}, {"/noexec", "noexec"}, {"/rw", "rw"}} {
		b.addMount(specs.Mount{Destination: m.dst, Type: "bind", Source: src, Options: []string{"bind", m.opt}})
	}
	b.addMount(specs.Mount{Destination: "/file", Source: filepath.Join(src, "f"), Options: []string{"bind", "ro"}})
	out := e.runOK(b)
	expectLines(t, out,
		"/ro ro,relatime", "/nosuid rw,nosuid,relatime", "/nodev rw,nodev,relatime", "/noexec rw,noexec,relatime", "/rw rw,relatime",
		"host", "ro-refused", "exec 126", "rw-written", "host")
	if _, err := os.Stat(filepath.Join(src, "new")); err != nil {
		t.Errorf("a write through the rw bind did not reach the host dir: %v", err)
	}
}

// TestRecursiveBinds: rbind carries sub-mounts, bind does not; rro makes
// sub-mounts read-only too, ro only the top.
func TestRecursiveBinds(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	src := hostDir(t)
	subMount(t, src)
	b := e.newBundle().shell(`for d in /bind /rbind /rbind-ro /rbind-rro; do
  printf '%s %s ' $d "$(cat $d/sub/g 2>/dev/null || echo none)"
  touch $d/sub/w 2>/dev/null && printf 'sub-rw ' || printf 'sub-ro '
  touch $d/w 2>/dev/null && echo top-rw || echo top-ro
done`)
	b.spec.Root.Readonly = false
	b.addMount(specs.Mount{Destination: "/bind", Source: src, Options: []string{"bind"}})
	b.addMount(specs.Mount{Destination: "/rbind", Source: src, Options: []string{"rbind"}})
	b.addMount(specs.Mount{Destination: "/rbind-ro", Source: src, Options: []string{"rbind", "ro"}})
	b.addMount(specs.Mount{Destination: "/rbind-rro", Source: src, Options: []string{"rbind", "rro"}})
	expectLines(t, e.runOK(b),
		"/bind none sub-rw top-rw", // the dir under the sub-mount
		"/rbind sub sub-rw top-rw",
		"/rbind-ro sub sub-rw top-ro",
		"/rbind-rro sub sub-ro top-ro")
}

func TestTmpfsOptions(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.newBundle().shell(mountOpts + `mo /scratch; stat -c '%a %u %g' /scratch; dd if=/dev/zero of=/scratch/big bs=1k count=2048 2>/dev/null || echo full`)
	b.addMount(specs.Mount{Destination: "/scratch", Type: "tmpfs", Source: "tmpfs",
		Options: []string{"nosuid", "nodev", "size=1m", "mode=1770", "uid=5", "gid=7"}})
	expectLines(t, e.runOK(b), "rw,nosuid,nodev,relatime tmpfs rw,size=1024k,mode=1770,uid=5,gid=7", "1770 5 7", "full")
}

// TestFilesystemMounts: the default spec's proc, sysfs, devpts, mqueue,
// tmpfs and cgroup mounts are what they say.
func TestFilesystemMounts(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.newBundle().shell(mountOpts + `for d in /proc /sys /dev /dev/pts /dev/shm /dev/mqueue; do echo "$d $(mo $d | cut -d' ' -f2)"; done
echo "pid1 $(cat /proc/1/comm)"; ls /dev/pts | tr '\n' ' '; echo
echo "sys $(mo /sys | cut -d, -f1)"`)
	b.spec.Hostname = "fs"
	expectLines(t, e.runOK(b), "/proc proc", "/sys sysfs", "/dev tmpfs", "/dev/pts devpts", "/dev/shm tmpfs", "/dev/mqueue mqueue",
		"pid1 sh", "ptmx ", "sys ro")
}

// TestCgroupMount: the cgroup mount shows the container its own cgroup
// (it is in a cgroup namespace), read-only.
func TestCgroupMount(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.newBundle().shell(mountOpts + `for c in pids memory devices freezer; do echo "$c $(mo /sys/fs/cgroup/$c | cut -d' ' -f2) $(head -n 1 /sys/fs/cgroup/$c/cgroup.procs)"; done
echo $$ > /sys/fs/cgroup/pids/cgroup.procs 2>/dev/null && echo writable || echo read-only`)
	out := e.runOK(b)
	expectLines(t, out, "pids cgroup 1", "memory cgroup 1", "devices cgroup 1", "freezer cgroup 1", "read-only")
}

// TestMountPropagation: a slave bind receives the host's later mounts, a
// private one does not; rootfsPropagation sets "/".
func TestMountPropagation(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	src := hostDir(t)
	// the source must be a shared mount for anything to propagate
	if err := unix.Mount(src, src, "", unix.MS_BIND, ""); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { unix.Unmount(src, unix.MNT_DETACH) })
	if err := unix.Mount("", src, "", unix.MS_SHARED, ""); err != nil {
		t.Fatal(err)
	}
	os.Mkdir(filepath.Join(src, "late"), 0o755)
	b := e.newBundle().shell(mountOpts + `for d in /slave /private /shared; do echo "$d $(mo $d | cut -d' ' -f1) $(awk -v d=$d '$5==d {print $7}' /proc/self/mountinfo | cut -d: -f1)"; done
echo ready; while [ ! -e /slave/late/g ]; do sleep 0.05; done
echo "slave $(cat /slave/late/g)"; echo "private $(cat /private/late/g 2>/dev/null || echo none)"`)
	b.addMount(specs.Mount{Destination: "/slave", Source: src, Options: []string{"rbind", "rslave"}})
	b.addMount(specs.Mount{Destination: "/private", Source: src, Options: []string{"rbind", "rprivate"}})
	b.addMount(specs.Mount{Destination: "/shared", Source: src, Options: []string{"rbind", "rshared"}})
	id := e.runDetached(b)
	e.waitOutput(id, "ready")
	late := filepath.Join(src, "late")
	if err := unix.Mount("tmpfs", late, "tmpfs", 0, "size=1m"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { unix.Unmount(late, unix.MNT_DETACH) })
	os.WriteFile(filepath.Join(late, "g"), []byte("late\n"), 0o644)
	e.waitStatus(id, "stopped")
	out := e.output(id)
	expectLines(t, out, "/slave rw,relatime master", "/private rw,relatime -", "/shared rw,relatime shared", "ready", "slave late", "private none")
}

// TestRootfsPropagation: with the bundle on a shared mount, "/" of the
// container is a slave by default and with "slave" (a mount the host makes
// below the rootfs later reaches the container), and is cut off with
// "private", "shared" (a peer group of its own) and "unbindable".
func TestRootfsPropagation(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ prop, root, late string }{
		{"", "master", "x"}, {"slave", "master", "x"}, {"rslave", "master", "x"},
		{"private", "-", ""}, {"rprivate", "-", ""}, {"shared", "shared", ""}, {"unbindable", "unbindable", ""},
	} {
		t.Run("prop-"+c.prop, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			b := e.newBundle().shell(`awk '$5=="/" {print $7}' /proc/self/mountinfo | cut -d: -f1
while [ ! -e /flag ]; do sleep 0.05; done; ls /late`)
			b.spec.Root.Readonly = false
			b.spec.Linux.RootfsPropagation = c.prop
			os.Mkdir(filepath.Join(b.rootfs(), "late"), 0o755)
			if err := unix.Mount(b.dir, b.dir, "", unix.MS_BIND, ""); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { unix.Unmount(b.dir, unix.MNT_DETACH) })
			if err := unix.Mount("", b.dir, "", unix.MS_SHARED, ""); err != nil {
				t.Fatal(err)
			}
			id := e.runDetached(b)
			e.waitLines(id, 1)
			late := filepath.Join(b.rootfs(), "late")
			if err := unix.Mount("tmpfs", late, "tmpfs", 0, "size=1m"); err != nil {
				t.Fatal(err)
			}
			defer unix.Unmount(late, unix.MNT_DETACH)
			os.WriteFile(filepath.Join(late, "x"), nil, 0o644)
			os.WriteFile(filepath.Join(b.rootfs(), "flag"), nil, 0o644)
			e.waitStatus(id, "stopped")
			want := []string{c.root}
			if c.late != "" {
				want = append(want, c.late)
			}
			expectLines(t, e.output(id), want...)
		})
	}
}

// TestIdmappedMounts: files of the host dir owned by 0 and 1 appear
// shifted by the mount's mapping; a container in a user namespace with
// the same mapping sees them as its 0 and 1; ridmap maps sub-mounts too.
func TestIdmappedMounts(t *testing.T) {
	t.Parallel()
	src := hostDir(t)
	os.WriteFile(filepath.Join(src, "one"), nil, 0o644)
	os.Lchown(filepath.Join(src, "one"), 1, 1)
	subMount(t, src)
	maps := []specs.LinuxIDMapping{{ContainerID: 0, HostID: 300000, Size: 65536}}
	mount := func(dst, opt string) specs.Mount {
		return specs.Mount{Destination: dst, Source: src, Type: "bind", Options: []string{"rbind", opt}, UIDMappings: maps, GIDMappings: maps}
	}
	script := `for f in /m/f /m/one /m/sub/g /r/sub/g; do echo "$f $(stat -c %u:%g $f)"; done`
	t.Run("host", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t)
		b := e.newBundle().shell(script)
		b.addMount(mount("/m", "idmap")).addMount(mount("/r", "ridmap"))
		expectLines(t, e.runOK(b), "/m/f 300000:300000", "/m/one 300001:300001", "/m/sub/g 0:0", "/r/sub/g 300000:300000")
	})
	t.Run("userns", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t)
		b := e.newBundle().shell(script + "; touch /m/made; echo made")
		b.useUserns(t, 300000)
		b.addMount(mount("/m", "idmap")).addMount(mount("/r", "ridmap"))
		expectLines(t, e.runOK(b), "/m/f 0:0", "/m/one 1:1", "/m/sub/g 65534:65534", "/r/sub/g 0:0", "made")
		var st unix.Stat_t
		if err := unix.Stat(filepath.Join(src, "made"), &st); err != nil || st.Uid != 0 {
			t.Errorf("a file the container's root made through the idmapped mount is host uid %d (%v), want 0", st.Uid, err)
		}
	})
}

func TestMaskedAndReadonlyPaths(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.newBundle().shell(mountOpts + `echo "timer_list $(wc -c < /proc/timer_list)"; echo "firmware $(ls -A /sys/firmware | wc -l) $(mo /sys/firmware)"
touch /sys/firmware/x 2>/dev/null && echo masked-writable || echo masked-ro
echo "sys $(mo /proc/sys | cut -d, -f1)"; echo 1 > /proc/sys/kernel/ns_last_pid 2>/dev/null && echo sys-writable || echo sys-ro
echo "keys $(mo /proc/keys | cut -d' ' -f2)"`)
	// (this kernel has no /proc/kcore)
	b.spec.Linux.MaskedPaths = []string{"/proc/timer_list", "/sys/firmware", "/proc/keys", "/does/not/exist"}
	b.spec.Linux.ReadonlyPaths = []string{"/proc/sys", "/does/not/exist/either"}
	expectLines(t, e.runOK(b), "timer_list 0", "firmware 0 ro,relatime tmpfs ro", "masked-ro", "sys ro", "sys-ro", "keys tmpfs")
}

// TestMountSymlinkEscape: a destination through a symlink that points
// out of the rootfs lands inside it, with and without a mount namespace
// of the container's own.
func TestMountSymlinkEscape(t *testing.T) {
	t.Parallel()
	for _, ownMountNS := range []bool{true, false} {
		name := map[bool]string{true: "mountns", false: "no-mountns"}[ownMountNS]
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			outside := t.TempDir() // an absolute host path the symlinks aim at
			b := e.newBundle().shell(`cat /evil/abs/g /evil-rel/rel/g; ls -A ` + outside + `/abs ` + outside + `/rel | tr '\n' ' '`)
			os.MkdirAll(filepath.Join(b.rootfs(), outside), 0o755)
			os.Symlink(outside, filepath.Join(b.rootfs(), "evil"))
			os.Symlink("../../../../../../../../.."+outside, filepath.Join(b.rootfs(), "evil-rel"))
			src := hostDir(t)
			os.WriteFile(filepath.Join(src, "g"), []byte("in\n"), 0o644)
			b.addMount(specs.Mount{Destination: "/evil/abs", Source: src, Options: []string{"bind"}})
			b.addMount(specs.Mount{Destination: "/evil-rel/rel", Source: src, Options: []string{"bind"}})
			if !ownMountNS {
				b.removeNamespace(specs.MountNamespace)
				b.spec.Mounts = b.spec.Mounts[len(b.spec.Mounts)-2:]
				b.spec.Linux.MaskedPaths, b.spec.Linux.ReadonlyPaths = nil, nil
				b.spec.Root.Readonly = false
			}
			id := e.id()
			b.save(t)
			r := e.berth("run", "--bundle", b.dir, id)
			if r.code != 0 {
				t.Fatalf("run: %s", r)
			}
			if !strings.HasPrefix(r.stdout, "in\nin\n") {
				t.Errorf("the container printed %q", r.stdout)
			}
			for _, d := range []string{"abs", "rel"} {
				if _, err := os.Stat(filepath.Join(outside, d)); err == nil {
					t.Errorf("a mount escaped to the host: %s exists", filepath.Join(outside, d))
				}
			}
			if m := mountsUnder(outside); len(m) > 0 {
				t.Errorf("mounts on the host outside the rootfs: %v", m)
			}
			e.assertNothingLeft(id, b)
		})
	}
}

// TestRelativeDestination: a relative destination is taken relative to
// "/" of the container.
func TestRelativeDestination(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.newBundle().shell(mountOpts + `mo /rel/dir | cut -d' ' -f2`)
	b.addMount(specs.Mount{Destination: "rel/dir", Type: "tmpfs", Source: "tmpfs"})
	expectLines(t, e.runOK(b), "tmpfs")
}
