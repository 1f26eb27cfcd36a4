package integration

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// Exec: what the exec'd process gets (namespaces, cgroup, identity,
// capabilities, limits, seccomp, environment), and how exec fails.

// The exec'd process is in every namespace and cgroup of the container's
// process, runs the workload's binary (not berth's), and its exit status
// is berth's.
func TestExecJoinsContainer(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.startExec(e.execBundle())
	pid := c.initPid()
	want := hostNS(t, pid)
	if got := parseNS(c.out(nil, "sh", "-c", nsScript)); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("namespaces: exec'd process %v, container %v", got, want)
	}
	// both seen from inside (a cgroup namespace shows paths from its root)
	self, init, _ := strings.Cut(c.out(nil, "sh", "-c", "cat /proc/self/cgroup; echo --; cat /proc/1/cgroup"), "--\n")
	if self != init {
		t.Errorf("cgroups: exec'd process %q, container %q", self, init)
	}
	if exe := strings.TrimSpace(c.out(nil, "readlink", "/proc/self/exe")); exe != "/bin/busybox" {
		t.Errorf("/proc/self/exe of the exec'd process is %q, want the workload /bin/busybox", exe)
	}
	if r := c.run(nil, "sh", "-c", "exit 7"); r.code != 7 {
		t.Errorf("exit 7: berth exited %d (%s)", r.code, r)
	}
	if r := c.run(nil, "sh", "-c", "kill -TERM $$"); r.code != 128+15 {
		t.Errorf("killed by SIGTERM: berth exited %d, want 143 (%s)", r.code, r)
	}
}

// Before Linux 5.8 setns takes no pidfd: exec joins through the
// container process's /proc/<pid>/ns files instead (forced here).
func TestExecNamespaceFilesFallback(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.execBundle()
	b.setNamespace(specs.CgroupNamespace, "")
	c := e.startExec(b)
	want := hostNS(t, c.initPid())
	cmd := c.cmd(nil, "sh", "-c", nsScript)
	cmd.Env = append(os.Environ(), "_BERTH_EXEC_NS_FILES=1")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("exec through the namespace files: %v (%s)", err, out)
	}
	if got := parseNS(string(out)); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("namespaces: exec'd process %v, container %v", got, want)
	}
}

// A container with its own user namespace: the exec'd process is in it,
// root there and nobody on the host.
func TestExecUserNamespace(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.execBundle()
	// the container's root (host uid 100000) must reach its rootfs
	for _, d := range []string{filepath.Dir(b.dir), b.dir} {
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	b.setNamespace(specs.UserNamespace, "")
	b.spec.Linux.UIDMappings = []specs.LinuxIDMapping{{ContainerID: 0, HostID: 100000, Size: 65536}}
	b.spec.Linux.GIDMappings = []specs.LinuxIDMapping{{ContainerID: 0, HostID: 100000, Size: 65536}}
	c := e.startExec(b)
	want := hostNS(t, c.initPid())
	out := c.out(nil, "sh", "-c", "id -u; id -g; cat /proc/self/uid_map; "+nsScript)
	lines := strings.SplitN(out, "\n", 4)
	if lines[0] != "0" || lines[1] != "0" {
		t.Errorf("ids in the user namespace: %q, want 0 and 0", lines[:2])
	}
	if f := strings.Fields(lines[2]); strings.Join(f, " ") != "0 100000 65536" {
		t.Errorf("uid_map: %q", lines[2])
	}
	if got := parseNS(lines[3]); got["user"] != want["user"] || fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("namespaces: exec'd process %v, container %v", got, want)
	}
}

// --env adds or replaces variables, --cwd changes the directory; without
// them the process has the container's.
func TestExecEnvCwd(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.execBundle()
	b.spec.Process.Env = append(b.spec.Process.Env, "FROMCONFIG=yes")
	b.spec.Process.Cwd = "/etc"
	c := e.startExec(b)
	script := `echo "$FROMCONFIG $FOO $PATH"; pwd`
	if out := c.out(nil, "sh", "-c", script); out != "yes  "+pathOf(b)+"\n/etc\n" {
		t.Errorf("container's env and cwd: %q", out)
	}
	out := c.out([]string{"-e", "FOO=bar", "-e", "PATH=/bin:/sbin", "-e", "FROMCONFIG=no", "--cwd", "/tmp"}, "sh", "-c", script+"; env | grep -c ^PATH=")
	if out != "no bar /bin:/sbin\n/tmp\n1\n" {
		t.Errorf("--env and --cwd: %q, want replaced values, one PATH, cwd /tmp", out)
	}
}

func pathOf(b *bundle) string {
	for _, kv := range b.spec.Process.Env {
		if v, ok := strings.CutPrefix(kv, "PATH="); ok {
			return v
		}
	}
	return ""
}

