//go:build cgo

package seccomp

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// cacheFiles lists the entries in dir.
func cacheFiles(t *testing.T, dir string) []string {
	t.Helper()
	m, err := filepath.Glob(filepath.Join(dir, "*.bpf"))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func sameProgram(a, b *Program) bool {
	return slices.Equal(a.Filter, b.Filter) && a.Flags == b.Flags && a.ListenerPath == b.ListenerPath &&
		a.ListenerMetadata == b.ListenerMetadata && a.NeedsNotify == b.NeedsNotify
}

func TestCompileCached(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "cache")
	s := loadProfile(t, "moby-default-amd64.json")
	s.ListenerPath, s.ListenerMetadata = "/agent.sock", "meta"
	s.Syscalls = append(s.Syscalls, rule(specs.ActNotify, "mkdirat"))
	want, wantW := mustCompile(t, s)

	p, w, err := CompileCached(s, dir)
	if err != nil || !sameProgram(p, want) || !slices.Equal(w, wantW) {
		t.Fatalf("first CompileCached: %v, same program %v, warnings %q", err, err == nil && sameProgram(p, want), w)
	}
	files := cacheFiles(t, dir)
	if len(files) != 1 {
		t.Fatalf("cache holds %q", files)
	}
	if st, err := os.Stat(dir); err != nil || st.Mode().Perm() != 0o700 {
		t.Errorf("cache dir: %v %v", st.Mode(), err)
	}

	// A hit: the program and the warnings come back from the file.
	p, w, err = CompileCached(s, dir)
	if err != nil || !sameProgram(p, want) || !slices.Equal(w, wantW) {
		t.Fatalf("cached: %v, warnings %q", err, w)
	}

	// Another profile, another entry.
	s2 := &specs.LinuxSeccomp{DefaultAction: specs.ActAllow, Syscalls: []specs.LinuxSyscall{rule(specs.ActErrno, "getpgid")}}
	if _, _, err := CompileCached(s2, dir); err != nil {
		t.Fatal(err)
	}
	if n := len(cacheFiles(t, dir)); n != 2 {
		t.Fatalf("%d entries, want 2", n)
	}
}

// TestCompileCachedCorrupt: a damaged entry is ignored and rewritten.
func TestCompileCachedCorrupt(t *testing.T) {
	s := &specs.LinuxSeccomp{DefaultAction: specs.ActErrno, Syscalls: []specs.LinuxSyscall{rule(specs.ActAllow, "read", "no_such")}}
	want, wantW := mustCompile(t, s)
	key, err := cacheKey(s)
	if err != nil {
		t.Fatal(err)
	}
	good := func(dir string) []byte {
		if _, _, err := CompileCached(s, dir); err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(filepath.Join(dir, key+".bpf"))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	orig := good(t.TempDir())
	flip := slices.Clone(orig)
	flip[len(flip)-20] ^= 1
	other := strings.Replace(string(orig), key, strings.Repeat("0", len(key)), 1)
	damage := map[string][]byte{
		"empty":      nil,
		"truncated":  orig[:len(orig)/2],
		"bit flip":   flip,
		"garbage":    []byte("not a cache entry at all"),
		"other key":  []byte(other), // checksum mismatch too, but make sure
		"huge":       make([]byte, maxCacheFile+10),
		"bad header": append([]byte("BERTHSCMP0\n"), orig[len(cacheMagic):]...),
	}
	for name, b := range damage {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, key+".bpf")
			if err := os.WriteFile(path, b, 0o600); err != nil {
				t.Fatal(err)
			}
			p, w, err := CompileCached(s, dir)
			if err != nil || !sameProgram(p, want) || !slices.Equal(w, wantW) {
				t.Fatalf("%v, warnings %q", err, w)
			}
			now, err := os.ReadFile(path)
			if err != nil || len(now) != len(orig) {
				t.Fatalf("entry not rewritten: %d bytes, %v", len(now), err)
			}
			if leftovers, _ := filepath.Glob(filepath.Join(dir, ".tmp-*")); len(leftovers) != 0 {
				t.Errorf("temporary files left: %q", leftovers)
			}
		})
	}
}

// TestCompileCachedUnwritable: a cache that cannot be written costs a
// warning only.
func TestCompileCachedUnwritable(t *testing.T) {
	file := filepath.Join(t.TempDir(), "a-file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	s := &specs.LinuxSeccomp{DefaultAction: specs.ActAllow, Syscalls: []specs.LinuxSyscall{rule(specs.ActErrno, "getpgid")}}
	p, w, err := CompileCached(s, filepath.Join(file, "cache"))
	if err != nil || p == nil {
		t.Fatal(err)
	}
	if len(w) != 1 || !strings.HasPrefix(w[0], "linux.seccomp: seccomp cache not written: ") {
		t.Errorf("warnings %q", w)
	}
}

func TestCompileCachedInvalid(t *testing.T) {
	dir := t.TempDir()
	if p, w, err := CompileCached(nil, dir); p != nil || w != nil || err != nil {
		t.Fatalf("nil profile: %v %v %v", p, w, err)
	}
	_, _, err := CompileCached(&specs.LinuxSeccomp{DefaultAction: "SCMP_ACT_FOO"}, dir)
	if err == nil || err.Error() != `linux.seccomp.defaultAction: unknown action "SCMP_ACT_FOO"` {
		t.Fatalf("error %v", err)
	}
	if n := len(cacheFiles(t, dir)); n != 0 {
		t.Fatalf("%d entries for an invalid profile", n)
	}
}
