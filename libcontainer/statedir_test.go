package libcontainer

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/sys/unix"
)

// A lock taken on a state directory that a delete removed, and a create
// of the same id made again, must not pass for a lock of the new one:
// its record belongs to the new directory's lock.
func TestSameDirReplaced(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "c1")
	if err := os.Mkdir(dir, 0o711); err != nil {
		t.Fatal(err)
	}
	d, err := lockStateDir(dir, unix.LOCK_EX)
	if err != nil {
		t.Fatal(err)
	}
	defer d.unlock()
	if same, err := sameDir(d.lock, dir); err != nil || !same {
		t.Fatalf("sameDir of the locked directory: %v, %v; want true", same, err)
	}
	// a delete removes it, a create makes the id again
	if err := os.Remove(dir); err != nil {
		t.Fatal(err)
	}
	if _, err := sameDir(d.lock, dir); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("sameDir of a removed directory: %v; want not exist", err)
	}
	if err := os.Mkdir(dir, 0o711); err != nil {
		t.Fatal(err)
	}
	if same, err := sameDir(d.lock, dir); err != nil || same {
		t.Fatalf("sameDir of a directory made again: %v, %v; want false", same, err)
	}
	// the lock of the new directory is free: the old one held nothing
	d2, err := lockStateDir(dir, unix.LOCK_EX)
	if err != nil {
		t.Fatal(err)
	}
	d2.unlock()
}

func TestOpenStateDirGone(t *testing.T) {
	if _, err := openStateDir(t.TempDir(), "nothere"); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("openStateDir of a missing id: %v; want not exist", err)
	}
}