// --user and --additional-gids: the ids given, the groups added to the
// container's.
func TestExecUserGroups(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.execBundle()
	b.spec.Process.User.AdditionalGids = []uint32{5}
	c := e.startExec(b)
	out := c.out([]string{"--user", "1000:1001", "-g", "10", "-g", "20"}, "sh", "-c", "id -u; id -g; grep ^Groups: /proc/self/status")
	if f := strings.Fields(out); strings.Join(f, " ") != "1000 1001 Groups: 5 10 20" {
		t.Errorf("uid, gid, groups: %q", out)
	}
	if out := c.out([]string{"-u", "1234"}, "sh", "-c", "id -u; id -g"); out != "1234\n0\n" {
		t.Errorf("--user 1234 keeps the container's gid: %q", out)
	}
	r := c.run([]string{"-u", "root"}, "true")
	failsOneLine(t, r, "--user", "root")
	if r.code != 255 {
		t.Errorf("--user root: exit %d, want 255", r.code)
	}
}

// A process.json with fewer capabilities gets only those; --cap adds to
// the bounding, effective and permitted sets, never to the inheritable
// one (CVE-2022-29162), nor to the ambient one of a process without an
// inheritable set (TestExecCapAmbient).
func TestExecCapabilities(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.startExec(e.execBundle())
	p := c.process("grep", "^Cap", "/proc/self/status")
	kill := []string{"CAP_KILL"}
	p.Capabilities = &specs.LinuxCapabilities{Bounding: kill, Effective: kill, Permitted: kill}
	caps := capLines(c.out([]string{"--process", writeProcess(t, p)}))
	for _, set := range []string{"CapBnd", "CapEff", "CapPrm"} {
		if caps[set] != "0000000000000020" {
			t.Errorf("process.json with CAP_KILL only: %s %s", set, caps[set])
		}
	}
	base := capLines(c.out(nil, "grep", "^Cap", "/proc/self/status"))
	added := capLines(c.out([]string{"--cap", "CAP_SYS_ADMIN", "--cap", "net_raw"}, "grep", "^Cap", "/proc/self/status"))
	const sysAdmin, netRaw = 21, 13
	for _, set := range []string{"CapBnd", "CapEff", "CapPrm"} {
		want := hexMask(t, base[set]) | 1<<sysAdmin | 1<<netRaw
		if got := hexMask(t, added[set]); got != want {
			t.Errorf("--cap: %s %#x, want %#x", set, got, want)
		}
	}
	for _, set := range []string{"CapInh", "CapAmb"} {
		if added[set] != "0000000000000000" {
			t.Errorf("--cap reached %s: %s", set, added[set])
		}
	}
	// an unknown name is a warning, as in config.json (runtime-spec: SHOULD
	// NOT fail) and with runc
	if r := c.run([]string{"--cap", "CAP_NOPE"}, "true"); r.code != 0 || !strings.Contains(r.stderr, "CAP_NOPE") {
		t.Errorf("exec --cap CAP_NOPE: %s, want success and a warning naming it", r)
	}
}

// TestExecCapAmbient: as runc, when the container's process has an
// inheritable set, --cap X also raises X in the ambient set (X must be
// inheritable already: --cap never adds to that set). The masks are
// runc 1.5.1's for the same config (capabilities.bats "runc exec --cap
// [ambient is set from spec]").
func TestExecCapAmbient(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.execBundle()
	b.spec.Process.Capabilities = &specs.LinuxCapabilities{
		Inheritable: []string{"CAP_CHOWN", "CAP_SYSLOG"},
		Permitted:   []string{"CAP_KILL", "CAP_CHOWN"},
		Effective:   []string{"CAP_KILL"},
		Bounding:    []string{"CAP_KILL", "CAP_CHOWN", "CAP_SYSLOG"},
		Ambient:     []string{"CAP_CHOWN"},
	}
	c := e.startExec(b)
	for _, tc := range []struct {
		flags []string
		want  map[string]string
	}{
		{nil, map[string]string{"CapInh": "0000000400000001", "CapPrm": "0000000000000021",
			"CapEff": "0000000000000021", "CapBnd": "0000000400000021", "CapAmb": "0000000000000001"}},
		{[]string{"--cap", "CAP_SYSLOG"}, map[string]string{"CapInh": "0000000400000001",
			"CapPrm": "0000000400000021", "CapEff": "0000000400000021", "CapBnd": "0000000400000021",
			"CapAmb": "0000000400000001"}},
	} {
		got := capLines(c.out(tc.flags, "grep", "^Cap", "/proc/self/status"))
		for set, want := range tc.want {
			if got[set] != want {
				t.Errorf("exec %v: %s %s, want %s", tc.flags, set, got[set], want)
			}
		}
	}
}

