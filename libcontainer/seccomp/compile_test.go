//go:build cgo

package seccomp

import (
	"slices"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	libseccomp "github.com/seccomp/libseccomp-golang"
	"golang.org/x/sys/unix"
)

func TestCompileNil(t *testing.T) {
	p, w, err := Compile(nil)
	if p != nil || w != nil || err != nil {
		t.Fatalf("Compile(nil) = %v, %v, %v", p, w, err)
	}
}

// TestCompileActions checks the verdict of every action, as a rule's action
// and as the default action.
func TestCompileActions(t *testing.T) {
	tests := []struct {
		action specs.LinuxSeccompAction
		errno  *uint
		want   uint32
	}{
		{specs.ActKill, nil, unix.SECCOMP_RET_KILL_THREAD},
		{specs.ActKillThread, nil, unix.SECCOMP_RET_KILL_THREAD},
		{specs.ActKillProcess, nil, unix.SECCOMP_RET_KILL_PROCESS},
		{specs.ActTrap, nil, unix.SECCOMP_RET_TRAP},
		{specs.ActErrno, nil, retErrno(unix.EPERM)},
		{specs.ActErrno, uintp(0), retErrno(0)},
		{specs.ActErrno, uintp(uint(unix.ENOSPC)), retErrno(unix.ENOSPC)},
		{specs.ActErrno, uintp(4094), unix.SECCOMP_RET_ERRNO | 4094},
		{specs.ActTrace, nil, unix.SECCOMP_RET_TRACE | uint32(unix.EPERM)},
		{specs.ActTrace, uintp(7), unix.SECCOMP_RET_TRACE | 7},
		{specs.ActTrace, uintp(65535), unix.SECCOMP_RET_TRACE | 65535},
		{specs.ActAllow, nil, retAllow},
		{specs.ActLog, nil, unix.SECCOMP_RET_LOG},
		{specs.ActNotify, nil, unix.SECCOMP_RET_USER_NOTIF},
	}
	arch := nativeArch(t)
	for _, tc := range tests {
		t.Run(string(tc.action), func(t *testing.T) {
			def := specs.ActAllow
			if tc.action == specs.ActAllow {
				def = specs.ActKillProcess
			}
			s := &specs.LinuxSeccomp{DefaultAction: def, ListenerPath: "/agent.sock", Syscalls: []specs.LinuxSyscall{
				{Names: []string{"getpgid"}, Action: tc.action, ErrnoRet: tc.errno}}}
			p, _ := mustCompile(t, s)
			if got := verdict(t, p, arch, "getpgid"); got != tc.want {
				t.Errorf("rule: getpgid gives %#x, want %#x", got, tc.want)
			}
			if tc.action == specs.ActNotify {
				return // not a default action
			}
			s = &specs.LinuxSeccomp{DefaultAction: tc.action, DefaultErrnoRet: tc.errno}
			p, _ = mustCompile(t, s)
			if got := verdict(t, p, arch, "getpgid"); got != tc.want {
				t.Errorf("default: getpgid gives %#x, want %#x", got, tc.want)
			}
		})
	}
}

// errnoRule is a profile that fails getpgid with 99 when args match.
func errnoRule(args ...specs.LinuxSeccompArg) *specs.LinuxSeccomp {
	return &specs.LinuxSeccomp{DefaultAction: specs.ActAllow, Syscalls: []specs.LinuxSyscall{
		{Names: []string{"getpgid"}, Action: specs.ActErrno, ErrnoRet: uintp(99), Args: args}}}
}

