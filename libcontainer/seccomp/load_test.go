//go:build cgo

package seccomp

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// These tests load compiled programs into the kernel: a child (the C
// loader, built from testdata/loader.c) sets no_new_privs, calls seccomp(2)
// with the Program's flags and filter, makes syscalls and prints what they
// returned.

// loadRun is what the loader did.
type loadRun struct {
	out    string
	status syscall.WaitStatus
}

// runLoader runs the loader on p with ops and waits for it.
func runLoader(t *testing.T, p *Program, ops ...string) loadRun {
	t.Helper()
	if err := CheckKernel(p); err != nil {
		t.Fatalf("CheckKernel: %v", err)
	}
	file := filepath.Join(t.TempDir(), "filter.bpf")
	if err := os.WriteFile(file, p.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(loader(t), append([]string{file, strconv.FormatUint(uint64(p.Flags), 10)}, ops...)...)
	out, err := cmd.Output()
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		t.Fatalf("loader: %v", err)
	}
	r := loadRun{out: string(out), status: cmd.ProcessState.Sys().(syscall.WaitStatus)}
	if strings.Contains(r.out, "loader: ") {
		t.Fatalf("loader failed:\n%s", r.out)
	}
	return r
}

// result returns the ret and errno the loader printed for op.
func (r loadRun) result(t *testing.T, op string) (ret int64, errno unix.Errno) {
	t.Helper()
	for _, line := range strings.Split(r.out, "\n") {
		if rest, ok := strings.CutPrefix(line, op+" "); ok {
			var e int
			if _, err := fmt.Sscanf(rest, "ret=%d errno=%d", &ret, &e); err != nil {
				t.Fatalf("line %q: %v", line, err)
			}
			return ret, unix.Errno(e)
		}
	}
	t.Fatalf("no result for %q in:\n%s", op, r.out)
	return 0, 0
}

// expectErrno checks that op failed with want (0: succeeded).
func (r loadRun) expectErrno(t *testing.T, op string, want unix.Errno) {
	t.Helper()
	if _, e := r.result(t, op); e != want {
		t.Errorf("%s: errno %d (%v), want %d (%v)", op, int(e), e, int(want), want)
	}
}

// call is a loader op for syscall name with args.
func call(t testing.TB, name string, args ...uint64) string {
	op := strconv.Itoa(int(sysnr(t, nativeArch(t), name)))
	for _, a := range args {
		op += ":" + strconv.FormatUint(a, 10)
	}
	return op
}

// noPid is a pid that does not exist: getpgid(noPid) fails with ESRCH.
const noPid = 424242

func TestLoadErrno(t *testing.T) {
	p, _ := mustCompile(t, &specs.LinuxSeccomp{DefaultAction: specs.ActAllow, Syscalls: []specs.LinuxSyscall{
		{Names: []string{"mkdir", "mkdirat"}, Action: specs.ActErrno, ErrnoRet: uintp(uint(unix.EROFS))}}})
	dir := filepath.Join(t.TempDir(), "blocked")
	mk, pg := "mkdirat:"+dir, call(t, "getpgid", noPid)
	r := runLoader(t, p, mk, pg)
	r.expectErrno(t, mk, unix.EROFS)
	r.expectErrno(t, pg, unix.ESRCH)
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("the blocked mkdirat made %s: %v", dir, err)
	}
}

func TestLoadAllowList(t *testing.T) {
	p, _ := mustCompile(t, &specs.LinuxSeccomp{DefaultAction: specs.ActErrno, Syscalls: []specs.LinuxSyscall{
		rule(specs.ActAllow, "write", "exit_group", "mkdirat")}})
	dir := filepath.Join(t.TempDir(), "allowed")
	mk, pg := "mkdirat:"+dir, call(t, "getpgid", noPid)
	r := runLoader(t, p, mk, pg)
	r.expectErrno(t, mk, 0)
	r.expectErrno(t, pg, unix.EPERM)
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		t.Errorf("the allowed mkdirat made no %s: %v", dir, err)
	}
}

func TestLoadArgs(t *testing.T) {
	errnoIf := func(name string, errno uint, args ...specs.LinuxSeccompArg) specs.LinuxSyscall {
		return specs.LinuxSyscall{Names: []string{name}, Action: specs.ActErrno, ErrnoRet: uintp(errno), Args: args}
	}
	p, w := mustCompile(t, &specs.LinuxSeccomp{DefaultAction: specs.ActAllow, Syscalls: []specs.LinuxSyscall{
		errnoIf("getpgid", 99, specs.LinuxSeccompArg{Index: 0, Op: specs.OpEqualTo, Value: noPid}),
		errnoIf("getpgid", 98, specs.LinuxSeccompArg{Index: 0, Op: specs.OpMaskedEqual, Value: 0xff0000, ValueTwo: 0x110000}),
		// a repeated index: ORed, so it matches every pid
		errnoIf("getsid", 97,
			specs.LinuxSeccompArg{Index: 0, Op: specs.OpGreaterEqual, Value: noPid},
			specs.LinuxSeccompArg{Index: 0, Op: specs.OpLessEqual, Value: noPid + 10}),
	}})
	if len(w) != 1 {
		t.Errorf("warnings %q, want the ORed one", w)
	}
	ops := map[string]unix.Errno{
		call(t, "getpgid", noPid):    99,
		call(t, "getpgid", noPid+1):  unix.ESRCH,
		call(t, "getpgid", 0x11abcd): 98,
		call(t, "getpgid", 0x12abcd): unix.ESRCH,
		call(t, "getsid", 5):         97,
		call(t, "getsid", noPid+5):   97,
	}
	var list []string
	for op := range ops {
		list = append(list, op)
	}
	r := runLoader(t, p, list...)
	for op, want := range ops {
		r.expectErrno(t, op, want)
	}
}