func capLines(out string) map[string]string {
	m := map[string]string{}
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		if k, v, ok := strings.Cut(l, ":"); ok {
			m[k] = strings.TrimSpace(v)
		}
	}
	return m
}

func hexMask(t *testing.T, s string) uint64 {
	t.Helper()
	v, err := strconv.ParseUint(s, 16, 64)
	if err != nil {
		t.Fatalf("capability mask %q: %v", s, err)
	}
	return v
}

// no_new_privs: the container's by default, set by --no-new-privs.
func TestExecNoNewPrivs(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.execBundle()
	b.spec.Process.NoNewPrivileges = false
	c := e.startExec(b)
	if v := c.statusLine(nil, "NoNewPrivs"); v != "0" {
		t.Errorf("container without no_new_privs: exec'd NoNewPrivs %s", v)
	}
	if v := c.statusLine([]string{"--no-new-privs"}, "NoNewPrivs"); v != "1" {
		t.Errorf("--no-new-privs: NoNewPrivs %s", v)
	}
}

// rlimits: the container's, or process.json's.
func TestExecRlimits(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.execBundle()
	b.spec.Process.Rlimits = []specs.POSIXRlimit{{Type: "RLIMIT_NOFILE", Soft: 512, Hard: 512}}
	c := e.startExec(b)
	if out := c.out(nil, "sh", "-c", "ulimit -n"); out != "512\n" {
		t.Errorf("container's RLIMIT_NOFILE 512: exec'd process has %q", out)
	}
	p := c.process("sh", "-c", "ulimit -n")
	p.Rlimits = []specs.POSIXRlimit{{Type: "RLIMIT_NOFILE", Soft: 256, Hard: 256}}
	if out := c.out([]string{"-p", writeProcess(t, p)}); out != "256\n" {
		t.Errorf("process.json's RLIMIT_NOFILE 256: exec'd process has %q", out)
	}
}

// The container's seccomp filter applies to exec'd processes: a profile
// that denies mkdir in the container denies it to exec too.
func TestExecSeccomp(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.execBundle()
	eperm := uint(1)
	b.spec.Linux.Seccomp = &specs.LinuxSeccomp{
		DefaultAction: specs.ActAllow,
		Architectures: []specs.Arch{specs.ArchX86_64, specs.ArchX86, specs.ArchX32},
		Syscalls: []specs.LinuxSyscall{{
			Names: []string{"mkdir", "mkdirat"}, Action: specs.ActErrno, ErrnoRet: &eperm,
		}},
	}
	c := e.startExec(b)
	r := c.run(nil, "mkdir", "/dev/shm/denied") // a writable tmpfs: only seccomp can refuse
	if r.code == 0 || !strings.Contains(r.stderr, "Operation not permitted") {
		t.Errorf("mkdir under a profile denying it: %s", r)
	}
	if v := c.statusLine(nil, "Seccomp"); v != "2" {
		t.Errorf("exec'd process Seccomp %s, want 2 (filter)", v)
	}
	// later execs load the filter the first one kept; a damaged one is
	// compiled again
	kept := filepath.Join(e.root, c.id, "exec-seccomp.bpf")
	if _, err := os.Stat(kept); err != nil {
		t.Errorf("no filter kept for later execs: %v", err)
	}
	for _, damage := range []bool{false, true} {
		if damage {
			os.WriteFile(kept, []byte("damaged"), 0o600)
		}
		if r := c.run(nil, "mkdir", "/dev/shm/denied"); r.code == 0 || !strings.Contains(r.stderr, "Operation not permitted") {
			t.Errorf("mkdir with the kept filter (damaged %v): %s", damage, r)
		}
	}
	if out := c.out(nil, "sh", "-c", "touch /dev/shm/allowed && echo ok"); out != "ok\n" {
		t.Errorf("what the profile allows: %q", out)
	}
}

// process.json: the whole process; no process flags or command with it.
func TestExecProcessFile(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.startExec(e.execBundle())
	p := c.process("sh", "-c", `echo "$X"; pwd; id -u`)
	p.Env = []string{"PATH=/bin", "X=from-json"}
	p.Cwd = "/tmp"
	p.User = specs.User{UID: 42, GID: 42}
	path := writeProcess(t, p)
	if out := c.out([]string{"-p", path}); out != "from-json\n/tmp\n42\n" {
		t.Errorf("process.json: %q", out)
	}
	failsOneLine(t, c.run([]string{"-p", path, "--cwd", "/"}), "--cwd", "--process")
	failsOneLine(t, c.run([]string{"-p", path}, "ls"), "--process")
	bad := filepath.Join(t.TempDir(), "bad.json")
	os.WriteFile(bad, []byte(`{"args": "sh"}`), 0o644)
	failsOneLine(t, c.run([]string{"-p", bad}), "bad.json", "args")
}

