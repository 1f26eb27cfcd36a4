//go:build cgo

package seccomp

import (
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// rule is one syscalls[] entry for the tables.
func rule(action specs.LinuxSeccompAction, names ...string) specs.LinuxSyscall {
	return specs.LinuxSyscall{Names: names, Action: action}
}

func TestValidateErrors(t *testing.T) {
	ok := rule(specs.ActAllow, "read")
	tests := []struct {
		name string
		s    specs.LinuxSeccomp
		want string // the whole error, or its start when it ends with "..."
	}{
		{"missing default", specs.LinuxSeccomp{}, "linux.seccomp.defaultAction: missing"},
		{"unknown default", specs.LinuxSeccomp{DefaultAction: "SCMP_ACT_FOO"},
			`linux.seccomp.defaultAction: unknown action "SCMP_ACT_FOO"`},
		{"notify default", specs.LinuxSeccomp{DefaultAction: specs.ActNotify, ListenerPath: "/x"},
			"linux.seccomp.defaultAction: SCMP_ACT_NOTIFY cannot be the default action"},
		{"defaultErrnoRet with kill", specs.LinuxSeccomp{DefaultAction: specs.ActKill, DefaultErrnoRet: uintp(1)},
			"linux.seccomp.defaultErrnoRet: 1 given, but SCMP_ACT_KILL takes no errno (only SCMP_ACT_ERRNO and SCMP_ACT_TRACE do)"},
		{"defaultErrnoRet with allow", specs.LinuxSeccomp{DefaultAction: specs.ActAllow, DefaultErrnoRet: uintp(1)},
			"linux.seccomp.defaultErrnoRet: 1 given, but SCMP_ACT_ALLOW takes..."},
		{"defaultErrnoRet too big", specs.LinuxSeccomp{DefaultAction: specs.ActErrno, DefaultErrnoRet: uintp(70000)},
			"linux.seccomp.defaultErrnoRet: 70000 out of range for SCMP_ACT_ERRNO (at most 4094)"},
		{"defaultErrnoRet too big for trace", specs.LinuxSeccomp{DefaultAction: specs.ActTrace, DefaultErrnoRet: uintp(65536)},
			"linux.seccomp.defaultErrnoRet: 65536 out of range for SCMP_ACT_TRACE (at most 65535)"},
		{"unknown arch", specs.LinuxSeccomp{DefaultAction: specs.ActAllow, Architectures: []specs.Arch{specs.ArchX86, "SCMP_ARCH_VAX"}},
			`linux.seccomp.architectures[1]: unknown architecture "SCMP_ARCH_VAX"`},
		{"unknown flag", specs.LinuxSeccomp{DefaultAction: specs.ActAllow, Flags: []specs.LinuxSeccompFlag{"SECCOMP_FILTER_FLAG_FOO"}},
			`linux.seccomp.flags[0]: unknown flag "SECCOMP_FILTER_FLAG_FOO"`},
		{"NEW_LISTENER is not the profile's", specs.LinuxSeccomp{DefaultAction: specs.ActAllow, Flags: []specs.LinuxSeccompFlag{"SECCOMP_FILTER_FLAG_NEW_LISTENER"}},
			`linux.seccomp.flags[0]: unknown flag "SECCOMP_FILTER_FLAG_NEW_LISTENER"`},
		{"metadata without path", specs.LinuxSeccomp{DefaultAction: specs.ActAllow, ListenerMetadata: "m"},
			"linux.seccomp.listenerMetadata: set without listenerPath"},
		{"unknown rule action", specs.LinuxSeccomp{DefaultAction: specs.ActAllow, Syscalls: []specs.LinuxSyscall{ok, ok, ok, rule("SCMP_ACT_FOO", "read")}},
			`linux.seccomp.syscalls[3].action: unknown action "SCMP_ACT_FOO"`},
		{"missing rule action", specs.LinuxSeccomp{DefaultAction: specs.ActAllow, Syscalls: []specs.LinuxSyscall{rule("", "read")}},
			"linux.seccomp.syscalls[0].action: missing"},
		{"no names", specs.LinuxSeccomp{DefaultAction: specs.ActAllow, Syscalls: []specs.LinuxSyscall{rule(specs.ActErrno)}},
			"linux.seccomp.syscalls[0].names: must name at least one syscall"},
		{"empty name", specs.LinuxSeccomp{DefaultAction: specs.ActAllow, Syscalls: []specs.LinuxSyscall{rule(specs.ActErrno, "read", "")}},
			"linux.seccomp.syscalls[0].names[1]: empty syscall name"},
		{"errnoRet with trap", specs.LinuxSeccomp{DefaultAction: specs.ActAllow, Syscalls: []specs.LinuxSyscall{
			{Names: []string{"read"}, Action: specs.ActTrap, ErrnoRet: uintp(5)}}},
			"linux.seccomp.syscalls[0].errnoRet: 5 given, but SCMP_ACT_TRAP takes no errno..."},
		{"errnoRet too big", specs.LinuxSeccomp{DefaultAction: specs.ActAllow, Syscalls: []specs.LinuxSyscall{
			{Names: []string{"read"}, Action: specs.ActErrno, ErrnoRet: uintp(4095)}}},
			"linux.seccomp.syscalls[0].errnoRet: 4095 out of range for SCMP_ACT_ERRNO (at most 4094)"},
		{"arg index", specs.LinuxSeccomp{DefaultAction: specs.ActAllow, Syscalls: []specs.LinuxSyscall{
			{Names: []string{"read"}, Action: specs.ActErrno, Args: []specs.LinuxSeccompArg{{Index: 0, Op: specs.OpEqualTo}, {Index: 6, Op: specs.OpEqualTo}}}}},
			"linux.seccomp.syscalls[0].args[1].index: 6 out of range (syscalls have 6 arguments)"},
		{"unknown operator", specs.LinuxSeccomp{DefaultAction: specs.ActAllow, Syscalls: []specs.LinuxSyscall{
			{Names: []string{"read"}, Action: specs.ActErrno, Args: []specs.LinuxSeccompArg{{Index: 0, Op: "SCMP_CMP_FOO"}}}}},
			`linux.seccomp.syscalls[0].args[0].op: unknown operator "SCMP_CMP_FOO"`},
		{"missing operator", specs.LinuxSeccomp{DefaultAction: specs.ActAllow, Syscalls: []specs.LinuxSyscall{
			{Names: []string{"read"}, Action: specs.ActErrno, Args: []specs.LinuxSeccompArg{{Index: 0}}}}},
			`linux.seccomp.syscalls[0].args[0].op: unknown operator ""`},
		{"notify without listenerPath", specs.LinuxSeccomp{DefaultAction: specs.ActAllow, Syscalls: []specs.LinuxSyscall{rule(specs.ActNotify, "mkdir")}},
			"linux.seccomp.syscalls[0].action: SCMP_ACT_NOTIFY needs linux.seccomp.listenerPath"},
		{"notify on write", specs.LinuxSeccomp{DefaultAction: specs.ActAllow, ListenerPath: "/x", Syscalls: []specs.LinuxSyscall{rule(specs.ActNotify, "mkdir", "write")}},
			`linux.seccomp.syscalls[0].names[1]: SCMP_ACT_NOTIFY cannot be used for the write syscall: the init needs it to hand the listener over`},
		{"notify on sendmsg", specs.LinuxSeccomp{DefaultAction: specs.ActAllow, ListenerPath: "/x", Syscalls: []specs.LinuxSyscall{rule(specs.ActNotify, "sendmsg")}},
			`linux.seccomp.syscalls[0].names[0]: SCMP_ACT_NOTIFY cannot be used for the sendmsg syscall...`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := Validate(&tc.s)
			if err == nil {
				t.Fatalf("Validate: no error, want %q", tc.want)
			}
			checkErr(t, err, tc.want)
			// Compile validates first: same error.
			if _, _, err := Compile(&tc.s); err == nil {
				t.Fatal("Compile: no error")
			} else {
				checkErr(t, err, tc.want)
			}
		})
	}
}

