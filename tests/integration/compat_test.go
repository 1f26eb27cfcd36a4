package integration

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// Behaviour a user of runc relies on (issue 10), one real container each.

// An unknown capability name is a warning and is skipped (runtime-spec
// config.md: such a value MUST be logged as a warning, and the runtime
// SHOULD NOT fail); the known ones are still set.
func TestUnknownCapabilityWarns(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.newBundle("grep", "CapBnd", "/proc/self/status")
	b.spec.Process.Capabilities.Bounding = []string{"CAP_KILL", "CAP_NOPE", "UNKNOWN_CAP"}
	r := e.run(b)
	if r.code != 0 {
		t.Fatalf("run with an unknown capability: %s", r)
	}
	if !strings.Contains(r.stdout, "0000000000000020") {
		t.Errorf("bounding set: want only CAP_KILL (0x20), got %q", r.stdout)
	}
	for _, name := range []string{"CAP_NOPE", "UNKNOWN_CAP"} {
		if !strings.Contains(r.stderr, name) {
			t.Errorf("stderr names no warning for %s: %q", name, r.stderr)
		}
	}
}

// kernel.domainname is a sysctl runc accepts in a UTS namespace of the
// container's own; written after the domainname field, it wins.
func TestSysctlDomainname(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.newBundle("cat", "/proc/sys/kernel/domainname")
	b.spec.Domainname = "field.example"
	b.spec.Linux.Sysctl = map[string]string{"kernel.domainname": "sysctl.example"}
	r := e.run(b)
	if r.code != 0 {
		t.Fatalf("run: %s", r)
	}
	if got := strings.TrimSpace(r.stdout); got != "sysctl.example" {
		t.Errorf("domainname %q, want sysctl.example", got)
	}
	if !strings.Contains(r.stderr, "overrides") {
		t.Errorf("no warning that the sysctl overrides the field: %q", r.stderr)
	}
}

// nice is accepted with every scheduling policy, as sched_setattr(2) and
// runc take it (runc's own tests give SCHED_DEADLINE a nice of 19).
func TestSchedulerNiceAnyPolicy(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.newBundle("cat", "/proc/self/sched")
	b.spec.Process.Scheduler = &specs.Scheduler{Policy: specs.SchedDeadline, Nice: 19,
		Runtime: 42000, Deadline: 100000, Period: 1000000}
	r := e.run(b)
	if r.code != 0 {
		t.Fatalf("run with SCHED_DEADLINE and nice 19: %s", r)
	}
	if !regexp.MustCompile(`(?m)^policy\s+:\s+6$`).MatchString(r.stdout) {
		t.Errorf("policy is not SCHED_DEADLINE (6):\n%s", r.stdout)
	}
}

// Device rule access letters outside r, w, m are dropped with a warning,
// as runc drops them ("rwa" in its tests); the rest of the rule holds.
func TestDeviceAccessOtherLetters(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.cgBundle("sh", "-c", "cat /dev/loop0; echo done")
	major, minor := int64(7), int64(0)
	// bound, not in linux.devices: berth allows the nodes it makes
	b.addMount(specs.Mount{Destination: "/dev/loop0", Type: "bind", Source: "/dev/loop0", Options: []string{"bind"}})
	b.res().Devices = append(b.res().Devices,
		specs.LinuxDeviceCgroup{Allow: true, Type: "b", Major: &major, Minor: &minor, Access: "rwm"},
		specs.LinuxDeviceCgroup{Allow: false, Type: "b", Major: &major, Minor: &minor, Access: "ra"})
	c, r := e.cgCreate("run", b)
	if r.code != 0 {
		t.Fatalf("run with access \"ra\": %s", r)
	}
	out := c.waitOutput("done")
	if !strings.Contains(out, "Operation not permitted") {
		t.Errorf("reading /dev/loop0 was not denied by the rule: %q", out)
	}
	if !strings.Contains(out, "access: ") || !strings.Contains(out, "ignored: not r (read), w (write) or m (mknod)") {
		t.Errorf("no warning about the letter a: %q", out)
	}
}

