package integration

// One test per runtime CVE (runc's advisories; crun and youki shared most
// of them): a real container tries the attack, the test asserts it fails
// and the host is untouched. Racing tests run their race raceRuns times
// and log how often the attacker ran.

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// huntSummary parses cvetool hunt's last line.
func huntSummary(t *testing.T, out string) map[string]int {
	t.Helper()
	m := regexp.MustCompile(`hunt (scans=\d+.*)`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no hunt summary in %q", out)
	}
	s := map[string]int{}
	for _, kv := range strings.Fields(m[1]) {
		k, v, _ := strings.Cut(kv, "=")
		s[k], _ = strconv.Atoi(v)
	}
	return s
}

// CVE-2016-9962: runc's init stayed dumpable while it held host fds, so a
// process in the container could ptrace it or open its fds through
// /proc/<pid>/fd. berth's init holds the host's procfs handle: it is not
// dumpable until execve, both the waiting init of a created container and
// the inits of `berth exec`, which a hunter in the container attacks; and
// it closes that handle before it waits for `start`, so that even a
// process with CAP_SYS_PTRACE finds nothing of the host in its fds.
func TestCVE2016_9962(t *testing.T) {
	e := newEnv(t)
	b := e.newBundle("sleep", "1000")
	b.addCvetool(t)
	b.save(t)
	id := e.id()
	e.must("create", "--bundle", b.dir, id)

	out := e.must("exec", id, "/cvetool", "procfds", "1")
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		if !strings.Contains(l, "EACCES") || strings.Contains(l, "open ok") {
			t.Errorf("the waiting init's fds are reachable: %s", l)
		}
	}
	if out := e.must("exec", id, "/cvetool", "ptrace", "1"); strings.Contains(out, "ok") {
		t.Errorf("the waiting init can be traced: %s", out)
	}
	// a process given CAP_SYS_PTRACE may read the waiting init's fds:
	// none is a procfs (the host's handle is closed before the wait) or
	// a directory outside the container's root
	out = e.must("exec", "--cap", "CAP_SYS_PTRACE", id, "/cvetool", "procfds", "1")
	if !strings.Contains(out, "open ok") || strings.Contains(out, "procfs") || strings.Contains(out, "dir-outside-root") {
		t.Errorf("with CAP_SYS_PTRACE, the waiting init's fds: %s", out)
	}

	stop := e.attacker(b, id, "hunt", fileIdent(t, berthBin))
	for i := 0; i < raceRuns; i++ {
		e.must("exec", id, "true")
	}
	e.must("start", id)
	s := huntSummary(t, stop())
	t.Logf("CVE-2016-9962: %d execs raced by a hunter: %d processes seen, %d of them inits; traced %d, fds opened %d",
		raceRuns, s["processes"], s["inits"], s["traced"], s["fds"])
	if s["traced"] != 0 || s["fds"] != 0 || s["exe-written"] != 0 || s["host-exe"] != 0 {
		t.Errorf("an exec'd init was reachable: %v", s)
	}
	if s["inits"] < minHunted {
		t.Errorf("the hunter attacked %d inits, want at least %d: the race was not exercised", s["inits"], minHunted)
	}
}

// CVE-2019-5736: a container overwrote the runtime's binary through
// /proc/self/exe, by running a `#!/proc/self/exe` binary (the runtime
// executes it) or by opening /proc/<pid>/exe of the runtime while it joins
// the container (exec). berth's init runs from a sealed memfd: every exe
// the container can reach is that memfd, never the berth binary, and no
// write to it succeeds; the binary's hash is unchanged.
func TestCVE2019_5736(t *testing.T) {
	hash, ident := fileHash(t, berthBin), fileIdent(t, berthBin)
	e := newEnv(t)
	b := e.newBundle("sleep", "1000")
	b.addCvetool(t)
	b.writeRootfs(t, "evil", "#!/proc/self/exe\n", 0o755)
	b.save(t)
	id := e.id()
	e.must("create", "--bundle", b.dir, id)

	// the waiting init's exe, during create
	out := e.must("exec", id, "/cvetool", "exewrite", "1")
	if strings.Contains(out, "write ok") {
		t.Errorf("the waiting init's exe is writable: %s", out)
	}
	stop := e.attacker(b, id, "hunt", ident)
	e.must("start", id)
	// the runtime executing #!/proc/self/exe, during exec
	// each exec reaches the race when the kernel runs the interpreter
	// /proc/self/exe: the init's memfd, which refuses to run by hand
	var race raceTally
	for i := 0; i < raceRuns; i++ {
		r := e.berth("exec", id, "/evil")
		switch {
		case r.code == 0:
			t.Fatalf("exec of #!/proc/self/exe succeeded: %s", r)
		case strings.Contains(r.stderr, "berth-init is run by berth"):
			race.reached++
		default:
			race.failedBefore(r)
		}
	}
	out = stop()
	s := huntSummary(t, out)
	memfds := strings.Count(out, `exe="/memfd:berth-init`)
	t.Logf("CVE-2019-5736: %d execs of #!/proc/self/exe raced by a hunter: %d processes seen, %d of them run from the init's memfd; exe writes %d, host binary reached %d",
		raceRuns, s["processes"], memfds, s["exe-written"], s["host-exe"])
	if s["exe-written"] != 0 || s["host-exe"] != 0 {
		t.Errorf("the runtime's binary was reachable: %v", s)
	}
	race.hits = memfds // the hunter attacked them while they ran from the memfd
	if memfds < minHunted {
		t.Errorf("the hunter attacked %d processes run from the init's memfd, want at least %d: the race was not exercised", memfds, minHunted)
	}
	race.check(t, s["processes"])

	// the container's own process is #!/proc/self/exe
	b2 := e.newBundle("/evil")
	b2.writeRootfs(t, "evil", "#!/proc/self/exe\n", 0o755)
	if r := e.run(b2); r.code == 0 {
		t.Errorf("a #!/proc/self/exe process ran: %s", r)
	}
	if got := fileHash(t, berthBin); got != hash {
		t.Fatalf("the berth binary changed: sha256 %s, was %s", got, hash)
	}
}

