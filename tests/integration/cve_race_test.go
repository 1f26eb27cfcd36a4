package integration

// The CVEs whose attack races the runtime, or redirects its writes to
// /proc, through a volume the container shares: an attacker container
// races (cvetool swap/flip) while a victim container starts raceRuns
// times; each test logs how often each side ran, and fails unless the race
// was exercised (raceTally.check).

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// racer starts an attacker container with the host directory vol at /v
// running `cvetool cmd STOP args...`; stop ends it and returns its count
// line.
func (e *env) racer(vol, cmd string, args ...string) (stop func() string) {
	e.t.Helper()
	a := e.newBundle("sleep", "1000")
	a.addCvetool(e.t)
	a.spec.Mounts = append(a.spec.Mounts, specs.Mount{Destination: "/v", Source: vol, Type: "bind", Options: []string{"rbind"}})
	id := e.startDetached(a)
	return e.attacker(a, id, cmd, args...)
}

// withoutMount drops the mount at dest from the bundle.
func (b *bundle) withoutMount(dest string) *bundle {
	var ms []specs.Mount
	for _, m := range b.spec.Mounts {
		if m.Destination != dest {
			ms = append(ms, m)
		}
	}
	b.spec.Mounts = ms
	return b
}

// CVE-2021-30465: a container swapped a directory of a shared volume with
// a symlink while runc mounted onto a destination below it, so the mount
// went through the symlink, outside the victim's rootfs. berth resolves
// the destination inside the root and mounts through the fd it opened:
// whatever the race, the tmpfs is inside the victim's root (its own
// mountinfo shows it) and the host directory the symlink names stays
// empty.
func TestCVE2021_30465(t *testing.T) {
	e := newEnv(t)
	vol, host := t.TempDir(), t.TempDir()
	if err := os.Mkdir(filepath.Join(vol, "a"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(host, filepath.Join(vol, "b")); err != nil {
		t.Fatal(err)
	}
	stop := e.racer(vol, "swap", "/v/a", "/v/b")
	b := e.newBundle("cat", "/proc/self/mountinfo")
	b.spec.Mounts = append(b.spec.Mounts,
		specs.Mount{Destination: "/v", Source: vol, Type: "bind", Options: []string{"rbind"}},
		specs.Mount{Destination: "/v/a/mnt", Source: "tmpfs", Type: "tmpfs", Options: []string{"size=1232k"}})
	b.save(t)
	var race raceTally
	for i := 0; i < raceRuns; i++ {
		r := e.berth("run", "--bundle", b.dir, e.id())
		if r.code != 0 {
			// the swap can leave /v/a missing for a moment: a start
			// that stops there reached the race
			if !strings.Contains(r.stderr, "/v/a") {
				race.failedBefore(r)
				continue
			}
			race.reached++
			continue
		}
		race.reached++
		line := ""
		for _, l := range strings.Split(r.stdout, "\n") {
			if strings.Contains(l, "size=1232k") {
				line = l
			}
		}
		if line == "" {
			t.Fatalf("run %d: the tmpfs is not in the container's mount table: it landed outside the root:\n%s", i, r.stdout)
		}
		if !strings.Contains(line, " /v/a/mnt ") {
			race.hits++ // mounted through the swapped symlink
		}
	}
	swaps := stop()
	t.Logf("CVE-2021-30465: %d runs against %s; %d reached the mount, %d of them mounted through the swapped symlink (inside the root), %d failed before",
		raceRuns, strings.TrimSpace(swaps[strings.LastIndex(swaps, "swapped"):]), race.reached, race.hits, race.other)
	if names := dirNames(t, host); len(names) != 0 {
		t.Fatalf("the host directory behind the symlink got %v", names)
	}
	race.check(t, attackCount(swaps, "swapped"))
}

// CVE-2024-45310: the same race made runc create empty files and
// directories on the host (making a bind mount's missing destination).
// berth makes them inside the root: the host directory stays empty.
func TestCVE2024_45310(t *testing.T) {
	e := newEnv(t)
	vol, host := t.TempDir(), t.TempDir()
	if err := os.Mkdir(filepath.Join(vol, "a"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(host, filepath.Join(vol, "b")); err != nil {
		t.Fatal(err)
	}
	src := filepath.Join(t.TempDir(), "payload")
	if err := os.WriteFile(src, []byte("payload\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	stop := e.racer(vol, "swap", "/v/a", "/v/b")
	b := e.newBundle("true")
	b.spec.Mounts = append(b.spec.Mounts,
		specs.Mount{Destination: "/v", Source: vol, Type: "bind", Options: []string{"rbind"}},
		specs.Mount{Destination: "/v/a/new-dir/new-file", Source: src, Type: "bind", Options: []string{"bind"}})
	b.save(t)
	// through the swapped symlink, resolved inside the root, the
	// destination is made at the link's target below the rootfs
	viaLink := filepath.Join(b.rootfs(), host, "new-dir")
	var race raceTally
	for i := 0; i < raceRuns; i++ {
		r := e.berth("run", "--bundle", b.dir, e.id())
		if r.code != 0 && !strings.Contains(r.stderr, "/v/a") {
			race.failedBefore(r)
			continue
		}
		race.reached++
		if _, err := os.Stat(viaLink); err == nil {
			race.hits++
			if err := os.RemoveAll(viaLink); err != nil {
				t.Fatal(err)
			}
		}
	}
	swaps := stop()
	t.Logf("CVE-2024-45310: %d runs against %s: %d reached the mount, %d of them made its destination through the swapped symlink (inside the root), %d failed before",
		raceRuns, strings.TrimSpace(swaps[strings.LastIndex(swaps, "swapped"):]), race.reached, race.hits, race.other)
	if names := dirNames(t, host); len(names) != 0 {
		t.Fatalf("files were made on the host through the symlink: %v", names)
	}
	race.check(t, attackCount(swaps, "swapped"))
}

// sharedDev makes a host directory the victim binds at /dev, with a real
// null device (null.node) and whatever else the test adds.
func sharedDev(t *testing.T) string {
	t.Helper()
	dev := t.TempDir()
	mknodChar(t, filepath.Join(dev, "null.node"), 1, 3)
	if err := os.Link(filepath.Join(dev, "null.node"), filepath.Join(dev, "null")); err != nil {
		t.Fatal(err)
	}
	return dev
}

// CVE-2025-31133: a container replaced /dev/null by a symlink to a procfs
// file before runc bound it over the masked paths, which gave a writable
// /proc/sys/kernel/core_pattern. berth opens /dev/null inside the root,
// checks it is char 1:3 and binds that fd: each start either refuses it
// or masks with the null device.
func TestCVE2025_31133(t *testing.T) {
	e := newEnv(t)
	dev := sharedDev(t)
	stop := e.racer(dev, "flip", "/v/null", "/v/null.node", "/proc/sys/kernel/core_pattern")
	b := e.newBundle("sh", "-c", "for f in /proc/kcore /proc/keys /proc/timer_list; do [ -e $f ] && stat -c '%n %t:%T %F' $f; done")
	b.withoutMount("/dev")
	b.spec.Mounts = append(b.spec.Mounts, specs.Mount{Destination: "/dev", Source: dev, Type: "bind", Options: []string{"rbind"}})
	b.save(t)
	var masked, refused int
	for i := 0; i < raceRuns; i++ {
		r := e.berth("run", "--bundle", b.dir, e.id())
		if r.code != 0 {
			// refused: /dev/null was not the null device, or was
			// replaced between the check and the bind (the fd then
			// names an unlinked entry the kernel will not bind)
			if !strings.Contains(r.stderr, "/dev/null") && !strings.Contains(r.stderr, ": mask /proc/") {
				t.Fatalf("run %d failed for another reason: %s", i, r)
			}
			refused++
			continue
		}
		for _, l := range strings.Split(strings.TrimSpace(r.stdout), "\n") {
			if !strings.HasSuffix(l, " 1:3 character special file") {
				t.Fatalf("run %d: a masked path is not the null device: %q", i, l)
			}
		}
		masked++
	}
	flips := stop()
	t.Logf("CVE-2025-31133: %d runs against %s: %d masked with the null device, %d refused a /dev/null that was not",
		raceRuns, strings.TrimSpace(flips[strings.LastIndex(flips, "flipped"):]), masked, refused)
	race := raceTally{reached: masked + refused, hits: refused}
	race.check(t, attackCount(flips, "flipped"))
}

// CVE-2025-52565: a container replaced /dev/console (or the /dev/pts/N
// runc bound from) with a symlink, so the console bind landed on a procfs
// file before the masks and read-only paths were applied. berth opens the
// pty peer with TIOCGPTPEER (no path) and binds it only on a file or a
// character device at /dev/console, after the masks: each start either
// refuses a symlinked /dev/console or has the pty there, and
// /proc/sys/kernel/core_pattern (the link's target; this kernel has no
// /proc/sysrq-trigger) is never the console.
func TestCVE2025_52565(t *testing.T) {
	e := newEnv(t)
	dev := sharedDev(t)
	if err := os.WriteFile(filepath.Join(dev, "console.file"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("pts/ptmx", filepath.Join(dev, "ptmx")); err != nil {
		t.Fatal(err)
	}
	stop := e.racer(dev, "flip", "/v/console", "/v/console.file", "/proc/sys/kernel/core_pattern")
	b := e.newBundle("sh", "-c", "stat -L -c '%n %t:%T %F' /dev/console /proc/sys/kernel/core_pattern > /tmp/out")
	b.spec.Root.Readonly = false
	b.spec.Process.Terminal = true
	b.withoutMount("/dev")
	b.spec.Mounts = append([]specs.Mount{{Destination: "/dev", Source: dev, Type: "bind", Options: []string{"rbind"}}}, b.spec.Mounts...)
	b.save(t)
	out := filepath.Join(b.rootfs(), "tmp/out")
	var bound, replaced, refused int
	for i := 0; i < raceRuns; i++ {
		os.Remove(out)
		sock := newPtySocket(t)
		tty := make(chan string, 1)
		go func() {
			m, err := sock.master()
			if err != nil {
				tty <- err.Error()
				return
			}
			defer m.Close()
			data, _ := io.ReadAll(m) // until the container's side closes (EIO)
			tty <- string(data)
		}()
		r := e.berth("run", "--console-socket", sock.path, "--bundle", b.dir, e.id())
		sock.ln.Close()
		console := <-tty
		if r.code != 0 {
			if !strings.Contains(r.stderr, "/dev/console") {
				data, _ := os.ReadFile(out)
				t.Fatalf("run %d failed for another reason: %s (%q, console %q)", i, r, data, console)
			}
			refused++
			continue
		}
		data, err := os.ReadFile(out)
		if err != nil {
			t.Fatalf("run %d: %v (%s)", i, err, r)
		}
		// /dev/console is the pty, or the attacker's file when it
		// replaced the entry after the bind (the mount goes with the
		// entry); core_pattern is never the console
		lines := strings.Split(strings.TrimSpace(string(data)), "\n")
		if len(lines) != 2 || strings.Contains(lines[1], "character special") ||
			!strings.Contains(lines[0], " 88:") && !strings.HasSuffix(lines[0], " regular empty file") {
			t.Fatalf("run %d: the console is not where it belongs: %q", i, data)
		}
		if strings.Contains(lines[0], " 88:") {
			bound++
		} else {
			replaced++
		}
	}
	flips := stop()
	t.Logf("CVE-2025-52565: %d runs against %s: %d bound the pty on /dev/console, %d saw it replaced after the bind, %d refused a symlinked /dev/console",
		raceRuns, strings.TrimSpace(flips[strings.LastIndex(flips, "flipped"):]), bound, replaced, refused)
	race := raceTally{reached: bound + replaced + refused, hits: replaced + refused}
	race.check(t, attackCount(flips, "flipped"))
}

// netnsSysctl reads a sysctl in the network namespace of pid.
func netnsSysctl(t *testing.T, pid int, path string) string {
	t.Helper()
	out, err := exec.Command("nsenter", fmt.Sprintf("--net=/proc/%d/ns/net", pid), "cat", path).CombinedOutput()
	if err != nil {
		t.Fatalf("nsenter: %v: %s", err, out)
	}
	return strings.TrimSpace(string(out))
}

// readHost reads a host file.
func readHost(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(data))
}

// CVE-2019-16884 and CVE-2019-19921: a volume mounted over /proc made
// runc's writes to /proc (the LSM label, then sysctls and the rest) land
// in files of the attacker's choosing. berth writes through its own
// procfs handle, opened before any namespace change: with a fake
// directory bound over /proc, the sysctl and oom_score_adj reach the
// kernel and the fake files are untouched. (The label write itself is not
// reached on this host: without SELinux or AppArmor the labels are
// dropped or refused by specconv.)
func TestCVE2019_16884(t *testing.T) {
	e := newEnv(t)
	fake := t.TempDir()
	for _, f := range []string{"sys/net/ipv4/ip_forward", "self/oom_score_adj", "self/attr/exec", "thread-self/attr/exec"} {
		p := filepath.Join(fake, f)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("fake\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	b := e.newBundle("sleep", "1000")
	b.spec.Mounts = append(b.spec.Mounts, specs.Mount{Destination: "/proc", Source: fake, Type: "bind", Options: []string{"rbind"}})
	b.spec.Linux.Sysctl = map[string]string{"net.ipv4.ip_forward": "1"}
	b.spec.Process.OOMScoreAdj = ptrTo(7)
	id := e.startDetached(b)
	pid := e.containerPid(id)
	if got := netnsSysctl(t, pid, "/proc/sys/net/ipv4/ip_forward"); got != "1" {
		t.Errorf("net.ipv4.ip_forward in the container's netns is %s, want 1", got)
	}
	if got := readHost(t, fmt.Sprintf("/proc/%d/oom_score_adj", pid)); got != "7" {
		t.Errorf("oom_score_adj of the container's process is %s, want 7", got)
	}
	for _, f := range []string{"sys/net/ipv4/ip_forward", "self/oom_score_adj", "self/attr/exec", "thread-self/attr/exec"} {
		if got := readHost(t, filepath.Join(fake, f)); got != "fake" {
			t.Errorf("the fake /proc/%s was written: %q", f, got)
		}
	}
}

func ptrTo[T any](v T) *T { return &v }

// CVE-2025-52881: with shared mounts a container redirected runc's
// writes to /proc (sysctls, LSM attributes) to other procfs files, e.g.
// through a symlink where the sysctl's file should be. Here the
// container's /proc/sys/net/ipv4 is a directory whose ip_forward links to
// /proc/self/oom_score_adj: berth's sysctl write reaches the real
// ip_forward and the process's oom_score_adj stays 0.
func TestCVE2025_52881(t *testing.T) {
	e := newEnv(t)
	redirect := t.TempDir()
	if err := os.Symlink("/proc/self/oom_score_adj", filepath.Join(redirect, "ip_forward")); err != nil {
		t.Fatal(err)
	}
	b := e.newBundle("sleep", "1000")
	b.spec.Mounts = append(b.spec.Mounts, specs.Mount{Destination: "/proc/sys/net/ipv4", Source: redirect, Type: "bind", Options: []string{"rbind"}})
	b.spec.Linux.Sysctl = map[string]string{"net.ipv4.ip_forward": "1"}
	id := e.startDetached(b)
	pid := e.containerPid(id)
	if got := readHost(t, fmt.Sprintf("/proc/%d/oom_score_adj", pid)); got != "0" {
		t.Errorf("the sysctl write was redirected: oom_score_adj is %s", got)
	}
	if got := netnsSysctl(t, pid, "/proc/sys/net/ipv4/ip_forward"); got != "1" {
		t.Errorf("net.ipv4.ip_forward in the container's netns is %s, want 1", got)
	}
	if l, err := os.Readlink(filepath.Join(redirect, "ip_forward")); err != nil || l != "/proc/self/oom_score_adj" {
		t.Errorf("the redirecting symlink changed: %q %v", l, err)
	}
}

// CVE-2023-27561 and CVE-2023-28642: a rootfs whose /proc (or /sys) is a
// symlink made runc mount procfs where the link points and leave a fake
// directory at /proc, into which it then wrote the LSM labels. berth
// refuses a symlinked procfs or sysfs mount point with one line.
func TestCVE2023_27561(t *testing.T) {
	e := newEnv(t)
	for _, dir := range []string{"proc", "sys"} {
		b := e.newBundle("true")
		p := filepath.Join(b.rootfs(), dir)
		if err := os.Remove(p); err != nil {
			t.Fatal(err)
		}
		if err := os.Mkdir(filepath.Join(b.rootfs(), "fake"+dir), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink("/fake"+dir, p); err != nil {
			t.Fatal(err)
		}
		r := e.run(b)
		if r.code == 0 || strings.Count(strings.TrimSpace(r.stderr), "\n") != 0 ||
			!strings.Contains(r.stderr, "/"+dir) || !strings.Contains(r.stderr, "symlink") {
			t.Errorf("/%s as a symlink: %s", dir, r)
		}
		if names := dirNames(t, filepath.Join(b.rootfs(), "fake"+dir)); len(names) != 0 {
			t.Errorf("/%s: the link's target got %v", dir, names)
		}
	}
}
