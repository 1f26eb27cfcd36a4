package integration

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// The process: args, env, cwd, user, capabilities, rlimits,
// noNewPrivileges, oomScoreAdj, scheduler, I/O priority, personality,
// hostname, domainname and sysctl.

func TestArgsEnvCwd(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.newBundle("sh", "-c", `printf '[%s]' "$@"; echo; echo "A=$A B=$B"; pwd; env | grep -c =; echo $HOME`, "sh", "one two", "", "*")
	b.spec.Process.Env = []string{"PATH=/bin", "A=1", "B=two words"}
	b.spec.Process.Cwd = "/does/not/exist/yet"
	// the three given, HOME (root's in the rootfs's /etc/passwd), and
	// the shell's PWD and SHLVL
	expectLines(t, e.runOK(b), "[one two][][*]", "A=1 B=two words", "/does/not/exist/yet", "6", "/root")
}

// TestEnvOnceEach: a variable given twice is set once, to its last
// value, where that was given (runc's order; env(1) would list both);
// HOME comes last when the environment has none or an empty one. The
// same for an exec's process file.
func TestEnvOnceEach(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.newBundle("env")
	b.spec.Process.Env = []string{"ONE=two", "PATH=/bin", "ONE=", "HOME=/h", "TWO=2", "HOME="}
	expectLines(t, e.runOK(b), "PATH=/bin", "ONE=", "TWO=2", "HOME=/root")

	c := e.startExec(e.execBundle())
	p := c.process("env")
	p.Env = []string{"A=1", "PATH=/bin", "A=2", "HOME=/x"}
	expectLines(t, c.out([]string{"--process", writeProcess(t, p)}), "PATH=/bin", "A=2", "HOME=/x")
}

func TestUserGroupsUmask(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.newBundle().shell(`id -u; id -g; id -G; grep Groups /proc/self/status; umask; touch /tmp/f; stat -c '%a %u:%g' /tmp/f`)
	b.spec.Root.Readonly = false
	os.Chmod(filepath.Join(b.rootfs(), "tmp"), 0o1777)
	um := uint32(0o027)
	b.spec.Process.User = specs.User{UID: 1000, GID: 1001, Umask: &um, AdditionalGids: []uint32{5, 2000}}
	expectLines(t, e.runOK(b), "1000", "1001", "1001 5 2000", "Groups:\t5 2000 ", "0027", "640 1000:1001")
}

// capBits renders capability numbers as /proc/PID/status does.
func capBits(caps ...uint) string {
	var v uint64
	for _, c := range caps {
		v |= 1 << c
	}
	return fmt.Sprintf("%016x", v)
}

// TestCapabilities sets all five sets; after execve the kernel computes
// the new sets from them (man 7 capabilities): for root, permitted and
// effective become bounding | inheritable; for another user only the
// ambient set survives into permitted and effective.
func TestCapabilities(t *testing.T) {
	t.Parallel()
	const chown, kill, netRaw = 0, 5, 13
	caps := &specs.LinuxCapabilities{
		Bounding:    []string{"CAP_CHOWN", "CAP_KILL", "CAP_NET_RAW"},
		Effective:   []string{"CAP_CHOWN", "CAP_KILL"},
		Permitted:   []string{"CAP_CHOWN", "CAP_KILL"},
		Inheritable: []string{"CAP_KILL"},
		Ambient:     []string{"CAP_KILL"},
	}
	all := capBits(chown, kill, netRaw)
	for _, c := range []struct {
		name string
		uid  uint32
		nnp  bool
		want []string
	}{
		{"root", 0, false, []string{capBits(kill), all, all, all, capBits(kill)}},
		// no_new_privs: execve cannot add to the permitted set
		{"root-nnp", 0, true, []string{capBits(kill), capBits(chown, kill), capBits(chown, kill), all, capBits(kill)}},
		{"user", 1000, false, []string{capBits(kill), capBits(kill), capBits(kill), all, capBits(kill)}},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			b := e.newBundle().shell(`for s in Inh Prm Eff Bnd Amb; do grep "^Cap$s:" /proc/self/status | cut -f2; done`)
			b.spec.Process.User.UID = c.uid
			b.spec.Process.NoNewPrivileges = c.nnp
			b.spec.Process.Capabilities = caps
			expectLines(t, e.runOK(b), c.want...)
		})
	}
}

