package integration

import (
	"bufio"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// The lifecycle and the CLI: run, create/start/state/kill/delete, list,
// spec, --version, --pid-file, --pidfd-socket, --log, checkpoint/restore,
// --systemd-cgroup.

func TestRunForegroundOutputAndStatus(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.newBundle().shell("echo hello from $(hostname); echo to-stderr >&2; exit 7")
	r := e.run(b)
	if r.code != 7 {
		t.Errorf("exit code %d, want the container's 7: %s", r.code, r)
	}
	if r.stdout != "hello from berth\n" {
		t.Errorf("stdout %q", r.stdout)
	}
	if r.stderr != "to-stderr\n" {
		t.Errorf("stderr %q, want only the container's", r.stderr)
	}
	if ids, _ := os.ReadDir(e.root); len(ids) != 0 {
		t.Errorf("run without --keep left %d containers", len(ids))
	}
}

func TestRunKilledBySignalStatus(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	// the container's pid 1 ignores signals it has no handler for, even
	// from itself: the shell's child kills itself instead
	r := e.run(e.newBundle().shell("sh -c 'kill -KILL $$'; exit $?"))
	if r.code != 137 {
		t.Errorf("exit code %d, want 137 (128+SIGKILL): %s", r.code, r)
	}
}

func TestRunForwardsSignals(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.newBundle().shell(`trap 'echo got-TERM; exit 3' TERM; trap 'echo got-USR1' USR1
echo ready; while :; do sleep 0.05; done`)
	b.save(t)
	cmd := exec.Command(berthBin, "--root", e.root, "run", "--bundle", b.dir, e.id())
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := bufio.NewScanner(out)
	next := func() string {
		if !lines.Scan() {
			t.Fatalf("container output ended: %v", lines.Err())
		}
		return lines.Text()
	}
	if l := next(); l != "ready" {
		t.Fatalf("first line %q", l)
	}
	cmd.Process.Signal(unix.SIGUSR1)
	if l := next(); l != "got-USR1" {
		t.Errorf("after SIGUSR1 to berth: %q", l)
	}
	cmd.Process.Signal(unix.SIGTERM)
	if l := next(); l != "got-TERM" {
		t.Errorf("after SIGTERM to berth: %q", l)
	}
	err = cmd.Wait()
	if code := cmd.ProcessState.ExitCode(); code != 3 {
		t.Errorf("berth run exited %d (%v), want the container's 3", code, err)
	}
}

func TestRunDetach(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	id := e.runDetached(e.newBundle("sleep", "1000"))
	st := e.state(id)
	if st["status"] != "running" {
		t.Fatalf("status %v after run --detach", st["status"])
	}
	if comm("/proc/"+strconv.Itoa(e.pid(id))) != "sleep" {
		t.Errorf("pid %d is not the container's sleep", e.pid(id))
	}
	failsOneLine(t, e.berth("run", "--detach", "--keep", e.id()), "--keep", "--detach")
	e.must("kill", id, "KILL")
	e.waitStatus(id, "stopped")
	e.must("delete", id)
}

func TestRunKeep(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.newBundle("true")
	b.save(t)
	id := e.id()
	e.must("run", "--keep", "--bundle", b.dir, id)
	st := e.state(id)
	if st["status"] != "stopped" || st["pid"].(float64) != 0 {
		t.Errorf("after run --keep: %v", st)
	}
	e.must("delete", id)
	e.assertNothingLeft(id, b)
}

// TestCreateStartStateKillDelete walks the lifecycle one command at a
// time and checks the state as runc prints it.
func TestCreateStartStateKillDelete(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.newBundle().shell("echo started; exec sleep 1000")
	b.spec.Annotations = map[string]string{"org.example.key": "value"}
	id := e.create(b)
	var st map[string]json.RawMessage
	if err := json.Unmarshal([]byte(e.must("state", id)), &st); err != nil {
		t.Fatal(err)
	}
	var keys []string
	for k := range st {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	want := []string{"annotations", "bundle", "created", "id", "ociVersion", "owner", "pid", "rootfs", "status"}
	if !slices.Equal(keys, want) {
		t.Errorf("state has fields %v, want runc's %v", keys, want)
	}
	s := e.state(id)
	checks := map[string]any{
		"ociVersion": "1.3.0", "id": id, "status": "created", "bundle": b.dir,
		"rootfs": b.rootfs(), "owner": "",
		"annotations": map[string]any{"org.example.key": "value"},
	}
	for k, v := range checks {
		if !jsonEqual(s[k], v) {
			t.Errorf("state %s = %v, want %v", k, s[k], v)
		}
	}
	if !regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$`).MatchString(s["created"].(string)) {
		t.Errorf("created %v is not RFC 3339 UTC", s["created"])
	}
	pid := e.pid(id)
	if e.output(id) != "" {
		t.Errorf("the process ran before start: %q", e.output(id))
	}
	e.start(id)
	e.waitOutput(id, "started")
	if s := e.state(id); s["status"] != "running" || int(s["pid"].(float64)) != pid {
		t.Errorf("after start: %v (pid at create %d)", s, pid)
	}
	failsOneLine(t, e.berth("start", id), id, "running")
	e.must("kill", id, "KILL")
	e.waitStatus(id, "stopped")
	if s := e.state(id); s["pid"].(float64) != 0 {
		t.Errorf("a stopped container shows pid %v, want 0", s["pid"])
	}
	e.must("delete", id)
	failsOneLine(t, e.berth("state", id), id, "does not exist")
	e.assertNothingLeft(id, b)
}

func jsonEqual(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return string(x) == string(y)
}

// TestKillSignalForms sends signals by name with and without SIG, in
// lower case, by number, and with --all.
func TestKillSignalForms(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.newBundle().shell(`for s in USR1 USR2 HUP INT; do trap "echo got-$s" $s; done
trap 'exit 0' TERM; echo ready; while :; do sleep 0.05; done`)
	id := e.runDetached(b)
	e.waitOutput(id, "ready")
	for n, c := range []struct {
		args []string
		want string
	}{
		{[]string{id, "USR1"}, "got-USR1"},
		{[]string{id, "SIGUSR2"}, "got-USR2"},
		{[]string{id, "hup"}, "got-HUP"},
		{[]string{id, "2"}, "got-INT"},
		{[]string{"--all", id, "SIGUSR1"}, "got-USR1"},
		{[]string{"-a", id, "10"}, "got-USR1"},
	} {
		e.must(append([]string{"kill"}, c.args...)...)
		lines := e.waitLines(id, n+2) // "ready" and one per signal
		if lines[n+1] != c.want {
			t.Errorf("kill %v: the container printed %q, want %q", c.args, lines[n+1], c.want)
		}
	}
	for _, bad := range []string{"SIGNOPE", "NOPE", "99", "-3"} { // 0 is valid: TestKillSignalZero
		failsOneLine(t, e.berth("kill", id, bad), bad)
	}
	if e.state(id)["status"] != "running" {
		t.Errorf("the container stopped after bad kills")
	}
	e.must("kill", id) // SIGTERM by default
	e.waitStatus(id, "stopped")
	failsOneLine(t, e.berth("kill", id, "KILL"), id, "not running")
}

func TestDeleteCreatedWithoutForce(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.newBundle("sleep", "1000")
	id := e.create(b)
	pid := e.pid(id)
	e.must("delete", id)
	if err := unix.Kill(pid, 0); err == nil && !zombieOrGone(pid) {
		t.Errorf("the created container's process %d still runs", pid)
	}
	e.assertNothingLeft(id, b)
}

func zombieOrGone(pid int) bool {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return true
	}
	i := strings.LastIndexByte(string(data), ')')
	return i > 0 && len(data) > i+2 && data[i+2] == 'Z'
}

func TestDeleteRunning(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.newBundle("sleep", "1000")
	id := e.runDetached(b)
	pid := e.pid(id)
	failsOneLine(t, e.berth("delete", id), id, "running")
	if e.state(id)["status"] != "running" {
		t.Fatalf("delete without --force touched the running container")
	}
	e.must("delete", "--force", id)
	if !zombieOrGone(pid) {
		t.Errorf("delete --force left process %d", pid)
	}
	e.assertNothingLeft(id, b)
	failsOneLine(t, e.berth("delete", id), id, "does not exist")
	if r := e.berth("delete", "--force", id); r.code != 0 {
		t.Errorf("delete --force of a missing container: %s (runc succeeds)", r)
	}
}

// TestReadersShareLock: state and list read a record under a shared lock
// of its directory, so a reader holding one (another state, list or exec)
// does not make them wait, while a command changing the container (an
// exclusive lock) still does.
func TestReadersShareLock(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	id := e.runDetached(e.newBundle("sleep", "1000"))
	dir, err := os.Open(filepath.Join(e.root, id))
	if err != nil {
		t.Fatal(err)
	}
	defer dir.Close()
	if err := unix.Flock(int(dir.Fd()), unix.LOCK_SH); err != nil {
		t.Fatal(err)
	}
	if st := e.state(id)["status"]; st != "running" {
		t.Errorf("state under another reader's lock: %v, want running", st)
	}
	if q := strings.TrimSpace(e.must("list", "-q")); q != id {
		t.Errorf("list -q under another reader's lock: %q, want %s", q, id)
	}
}

func TestList(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	if r := e.must("list", "--format", "json"); strings.TrimSpace(r) != "[]" {
		t.Errorf("list of an empty root: %q", r)
	}
	b := e.newBundle("sleep", "1000")
	a := e.create(b)
	c := e.runDetached(b)
	q := strings.Fields(e.must("list", "-q"))
	sort.Strings(q)
	if want := []string{a, c}; !slices.Equal(q, want) {
		t.Errorf("list -q: %v, want %v", q, want)
	}
	table := strings.Split(strings.TrimSpace(e.must("list")), "\n")
	if len(table) != 3 || !regexp.MustCompile(`^ID\s+PID\s+STATUS\s+BUNDLE\s+CREATED\s+OWNER$`).MatchString(table[0]) {
		t.Fatalf("list table: %q", table)
	}
	for _, row := range table[1:] {
		f := strings.Fields(row)
		want := map[string]string{a: "created", c: "running"}[f[0]]
		if len(f) != 6 || f[2] != want || f[3] != b.dir || f[5] != "root" {
			t.Errorf("list row %q: want status %s, bundle %s, owner root", row, want, b.dir)
		}
	}
	var states []map[string]any
	if err := json.Unmarshal([]byte(e.must("list", "--format", "json")), &states); err != nil {
		t.Fatal(err)
	}
	if len(states) != 2 {
		t.Fatalf("list json: %v", states)
	}
	for _, s := range states {
		if s["pid"].(float64) <= 0 || s["bundle"] != b.dir {
			t.Errorf("list json entry %v", s)
		}
	}
	failsOneLine(t, e.berth("list", "--format", "yaml"), "yaml")
}

func TestVersion(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	out := e.must("--version")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 4 || !regexp.MustCompile(`^berth version \d+\.\d+\.\d+`).MatchString(lines[0]) ||
		!regexp.MustCompile(`^commit: \S+$`).MatchString(lines[1]) || lines[2] != "spec: 1.3.0" ||
		!regexp.MustCompile(`^libseccomp: \d+\.\d+\.\d+$`).MatchString(lines[3]) {
		t.Errorf("--version: %q", out)
	}
}

func TestSpec(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	dir := t.TempDir()
	e.must("spec", "--bundle", dir)
	data, err := os.ReadFile(filepath.Join(dir, "config.json"))
	if err != nil {
		t.Fatal(err)
	}
	var s specs.Spec
	dec := json.NewDecoder(strings.NewReader(string(data)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&s); err != nil {
		t.Fatalf("berth spec is not a runtime-spec config: %v", err)
	}
	if s.Version != "1.3.0" || !s.Process.Terminal || !slices.Equal(s.Process.Args, []string{"sh"}) || s.Root.Path != "rootfs" {
		t.Errorf("default spec: version %s terminal %v args %v root %v", s.Version, s.Process.Terminal, s.Process.Args, s.Root)
	}
	failsOneLine(t, e.berth("spec", "--bundle", dir), "config.json", "exists")
	after, _ := os.ReadFile(filepath.Join(dir, "config.json"))
	if string(after) != string(data) {
		t.Errorf("spec overwrote config.json")
	}
	// the default spec runs as it is, once it has a rootfs
	makeRootfs(t, filepath.Join(dir, "rootfs"))
	s.Process.Terminal = false
	s.Process.Args = []string{"true"}
	b := &bundle{dir: dir, spec: &s}
	e.runOK(b)

	rl := t.TempDir()
	e.must("spec", "--rootless", "--bundle", rl)
	var r specs.Spec
	data, _ = os.ReadFile(filepath.Join(rl, "config.json"))
	if err := json.Unmarshal(data, &r); err != nil {
		t.Fatal(err)
	}
	if len(r.Linux.UIDMappings) == 0 || !slices.ContainsFunc(r.Linux.Namespaces, func(n specs.LinuxNamespace) bool { return n.Type == specs.UserNamespace }) {
		t.Errorf("spec --rootless has no user namespace with mappings: %+v", r.Linux)
	}
}

func TestPidFile(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	pidFile := filepath.Join(t.TempDir(), "pid")
	id := e.create(e.newBundle("sleep", "1000"), "--pid-file", pidFile)
	data, err := os.ReadFile(pidFile)
	if err != nil {
		t.Fatal(err)
	}
	if string(data) != strconv.Itoa(e.pid(id)) {
		t.Errorf("--pid-file holds %q, state pid %d", data, e.pid(id))
	}
	// relative to the caller's directory, not the bundle
	rel := t.TempDir()
	cmd := exec.Command(berthBin, "--root", e.root, "run", "--detach", "--pid-file", "p", "--bundle", e.newBundle("sleep", "1000").dir, e.id())
	cmd.Dir = rel
	// files, not pipes: the detached container keeps its stdio open
	out, _ := os.Create(filepath.Join(rel, "out"))
	defer out.Close()
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Run(); err != nil {
		data, _ := os.ReadFile(out.Name())
		t.Fatalf("run --pid-file p: %v: %s", err, data)
	}
	if _, err := os.Stat(filepath.Join(rel, "p")); err != nil {
		t.Errorf("relative --pid-file not in the caller's cwd: %v", err)
	}
}

func TestPidfdSocket(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	l, path := unixListener(t)
	received := recvFDLater(t, l)
	id := e.create(e.newBundle("sleep", "1000"), "--pidfd-socket", path)
	pidfd, _ := received()
	defer pidfd.Close()
	info, err := os.ReadFile("/proc/self/fdinfo/" + strconv.Itoa(int(pidfd.Fd())))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^Pid:\s+(\d+)$`).FindStringSubmatch(string(info))
	if m == nil || m[1] != strconv.Itoa(e.pid(id)) {
		t.Fatalf("the received fd is not a pidfd of the container's process %d: %s", e.pid(id), info)
	}
	// it works as a pidfd: kill through it and see the container stop
	e.start(id)
	if err := unix.PidfdSendSignal(int(pidfd.Fd()), unix.SIGKILL, nil, 0); err != nil {
		t.Fatal(err)
	}
	e.waitStatus(id, "stopped")
}

func TestLogJSON(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	log := filepath.Join(t.TempDir(), "log.json")
	r := e.berth("--log", log, "--log-format", "json", "start", "no-such-container")
	failsOneLine(t, r, "no-such-container")
	data, err := os.ReadFile(log)
	if err != nil {
		t.Fatal(err)
	}
	var entry map[string]any
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &entry); err != nil {
		t.Fatalf("log line %q is not JSON: %v", lines[len(lines)-1], err)
	}
	if entry["level"] != "error" || !strings.Contains(entry["msg"].(string), "no-such-container") || entry["time"] == nil {
		t.Errorf("log entry %v: want level error, msg naming the container, time", entry)
	}
	failsOneLine(t, e.berth("--log-format", "xml", "list"), "--log-format", "xml")
}