// TestLoadENOSYS: numbers above the newest syscall the profile names get
// ENOSYS, unnamed ones below it the default errno.
func TestLoadENOSYS(t *testing.T) {
	names := []string{"write", "exit_group", "getpgid", "mkdirat", "mseal"}
	p, _ := mustCompile(t, &specs.LinuxSeccomp{DefaultAction: specs.ActErrno, Syscalls: []specs.LinuxSyscall{
		rule(specs.ActAllow, names...)}})
	var max int32
	for _, n := range names[:4] {
		max = maxOf(max, sysnr(t, nativeArch(t), n))
	}
	above, far := strconv.Itoa(int(max+1)), "1000"
	clone3, getppid := call(t, "clone3"), call(t, "getppid")
	mseal := "462" // mseal on every 64-bit ABI: unknown to libseccomp 2.5.4
	r := runLoader(t, p, above, far, clone3, getppid, mseal, call(t, "getpgid", noPid))
	r.expectErrno(t, above, unix.ENOSYS)
	r.expectErrno(t, far, unix.ENOSYS)
	r.expectErrno(t, clone3, unix.ENOSYS)
	r.expectErrno(t, getppid, unix.EPERM)
	r.expectErrno(t, call(t, "getpgid", noPid), unix.ESRCH)
	if nativeArch(t) == specs.ArchX86_64 || nativeArch(t) == specs.ArchAARCH64 {
		r.expectErrno(t, mseal, unix.ENOSYS)
	}
}

func maxOf(a, b int32) int32 {
	if a > b {
		return a
	}
	return b
}

// TestLoadKill: the kill actions end the (single-threaded) loader with
// SIGSYS before the syscall returns.
func TestLoadKill(t *testing.T) {
	for _, a := range []specs.LinuxSeccompAction{specs.ActKill, specs.ActKillThread, specs.ActKillProcess} {
		t.Run(string(a), func(t *testing.T) {
			p, _ := mustCompile(t, &specs.LinuxSeccomp{DefaultAction: specs.ActAllow, Syscalls: []specs.LinuxSyscall{rule(a, "getpgid")}})
			r := runLoader(t, p, call(t, "getppid"), call(t, "getpgid", 1))
			if !r.status.Signaled() || r.status.Signal() != unix.SIGSYS {
				t.Fatalf("status %#x, want killed by SIGSYS; output:\n%s", r.status, r.out)
			}
			r.expectErrno(t, call(t, "getppid"), 0)
			if strings.Contains(r.out, call(t, "getpgid", 1)+" ") {
				t.Errorf("getpgid returned:\n%s", r.out)
			}
		})
	}
}

func TestLoadTrap(t *testing.T) {
	p, _ := mustCompile(t, &specs.LinuxSeccomp{DefaultAction: specs.ActAllow, Syscalls: []specs.LinuxSyscall{rule(specs.ActTrap, "getpgid")}})
	r := runLoader(t, p, call(t, "getpgid", 1))
	want := fmt.Sprintf("sigsys syscall=%d\n", sysnr(t, nativeArch(t), "getpgid"))
	if r.status.ExitStatus() != 42 || r.out != want {
		t.Fatalf("status %#x, output %q; want exit 42 and %q", r.status, r.out, want)
	}
}

// TestLoadOtherActions: TRACE without a tracer fails with ENOSYS, LOG and
// ERRNO(0) let the caller go on (ERRNO(0) without running the syscall).
func TestLoadOtherActions(t *testing.T) {
	p, _ := mustCompile(t, &specs.LinuxSeccomp{DefaultAction: specs.ActAllow, Syscalls: []specs.LinuxSyscall{
		rule(specs.ActTrace, "getpgid"),
		rule(specs.ActLog, "getsid"),
		{Names: []string{"mkdirat"}, Action: specs.ActErrno, ErrnoRet: uintp(0)},
	}})
	dir := filepath.Join(t.TempDir(), "not-made")
	pg, sid, mk := call(t, "getpgid", noPid), call(t, "getsid", noPid), "mkdirat:"+dir
	r := runLoader(t, p, pg, sid, mk)
	r.expectErrno(t, pg, unix.ENOSYS)
	r.expectErrno(t, sid, unix.ESRCH)
	if ret, e := r.result(t, mk); ret != 0 || e != 0 {
		t.Errorf("ERRNO(0) mkdirat: ret %d errno %d, want 0 0", ret, e)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("ERRNO(0) ran mkdirat: %v", err)
	}
}

