package seccomp

import (
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// archInfo is what the stub needs to know of an architecture: the
// AUDIT_ARCH_* value the kernel puts in seccomp_data.arch, and where the
// ABI's syscall table starts.
type archInfo struct {
	audit uint32
	base  uint32
}

// x32Bit marks an x32 syscall number on AUDIT_ARCH_X86_64.
const x32Bit = 0x40000000

// archs holds every architecture runtime-spec v1.3.0 names.
var archs = map[specs.Arch]archInfo{
	specs.ArchX86:         {unix.AUDIT_ARCH_I386, 0},
	specs.ArchX86_64:      {unix.AUDIT_ARCH_X86_64, 0},
	specs.ArchX32:         {unix.AUDIT_ARCH_X86_64, x32Bit},
	specs.ArchARM:         {unix.AUDIT_ARCH_ARM, 0},
	specs.ArchAARCH64:     {unix.AUDIT_ARCH_AARCH64, 0},
	specs.ArchMIPS:        {unix.AUDIT_ARCH_MIPS, 4000},
	specs.ArchMIPS64:      {unix.AUDIT_ARCH_MIPS64, 5000},
	specs.ArchMIPS64N32:   {unix.AUDIT_ARCH_MIPS64N32, 6000},
	specs.ArchMIPSEL:      {unix.AUDIT_ARCH_MIPSEL, 4000},
	specs.ArchMIPSEL64:    {unix.AUDIT_ARCH_MIPSEL64, 5000},
	specs.ArchMIPSEL64N32: {unix.AUDIT_ARCH_MIPSEL64N32, 6000},
	specs.ArchPPC:         {unix.AUDIT_ARCH_PPC, 0},
	specs.ArchPPC64:       {unix.AUDIT_ARCH_PPC64, 0},
	specs.ArchPPC64LE:     {unix.AUDIT_ARCH_PPC64LE, 0},
	specs.ArchS390:        {unix.AUDIT_ARCH_S390, 0},
	specs.ArchS390X:       {unix.AUDIT_ARCH_S390X, 0},
	specs.ArchPARISC:      {unix.AUDIT_ARCH_PARISC, 0},
	specs.ArchPARISC64:    {unix.AUDIT_ARCH_PARISC64, 0},
	specs.ArchRISCV64:     {unix.AUDIT_ARCH_RISCV64, 0},
	specs.ArchLOONGARCH64: {unix.AUDIT_ARCH_LOONGARCH64, 0},
	specs.ArchM68K:        {unix.AUDIT_ARCH_M68K, 0},
	specs.ArchSH:          {unix.AUDIT_ARCH_SHEL, 0},
	specs.ArchSHEB:        {unix.AUDIT_ARCH_SH, 0},
}

// actionTakesErrno says, for every action the spec names, whether
// errnoRet/defaultErrnoRet may go with it.
var actionTakesErrno = map[specs.LinuxSeccompAction]bool{
	specs.ActKill:        false,
	specs.ActKillProcess: false,
	specs.ActKillThread:  false,
	specs.ActTrap:        false,
	specs.ActErrno:       true,
	specs.ActTrace:       true,
	specs.ActAllow:       false,
	specs.ActLog:         false,
	specs.ActNotify:      false,
}

// operators holds every operator the spec names.
var operators = map[specs.LinuxSeccompOperator]bool{
	specs.OpNotEqual:     true,
	specs.OpLessThan:     true,
	specs.OpLessEqual:    true,
	specs.OpEqualTo:      true,
	specs.OpGreaterEqual: true,
	specs.OpGreaterThan:  true,
	specs.OpMaskedEqual:  true,
}

// Filter flags for seccomp(2). The values are the kernel's; they are
// spelled out here because the init passes them to the kernel as they are.
const (
	// FlagTSync is SECCOMP_FILTER_FLAG_TSYNC.
	FlagTSync uint = unix.SECCOMP_FILTER_FLAG_TSYNC
	// FlagLog is SECCOMP_FILTER_FLAG_LOG.
	FlagLog uint = unix.SECCOMP_FILTER_FLAG_LOG
	// FlagSpecAllow is SECCOMP_FILTER_FLAG_SPEC_ALLOW.
	FlagSpecAllow uint = unix.SECCOMP_FILTER_FLAG_SPEC_ALLOW
	// FlagNewListener is SECCOMP_FILTER_FLAG_NEW_LISTENER: seccomp(2)
	// returns the notification listener fd.
	FlagNewListener uint = unix.SECCOMP_FILTER_FLAG_NEW_LISTENER
	// FlagTSyncESRCH is SECCOMP_FILTER_FLAG_TSYNC_ESRCH, which the kernel
	// requires with TSYNC when NEW_LISTENER is set.
	FlagTSyncESRCH uint = unix.SECCOMP_FILTER_FLAG_TSYNC_ESRCH
	// FlagWaitKillableRecv is SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV.
	FlagWaitKillableRecv uint = unix.SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV
)

// flagNames maps the spec's flag names to their values.
var flagNames = map[specs.LinuxSeccompFlag]uint{
	"SECCOMP_FILTER_FLAG_TSYNC":            FlagTSync,
	specs.LinuxSeccompFlagLog:              FlagLog,
	specs.LinuxSeccompFlagSpecAllow:        FlagSpecAllow,
	specs.LinuxSeccompFlagWaitKillableRecv: FlagWaitKillableRecv,
}

// notifyForbidden are the syscalls SCMP_ACT_NOTIFY may not be used for:
// berth's init makes them after loading the filter and before the agent
// holds the listener fd (sendmsg hands the fd to the parent, write reports
// errors), so a notification on them could never be answered.
var notifyForbidden = map[string]bool{
	"sendmsg": true,
	"write":   true,
}

// Bounds of errnoRet. SECCOMP_RET_DATA is 16 bits, all of them a message
// for the tracer with SCMP_ACT_TRACE; libseccomp refuses an ERRNO of
// MAX_ERRNO (4095) or more.
const (
	maxErrno      = 4094
	maxTraceValue = unix.SECCOMP_RET_DATA
)

// maxArgs is the number of syscall arguments seccomp_data carries.
const maxArgs = 6