func TestCheckpointRestoreRefused(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	id := e.runDetached(e.newBundle("sleep", "1000"))
	failsOneLine(t, e.berth("checkpoint", id), "checkpoint", "not supported")
	failsOneLine(t, e.berth("restore", "--image-path", "/tmp", id), "restore", "not supported")
	if e.state(id)["status"] != "running" {
		t.Errorf("checkpoint touched the container")
	}
}

func TestSystemdCgroupRefused(t *testing.T) {
	t.Parallel()
	if _, err := os.Stat("/run/systemd/system"); err == nil {
		t.Skip("systemd runs on this host: --systemd-cgroup is not refused here")
	}
	e := newEnv(t)
	b := e.newBundle("true")
	b.save(t)
	id := e.id()
	failsOneLine(t, e.berth("--systemd-cgroup", "run", "--bundle", b.dir, id), "--systemd-cgroup", "systemd")
	e.assertNothingLeft(id, b)
}

// TestReparentToSubreaper: when berth create exits, the container's
// process goes to the caller if it is a child subreaper (a shim). It runs
// alone (not parallel): the subreaper flag is the whole test process's.
func TestReparentToSubreaper(t *testing.T) {
	e := newEnv(t)
	id := e.create(e.newBundle("sleep", "1000"))
	ppid := parentOf(t, e.pid(id))
	if ppid != 1 && !isAncestor(ppid) {
		t.Errorf("without a subreaper the container's parent is %d, want 1 or a subreaper above the test", ppid)
	}
	if err := unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); err != nil {
		t.Fatal(err)
	}
	defer unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 0, 0, 0, 0)
	id2 := e.create(e.newBundle("sleep", "1000"))
	pid := e.pid(id2)
	if ppid := parentOf(t, pid); ppid != os.Getpid() {
		t.Errorf("with the test as subreaper the container's parent is %d, want %d", ppid, os.Getpid())
	}
	e.must("delete", "--force", id2)
	var ws syscall.WaitStatus
	if got, err := syscall.Wait4(pid, &ws, 0, nil); got != pid {
		t.Errorf("could not reap the container's process as its subreaper: %v", err)
	}
}

