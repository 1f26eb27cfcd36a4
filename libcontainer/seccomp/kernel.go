package seccomp

import (
	"errors"
	"fmt"
	"unsafe"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// flagBitNames names the flag bits a Program can carry.
var flagBitNames = []struct {
	bit  uint
	name string
}{
	{FlagTSync, "SECCOMP_FILTER_FLAG_TSYNC"},
	{FlagLog, "SECCOMP_FILTER_FLAG_LOG"},
	{FlagSpecAllow, "SECCOMP_FILTER_FLAG_SPEC_ALLOW"},
	{FlagNewListener, "SECCOMP_FILTER_FLAG_NEW_LISTENER (for SCMP_ACT_NOTIFY)"},
	{FlagTSyncESRCH, "SECCOMP_FILTER_FLAG_TSYNC_ESRCH (for TSYNC with SCMP_ACT_NOTIFY)"},
	{FlagWaitKillableRecv, "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"},
}

// retActionNames names the SECCOMP_RET_* actions a filter can return.
var retActionNames = map[uint32]string{
	unix.SECCOMP_RET_KILL_PROCESS: "SCMP_ACT_KILL_PROCESS",
	unix.SECCOMP_RET_KILL_THREAD:  "SCMP_ACT_KILL_THREAD",
	unix.SECCOMP_RET_TRAP:         "SCMP_ACT_TRAP",
	unix.SECCOMP_RET_ERRNO:        "SCMP_ACT_ERRNO",
	unix.SECCOMP_RET_USER_NOTIF:   "SCMP_ACT_NOTIFY",
	unix.SECCOMP_RET_TRACE:        "SCMP_ACT_TRACE",
	unix.SECCOMP_RET_LOG:          "SCMP_ACT_LOG",
	unix.SECCOMP_RET_ALLOW:        "SCMP_ACT_ALLOW",
}

// CheckKernel tells whether the running kernel can load p as it is: every
// flag bit is known to seccomp(2) and every action the filter can return is
// available (SECCOMP_GET_ACTION_AVAIL). The kernel does not check actions at
// load time: one it does not know kills the process when returned. Meant
// for create, before the init is started, so the error names the field.
// It changes nothing in the calling process.
func CheckKernel(p *Program) error {
	if p == nil {
		return nil
	}
	if err := probeFlags(p.Flags); err != nil {
		return err
	}
	probed := map[uint32]bool{}
	for _, in := range p.Filter {
		action := in.K & unix.SECCOMP_RET_ACTION_FULL
		if in.Code != unix.BPF_RET|unix.BPF_K || probed[action] {
			continue
		}
		probed[action] = true
		if err := probeAction(action); err != nil {
			return err
		}
	}
	return nil
}

// SetDefaultFlags gives a profile without a `flags` field the flags
// runc gives it (engines give none and expect runc's): the Speculative
// Store Bypass mitigation that loading a filter would switch on for the
// process (on kernels booted with spec_store_bypass_disable=seccomp;
// since Linux 5.16 the default mode, prctl, ties none to seccomp) is left
// off, with SECCOMP_FILTER_FLAG_SPEC_ALLOW, when the kernel knows the
// flag. A `flags` field, even an empty one, is kept as it is. Create
// calls it on the config it records, so that an exec, which compiles the
// recorded profile as it is, loads its filter with the same flags.
func SetDefaultFlags(s *specs.LinuxSeccomp) {
	if s != nil && s.Flags == nil && flagsAccepted(FlagSpecAllow) {
		s.Flags = []specs.LinuxSeccompFlag{specs.LinuxSeccompFlagSpecAllow}
	}
}

// probeFlags asks seccomp(2) to load a filter from NULL: a kernel that
// accepts the flags fails on the pointer (EFAULT) before loading anything.
func probeFlags(flags uint) error {
	if flags == 0 || flagsAccepted(flags) {
		return nil
	}
	for _, f := range flagBitNames {
		probe := f.bit
		if f.bit == FlagWaitKillableRecv || f.bit == FlagTSyncESRCH {
			probe |= FlagNewListener
		}
		if flags&f.bit != 0 && !flagsAccepted(probe) {
			return fmt.Errorf("%s.flags: %s: not supported by this kernel", field, f.name)
		}
	}
	return fmt.Errorf("%s.flags: the kernel refuses the combination %#x", field, flags)
}

func flagsAccepted(flags uint) bool {
	_, _, errno := unix.Syscall(unix.SYS_SECCOMP, unix.SECCOMP_SET_MODE_FILTER, uintptr(flags), 0)
	return errno == unix.EFAULT
}

// probeAction asks SECCOMP_GET_ACTION_AVAIL about one action. A kernel
// older than 4.14 cannot be asked and has only the oldest actions.
func probeAction(action uint32) error {
	_, _, errno := unix.Syscall(unix.SYS_SECCOMP, unix.SECCOMP_GET_ACTION_AVAIL, 0, uintptr(unsafe.Pointer(&action)))
	switch {
	case errno == 0:
		return nil
	case errors.Is(errno, unix.EINVAL) && oldAction(action):
		return nil
	}
	name := retActionNames[action]
	if name == "" {
		name = fmt.Sprintf("action %#x", action)
	}
	return fmt.Errorf("%s: %s: not supported by this kernel", field, name)
}

// oldAction says whether every kernel with seccomp filters has action.
func oldAction(action uint32) bool {
	switch action {
	case unix.SECCOMP_RET_KILL_THREAD, unix.SECCOMP_RET_TRAP, unix.SECCOMP_RET_ERRNO,
		unix.SECCOMP_RET_TRACE, unix.SECCOMP_RET_ALLOW:
		return true
	}
	return false
}
