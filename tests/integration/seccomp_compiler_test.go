package integration

import (
	"bytes"
	"debug/buildinfo"
	"debug/elf"
	"os"
	"path/filepath"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// berth is pure Go: no program interpreter, no shared library, built
// with CGO_ENABLED=0. libseccomp lives in the embedded compiler helper
// (libcontainer/seccomp/compiler), not in berth.
func TestSeccompCompilerBerthIsPureGo(t *testing.T) {
	t.Parallel()
	f, err := elf.Open(berthBin)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP || p.Type == elf.PT_DYNAMIC {
			t.Errorf("%s has a %s program header: not a static pure-Go binary", berthBin, p.Type)
		}
	}
	info, err := buildinfo.ReadFile(berthBin)
	if err != nil {
		t.Fatal(err)
	}
	cgo := "unset"
	for _, s := range info.Settings {
		if s.Key == "CGO_ENABLED" {
			cgo = s.Value
		}
	}
	if cgo != "0" {
		t.Errorf("%s built with CGO_ENABLED=%s, want 0", berthBin, cgo)
	}
}

// mkdirDenied is a profile under which mkdir fails with EPERM.
func mkdirDenied() *specs.LinuxSeccomp {
	return &specs.LinuxSeccomp{
		DefaultAction: specs.ActAllow,
		Architectures: []specs.Arch{specs.ArchX86_64, specs.ArchX86, specs.ArchX32},
		Syscalls:      []specs.LinuxSyscall{{Names: []string{"mkdir", "mkdirat"}, Action: specs.ActErrno}},
	}
}

// cacheEntries lists the seccomp cache's files (temporary ones included).
func (e *env) cacheEntries(t *testing.T) []string {
	t.Helper()
	names, err := filepath.Glob(filepath.Join(e.root, "seccomp-cache", "*"))
	if err != nil {
		t.Fatal(err)
	}
	hidden, _ := filepath.Glob(filepath.Join(e.root, "seccomp-cache", ".*"))
	return append(names, hidden...)
}

// With the cache emptied, the pure-Go berth can only compile a profile by
// running the helper: the container's mkdir is still refused, and the
// program the helper made is cached again, the same bytes as before. With
// the entry there, nothing is compiled: the entry is not rewritten.
func TestSeccompCompilerCacheMiss(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.newBundle().shell("mkdir /dev/shm/denied 2>&1; echo status=$?")
	b.spec.Linux.Seccomp = mkdirDenied()
	var first []byte
	for _, round := range []string{"first compile", "cache emptied"} {
		if err := os.RemoveAll(filepath.Join(e.root, "seccomp-cache")); err != nil {
			t.Fatal(err)
		}
		out := e.runOK(b)
		if !strings.Contains(out, "Operation not permitted") || !strings.Contains(out, "status=1") {
			t.Errorf("%s: mkdir under a profile denying it: %q", round, out)
		}
		entries := e.cacheEntries(t)
		if len(entries) != 1 || !strings.HasSuffix(entries[0], ".bpf") {
			t.Fatalf("%s: cache holds %q, want one compiled program", round, entries)
		}
		data, err := os.ReadFile(entries[0])
		if err != nil {
			t.Fatal(err)
		}
		if first == nil {
			first = data
		} else if !bytes.Equal(data, first) {
			t.Errorf("%s: the helper compiled another program than the first time", round)
		}
	}
	entry := e.cacheEntries(t)[0]
	before, err := os.Stat(entry)
	if err != nil {
		t.Fatal(err)
	}
	if out := e.runOK(b); !strings.Contains(out, "Operation not permitted") {
		t.Errorf("from the cache: mkdir under a profile denying it: %q", out)
	}
	after, err := os.Stat(entry)
	if err != nil || !os.SameFile(before, after) || !after.ModTime().Equal(before.ModTime()) {
		t.Errorf("a cache hit rewrote the entry (%v): the program was compiled again", err)
	}
}

// A profile only libseccomp refuses (Validate in berth passes it: an
// architecture of the other byte order) fails the run in the helper: one
// line naming the field, nothing left behind, nothing cached.
func TestSeccompCompilerError(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.newBundle("true")
	b.spec.Linux.Seccomp = mkdirDenied()
	b.spec.Linux.Seccomp.Architectures = []specs.Arch{specs.ArchS390X}
	id := e.id()
	failsOneLine(t, e.createIO("run", id, b), "linux.seccomp.architectures[0]", "SCMP_ARCH_S390X", "byte order")
	e.assertNothingLeft(id, b)
	if entries := e.cacheEntries(t); len(entries) != 0 {
		t.Errorf("a failed compile left %q in the cache", entries)
	}
}