// TestLoadFlags: the kernel takes every flag combination Compile returns.
func TestLoadFlags(t *testing.T) {
	for _, f := range []specs.LinuxSeccompFlag{"SECCOMP_FILTER_FLAG_TSYNC", specs.LinuxSeccompFlagLog, specs.LinuxSeccompFlagSpecAllow, specs.LinuxSeccompFlagWaitKillableRecv} {
		t.Run(string(f), func(t *testing.T) {
			p, _ := mustCompile(t, &specs.LinuxSeccomp{DefaultAction: specs.ActAllow, Flags: []specs.LinuxSeccompFlag{f},
				Syscalls: []specs.LinuxSyscall{rule(specs.ActErrno, "getpgid")}})
			r := runLoader(t, p, call(t, "getpgid", noPid))
			r.expectErrno(t, call(t, "getpgid", noPid), unix.EPERM)
		})
	}
}

// TestLoadMoby loads Moby's default profile.
func TestLoadMoby(t *testing.T) {
	if nativeArch(t) != specs.ArchX86_64 {
		t.Skip("the test data is the amd64 profile")
	}
	p, _ := mustCompile(t, loadProfile(t, "moby-default-amd64.json"))
	dir := filepath.Join(t.TempDir(), "made")
	ops := map[string]unix.Errno{
		"mkdirat:" + dir:           0,
		call(t, "getpgid", noPid):  unix.ESRCH,
		call(t, "unshare", 0):      unix.EPERM, // needs CAP_SYS_ADMIN in Moby's profile
		call(t, "clone3"):          unix.ENOSYS,
		"462":                      unix.ENOSYS, // mseal, unknown to libseccomp 2.5.4
		"1000":                     unix.ENOSYS,
		call(t, "personality", 8):  0,
		call(t, "personality", 64): unix.EPERM,
	}
	var list []string
	for op := range ops {
		list = append(list, op)
	}
	r := runLoader(t, p, list...)
	for op, want := range ops {
		r.expectErrno(t, op, want)
	}
}

func TestCheckKernel(t *testing.T) {
	if err := CheckKernel(nil); err != nil {
		t.Fatal(err)
	}
	if err := probeFlags(FlagTSync | FlagNewListener); err == nil || !strings.Contains(err.Error(), "combination") {
		t.Errorf("TSYNC|NEW_LISTENER: %v, want the combination refused", err)
	}
	if err := probeFlags(1 << 20); err == nil {
		t.Error("an unknown flag bit passed")
	}
	if err := probeAction(0x12340000); err == nil || !strings.Contains(err.Error(), "action 0x12340000: not supported") {
		t.Errorf("an unknown action: %v", err)
	}
	for a := range retActionNames {
		if err := probeAction(a); err != nil {
			t.Errorf("kernel %s: %v", kernelRelease(), err)
		}
	}
}

func kernelRelease() string {
	var u unix.Utsname
	if unix.Uname(&u) != nil {
		return "?"
	}
	return unix.ByteSliceToString(u.Release[:])
}

// TestSetDefaultFlags: SPEC_ALLOW for a profile without flags (this
// kernel knows it: Linux 4.17+); an empty or given list is kept.
func TestSetDefaultFlags(t *testing.T) {
	if !flagsAccepted(FlagSpecAllow) {
		t.Fatalf("kernel %s refuses SECCOMP_FILTER_FLAG_SPEC_ALLOW (Linux 4.17+ knows it)", kernelRelease())
	}
	SetDefaultFlags(nil)
	for _, tc := range []struct {
		name  string
		flags []specs.LinuxSeccompFlag
		want  []specs.LinuxSeccompFlag
	}{
		{"absent", nil, []specs.LinuxSeccompFlag{specs.LinuxSeccompFlagSpecAllow}},
		{"empty", []specs.LinuxSeccompFlag{}, []specs.LinuxSeccompFlag{}},
		{"log", []specs.LinuxSeccompFlag{specs.LinuxSeccompFlagLog}, []specs.LinuxSeccompFlag{specs.LinuxSeccompFlagLog}},
	} {
		s := &specs.LinuxSeccomp{DefaultAction: specs.ActAllow, Flags: tc.flags}
		SetDefaultFlags(s)
		if fmt.Sprint(s.Flags) != fmt.Sprint(tc.want) || (s.Flags == nil) != (tc.want == nil) {
			t.Errorf("%s: flags %#v, want %#v", tc.name, s.Flags, tc.want)
		}
	}
}
