// Package seccomp compiles an OCI seccomp profile (runtime-spec v1.3.0
// linux.seccomp) into a classic BPF program that berth's C init loads with
// seccomp(2), and hands the SCMP_ACT_NOTIFY listener to a seccomp agent.
//
// The Go parent does all the work: [Validate] checks the profile at create,
// [Compile] (or [CompileCached]) builds the filter with libseccomp, exports
// it, and prepends an -ENOSYS stub. berth itself is built without cgo: its
// Compile runs the same code in berth-seccomp (./compiler), a static cgo
// helper embedded in berth and run from a sealed memfd, and CompileCached
// runs it only for a profile not in the cache. A cgo build (the package's
// tests) compiles in-process. The init only copies the instructions
// into a struct sock_fprog and calls
//
//	seccomp(SECCOMP_SET_MODE_FILTER, prog.Flags, &fprog)
//
// with no_new_privs already set, or with CAP_SYS_ADMIN still held.
//
// # Semantics
//
// Names follow libseccomp's seccomp.h, as the spec says. SCMP_ACT_KILL is
// SCMP_ACT_KILL_THREAD (as in libseccomp, runc and crun). errnoRet and
// defaultErrnoRet are accepted only with SCMP_ACT_ERRNO and SCMP_ACT_TRACE
// and default to EPERM.
//
// Several args of one rule are ANDed when their indexes differ. When an
// index repeats within one rule, libseccomp refuses the rule ("two checks on
// same syscall argument"), and runc 1.1.5 and crun 1.8.1 both fall back to
// adding every condition of that rule as a rule of its own: all conditions
// of the rule are then ORed, including those on other indexes. berth does
// the same (observed with both runtimes: args [a0>=100, a0<=120, a1==7]
// matches every call) and returns a warning, since for an ALLOW rule that
// widens what is allowed.
//
// Two rules with the same conditions for one syscall do not fail: the first
// one stands (libseccomp 2.5.4, which runc uses too).
//
// A rule whose action equals the default action is a no-op and is not added
// (libseccomp refuses it); its names still count for the -ENOSYS stub.
//
// Syscall names libseccomp does not know (it lags the kernel) are skipped
// with one warning each, as runc skips them. Unknown action, operator,
// architecture and flag names are errors.
//
// # The -ENOSYS stub
//
// A profile is written against some set of syscalls; a libc that tries a
// newer syscall first (glibc: clone3, then clone) needs ENOSYS to fall back,
// and the default action (EPERM, or a kill) breaks it. So unless the default
// action already lets the call through or delegates it (SCMP_ACT_ALLOW,
// SCMP_ACT_LOG, SCMP_ACT_TRACE, SCMP_ACT_NOTIFY) or already is
// ERRNO(ENOSYS), Compile prepends a stub that, for each architecture of the
// filter (the native one and those listed), returns ERRNO(ENOSYS) for every
// syscall number greater than the highest number the profile names for that
// architecture (within the architecture's own syscall table; x32 is told
// apart from x86_64 by bit 30). Names above that bound that the profile does
// name (ARM's private 0xf0000+ calls) go on to the filter. On s390 and s390x
// syscall 0 also gets ENOSYS: an unknown syscall reaches seccomp as 0 there.
//
// The bound is the profile's newest syscall, not the newest libseccomp
// knows: a profile older than the host's libseccomp (Docker 20.10's, which
// does not name clone3, on a libseccomp that knows it) must still give
// ENOSYS for the calls it never heard of; that is the failure the stub
// exists for. Every number above the bound is denied either way (the stub
// only changes the errno), so the stub never allows anything the profile
// does not. Syscalls libseccomp does not know have numbers above anything
// it can resolve, so they always get ENOSYS under a denying default.
//
// # Loading (the init's side)
//
// Order: with process.noNewPrivileges, change the identity and the
// capabilities, set PR_SET_NO_NEW_PRIVS, then call seccomp(2) as late as
// possible (right before execve). Without no_new_privs, seccomp(2)
// needs CAP_SYS_ADMIN: load before the identity and capabilities change
// (the profile must then allow what the init does after it). The call:
//
//	struct sock_fprog fprog = { .len = len(Bytes())/8, .filter = (aligned copy of Bytes()) };
//	long fd = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, Flags, &fprog);
//
// It returns 0, or with FlagNewListener a listener fd (O_CLOEXEC). When
// NeedsNotify, load before the exec fifo wait, while create's parent still
// listens: send the fd to the parent (sendmsg, SCM_RIGHTS; NOTIFY is
// refused for sendmsg and write, so these cannot block), let the parent
// call SendListener(ListenerPath, fd, state with ListenerMetadata), then
// close it: the container process must not inherit it. CheckKernel, run
// by the parent at create, turns a flag or action the kernel lacks into an
// error naming the field instead of an EINVAL (or a kill) in the init.
//
// Warnings are for a person (skipped names come with every compile of an
// older profile, so print them at debug level or once). CompileCached keeps
// compiled programs (about 10 ms for Moby's profile) in a directory.
package seccomp
