package nsexec

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestPathWalkFallback checks the init's resolver for kernels without
// openat2 (nsexec/c/paths.c, walk_in_root) against openat2 itself on a
// tree of hostile symlinks (escapes by "..", absolute links, loops, a
// chain past the link limit, trailing slashes) and on procfs magic links:
// nsexec/c/fuzz/walk_check resolves every path both ways and compares.
func TestPathWalkFallback(t *testing.T) {
	cc, err := exec.LookPath("cc")
	if err != nil {
		t.Skipf("no C compiler (cc) to build nsexec/c/fuzz/walk_check: %v", err)
	}
	bin := filepath.Join(t.TempDir(), "walk_check")
	out, err := exec.Command(cc, "-std=gnu11", "-O1", "-Wall", "-Wextra", "-Werror", "-o", bin,
		"c/fuzz/walk_check.c", "c/paths.c").CombinedOutput()
	if err != nil {
		t.Fatalf("build walk_check: %v: %s", err, out)
	}
	out, err = exec.Command(bin).CombinedOutput()
	if err != nil {
		t.Fatalf("the walk and openat2 disagree (%v):\n%s", err, out)
	}
	if !strings.Contains(string(out), "paths agree") {
		t.Fatalf("walk_check: %s", out)
	}
	t.Log(strings.TrimSpace(string(out)))
}
