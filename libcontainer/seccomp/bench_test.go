//go:build cgo

package seccomp

import (
	"path/filepath"
	"testing"
)

// go test -run '^$' -bench . -benchmem ./libcontainer/seccomp/

// BenchmarkCompile compiles Moby's default profile (amd64: x86_64, x86,
// x32; 372 names) from scratch.
func BenchmarkCompile(b *testing.B) {
	s := loadProfile(b, "moby-default-amd64.json")
	for b.Loop() {
		if _, _, err := Compile(s); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCompileCached gets the same program from a warm cache.
func BenchmarkCompileCached(b *testing.B) {
	s := loadProfile(b, "moby-default-amd64.json")
	dir := filepath.Join(b.TempDir(), "cache")
	if _, _, err := CompileCached(s, dir); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, _, err := CompileCached(s, dir); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkValidate is the pure check create runs first.
func BenchmarkValidate(b *testing.B) {
	s := loadProfile(b, "moby-default-amd64.json")
	for b.Loop() {
		if err := Validate(s); err != nil {
			b.Fatal(err)
		}
	}
}