// CVE-2024-21626: runc leaked a host directory fd into its init, and a
// cwd (process.cwd, exec --cwd) or args[0] of /proc/self/fd/N put the
// process on the host. berth opens the cwd inside the root refusing magic
// links, closes what its caller leaked, and closes its procfs handle
// before execve. Here berth's caller leaks a host directory holding a
// marker script; no fd number reaches it.
func TestCVE2024_21626(t *testing.T) {
	e := newEnv(t)
	host := t.TempDir()
	if err := os.WriteFile(filepath.Join(host, "pwn"), []byte("#!/bin/sh\necho PWNED\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	leak, err := os.Open(host)
	if err != nil {
		t.Fatal(err)
	}
	defer leak.Close()
	leaked := []*os.File{leak, leak, leak, leak}
	escaped := func(r result) bool {
		return strings.Contains(r.stdout, "PWNED") || strings.Contains(r.stdout, "pwn")
	}

	run := e.newBundle("sh", "-c", "ls; ./pwn")
	for fd := 3; fd <= 12; fd++ {
		run.spec.Process.Cwd = fmt.Sprintf("/proc/self/fd/%d", fd)
		run.save(t)
		r := e.berthLeaking(leaked, "run", "--bundle", run.dir, e.id())
		if r.code == 0 || escaped(r) || !strings.Contains(r.stderr, "cwd") {
			t.Errorf("process.cwd %s: %s", run.spec.Process.Cwd, r)
		}
	}
	// a cwd through symlinks that climb out stays inside the root
	if err := os.Symlink("../../../../../../.."+host, filepath.Join(run.rootfs(), "escape")); err != nil {
		t.Fatal(err)
	}
	run.spec.Process.Cwd = "/escape"
	run.spec.Process.Args = []string{"sh", "-c", "pwd; ls"}
	run.save(t)
	if r := e.berthLeaking(leaked, "run", "--bundle", run.dir, e.id()); r.code != 0 || escaped(r) ||
		strings.TrimSpace(r.stdout) != host {
		t.Errorf("process.cwd through an escaping symlink: %s", r)
	}
	if names := dirNames(t, host); len(names) != 1 {
		t.Errorf("the host directory got %v", names)
	}
	run.spec.Process.Cwd = "/"
	for fd := 3; fd <= 12; fd++ {
		run.spec.Process.Args = []string{fmt.Sprintf("/proc/self/fd/%d/pwn", fd)}
		run.save(t)
		if r := e.berthLeaking(leaked, "run", "--bundle", run.dir, e.id()); r.code == 0 || escaped(r) {
			t.Errorf("process.args %v: %s", run.spec.Process.Args, r)
		}
	}

	id := e.startDetached(e.newBundle("sleep", "1000"))
	for fd := 3; fd <= 12; fd++ {
		cwd := fmt.Sprintf("/proc/self/fd/%d", fd)
		if r := e.berthLeaking(leaked, "exec", "--cwd", cwd, id, "sh", "-c", "ls; ./pwn"); r.code == 0 || escaped(r) {
			t.Errorf("exec --cwd %s: %s", cwd, r)
		}
		arg := fmt.Sprintf("/proc/self/fd/%d/pwn", fd)
		if r := e.berthLeaking(leaked, "exec", id, arg); r.code == 0 || escaped(r) {
			t.Errorf("exec %s: %s", arg, r)
		}
	}
}

// CVE-2022-29162: runc exec gave processes inheritable capabilities, which
// a file with inheritable file capabilities turned into permitted ones.
// The process of `run` and of `exec` (also with --cap) have no
// inheritable and no ambient capabilities unless the config asks.
func TestCVE2022_29162(t *testing.T) {
	e := newEnv(t)
	b := e.newBundle("grep", "-E", "^Cap(Inh|Amb)", "/proc/self/status")
	b.spec.Process.Capabilities.Inheritable = nil
	b.spec.Process.Capabilities.Ambient = nil
	check := func(what, out string) {
		t.Helper()
		for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
			if !strings.HasSuffix(l, "0000000000000000") {
				t.Errorf("%s: %s", what, l)
			}
		}
		if strings.Count(out, "Cap") != 2 {
			t.Errorf("%s: no capability lines: %q", what, out)
		}
	}
	check("run", e.runOK(b))
	id := e.startDetached(e.newBundle("sleep", "1000"))
	check("exec", e.must("exec", id, "grep", "-E", "^Cap(Inh|Amb)", "/proc/self/status"))
	check("exec --cap", e.must("exec", "--cap", "CAP_NET_ADMIN", id, "grep", "-E", "^Cap(Inh|Amb)", "/proc/self/status"))
}

// CVE-2023-25809: rootless runc without a cgroup namespace left the host's
// cgroup hierarchies writable in the container (through /sys bound "rbind,
// ro", whose mounts below stayed read-write). With the config of `berth
// spec --rootless` (minus the cgroup namespace, and also without its
// cgroup mount) every mount at or below /sys/fs/cgroup the container sees
// is read-only and a write there fails. Run as root with --rootless and a
// user namespace mapping root to an unprivileged host uid; the attack's
// full setting (an unprivileged user owning a delegated cgroup) needs
// systemd's delegation, which this host does not have.
func TestCVE2023_25809(t *testing.T) {
	e := newEnv(t)
	probe := fmt.Sprintf("berth-cve-2023-25809-%d", os.Getpid())
	t.Cleanup(func() { os.Remove("/sys/fs/cgroup/" + probe) }) // made only if the test fails
	for _, withCgroupMount := range []bool{true, false} {
		b := e.newBundle()
		os.Remove(filepath.Join(b.dir, "config.json"))
		// the mapped root (host uid 100000) must reach the rootfs
		for _, d := range []string{filepath.Dir(b.dir), b.dir} {
			if err := os.Chmod(d, 0o755); err != nil {
				t.Fatal(err)
			}
		}
		e.must("spec", "--rootless", "--bundle", b.dir)
		data, err := os.ReadFile(filepath.Join(b.dir, "config.json"))
		if err != nil {
			t.Fatal(err)
		}
		b.spec = nil
		if err := json.Unmarshal(data, &b.spec); err != nil {
			t.Fatal(err)
		}
		b.spec.Process.Terminal = false
		b.spec.Process.Args = []string{"sh", "-c", "grep ' /sys/fs/cgroup' /proc/self/mountinfo | cut -d' ' -f5,6; " +
			"mkdir /sys/fs/cgroup/" + probe + " 2>&1; for f in /sys/fs/cgroup/*/cgroup.procs /sys/fs/cgroup/*/tasks; do echo 0 > $f; done 2>&1; true"}
		b.removeNS(specs.CgroupNamespace)
		b.spec.Linux.UIDMappings = []specs.LinuxIDMapping{{ContainerID: 0, HostID: 100000, Size: 65536}}
		b.spec.Linux.GIDMappings = []specs.LinuxIDMapping{{ContainerID: 0, HostID: 100000, Size: 65536}}
		if !withCgroupMount {
			b.withoutMount("/sys/fs/cgroup")
		}
		b.save(t)
		r := e.berth("--rootless", "true", "run", "--bundle", b.dir, e.id())
		if r.code != 0 {
			t.Fatalf("cgroup mount %v: %s", withCgroupMount, r)
		}
		mounts := 0
		for _, l := range strings.Split(strings.TrimSpace(r.stdout), "\n") {
			switch {
			case strings.HasPrefix(l, "/sys/fs/cgroup"):
				mounts++
				if !strings.HasPrefix(strings.Fields(l)[1], "ro") {
					t.Errorf("cgroup mount %v: %s is writable", withCgroupMount, l)
				}
			case strings.Contains(l, "Read-only file system"), strings.Contains(l, "Permission denied"):
			default:
				t.Errorf("cgroup mount %v: a write to the cgroup tree did not fail: %s", withCgroupMount, l)
			}
		}
		if mounts == 0 {
			t.Errorf("cgroup mount %v: no mount at /sys/fs/cgroup: %q", withCgroupMount, r.stdout)
		}
	}
}

// removeNS drops the namespace of type typ from the bundle.
func (b *bundle) removeNS(typ specs.LinuxNamespaceType) {
	var ns []specs.LinuxNamespace
	for _, n := range b.spec.Linux.Namespaces {
		if n.Type != typ {
			ns = append(ns, n)
		}
	}
	b.spec.Linux.Namespaces = ns
}

// The attack of CVE-2023-25809 in full: an unprivileged user owns a
// delegated cgroup (here a cgroup2 directory chowned to a test user made
// with useradd) and runs berth rootless, without a cgroup namespace, with
// the config of `berth spec --rootless`. The container's root is that
// user: through a writable /sys/fs/cgroup it could create cgroups in, and
// move processes into, the user's delegated tree on the host. With /sys
// bound recursively read-only every write fails and the host's tree is
// untouched.
func TestCVE2023_25809Unprivileged(t *testing.T) {
	uid, gid := testUser(t)
	deleg := fmt.Sprintf("/sys/fs/cgroup/unified/berth-cve-2023-25809-%d", os.Getpid())
	if err := os.Mkdir(deleg, 0o755); err != nil {
		t.Skipf("no cgroup2 hierarchy at /sys/fs/cgroup/unified to delegate: %v", err)
	}
	t.Cleanup(func() { os.Remove(deleg + "/escape"); os.Remove(deleg) })
	for _, f := range []string{deleg, deleg + "/cgroup.procs", deleg + "/cgroup.subtree_control"} {
		if err := os.Chown(f, uid, gid); err != nil {
			t.Fatal(err)
		}
	}
	dir := t.TempDir()
	makeRootfs(t, filepath.Join(dir, "rootfs"))
	state := filepath.Join(dir, "state")
	giveTree(t, dir, uid, gid)
	os.Chmod(filepath.Dir(dir), 0o755)
	asUser := func(args ...string) result {
		t.Helper()
		cmd := exec.Command(berthBin, args...)
		cmd.Dir = dir
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}}
		var out, errb strings.Builder
		cmd.Stdout, cmd.Stderr = &out, &errb
		err := cmd.Run()
		r := result{stdout: out.String(), stderr: errb.String()}
		if ee, ok := err.(*exec.ExitError); ok {
			r.code = ee.ExitCode()
		} else if err != nil {
			t.Fatalf("berth %v as uid %d: %v", args, uid, err)
		}
		return r
	}
	if r := asUser("spec", "--rootless"); r.code != 0 {
		t.Fatalf("spec --rootless: %s", r)
	}
	b := &bundle{dir: dir}
	data, err := os.ReadFile(filepath.Join(dir, "config.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &b.spec); err != nil {
		t.Fatal(err)
	}
	b.spec.Process.Terminal = false
	b.spec.Process.Args = []string{"sh", "-c", "mkdir " + deleg + "/escape; echo $$ > " + deleg + "/cgroup.procs; id -u"}
	b.removeNS(specs.CgroupNamespace)
	b.withoutMount("/sys/fs/cgroup") // the rbind of /sys shows the host's hierarchies there
	b.save(t)
	os.Chown(filepath.Join(dir, "config.json"), uid, gid)
	r := asUser("--root", state, "--rootless", "true", "run", "--bundle", dir, fmt.Sprintf("cve-25809-%d", os.Getpid()))
	if r.code != 0 || strings.TrimSpace(r.stdout) != "0" {
		t.Fatalf("rootless run: %s", r)
	}
	if _, err := os.Stat(deleg + "/escape"); err == nil {
		t.Errorf("the container made a cgroup in its user's delegated tree on the host")
	}
	if procs := readHost(t, deleg+"/cgroup.procs"); procs != "" {
		t.Errorf("the container moved processes into its user's delegated cgroup: %q", procs)
	}
	if strings.Count(r.stderr, "Read-only file system") != 2 {
		t.Errorf("the writes did not fail as read-only: %s", r.stderr)
	}
}

// testUser returns the ids of the user berthtest, made with useradd when
// missing (and removed after the test).
func testUser(t *testing.T) (int, int) {
	t.Helper()
	if _, err := user.Lookup("berthtest"); err != nil {
		out, err := exec.Command("useradd", "-M", "-s", "/usr/sbin/nologin", "berthtest").CombinedOutput()
		if err != nil {
			t.Skipf("cannot make a test user with useradd: %v: %s", err, out)
		}
		t.Cleanup(func() { exec.Command("userdel", "berthtest").Run() })
	}
	u, err := user.Lookup("berthtest")
	if err != nil {
		t.Fatal(err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	return uid, gid
}

// giveTree gives dir and everything below it to uid:gid.
func giveTree(t *testing.T, dir string, uid, gid int) {
	t.Helper()
	err := filepath.Walk(dir, func(p string, _ os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		return os.Lchown(p, uid, gid)
	})
	if err != nil {
		t.Fatal(err)
	}
}
