//go:build cgo

package seccomp

import (
	"slices"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// The names `berth features` reports must be what Validate and Compile
// accept.

// ruleWith is a profile with one rule on getpid.
func ruleWith(r specs.LinuxSyscall) *specs.LinuxSeccomp {
	r.Names = []string{"getpid"}
	return &specs.LinuxSeccomp{DefaultAction: specs.ActAllow, ListenerPath: "/run/agent.sock", Syscalls: []specs.LinuxSyscall{r}}
}

func TestFeaturesActions(t *testing.T) {
	names := ActionNames()
	for _, a := range names {
		s := ruleWith(specs.LinuxSyscall{Action: specs.LinuxSeccompAction(a)})
		if err := Validate(s); err != nil {
			t.Errorf("action %s is reported but refused: %v", a, err)
		}
		if _, _, err := Compile(s); err != nil {
			t.Errorf("action %s is reported but does not compile: %v", a, err)
		}
	}
	if len(names) != 9 || !slices.IsSorted(names) {
		t.Errorf("actions %v, want the spec's 9, sorted", names)
	}
	if err := Validate(ruleWith(specs.LinuxSyscall{Action: "SCMP_ACT_NOPE"})); err == nil {
		t.Error("an unknown action is accepted")
	}
}

func TestFeaturesOperators(t *testing.T) {
	names := OperatorNames()
	for _, op := range names {
		s := ruleWith(specs.LinuxSyscall{Action: specs.ActErrno, Args: []specs.LinuxSeccompArg{{Index: 0, Value: 1, ValueTwo: 1, Op: specs.LinuxSeccompOperator(op)}}})
		if err := Validate(s); err != nil {
			t.Errorf("operator %s is reported but refused: %v", op, err)
		}
		if _, _, err := Compile(s); err != nil {
			t.Errorf("operator %s is reported but does not compile: %v", op, err)
		}
	}
	if len(names) != 7 {
		t.Errorf("operators %v, want the spec's 7", names)
	}
}

func TestFeaturesArchs(t *testing.T) {
	names := ArchNames()
	for name := range scmpArchs {
		s := &specs.LinuxSeccomp{DefaultAction: specs.ActAllow, Architectures: []specs.Arch{name}}
		_, _, err := Compile(s)
		reported := slices.Contains(names, string(name))
		switch {
		case Validate(s) != nil:
			t.Errorf("architecture %s refused by Validate", name)
		case reported && err != nil && !strings.Contains(err.Error(), "byte order differs"):
			t.Errorf("architecture %s is reported but does not compile: %v", name, err)
		case !reported && (err == nil || !strings.Contains(err.Error(), "not supported")):
			t.Errorf("architecture %s is not reported, but libseccomp takes it: %v", name, err)
		}
	}
	if !slices.Contains(names, string(specs.ArchX86_64)) || !slices.IsSorted(names) {
		t.Errorf("architectures %v", names)
	}
}

func TestFeaturesFlags(t *testing.T) {
	known, supported := FlagNames(), SupportedFlagNames()
	for _, f := range known {
		s := &specs.LinuxSeccomp{DefaultAction: specs.ActAllow, Flags: []specs.LinuxSeccompFlag{specs.LinuxSeccompFlag(f)}}
		if err := Validate(s); err != nil {
			t.Errorf("flag %s is reported but refused: %v", f, err)
		}
		p := &Program{Flags: flagNames[specs.LinuxSeccompFlag(f)]}
		if specs.LinuxSeccompFlag(f) == specs.LinuxSeccompFlagWaitKillableRecv {
			p.Flags |= FlagNewListener
		}
		if err := CheckKernel(p); (err == nil) != slices.Contains(supported, f) {
			t.Errorf("flag %s: supported %v, but the kernel check says %v", f, slices.Contains(supported, f), err)
		}
	}
	if len(known) != len(flagNames) {
		t.Errorf("known flags %v", known)
	}
}
