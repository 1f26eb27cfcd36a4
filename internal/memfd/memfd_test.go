package memfd

import (
	"bytes"
	"io"
	"os"
	"testing"

	"golang.org/x/sys/unix"
)

// A sealed memfd holds the program, and nothing, berth included, can
// change it afterwards: no write, no resize, no seal taken off.
func TestSealed(t *testing.T) {
	program := bytes.Repeat([]byte("berth "), 100000) // several writes' worth
	f, err := Sealed("test", program)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	got, err := io.ReadAll(io.NewSectionReader(f, 0, int64(len(program))+1))
	if err != nil || !bytes.Equal(got, program) {
		t.Fatalf("memfd holds %d bytes (%v), want the program's %d", len(got), err, len(program))
	}
	if _, err := unix.Pwrite(int(f.Fd()), []byte("x"), 0); err != unix.EPERM {
		t.Errorf("write to the sealed memfd: %v, want EPERM", err)
	}
	if err := unix.Ftruncate(int(f.Fd()), 1); err != unix.EPERM {
		t.Errorf("shrink the sealed memfd: %v, want EPERM", err)
	}
	seals, err := unix.FcntlInt(f.Fd(), unix.F_GET_SEALS, 0)
	const want = unix.F_SEAL_SEAL | unix.F_SEAL_SHRINK | unix.F_SEAL_GROW | unix.F_SEAL_WRITE
	if err != nil || seals&want != want {
		t.Errorf("seals %#x (%v), want %#x", seals, err, want)
	}
	if flags, _ := unix.FcntlInt(f.Fd(), unix.F_GETFD, 0); flags&unix.FD_CLOEXEC == 0 {
		t.Error("the memfd is not close-on-exec")
	}
	if target, err := os.Readlink(ExecPath(f)); err != nil || target != "/memfd:test (deleted)" {
		t.Errorf("ExecPath %s names %q (%v)", ExecPath(f), target, err)
	}
}