// A config without process is created (runtime-spec config.md: process
// is REQUIRED only when start is called); start then fails with a clear
// error, and delete removes the container.
func TestCreateWithoutProcess(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.newBundle()
	b.spec.Process = nil
	id := e.create(b)
	if st := e.state(id)["status"]; st != "created" {
		t.Fatalf("status %v after create, want created", st)
	}
	failsOneLine(t, e.berth("start", id), id, `no "process"`)
	if st := e.state(id)["status"]; st != "created" {
		t.Errorf("status %v after the refused start, want created", st)
	}
	e.must("delete", "--force", id)
	e.assertNothingLeft(id, b)
}

// A device of linux.devices is made, but the device cgroup lets the
// container use it only if linux.resources.devices allows it (runc's
// way, which its tests check with /dev/kmsg behind a deny-all rule).
func TestLinuxDeviceNotAllowedByDefault(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.newBundle("sh", "-c", "cat /dev/loop0 && echo opened; ls /dev/loop0 && echo made")
	b.spec.Linux.Devices = []specs.LinuxDevice{{Path: "/dev/loop0", Type: "b", Major: 7, Minor: 0}}
	out := e.runOK(b)
	if !strings.Contains(out, "made") || strings.Contains(out, "opened") {
		t.Errorf("/dev/loop0 must be made but not usable: %q", out)
	}
}

// An ambient capability that is not both inheritable and permitted cannot
// be raised: it is dropped with one warning naming it; the others are set.
func TestAmbientNotInheritableWarns(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.newBundle("grep", "CapAmb", "/proc/self/status")
	caps := b.spec.Process.Capabilities
	caps.Permitted = append(caps.Permitted, "CAP_KILL", "CAP_CHOWN")
	caps.Bounding = append(caps.Bounding, "CAP_KILL", "CAP_CHOWN")
	caps.Inheritable = []string{"CAP_KILL"}
	caps.Ambient = []string{"CAP_KILL", "CAP_CHOWN"}
	r := e.run(b)
	if r.code != 0 {
		t.Fatalf("run: %s", r)
	}
	if !strings.Contains(r.stdout, "0000000000000020") {
		t.Errorf("ambient set: want CAP_KILL (0x20), got %q", r.stdout)
	}
	if !strings.Contains(r.stderr, "can't raise ambient capability CAP_CHOWN") || strings.Contains(r.stderr, "capability CAP_KILL") {
		t.Errorf("want one warning, for CAP_CHOWN: %q", r.stderr)
	}
}

// pids.limit 0 is a valid limit (runtime-spec config-linux.md: it SHOULD be
// treated as such): the container starts, pids.max reads 0 and nothing in
// it can fork. runc writes 1 instead (docs/compatibility.md).
func TestPidsLimitZero(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	file := "/sys/fs/cgroup/pids/pids.max"
	if cgV2() {
		file = "/sys/fs/cgroup/pids.max"
	}
	// builtins only: read and echo do not fork
	b := e.cgBundle("sh", "-c", "read m < "+file+"; echo max=$m; /bin/true; echo after")
	b.res().Pids = &specs.LinuxPids{Limit: cgI64(0)}
	c, r := e.cgCreate("run", b)
	if r.code != 0 {
		t.Fatalf("run with pids.limit 0: %s", r)
	}
	c.waitOutput("max=")
	e.waitStatus(c.id, "stopped")
	if out := c.output(); !strings.Contains(out, "max=0") || !strings.Contains(out, "can't fork") {
		t.Errorf("want pids.max 0 and a refused fork (busybox: can't fork): %q", out)
	}
}