// exec fails clearly, with 255, for a missing program or cwd, in a
// stopped, paused or unknown container; nothing is left running.
func TestExecFailures(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.startExec(e.execBundle())
	for _, tc := range []struct {
		flags, args []string
		wants       []string
	}{
		{nil, []string{"/nonexistent"}, []string{`exec: "/nonexistent"`, "no such file or directory"}},
		{nil, []string{"nonexistent"}, []string{`"nonexistent"`, "executable file not found in $PATH"}},
		{[]string{"--cwd", "/nonexistent"}, []string{"true"}, []string{"/nonexistent", "chdir", "no such file or directory"}},
		{[]string{"--cwd", "/etc/passwd"}, []string{"true"}, []string{"/etc/passwd", "not a directory"}},
		{nil, nil, []string{"no command"}},
		{[]string{"--console-socket", "/nonexistent.sock"}, []string{"true"}, []string{"--console-socket", "--tty"}},
		{[]string{"-t", "-d"}, []string{"true"}, []string{"--console-socket"}},
		{[]string{"--preserve-fds", "5"}, []string{"true"}, []string{"--preserve-fds", "not open"}},
	} {
		r := c.run(tc.flags, tc.args...)
		failsOneLine(t, r, append([]string{"exec failed"}, tc.wants...)...)
		if r.code != 255 {
			t.Errorf("exec %v %v: exit %d, want 255", tc.flags, tc.args, r.code)
		}
	}
	for ctrl, dir := range cgroupDirs(t, c.initPid()) {
		if procs := procsOf(t, dir); len(procs) != 1 {
			t.Errorf("cgroup %q of the container holds %v after failed execs, want its process only", ctrl, procs)
		}
	}
	r := e.berth("exec", "no-such-container", "true")
	failsOneLine(t, r, "no-such-container", "does not exist")
	if r.code != 255 {
		t.Errorf("unknown container: exit %d, want 255", r.code)
	}
	done := e.startExec(e.newBundle("true"))
	e.waitStatus(done.id, "stopped")
	failsOneLine(t, done.run(nil, "true"), "stopped")
}

// A created (not yet started) container can be exec'd into, as with runc.
func TestExecCreated(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.execBundle()
	id := e.create(b)
	c := &execCtr{e: e, id: id, b: b}
	if out := c.out(nil, "echo", "in a created container"); out != "in a created container\n" {
		t.Errorf("exec into a created container: %q", out)
	}
	if st := e.state(id)["status"]; st != "created" {
		t.Errorf("after exec the container is %v, want still created", st)
	}
}

// AppArmor and SELinux are absent here: an AppArmor profile is refused
// (as the config's), an SELinux label dropped with a warning.
func TestExecLSMFlags(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.startExec(e.execBundle())
	if data, _ := os.ReadFile("/sys/module/apparmor/parameters/enabled"); strings.TrimSpace(string(data)) == "Y" {
		t.Log("AppArmor is enabled on this host: the refusal is not checked")
	} else {
		failsOneLine(t, c.run([]string{"--apparmor", "berth-test"}, "true"), "AppArmor is not enabled", "berth-test")
	}
	if _, err := os.Stat("/sys/fs/selinux/enforce"); err == nil {
		t.Log("SELinux is enabled on this host: the warning is not checked")
		return
	}
	r := c.run([]string{"--process-label", "system_u:system_r:container_t:s0"}, "echo", "ran")
	if r.code != 0 || r.stdout != "ran\n" || !strings.Contains(r.stderr, "SELinux is not enabled") {
		t.Errorf("--process-label without SELinux: %s", r)
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// TestExecContainerWide: an exec'd process runs with the container's
// linux.personality and linux.memoryPolicy, as runc's (personality.bats
// "with exec", memorypolicy.bats "prefer relative").
func TestExecContainerWide(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.execBundle()
	b.spec.Linux.Personality = &specs.LinuxPersonality{Domain: specs.PerLinux32}
	b.spec.Linux.MemoryPolicy = &specs.LinuxMemoryPolicy{Mode: specs.MpolPreferred, Nodes: "0",
		Flags: []specs.MemoryPolicyFlagType{specs.MpolFRelativeNodes}}
	c := e.startExec(b)
	out := c.out(nil, "sh", "-c", `uname -m; head -n 1 /proc/self/numa_maps | cut -d " " -f 2`)
	if out != "i686\nprefer=relative:0\n" {
		t.Errorf("exec in a LINUX32 container with MPOL_PREFERRED relative 0 printed %q, want %q",
			out, "i686\nprefer=relative:0\n")
	}
}
