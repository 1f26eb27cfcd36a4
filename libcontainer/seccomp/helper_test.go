//go:build cgo

package seccomp

import (
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// The pure-Go berth compiles through the helper (./compiler) what this
// build compiles in-process: the two must agree, byte for byte.

var (
	helperOnce sync.Once
	helperProg []byte
)

// builtHelper builds ./compiler once (this is a cgo build, so the C
// compiler it needs is there) and returns its bytes.
func builtHelper(t *testing.T) []byte {
	t.Helper()
	helperOnce.Do(func() {
		path := filepath.Join(testDir, "berth-seccomp")
		out, err := exec.Command("go", "build", "-o", path, "./compiler").CombinedOutput()
		if err != nil {
			t.Fatalf("go build ./compiler: %v\n%s", err, out)
		}
		if helperProg, err = os.ReadFile(path); err != nil {
			t.Fatal(err)
		}
	})
	if helperProg == nil {
		t.Fatal("the helper did not build")
	}
	return helperProg
}

func TestHelperMatchesCompile(t *testing.T) {
	helper := builtHelper(t)
	profiles := map[string]*specs.LinuxSeccomp{
		"moby":   loadProfile(t, "moby-default-amd64.json"),
		"notify": ruleWith(specs.LinuxSyscall{Action: specs.ActNotify}),
		"stub and args": {
			DefaultAction: specs.ActErrno,
			Architectures: []specs.Arch{specs.ArchX86_64, specs.ArchX86, specs.ArchX32},
			Flags:         []specs.LinuxSeccompFlag{specs.LinuxSeccompFlagLog, specs.LinuxSeccompFlagWaitKillableRecv},
			Syscalls: []specs.LinuxSyscall{{
				Names:  []string{"read", "write", "no_such_syscall"},
				Action: specs.ActAllow,
				Args:   []specs.LinuxSeccompArg{{Index: 0, Op: specs.OpLessThan, Value: 3}, {Index: 0, Op: specs.OpEqualTo, Value: 9}},
			}},
		},
	}
	for name, s := range profiles {
		want, wantW, err := Compile(s)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		got, gotW, err := compileWith(helper, s)
		if err != nil {
			t.Errorf("%s: through the helper: %v", name, err)
			continue
		}
		if !reflect.DeepEqual(got, want) || !slices.Equal(gotW, wantW) {
			t.Errorf("%s: the helper's program differs:\n%+v %q\nin-process:\n%+v %q", name, got, gotW, want, wantW)
		}
		if name == "stub and args" && len(wantW) < 3 {
			t.Errorf("%s: warnings %q: want the unknown name, the ORed args and the dropped flag", name, wantW)
		}
	}
}

// What only libseccomp refuses (Validate passes it) comes back as the
// in-process error, one line; a mode the helper lacks is an error naming it.
func TestHelperErrors(t *testing.T) {
	helper := builtHelper(t)
	s := &specs.LinuxSeccomp{DefaultAction: specs.ActAllow, Architectures: []specs.Arch{specs.ArchS390X}}
	if err := Validate(s); err != nil {
		t.Fatal(err)
	}
	_, _, want := Compile(s)
	_, _, err := compileWith(helper, s)
	if want == nil || err == nil || err.Error() != want.Error() || strings.Contains(err.Error(), "\n") {
		t.Errorf("s390x on %s through the helper: %v, want %v", nativeArch(t), err, want)
	}
	_, err = runHelper(helper, "bogus", nil)
	if err == nil || !strings.Contains(err.Error(), `"bogus"`) || strings.Contains(err.Error(), "\n") {
		t.Errorf("unknown mode: %v", err)
	}
	if _, err := runHelper([]byte("not a program"), "compile", nil); err == nil || !strings.Contains(err.Error(), "berth-seccomp compile") {
		t.Errorf("a helper that cannot run: %v", err)
	}
}

// The info `make` embeds is the version and architectures this build
// reports.
func TestHelperInfo(t *testing.T) {
	out, err := runHelper(builtHelper(t), "info", nil)
	if err != nil {
		t.Fatal(err)
	}
	if string(out) != Info() {
		t.Errorf("helper info %q, in-process %q", out, Info())
	}
	v, archs := parseInfo(string(out))
	if v != LibseccompVersion() || !slices.Equal(archs, ArchNames()) || v == "" {
		t.Errorf("parsed info: %q %v, want %q %v", v, archs, LibseccompVersion(), ArchNames())
	}
}