func checkErr(t *testing.T, err error, want string) {
	t.Helper()
	if prefix, ok := strings.CutSuffix(want, "..."); ok {
		if !strings.HasPrefix(err.Error(), prefix) {
			t.Fatalf("error %q, want it to start with %q", err, prefix)
		}
		return
	}
	if err.Error() != want {
		t.Fatalf("error %q, want %q", err, want)
	}
}

// TestValidateAccepts covers every name the spec defines.
func TestValidateAccepts(t *testing.T) {
	if err := Validate(nil); err != nil {
		t.Fatalf("nil profile: %v", err)
	}
	s := specs.LinuxSeccomp{DefaultAction: specs.ActErrno, DefaultErrnoRet: uintp(38), ListenerPath: "/run/agent.sock", ListenerMetadata: "m"}
	for a := range archs {
		s.Architectures = append(s.Architectures, a)
	}
	for f := range flagNames {
		s.Flags = append(s.Flags, f)
	}
	for a, takes := range actionTakesErrno {
		r := rule(a, "read")
		if takes {
			r.ErrnoRet = uintp(0)
		}
		s.Syscalls = append(s.Syscalls, r)
	}
	for op := range operators {
		s.Syscalls = append(s.Syscalls, specs.LinuxSyscall{Names: []string{"read"}, Action: specs.ActErrno,
			Args: []specs.LinuxSeccompArg{{Index: 5, Op: op, Value: 1, ValueTwo: 1}}})
	}
	s.Syscalls = append(s.Syscalls, rule(specs.ActAllow, "no_such_syscall")) // Compile's business
	if err := Validate(&s); err != nil {
		t.Fatal(err)
	}
	if len(archs) != 23 || len(flagNames) != 4 || len(actionTakesErrno) != 9 || len(operators) != 7 {
		t.Fatalf("the tables miss names of runtime-spec v1.3.0: %d archs, %d flags, %d actions, %d operators",
			len(archs), len(flagNames), len(actionTakesErrno), len(operators))
	}
}