func TestCompileOperators(t *testing.T) {
	arg := func(op specs.LinuxSeccompOperator, v, v2 uint64) specs.LinuxSeccompArg {
		return specs.LinuxSeccompArg{Index: 0, Op: op, Value: v, ValueTwo: v2}
	}
	tests := []struct {
		arg   specs.LinuxSeccompArg
		match []uint64
		miss  []uint64
	}{
		{arg(specs.OpNotEqual, 10, 0), []uint64{9, 11, 1 << 40}, []uint64{10}},
		{arg(specs.OpLessThan, 10, 0), []uint64{0, 9}, []uint64{10, 11, 1 << 40}},
		{arg(specs.OpLessEqual, 10, 0), []uint64{0, 10}, []uint64{11, 1 << 40}},
		{arg(specs.OpEqualTo, 10, 0), []uint64{10}, []uint64{9, 11, 10 | 1<<32}},
		{arg(specs.OpEqualTo, 1<<32|5, 0), []uint64{1<<32 | 5}, []uint64{5, 1 << 32}},
		{arg(specs.OpGreaterEqual, 10, 0), []uint64{10, 11, 1 << 40}, []uint64{0, 9}},
		{arg(specs.OpGreaterThan, 10, 0), []uint64{11, 1 << 40}, []uint64{9, 10}},
		// value is the mask, valueTwo the datum: (arg & value) == valueTwo
		{arg(specs.OpMaskedEqual, 0xff00, 0x1200), []uint64{0x1200, 0x12ab, 0xff12ab}, []uint64{0x13ab, 0xab}},
		{arg(specs.OpMaskedEqual, 0x7e020000, 0), []uint64{0, 0x11}, []uint64{0x20000}},
	}
	arch := nativeArch(t)
	for _, tc := range tests {
		t.Run(string(tc.arg.Op), func(t *testing.T) {
			p, _ := mustCompile(t, errnoRule(tc.arg))
			for _, v := range tc.match {
				if got := verdict(t, p, arch, "getpgid", v); got != retErrno(99) {
					t.Errorf("arg %#x: %#x, want the rule's ERRNO(99)", v, got)
				}
			}
			for _, v := range tc.miss {
				if got := verdict(t, p, arch, "getpgid", v); got != retAllow {
					t.Errorf("arg %#x: %#x, want the default ALLOW", v, got)
				}
			}
		})
	}
}

// TestCompileArgs checks how several args combine: ANDed on distinct
// indexes, all ORed once an index repeats (runc's and crun's behaviour).
func TestCompileArgs(t *testing.T) {
	eq := func(i uint, v uint64) specs.LinuxSeccompArg {
		return specs.LinuxSeccompArg{Index: i, Op: specs.OpEqualTo, Value: v}
	}
	ge := specs.LinuxSeccompArg{Index: 0, Op: specs.OpGreaterEqual, Value: 100}
	le := specs.LinuxSeccompArg{Index: 0, Op: specs.OpLessEqual, Value: 120}
	tests := []struct {
		name  string
		args  []specs.LinuxSeccompArg
		match [][]uint64
		miss  [][]uint64
		warn  bool
	}{
		{"distinct indexes are ANDed", []specs.LinuxSeccompArg{eq(0, 1), eq(1, 2), eq(5, 3)},
			[][]uint64{{1, 2, 0, 0, 0, 3}}, [][]uint64{{1, 2}, {1, 0, 0, 0, 0, 3}, {0, 2, 0, 0, 0, 3}}, false},
		{"a repeated index ORs every condition", []specs.LinuxSeccompArg{ge, le, eq(1, 7)},
			[][]uint64{{50}, {110}, {250}, {250, 7}}, nil, true},
		{"repeated index alone", []specs.LinuxSeccompArg{eq(0, 1), eq(0, 2)},
			[][]uint64{{1}, {2}}, [][]uint64{{3}}, true},
	}
	arch := nativeArch(t)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, w := mustCompile(t, errnoRule(tc.args...))
			for _, a := range tc.match {
				if got := verdict(t, p, arch, "getpgid", a...); got != retErrno(99) {
					t.Errorf("args %v: %#x, want ERRNO(99)", a, got)
				}
			}
			for _, a := range tc.miss {
				if got := verdict(t, p, arch, "getpgid", a...); got != retAllow {
					t.Errorf("args %v: %#x, want ALLOW", a, got)
				}
			}
			warned := slices.ContainsFunc(w, func(s string) bool { return strings.Contains(s, "ORed") })
			if warned != tc.warn {
				t.Errorf("warnings %q: ORed warning %v, want %v", w, warned, tc.warn)
			}
		})
	}
}

func TestCompileValueTwoIgnored(t *testing.T) {
	p, w := mustCompile(t, errnoRule(specs.LinuxSeccompArg{Index: 0, Op: specs.OpEqualTo, Value: 5, ValueTwo: 9}))
	want := []string{"linux.seccomp.syscalls[0].args[0].valueTwo: ignored with SCMP_CMP_EQ"}
	if !slices.Equal(w, want) {
		t.Errorf("warnings %q, want %q", w, want)
	}
	if got := verdict(t, p, nativeArch(t), "getpgid", 5); got != retErrno(99) {
		t.Errorf("arg 5: %#x", got)
	}
}

