//go:build cgo

package seccomp

import (
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	libseccomp "github.com/seccomp/libseccomp-golang"
	"golang.org/x/sys/unix"
)

var testDir string // removed after the tests

func TestMain(m *testing.M) {
	d, err := os.MkdirTemp("", "berth-seccomp-test-")
	if err != nil {
		panic(err)
	}
	testDir = d
	code := m.Run()
	os.RemoveAll(d)
	os.Exit(code)
}

func uintp(v uint) *uint { return &v }

// nativeArch is the spec name of the host's architecture.
func nativeArch(t testing.TB) specs.Arch {
	t.Helper()
	n, err := libseccomp.GetNativeArch()
	if err != nil {
		t.Fatal(err)
	}
	for name, a := range scmpArchs {
		if a == n {
			return name
		}
	}
	t.Fatalf("native arch %v has no spec name", n)
	return ""
}

// sysnr is the number of a syscall on an architecture.
func sysnr(t testing.TB, arch specs.Arch, name string) int32 {
	t.Helper()
	nr, err := libseccomp.GetSyscallFromNameByArch(name, scmpArchs[arch])
	if err != nil || nr < 0 {
		t.Fatalf("no syscall %q on %s: %v (%d)", name, arch, err, nr)
	}
	return int32(nr)
}

// mustCompile compiles s and fails the test on error.
func mustCompile(t testing.TB, s *specs.LinuxSeccomp) (*Program, []string) {
	t.Helper()
	p, w, err := Compile(s)
	if err != nil {
		t.Fatalf("Compile: %v", err)
	}
	return p, w
}

// verdictNr runs p on a syscall by number of arch.
func verdictNr(t testing.TB, p *Program, arch specs.Arch, nr int32, args ...uint64) uint32 {
	t.Helper()
	d := seccompData{nr: nr, arch: archs[arch].audit}
	copy(d.args[:], args)
	v, err := runBPF(p.Filter, d)
	if err != nil {
		t.Fatalf("running the filter on %s nr %d: %v", arch, nr, err)
	}
	return v
}

// verdict runs p on a syscall by name of arch.
func verdict(t testing.TB, p *Program, arch specs.Arch, name string, args ...uint64) uint32 {
	t.Helper()
	return verdictNr(t, p, arch, sysnr(t, arch, name), args...)
}

const (
	retAllow = unix.SECCOMP_RET_ALLOW
	retKill  = unix.SECCOMP_RET_KILL_THREAD
)

func retErrno(e unix.Errno) uint32 { return unix.SECCOMP_RET_ERRNO | uint32(e) }

var (
	loaderOnce sync.Once
	loaderPath string
	loaderErr  error
)

// loader builds testdata/loader.c once; tests skip without a C compiler.
func loader(t testing.TB) string {
	t.Helper()
	loaderOnce.Do(func() {
		cc, err := exec.LookPath("cc")
		if err != nil {
			loaderErr = err
			return
		}
		loaderPath = filepath.Join(testDir, "loader")
		out, err := exec.Command(cc, "-O2", "-Wall", "-o", loaderPath, "testdata/loader.c").CombinedOutput()
		if err != nil {
			t.Fatalf("cc loader.c: %v\n%s", err, out)
		}
	})
	if loaderErr != nil {
		t.Skipf("no C compiler for the loader: %v", loaderErr)
	}
	if loaderPath == "" {
		t.Fatal("the loader did not build")
	}
	return loaderPath
}
