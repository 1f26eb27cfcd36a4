//go:build cgo

package seccomp

import (
	"encoding/json"
	"os"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// loadProfile reads a profile from testdata.
func loadProfile(t testing.TB, name string) *specs.LinuxSeccomp {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	var s specs.LinuxSeccomp
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatal(err)
	}
	return &s
}

// x86Profile denies by default and allows read, write and getpgid on
// x86_64, x86 and x32.
func x86Profile(def specs.LinuxSeccompAction, errno *uint) *specs.LinuxSeccomp {
	return &specs.LinuxSeccomp{DefaultAction: def, DefaultErrnoRet: errno,
		Architectures: []specs.Arch{specs.ArchX86_64, specs.ArchX86, specs.ArchX32},
		Syscalls:      []specs.LinuxSyscall{rule(specs.ActAllow, "read", "write", "getpgid", "mseal")}}
}

// TestStubBounds: above the highest syscall the profile names, per ABI,
// ENOSYS; at or below it, the profile's own verdict.
func TestStubBounds(t *testing.T) {
	p, w := mustCompile(t, x86Profile(specs.ActErrno, nil))
	if len(w) != 1 || !strings.Contains(w[0], `"mseal"`) {
		t.Errorf("warnings %q, want one for mseal", w)
	}
	enosys, eperm := retErrno(unix.ENOSYS), retErrno(unix.EPERM)
	for _, a := range []specs.Arch{specs.ArchX86_64, specs.ArchX86, specs.ArchX32} {
		max := sysnr(t, a, "getpgid") // the highest of read, write, getpgid everywhere
		cases := []struct {
			nr   int32
			want uint32
		}{
			{sysnr(t, a, "read"), retAllow},
			{max, retAllow},
			{max - 1, eperm},  // known to the profile's era, not allowed
			{max + 1, enosys}, // newer than the profile
			{sysnr(t, a, "clone3"), enosys},
			{max + 1000, enosys},
		}
		for _, c := range cases {
			if got := verdictNr(t, p, a, c.nr); got != c.want {
				t.Errorf("%s nr %#x: %#x, want %#x", a, c.nr, got, c.want)
			}
		}
	}
	// mseal (462 on every 64-bit ABI) is unknown to libseccomp 2.5.4: skipped, so ENOSYS.
	if got := verdictNr(t, p, specs.ArchX86_64, 462); got != enosys {
		t.Errorf("mseal: %#x, want ENOSYS", got)
	}
	// An arch the filter lacks still gets libseccomp's bad-arch action.
	if got := verdictNr(t, p, specs.ArchAARCH64, 1000); got != retKill {
		t.Errorf("aarch64 nr 1000: %#x, want KILL", got)
	}
}

// TestStubX32Bit: on AUDIT_ARCH_X86_64 without x32 in the filter, a number
// with bit 30 is left to the filter (bad arch), not made ENOSYS.
func TestStubX32Bit(t *testing.T) {
	s := x86Profile(specs.ActErrno, nil)
	s.Architectures = []specs.Arch{specs.ArchX86_64}
	p, _ := mustCompile(t, s)
	if got := verdictNr(t, p, specs.ArchX86_64, x32Bit|1); got != retKill {
		t.Errorf("x32 write without x32 in the filter: %#x, want KILL", got)
	}
	if got := verdictNr(t, p, specs.ArchX86_64, 1000); got != retErrno(unix.ENOSYS) {
		t.Errorf("x86_64 nr 1000: %#x, want ENOSYS", got)
	}
}

// TestStubDefaults: the stub is there for denying defaults only.
func TestStubDefaults(t *testing.T) {
	tests := []struct {
		def   specs.LinuxSeccompAction
		errno *uint
		stub  bool
		want  uint32 // for a syscall newer than the profile
	}{
		{specs.ActErrno, nil, true, retErrno(unix.ENOSYS)},
		{specs.ActErrno, uintp(uint(unix.EACCES)), true, retErrno(unix.ENOSYS)},
		{specs.ActErrno, uintp(uint(unix.ENOSYS)), false, retErrno(unix.ENOSYS)},
		{specs.ActKill, nil, true, retErrno(unix.ENOSYS)},
		{specs.ActKillThread, nil, true, retErrno(unix.ENOSYS)},
		{specs.ActKillProcess, nil, true, retErrno(unix.ENOSYS)},
		{specs.ActTrap, nil, true, retErrno(unix.ENOSYS)},
		{specs.ActAllow, nil, false, retAllow},
		{specs.ActLog, nil, false, unix.SECCOMP_RET_LOG},
		{specs.ActTrace, nil, false, unix.SECCOMP_RET_TRACE | uint32(unix.EPERM)},
		{specs.ActNotify, nil, false, 0}, // refused as a default; never compiled
	}
	for _, tc := range tests {
		s := x86Profile(tc.def, tc.errno)
		if got := needsStub(s); got != tc.stub {
			t.Errorf("default %s: needsStub %v, want %v", tc.def, got, tc.stub)
		}
		if tc.def == specs.ActNotify {
			continue
		}
		if tc.def == specs.ActAllow {
			s.Syscalls[0].Action = specs.ActErrno
		}
		p, _ := mustCompile(t, s)
		if got := verdictNr(t, p, specs.ArchX86_64, 1000); got != tc.want {
			t.Errorf("default %s: nr 1000 gives %#x, want %#x", tc.def, got, tc.want)
		}
	}
}