// libseccompKnows says whether the host's libseccomp supports an arch.
func libseccompKnows(a specs.Arch) bool {
	f, err := libseccomp.NewFilter(libseccomp.ActAllow)
	if err != nil {
		return false
	}
	defer f.Release()
	return f.AddArch(scmpArchs[a]) == nil
}

// TestCompileArchitectures checks every architecture: a listed one gets the
// rule, with its own syscall numbers; an unlisted one gets libseccomp's bad
// arch action (KILL_THREAD).
func TestCompileArchitectures(t *testing.T) {
	native := nativeArch(t)
	for a := range archs {
		t.Run(string(a), func(t *testing.T) {
			s := &specs.LinuxSeccomp{DefaultAction: specs.ActAllow, Architectures: []specs.Arch{a},
				Syscalls: []specs.LinuxSyscall{{Names: []string{"getpgid"}, Action: specs.ActErrno}}}
			p, _, err := Compile(s)
			if !libseccompKnows(a) {
				if err == nil || !strings.HasPrefix(err.Error(), "linux.seccomp.architectures[0]: "+string(a)+": ") {
					t.Fatalf("libseccomp %s lacks %s: error %v", LibseccompVersion(), a, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := verdict(t, p, a, "getpgid"); got != retErrno(unix.EPERM) {
				t.Errorf("getpgid on %s: %#x, want ERRNO(EPERM)", a, got)
			}
			if got := verdict(t, p, native, "getpgid"); got != retErrno(unix.EPERM) {
				t.Errorf("getpgid on the native %s: %#x, want ERRNO(EPERM)", native, got)
			}
			other := specs.ArchS390X
			if a == other || native == other {
				other = specs.ArchPPC
			}
			if got := verdictNr(t, p, other, 1); got != retKill {
				t.Errorf("syscall 1 of unlisted %s: %#x, want KILL", other, got)
			}
		})
	}
}

func TestCompileFlags(t *testing.T) {
	flags := func(f ...specs.LinuxSeccompFlag) []specs.LinuxSeccompFlag { return f }
	notify := []specs.LinuxSyscall{rule(specs.ActNotify, "mkdir")}
	tests := []struct {
		name  string
		flags []specs.LinuxSeccompFlag
		rules []specs.LinuxSyscall
		want  uint
		warn  string
	}{
		{"none", nil, nil, 0, ""},
		{"tsync (ignored: the init is single-threaded)", flags("SECCOMP_FILTER_FLAG_TSYNC"), nil, 0, ""},
		{"log", flags(specs.LinuxSeccompFlagLog), nil, FlagLog, ""},
		{"spec allow", flags(specs.LinuxSeccompFlagSpecAllow), nil, FlagSpecAllow, ""},
		{"all but wait killable", flags("SECCOMP_FILTER_FLAG_TSYNC", specs.LinuxSeccompFlagLog, specs.LinuxSeccompFlagSpecAllow), nil,
			FlagLog | FlagSpecAllow, ""},
		{"wait killable without notify", flags(specs.LinuxSeccompFlagWaitKillableRecv), nil, 0,
			"linux.seccomp.flags: SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV dropped: no rule uses SCMP_ACT_NOTIFY"},
		{"notify", nil, notify, FlagNewListener, ""},
		{"notify wait killable", flags(specs.LinuxSeccompFlagWaitKillableRecv), notify, FlagNewListener | FlagWaitKillableRecv, ""},
		{"notify tsync", flags("SECCOMP_FILTER_FLAG_TSYNC"), notify, FlagNewListener, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := &specs.LinuxSeccomp{DefaultAction: specs.ActAllow, Flags: tc.flags, Syscalls: tc.rules,
				ListenerPath: "/agent.sock", ListenerMetadata: "meta"}
			p, w := mustCompile(t, s)
			if p.Flags != tc.want {
				t.Errorf("flags %#x, want %#x", p.Flags, tc.want)
			}
			var want []string
			if tc.warn != "" {
				want = []string{tc.warn}
			}
			if !slices.Equal(w, want) {
				t.Errorf("warnings %q, want %q", w, want)
			}
			n := tc.rules != nil
			if p.NeedsNotify != n || (p.ListenerPath == "/agent.sock") != n || (p.ListenerMetadata == "meta") != n {
				t.Errorf("NeedsNotify %v, ListenerPath %q, ListenerMetadata %q; want notify %v",
					p.NeedsNotify, p.ListenerPath, p.ListenerMetadata, n)
			}
		})
	}
}

// TestCompileUnknownSyscall: names libseccomp does not know are skipped
// with one warning each; the rest of the rule stands.
func TestCompileUnknownSyscall(t *testing.T) {
	s := &specs.LinuxSeccomp{DefaultAction: specs.ActAllow, Syscalls: []specs.LinuxSyscall{
		rule(specs.ActErrno, "no_such_call", "getpgid", "another_fake"),
		rule(specs.ActErrno, "only_fakes"),
	}}
	p, w := mustCompile(t, s)
	v := LibseccompVersion()
	want := []string{
		`linux.seccomp.syscalls[0].names[0]: syscall "no_such_call" unknown to libseccomp ` + v + `: skipped`,
		`linux.seccomp.syscalls[0].names[2]: syscall "another_fake" unknown to libseccomp ` + v + `: skipped`,
		`linux.seccomp.syscalls[1].names[0]: syscall "only_fakes" unknown to libseccomp ` + v + `: skipped`,
	}
	if !slices.Equal(w, want) {
		t.Errorf("warnings:\n%s\nwant:\n%s", strings.Join(w, "\n"), strings.Join(want, "\n"))
	}
	if got := verdict(t, p, nativeArch(t), "getpgid"); got != retErrno(unix.EPERM) {
		t.Errorf("getpgid: %#x, want ERRNO(EPERM)", got)
	}
}

// TestCompileRuleLikeDefault: a rule with the default's action is a no-op
// (libseccomp would refuse it), with the same errno or not.
func TestCompileRuleLikeDefault(t *testing.T) {
	s := &specs.LinuxSeccomp{DefaultAction: specs.ActErrno, Syscalls: []specs.LinuxSyscall{
		rule(specs.ActAllow, "read"),
		rule(specs.ActErrno, "getpgid"),
		{Names: []string{"getpgid"}, Action: specs.ActErrno, ErrnoRet: uintp(1)},
		{Names: []string{"getsid"}, Action: specs.ActErrno, ErrnoRet: uintp(38)},
	}}
	p, w := mustCompile(t, s)
	if len(w) != 0 {
		t.Errorf("warnings %q", w)
	}
	arch := nativeArch(t)
	for name, want := range map[string]uint32{"read": retAllow, "getpgid": retErrno(unix.EPERM), "getsid": retErrno(unix.ENOSYS)} {
		if got := verdict(t, p, arch, name); got != want {
			t.Errorf("%s: %#x, want %#x", name, got, want)
		}
	}
}

// TestCompileConflict: two unconditional rules for one syscall: libseccomp
// keeps the first (2.5.4; runc, on the same library, does the same).
func TestCompileConflict(t *testing.T) {
	for _, order := range [][2]specs.LinuxSeccompAction{
		{specs.ActAllow, specs.ActKillProcess},
		{specs.ActKillProcess, specs.ActAllow},
		{specs.ActErrno, specs.ActLog},
	} {
		s := &specs.LinuxSeccomp{DefaultAction: specs.ActKillThread, Syscalls: []specs.LinuxSyscall{
			rule(order[0], "read"), rule(order[1], "write", "read")}}
		p, _ := mustCompile(t, s)
		first, _ := mustCompile(t, &specs.LinuxSeccomp{DefaultAction: specs.ActKillThread, Syscalls: []specs.LinuxSyscall{rule(order[0], "read")}})
		arch := nativeArch(t)
		if got, want := verdict(t, p, arch, "read"), verdict(t, first, arch, "read"); got != want {
			t.Errorf("%v: read gives %#x, want the first rule's %#x", order, got, want)
		}
	}
}

func TestProgramBytes(t *testing.T) {
	p, _ := mustCompile(t, errnoRule(specs.LinuxSeccompArg{Index: 1, Op: specs.OpMaskedEqual, Value: 3, ValueTwo: 1}))
	b := p.Bytes()
	if len(b) != 8*len(p.Filter) {
		t.Fatalf("%d bytes for %d instructions", len(b), len(p.Filter))
	}
	back, err := parseFilter(b)
	if err != nil || !slices.Equal(back, p.Filter) {
		t.Fatalf("round trip: %v, equal %v", err, slices.Equal(back, p.Filter))
	}
	if _, err := parseFilter(b[:len(b)-1]); err == nil {
		t.Fatal("a truncated program parsed")
	}
}
