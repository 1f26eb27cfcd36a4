package cgroups

import (
	"os"
	"path/filepath"
	"slices"
	"syscall"
	"testing"
)

// TestIntentFindsInterruptedCreate records the intent, makes only the
// first hierarchy's directories (a Create killed after its first mkdir),
// and checks that a manager loaded from the intent kills and destroys
// without error and leaves nothing.
func TestIntentFindsInterruptedCreate(t *testing.T) {
	requireRoot(t)
	m, err := New(Config{Path: "/" + testName(t) + "/leaf"})
	if err != nil {
		t.Fatal(err)
	}
	intent := Intent(m)
	t.Cleanup(func() { assertGone(t, allDirs(intent)...) })
	for _, d := range intent.Dirs() {
		if !slices.Contains(intent.Created, d) || !slices.Contains(intent.Created, filepath.Dir(d)) {
			t.Fatalf("intent %v lacks %s or its parent", intent.Created, d)
		}
	}
	first := intent.Dirs()[0]
	if err := os.MkdirAll(first, 0o755); err != nil {
		t.Fatal(err)
	}
	loaded, err := Load(intent)
	if err != nil {
		t.Fatal(err)
	}
	if !loaded.Exists() {
		t.Fatalf("Exists() = false with %s made", first)
	}
	if err := loaded.Kill(syscall.SIGKILL); err != nil {
		t.Errorf("Kill on a partly made cgroup: %v", err)
	}
	if err := loaded.Destroy(); err != nil {
		t.Errorf("Destroy on a partly made cgroup: %v", err)
	}
	assertGone(t, allDirs(intent)...)
}

// TestIntentMatchesCreate checks that the intent lists exactly what
// Create then makes.
func TestIntentMatchesCreate(t *testing.T) {
	requireRoot(t)
	m, err := New(Config{Path: "/" + testName(t) + "/leaf"})
	if err != nil {
		t.Fatal(err)
	}
	intent := Intent(m)
	if err := m.Create(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := m.Destroy(); err != nil {
			t.Error(err)
		}
		assertGone(t, allDirs(intent)...)
	})
	got := m.State().Created
	want := append([]string(nil), intent.Created...)
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("Create made %v, intent listed %v", got, want)
	}
}