func TestRlimits(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.newBundle().shell(`grep -E '^Max (open files|processes|core file size)' /proc/self/limits`)
	b.spec.Process.Rlimits = []specs.POSIXRlimit{
		{Type: "RLIMIT_NOFILE", Soft: 100, Hard: 200},
		{Type: "RLIMIT_NPROC", Soft: 50, Hard: 60},
		{Type: "RLIMIT_CORE", Soft: 0, Hard: 0},
	}
	out := normSpaces(e.runOK(b))
	expectLines(t, out, "Max core file size 0 0 bytes", "Max processes 50 60 processes", "Max open files 100 200 files")
}

// TestRlimitAboveHard: raising a hard limit above berth's needs
// CAP_SYS_RESOURCE, which this host's bounding set lacks: create fails
// with one line naming the limit.
func TestRlimitAboveHard(t *testing.T) {
	t.Parallel()
	if hasHostCap(24) {
		t.Skip("the host has CAP_SYS_RESOURCE: raising a hard rlimit works here")
	}
	e := newEnv(t)
	b := e.newBundle("true")
	b.spec.Process.Rlimits = []specs.POSIXRlimit{{Type: "RLIMIT_NOFILE", Soft: 1 << 20, Hard: 1 << 20}}
	id := e.id()
	failsOneLine(t, e.createIO("create", id, b), "process.rlimits", "RLIMIT_NOFILE")
	e.assertNothingLeft(id, b)
}

// hasHostCap says whether the test process's bounding set has cap.
func hasHostCap(c uint) bool {
	data, _ := os.ReadFile("/proc/self/status")
	m := regexp.MustCompile(`(?m)^CapBnd:\s+([0-9a-f]+)$`).FindStringSubmatch(string(data))
	if m == nil {
		return false
	}
	var v uint64
	for _, ch := range m[1] {
		v = v<<4 | uint64(strings.IndexRune("0123456789abcdef", ch))
	}
	return v&(1<<c) != 0
}

func TestNoNewPrivileges(t *testing.T) {
	t.Parallel()
	for _, nnp := range []bool{true, false} {
		t.Run(map[bool]string{true: "on", false: "off"}[nnp], func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			b := e.newBundle().shell(`grep NoNewPrivs /proc/self/status | cut -f2`)
			b.spec.Process.NoNewPrivileges = nnp
			expectLines(t, e.runOK(b), map[bool]string{true: "1", false: "0"}[nnp])
		})
	}
}

func TestOOMScoreAdj(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.newBundle().shell(`cat /proc/self/oom_score_adj`)
	adj := 123
	b.spec.Process.OOMScoreAdj = &adj
	expectLines(t, e.runOK(b), "123")

	// in a user namespace too (a CRI pod with hostUsers: false): the init
	// writes it before entering any namespace
	t.Run("userns", func(t *testing.T) {
		b := e.newBundle().shell(`cat /proc/self/oom_score_adj`)
		b.useUserns(t, 600000)
		adj := 456
		b.spec.Process.OOMScoreAdj = &adj
		expectLines(t, e.runOK(b), "456")
	})

	t.Run("negative", func(t *testing.T) {
		if hasHostCap(24) {
			t.Skip("the host has CAP_SYS_RESOURCE: a negative oomScoreAdj works here")
		}
		// this host lacks CAP_SYS_RESOURCE in the bounding set: lowering
		// oom_score_adj below berth's own is refused
		b := e.newBundle("true")
		neg := -100
		b.spec.Process.OOMScoreAdj = &neg
		id := e.id()
		failsOneLine(t, e.createIO("create", id, b), "oom")
		e.assertNothingLeft(id, b)
	})
}

func TestSchedulerAndIOPriority(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	// /proc/self/stat after the command name: field 19 is nice, 41 policy
	b := e.newBundle().shell(`sed 's/.*) //' /proc/self/stat | cut -d' ' -f17,39; ionice -p $$`)
	b.spec.Process.Scheduler = &specs.Scheduler{Policy: specs.SchedBatch, Nice: 7}
	b.spec.Process.IOPriority = &specs.LinuxIOPriority{Class: specs.IOPRIO_CLASS_BE, Priority: 6}
	expectLines(t, e.runOK(b), "7 3", "best-effort: prio 6")
}

