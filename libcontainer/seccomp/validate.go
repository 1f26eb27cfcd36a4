package seccomp

import (
	"fmt"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// field is the JSON path of the profile in config.json, the prefix of every
// error this package returns about a profile.
const field = "linux.seccomp"

// Validate checks a profile without compiling it: every name is one the spec
// defines, errnoRet goes only with actions that take one, argument indexes
// are below 6, and SCMP_ACT_NOTIFY has a listenerPath. It makes no system
// call and does not need libseccomp. A nil profile is valid (no seccomp).
// Whether libseccomp knows each syscall name is left to Compile, which skips
// unknown names with a warning.
func Validate(s *specs.LinuxSeccomp) error {
	if s == nil {
		return nil
	}
	if err := validateDefault(s); err != nil {
		return err
	}
	for i, a := range s.Architectures {
		if _, ok := archs[a]; !ok {
			return fmt.Errorf("%s.architectures[%d]: unknown architecture %q", field, i, a)
		}
	}
	for i, f := range s.Flags {
		if _, ok := flagNames[f]; !ok {
			return fmt.Errorf("%s.flags[%d]: unknown flag %q", field, i, f)
		}
	}
	if s.ListenerMetadata != "" && s.ListenerPath == "" {
		return fmt.Errorf("%s.listenerMetadata: set without listenerPath", field)
	}
	for i := range s.Syscalls {
		if err := validateRule(s, i); err != nil {
			return err
		}
	}
	return nil
}

func validateDefault(s *specs.LinuxSeccomp) error {
	if s.DefaultAction == "" {
		return fmt.Errorf("%s.defaultAction: missing", field)
	}
	if err := validateAction(s.DefaultAction); err != nil {
		return fmt.Errorf("%s.defaultAction: %w", field, err)
	}
	if err := validateErrno(s.DefaultAction, s.DefaultErrnoRet); err != nil {
		return fmt.Errorf("%s.defaultErrnoRet: %w", field, err)
	}
	if s.DefaultAction == specs.ActNotify {
		// Every syscall of the init after seccomp(2), the hand-over of the
		// listener itself included, would wait for an agent that cannot
		// have the fd yet.
		return fmt.Errorf("%s.defaultAction: SCMP_ACT_NOTIFY cannot be the default action", field)
	}
	return nil
}

func validateRule(s *specs.LinuxSeccomp, i int) error {
	r := &s.Syscalls[i]
	at := fmt.Sprintf("%s.syscalls[%d]", field, i)
	if len(r.Names) == 0 {
		return fmt.Errorf("%s.names: must name at least one syscall", at)
	}
	if r.Action == "" {
		return fmt.Errorf("%s.action: missing", at)
	}
	if err := validateAction(r.Action); err != nil {
		return fmt.Errorf("%s.action: %w", at, err)
	}
	if err := validateErrno(r.Action, r.ErrnoRet); err != nil {
		return fmt.Errorf("%s.errnoRet: %w", at, err)
	}
	for j, n := range r.Names {
		if n == "" {
			return fmt.Errorf("%s.names[%d]: empty syscall name", at, j)
		}
		if r.Action == specs.ActNotify && notifyForbidden[n] {
			// "SCMP_ACT_NOTIFY cannot be used for the write syscall":
			// runc's words (its seccomp-notify.bats matches them)
			return fmt.Errorf("%s.names[%d]: SCMP_ACT_NOTIFY cannot be used for the %s syscall: the init needs it to hand the listener over", at, j, n)
		}
	}
	if r.Action == specs.ActNotify && s.ListenerPath == "" {
		return fmt.Errorf("%s.action: SCMP_ACT_NOTIFY needs %s.listenerPath", at, field)
	}
	for k, a := range r.Args {
		if a.Index >= maxArgs {
			return fmt.Errorf("%s.args[%d].index: %d out of range (syscalls have %d arguments)", at, k, a.Index, maxArgs)
		}
		if !operators[a.Op] {
			return fmt.Errorf("%s.args[%d].op: unknown operator %q", at, k, a.Op)
		}
	}
	return nil
}

// validateAction checks an action name.
func validateAction(a specs.LinuxSeccompAction) error {
	if _, ok := actionTakesErrno[a]; !ok {
		return fmt.Errorf("unknown action %q", a)
	}
	return nil
}

// validateErrno checks the errno given with a (known) action.
func validateErrno(a specs.LinuxSeccompAction, errnoRet *uint) error {
	if errnoRet == nil {
		return nil
	}
	if !actionTakesErrno[a] {
		return fmt.Errorf("%d given, but %s takes no errno (only SCMP_ACT_ERRNO and SCMP_ACT_TRACE do)", *errnoRet, a)
	}
	limit := uint(maxErrno)
	if a == specs.ActTrace {
		limit = maxTraceValue
	}
	if *errnoRet > limit {
		return fmt.Errorf("%d out of range for %s (at most %d)", *errnoRet, a, limit)
	}
	return nil
}
