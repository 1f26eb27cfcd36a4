// Package nsexec holds the container init: a small static C program (the
// *.c files here, built by `make` into berth-init) embedded in the berth
// binary. The init runs from a sealed memfd, so a container never maps
// the berth binary and cannot write to what it runs.
package nsexec

import (
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// Size is the size of the embedded init in bytes.
func Size() int { return len(initBinary) }

// OpenInit returns a sealed, executable memfd holding the init. The seals
// forbid any write, resize or further sealing, so no process, the
// container's included, can change what the fd runs.
func OpenInit() (*os.File, error) {
	fd, err := unix.MemfdCreate("berth-init", unix.MFD_CLOEXEC|unix.MFD_ALLOW_SEALING|unix.MFD_EXEC)
	if err == unix.EINVAL {
		// before Linux 6.3 there is no MFD_EXEC: memfds are executable
		fd, err = unix.MemfdCreate("berth-init", unix.MFD_CLOEXEC|unix.MFD_ALLOW_SEALING)
	}
	if err != nil {
		return nil, fmt.Errorf("memfd for the init: %w", err)
	}
	f := os.NewFile(uintptr(fd), "memfd:berth-init")
	if err := fill(f); err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

func fill(f *os.File) error {
	for b := initBinary; len(b) > 0; {
		n, err := unix.Write(int(f.Fd()), b)
		if err != nil {
			return fmt.Errorf("write the init to its memfd: %w", err)
		}
		b = b[n:]
	}
	const seals = unix.F_SEAL_SEAL | unix.F_SEAL_SHRINK | unix.F_SEAL_GROW | unix.F_SEAL_WRITE
	if _, err := unix.FcntlInt(f.Fd(), unix.F_ADD_SEALS, seals); err != nil {
		return fmt.Errorf("seal the init's memfd: %w", err)
	}
	return nil
}