func TestPersonality(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.newBundle("uname", "-m")
	b.spec.Linux.Personality = &specs.LinuxPersonality{Domain: specs.PerLinux32}
	expectLines(t, e.runOK(b), "i686")
}

// TestSysctl: net.* in the container's network namespace, kernel.shm*
// in its IPC namespace; the host's values do not change.
func TestSysctl(t *testing.T) {
	t.Parallel()
	hostFwd, _ := os.ReadFile("/proc/sys/net/ipv4/ip_forward")
	hostShm, _ := os.ReadFile("/proc/sys/kernel/shmmax")
	e := newEnv(t)
	b := e.newBundle().shell(`cat /proc/sys/net/ipv4/ip_forward /proc/sys/kernel/shmmax /proc/sys/net/ipv4/ip_default_ttl`)
	want := "1"
	if strings.TrimSpace(string(hostFwd)) == "1" {
		want = "0"
	}
	b.spec.Linux.Sysctl = map[string]string{"net.ipv4.ip_forward": want, "kernel.shmmax": "123456789", "net/ipv4/ip_default_ttl": "42"}
	expectLines(t, e.runOK(b), want, "123456789", "42")
	if after, _ := os.ReadFile("/proc/sys/net/ipv4/ip_forward"); string(after) != string(hostFwd) {
		t.Errorf("the host's ip_forward changed: %q -> %q", hostFwd, after)
	}
	if after, _ := os.ReadFile("/proc/sys/kernel/shmmax"); string(after) != string(hostShm) {
		t.Errorf("the host's shmmax changed: %q -> %q", hostShm, after)
	}
}

// TestSysctlOutsideNamespace: a net.* sysctl without a network namespace
// of the container's own would change the host: refused, naming it.
func TestSysctlOutsideNamespace(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.newBundle("true")
	b.removeNamespace(specs.NetworkNamespace)
	b.spec.Linux.Sysctl = map[string]string{"net.ipv4.ip_forward": "1"}
	id := e.id()
	failsOneLine(t, e.createIO("create", id, b), "net.ipv4.ip_forward")
	e.assertNothingLeft(id, b)
}