// TestStubOutsideTable: ARM's private syscalls (0xf0000+) named by the
// profile do not raise the bound and still reach the filter.
func TestStubOutsideTable(t *testing.T) {
	s := &specs.LinuxSeccomp{DefaultAction: specs.ActErrno, Architectures: []specs.Arch{specs.ArchARM},
		Syscalls: []specs.LinuxSyscall{rule(specs.ActAllow, "read", "getpgid", "cacheflush", "set_tls")}}
	p, _ := mustCompile(t, s)
	cases := map[int32]uint32{
		sysnr(t, specs.ArchARM, "cacheflush"): retAllow,
		sysnr(t, specs.ArchARM, "set_tls"):    retAllow,
		sysnr(t, specs.ArchARM, "breakpoint"): retErrno(unix.ENOSYS),
		sysnr(t, specs.ArchARM, "getpgid"):    retAllow,
		sysnr(t, specs.ArchARM, "clone3"):     retErrno(unix.ENOSYS),
		sysnr(t, specs.ArchARM, "getppid"):    retErrno(unix.EPERM),
	}
	for nr, want := range cases {
		if got := verdictNr(t, p, specs.ArchARM, nr); got != want {
			t.Errorf("arm nr %#x: %#x, want %#x", nr, got, want)
		}
	}
}

// TestStubS390: an unknown syscall reaches seccomp as 0 on s390x. A
// little-endian libseccomp cannot build a big-endian filter, so this runs
// the stub alone.
func TestStubS390(t *testing.T) {
	audit := archs[specs.ArchS390X].audit
	stub, err := buildStub([]stubArch{{audit: audit, abi: &stubABI{max: 300, zero: true}}})
	if err != nil {
		t.Fatal(err)
	}
	// What follows the stub: allow everything.
	p := &Program{Filter: append(stub, unix.SockFilter{Code: unix.BPF_RET | unix.BPF_K, K: retAllow})}
	for nr, want := range map[int32]uint32{0: retErrno(unix.ENOSYS), 1: retAllow, 300: retAllow, 301: retErrno(unix.ENOSYS)} {
		if got := verdictNr(t, p, specs.ArchS390X, nr); got != want {
			t.Errorf("s390x nr %d: %#x, want %#x", nr, got, want)
		}
	}
	if got := verdictNr(t, p, specs.ArchX86_64, 0); got != retAllow {
		t.Errorf("x86_64 nr 0 through the s390x stub: %#x", got)
	}
}

// TestStubMIPS: the bound is in the ABI's numbering (o32 starts at 4000).
func TestStubMIPS(t *testing.T) {
	s := &specs.LinuxSeccomp{DefaultAction: specs.ActErrno, Architectures: []specs.Arch{specs.ArchMIPSEL, specs.ArchMIPSEL64},
		Syscalls: []specs.LinuxSyscall{rule(specs.ActAllow, "read", "getpgid")}}
	p, _ := mustCompile(t, s)
	for _, a := range []specs.Arch{specs.ArchMIPSEL, specs.ArchMIPSEL64} {
		max := sysnr(t, a, "getpgid")
		if got := verdictNr(t, p, a, max); got != retAllow {
			t.Errorf("%s getpgid: %#x", a, got)
		}
		if got := verdictNr(t, p, a, max+1); got != retErrno(unix.ENOSYS) {
			t.Errorf("%s nr %d: %#x, want ENOSYS", a, max+1, got)
		}
		if got := verdictNr(t, p, a, max-1); got != retErrno(unix.EPERM) {
			t.Errorf("%s nr %d: %#x, want EPERM", a, max-1, got)
		}
	}
}

// TestStubNoNames: an arch the profile names nothing of gets no section.
func TestStubNoNames(t *testing.T) {
	p, _ := mustCompile(t, &specs.LinuxSeccomp{DefaultAction: specs.ActErrno})
	if got := verdictNr(t, p, nativeArch(t), 1000); got != retErrno(unix.EPERM) {
		t.Errorf("nr 1000: %#x, want the default EPERM", got)
	}
}

// TestStubMoby: Moby's default profile.
func TestStubMoby(t *testing.T) {
	s := loadProfile(t, "moby-default-amd64.json")
	p, w := mustCompile(t, s)
	t.Logf("%d instructions, %d warnings", len(p.Filter), len(w))
	if len(p.Filter) > maxInsns {
		t.Fatalf("%d instructions", len(p.Filter))
	}
	cases := map[string]uint32{
		"read":    retAllow,
		"clone3":  retErrno(unix.ENOSYS), // the profile's own rule
		"unshare": retErrno(unix.EPERM),  // not allowed without CAP_SYS_ADMIN
		"mount":   retErrno(unix.EPERM),
		"getpgid": retAllow,
	}
	for _, a := range []specs.Arch{specs.ArchX86_64, specs.ArchX86, specs.ArchX32} {
		for name, want := range cases {
			if got := verdict(t, p, a, name); got != want {
				t.Errorf("%s %s: %#x, want %#x", a, name, got, want)
			}
		}
		if got := verdictNr(t, p, a, sysnr(t, a, "getpgid")|0x3ff); got != retErrno(unix.ENOSYS) {
			t.Errorf("%s: a number past every table: %#x, want ENOSYS", a, got)
		}
	}
	if got := verdictNr(t, p, specs.ArchX86_64, 470); got != retErrno(unix.ENOSYS) {
		t.Errorf("x86_64 nr 470: %#x, want ENOSYS", got)
	}
}

func TestAsmJumpRange(t *testing.T) {
	var a asm
	a.jump(unix.BPF_JEQ, 1, "far", "")
	for range 256 {
		a.op(unix.BPF_RET|unix.BPF_K, 0)
	}
	a.label("far")
	if _, err := a.assemble(); err == nil || !strings.Contains(err.Error(), "out of range") {
		t.Fatalf("a jump of 256: %v", err)
	}
	var b asm
	b.jump(unix.BPF_JEQ, 1, "", "nowhere")
	if _, err := b.assemble(); err == nil {
		t.Fatal("an undefined label assembled")
	}
}
