// Package memfd runs the programs embedded in berth (the C init, the
// seccomp compiler) from sealed memfds: the program is never a file on
// disk, and no process can change what the fd runs.
package memfd

import (
	"fmt"
	"os"
	"strconv"

	"golang.org/x/sys/unix"
)

// Sealed returns a close-on-exec, executable memfd named name holding
// program. The seals forbid any write, resize or further sealing.
func Sealed(name string, program []byte) (*os.File, error) {
	fd, err := unix.MemfdCreate(name, unix.MFD_CLOEXEC|unix.MFD_ALLOW_SEALING|unix.MFD_EXEC)
	if err == unix.EINVAL {
		// before Linux 6.3 there is no MFD_EXEC: memfds are executable
		fd, err = unix.MemfdCreate(name, unix.MFD_CLOEXEC|unix.MFD_ALLOW_SEALING)
	}
	if err != nil {
		return nil, fmt.Errorf("memfd for %s: %w", name, err)
	}
	f := os.NewFile(uintptr(fd), "memfd:"+name)
	if err := fill(f, name, program); err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

func fill(f *os.File, name string, program []byte) error {
	for b := program; len(b) > 0; {
		n, err := unix.Write(int(f.Fd()), b)
		if err != nil {
			return fmt.Errorf("write %s to its memfd: %w", name, err)
		}
		b = b[n:]
	}
	const seals = unix.F_SEAL_SEAL | unix.F_SEAL_SHRINK | unix.F_SEAL_GROW | unix.F_SEAL_WRITE
	if _, err := unix.FcntlInt(f.Fd(), unix.F_ADD_SEALS, seals); err != nil {
		return fmt.Errorf("seal the memfd of %s: %w", name, err)
	}
	return nil
}

// ExecPath is the path a child execs to run f: /proc/<this process>/fd/N.
// It resolves in the child before the exec, and the parent's pid avoids
// any clash with the fds the child is given (its own fd N may be another
// file by then).
func ExecPath(f *os.File) string {
	return "/proc/" + strconv.Itoa(os.Getpid()) + "/fd/" + strconv.Itoa(int(f.Fd()))
}