// TestExecveError: a process whose exec fails (here a script naming an
// interpreter that does not exist) is said as runc's run says it, one
// line with Go's lower-case errno text: `run` gives the process's words
// alone, `start` names the container first. runc's run.bats "[execve
// error]".
func TestExecveError(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.newBundle("/run.sh")
	if err := os.WriteFile(filepath.Join(b.rootfs(), "run.sh"), []byte("#!/mmnnttbb foo bar\nsh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	const want = "exec /run.sh: no such file or directory\n"
	id := e.id()
	b.save(t)
	if r := e.berth("run", "--bundle", b.dir, id); r.code == 0 || r.stderr != want {
		t.Errorf("run: %s, want a failure saying %q", r, want)
	}
	e.assertNothingLeft(id, b)
	id = e.create(b)
	if r := e.berth("start", id); r.code == 0 || r.stderr != "start container "+id+": "+want {
		t.Errorf("start: %s, want a failure saying %q after the container", r, want)
	}
}

// TestSchedulerWithCPUs: a deadline scheduler needs every CPU in the
// affinity mask, so the kernel refuses it (EPERM) in a container limited
// to fewer by linux.resources.cpu.cpus: create and exec say so in runc's
// words (scheduler.bats "scheduler vs cpus").
func TestSchedulerWithCPUs(t *testing.T) {
	t.Parallel()
	if onlineCPUs(t) < 2 {
		t.Skip("needs 2 online CPUs: this host has 1")
	}
	const want = "process scheduler can't be used together with AllowedCPUs"
	deadline := &specs.Scheduler{Policy: specs.SchedDeadline, Runtime: 42000, Deadline: 1000000, Period: 1000000}
	e := newEnv(t)
	b := e.execBundle()
	b.spec.Linux.Resources = &specs.LinuxResources{CPU: &specs.LinuxCPU{Cpus: "0"}}
	b.spec.Process.Scheduler = deadline
	id := e.id()
	failsOneLine(t, e.createIO("create", id, b), want)
	e.assertNothingLeft(id, b)
	b.spec.Process.Scheduler = nil
	c := e.startExec(b)
	p := c.process("true")
	p.Scheduler = deadline
	r := c.run([]string{"--process", writeProcess(t, p)})
	if r.code == 0 || !strings.Contains(r.stderr, want) {
		t.Errorf("exec with SCHED_DEADLINE in a container on CPU 0: %s, want %q", r, want)
	}
}

// TestSeccompNotifyErrors: a notify profile whose agent is not there, or
// that asks to notify write(2) (the init writes after loading the
// filter), fails the create in runc's words (seccomp-notify.bats) and
// leaves nothing behind.
func TestSeccompNotifyErrors(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for _, tc := range []struct {
		name, want string
	}{
		{"mkdir", "failed to connect with seccomp agent"},
		{"write", "SCMP_ACT_NOTIFY cannot be used for the write syscall"},
	} {
		b := e.newBundle("true")
		b.spec.Linux.Seccomp = &specs.LinuxSeccomp{
			DefaultAction: specs.ActAllow,
			ListenerPath:  filepath.Join(t.TempDir(), "no-agent.sock"),
			Syscalls:      []specs.LinuxSyscall{{Names: []string{tc.name}, Action: specs.ActNotify}},
		}
		id := e.id()
		failsOneLine(t, e.createIO("run", id, b), tc.want)
		e.assertNothingLeft(id, b)
	}
}

// TestSeccompDefaultFlags: a profile without `flags` is loaded with
// SECCOMP_FILTER_FLAG_SPEC_ALLOW, as runc loads it (engines give no
// flags); a `flags` field, even an empty one, is taken as it is; an exec
// loads the container's filter with the container's flags. The flags a
// filter was loaded with show nowhere in the process (and SPEC_ALLOW
// changes the process only on a kernel whose Speculative Store Bypass
// mode is "seccomp"), so the test reads them from --debug, where runc's
// seccomp.bats reads them too, and checks that the filter took effect.
func TestSeccompDefaultFlags(t *testing.T) {
	t.Parallel()
	const specAllow, log = 4, 2
	for _, tc := range []struct {
		name  string
		flags []any // as config.json gives them; nil: no field
		want  int
	}{
		{"absent", nil, specAllow},
		{"empty", []any{}, 0},
		{"log", []any{"SECCOMP_FILTER_FLAG_LOG"}, log},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			b := e.execBundle()
			b.spec.Linux.Seccomp = &specs.LinuxSeccomp{
				DefaultAction: specs.ActAllow,
				Architectures: []specs.Arch{specs.ArchX86_64, specs.ArchX86, specs.ArchX32},
				Syscalls:      []specs.LinuxSyscall{{Names: []string{"mkdir", "mkdirat"}, Action: specs.ActErrno}},
			}
			editJSON(t, b, func(m map[string]any) {
				if tc.flags != nil {
					m["linux"].(map[string]any)["seccomp"].(map[string]any)["flags"] = tc.flags
				}
			})
			want := fmt.Sprintf("seccomp filter flags: %d\"", tc.want)
			id := e.id()
			logFile := filepath.Join(t.TempDir(), "run.log")
			null, _ := os.Open(os.DevNull)
			defer null.Close()
			errf, err := os.Create(logFile)
			if err != nil {
				t.Fatal(err)
			}
			defer errf.Close()
			if code := e.berthIO(null, null, errf, "--debug", "run", "--detach", "--bundle", b.dir, id); code != 0 {
				t.Fatalf("berth run --detach: exit %d", code)
			}
			if log, _ := os.ReadFile(logFile); !strings.Contains(string(log), want) {
				t.Errorf("run: want %q in the debug log: %s", want, log)
			}
			// a writable tmpfs: only seccomp can refuse
			r := e.berth("--debug", "exec", id, "mkdir", "/dev/shm/denied")
			if r.code == 0 || !strings.Contains(r.stderr, "Operation not permitted") || !strings.Contains(r.stderr, want) {
				t.Errorf("exec mkdir under a profile denying it: %s; want EPERM and %q", r, want)
			}
		})
	}
}