// A bind mount gets exactly the flags its options ask for: "exec" and
// "suid" alone clear what the source has (a remount), as with runc.
func TestBindClearOnlyOptions(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	src := t.TempDir()
	if err := unix.Mount("tmpfs", src, "tmpfs", unix.MS_NOEXEC|unix.MS_NOSUID, "size=64k"); err != nil {
		t.Fatalf("mount a noexec tmpfs: %v", err)
	}
	t.Cleanup(func() { unix.Unmount(src, unix.MNT_DETACH) })
	b := e.newBundle("sh", "-c", "for d in cleared kept exact; do grep \" /$d \" /proc/self/mountinfo; done")
	b.addMount(specs.Mount{Destination: "/cleared", Type: "bind", Source: src, Options: []string{"bind", "exec", "suid"}})
	b.addMount(specs.Mount{Destination: "/kept", Type: "bind", Source: src, Options: []string{"bind"}})
	// with any flag option, the others are cleared (runc: exactly the
	// flags asked for; the kernel locks none outside a user namespace)
	b.addMount(specs.Mount{Destination: "/exact", Type: "bind", Source: src, Options: []string{"bind", "ro", "nodev"}})
	lines := strings.Split(strings.TrimSpace(e.runOK(b)), "\n")
	if len(lines) != 3 {
		t.Fatalf("mountinfo lines: %q", lines)
	}
	opts := func(line string) string { return "," + strings.Fields(line)[5] + "," }
	if o := opts(lines[0]); strings.Contains(o, ",noexec,") || strings.Contains(o, ",nosuid,") {
		t.Errorf("/cleared has %q: exec and suid were not applied", o)
	}
	if o := opts(lines[1]); !strings.Contains(o, ",noexec,") || !strings.Contains(o, ",nosuid,") {
		t.Errorf("/kept has %q: want the source's noexec,nosuid", o)
	}
	if o := opts(lines[2]); !strings.Contains(o, ",ro,") || !strings.Contains(o, ",nodev,") ||
		strings.Contains(o, ",noexec,") || strings.Contains(o, ",nosuid,") {
		t.Errorf("/exact has %q: want ro,nodev and not the source's noexec,nosuid", o)
	}
}

// A path listed twice in maskedPaths is masked once (one mount), as runc.
func TestMaskedPathsDuplicates(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.newBundle("sh", "-c", "grep -c ' /proc/cpuinfo ' /proc/self/mountinfo")
	b.spec.Linux.MaskedPaths = append(b.spec.Linux.MaskedPaths, "/proc/cpuinfo", "//proc/cpuinfo")
	if out := strings.TrimSpace(e.runOK(b)); out != "1" {
		t.Errorf("/proc/cpuinfo mounted %s times, want 1", out)
	}
}

// A bind source below the rootfs made by an earlier mount of the same
// config (runc's "mount order" tests): it is found when the init binds it.
// A destination with the rootfs's host path in front is below the root.
func TestBindSourceMadeByEarlierMount(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	src := t.TempDir()
	if err := os.MkdirAll(filepath.Join(src, "x"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(src, "x", "file"), []byte("from-x\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	b := e.newBundle("cat", "/final/file")
	b.addMount(specs.Mount{Destination: "/mnt", Type: "bind", Source: src, Options: []string{"rbind"}})
	// the destination spelled with the rootfs's host path in front, as
	// runc's tests write it: taken below the root
	b.addMount(specs.Mount{Destination: filepath.Join(b.rootfs(), "final"), Type: "bind",
		Source: filepath.Join(b.rootfs(), "mnt", "x"), Options: []string{"rbind"}})
	if out := e.runOK(b); out != "from-x\n" {
		t.Errorf("/final/file: %q, want from-x", out)
	}
}

// In a user namespace the kernel locks the source's nosuid and noexec: a
// bind asking for "ro" alone keeps them (the exact remount is refused, the
// retry adds them); asking to clear one of them fails, naming the mount.
func TestBindLockedFlagsInUserNamespace(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	src := t.TempDir()
	os.Chmod(src, 0o755)
	if err := unix.Mount("tmpfs", src, "tmpfs", unix.MS_NOEXEC|unix.MS_NOSUID, "size=64k"); err != nil {
		t.Fatalf("mount a noexec tmpfs: %v", err)
	}
	t.Cleanup(func() { unix.Unmount(src, unix.MNT_DETACH) })
	b := e.newBundle("grep", " /ro ", "/proc/self/mountinfo")
	b.useUserns(t, 500000)
	b.addMount(specs.Mount{Destination: "/ro", Type: "bind", Source: src, Options: []string{"bind", "ro"}})
	o := "," + strings.Fields(e.runOK(b))[5] + ","
	if !strings.Contains(o, ",ro,") || !strings.Contains(o, ",noexec,") || !strings.Contains(o, ",nosuid,") {
		t.Errorf("/ro has %q: want ro plus the locked noexec,nosuid", o)
	}
	b.spec.Mounts[len(b.spec.Mounts)-1].Options = []string{"bind", "exec"}
	failsOneLine(t, e.run(b), "mounts[", "operation not permitted")
}