func parentOf(t *testing.T, pid int) int {
	t.Helper()
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^PPid:\s+(\d+)$`).FindStringSubmatch(string(data))
	n, _ := strconv.Atoi(m[1])
	return n
}

func isAncestor(pid int) bool {
	for p := os.Getppid(); p > 1; {
		if p == pid {
			return true
		}
		data, err := os.ReadFile("/proc/" + strconv.Itoa(p) + "/status")
		if err != nil {
			return false
		}
		m := regexp.MustCompile(`(?m)^PPid:\s+(\d+)$`).FindStringSubmatch(string(data))
		p, _ = strconv.Atoi(m[1])
	}
	return false
}

// TestCgroupPaths: the container is in its cgroup (the default path, an
// absolute and a relative linux.cgroupsPath) in every hierarchy, and
// delete removes it.
func TestCgroupPaths(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ name, path string }{
		{"default", ""}, {"absolute", "/%s-p/%s"}, {"relative", "%s-p/%s"},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			b := e.newBundle("sleep", "1000")
			id := e.id()
			if c.path != "" {
				b.spec.Linux.CgroupsPath = strings.ReplaceAll(c.path, "%s", id)
			}
			if r := e.createIO("create", id, b); r.code != 0 {
				t.Fatal(r)
			}
			e.start(id)
			inner := "/" + id
			if c.path != "" {
				inner = "/" + strings.TrimPrefix(b.spec.Linux.CgroupsPath, "/")
			}
			cg, _ := os.ReadFile("/proc/" + strconv.Itoa(e.pid(id)) + "/cgroup")
			for _, line := range strings.Split(strings.TrimSpace(string(cg)), "\n") {
				if !strings.HasSuffix(line, inner) {
					t.Errorf("/proc/PID/cgroup line %q does not end in %s", line, inner)
				}
			}
			dirs := cgroupDirsNamed(id)
			if len(dirs) < 9 {
				t.Errorf("cgroup dirs named %s: %v, want one per hierarchy", id, dirs)
			}
			e.must("delete", "--force", id)
			e.assertNothingLeft(id, b)
			if c.path != "" {
				for _, d := range cgroupDirsNamed(id + "-p") {
					t.Errorf("the parent cgroup %s berth made is left", d)
				}
			}
		})
	}
}

// TestRunKillsLeftovers: `run` returns when the container's process
// exits and its delete kills what the process left running.
func TestRunKillsLeftovers(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.newBundle().shell("sleep 1000 & exit 0")
	id := e.id()
	b.save(t)
	if r := e.berth("run", "--bundle", b.dir, id); r.code != 0 {
		t.Fatal(r)
	}
	// the sleep would keep the cgroup (and show in procsUsing)
	e.assertNothingLeft(id, b)
}

// TestCreateKilledThenDeleteForce: a create killed half-way (here while a
// createRuntime hook runs) leaves a record that `delete --force` finishes.
func TestCreateKilledThenDeleteForce(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	dir := t.TempDir()
	b := e.newBundle("true")
	b.spec.Hooks = &specs.Hooks{CreateRuntime: []specs.Hook{{Path: "/bin/sh", Env: hookEnv,
		Args: []string{"sh", "-c", "echo $$ > " + dir + "/hook; exec sleep 1000"}}}}
	b.save(t)
	id := e.id()
	cmd := exec.Command(berthBin, "--root", e.root, "create", "--bundle", b.dir, id)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var hookPid int
	e.waitFor(func() bool {
		data, _ := os.ReadFile(filepath.Join(dir, "hook"))
		hookPid, _ = strconv.Atoi(strings.TrimSpace(string(data)))
		return hookPid > 0
	})
	cmd.Process.Kill()
	cmd.Wait()
	unix.Kill(hookPid, unix.SIGKILL)
	if len(cgroupDirsNamed(id)) == 0 {
		t.Errorf("no cgroup while create was running: the test did not stop it half-way")
	}
	if r := e.berth("state", id); r.code == 0 && !strings.Contains(r.stdout, `"creating"`) && !strings.Contains(r.stdout, `"stopped"`) {
		t.Errorf("state of a half-made container: %s", r)
	}
	e.must("delete", "--force", id)
	e.assertNothingLeft(id, b)
}

// TestNoPivot: --no-pivot jails the process with MS_MOVE + chroot, not
// pivot_root. What tells them apart: pivot_root detaches the old root, so
// the container's mount namespace holds just the mounts its process sees;
// after MS_MOVE + chroot the old root (the host's mounts) stays attached
// below the rootfs, where listmount(2) lists it and the container's
// mountinfo does not. A default run is checked the same way, to show the
// difference is the flag's.
func TestNoPivot(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for _, flags := range [][]string{nil, {"--no-pivot"}} {
		b := e.newBundle().shell("cat /marker; exec sleep 1000")
		b.writeRootfs(t, "marker", "inside\n", 0o644)
		id := e.runDetached(b, flags...)
		e.waitOutput(id, "inside\n")
		pid := e.pid(id)
		all, seen := len(nsMounts(t, pid)), len(mountinfoLines(t, pid))
		t.Logf("run %v: %d mounts in the namespace, %d in the container's mountinfo", flags, all, seen)
		switch {
		case flags == nil && all != seen:
			t.Errorf("run: the namespace has %d mounts, the container sees %d: the old root was not detached", all, seen)
		case flags != nil && all <= seen:
			t.Errorf("run --no-pivot: the namespace has %d mounts, the container sees %d: the old root was detached, as pivot_root does", all, seen)
		}
	}
}

// TestKillCreated: a created container can be signalled (SIGKILL stops
// it), as with runc.
func TestKillCreated(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.newBundle("sleep", "1000")
	id := e.create(b)
	e.must("kill", id, "KILL")
	e.waitStatus(id, "stopped")
	failsOneLine(t, e.berth("start", id), id, "stopped")
	e.must("delete", id)
	e.assertNothingLeft(id, b)
}

func TestHelp(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	out := e.must("--help")
	for _, c := range []string{"create", "start", "run", "state", "kill", "delete", "list", "spec", "checkpoint", "restore"} {
		if !regexp.MustCompile(`(?m)^\s+` + c + `\b`).MatchString(out) {
			t.Errorf("--help does not list %s", c)
		}
	}
	failsOneLine(t, e.berth("no-such-command"), "no-such-command")
	failsOneLine(t, e.berth("create"), "create")
}
