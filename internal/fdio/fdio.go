// Package fdio opens, reads and writes files by fd, for the files berth
// opens once per command (cgroupfs, procfs, its state records).
//
// os.OpenFile and os.ReadFile try to register every file with Go's poller:
// F_GETFL, epoll_ctl (refused for regular files, accepted for the pollable
// files of cgroupfs), O_NONBLOCK set and cleared with F_SETFL, and
// epoll_ctl again at close: up to five system calls more per file, which
// add up to hundreds in a `create` or a `list`.
package fdio

import (
	"os"

	"golang.org/x/sys/unix"
)

// Open opens path (O_CLOEXEC added), retrying on EINTR. An error is an
// *os.PathError, as from os.OpenFile.
func Open(path string, flags int, mode uint32) (int, error) {
	for {
		fd, err := unix.Open(path, flags|unix.O_CLOEXEC, mode)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return -1, &os.PathError{Op: "open", Path: path, Err: err}
		}
		return fd, nil
	}
}

// OpenFile is Open as an *os.File that stays out of the poller.
func OpenFile(path string, flags int, mode uint32) (*os.File, error) {
	fd, err := Open(path, flags, mode)
	if err != nil {
		return nil, err
	}
	return os.NewFile(uintptr(fd), path), nil
}

// ReadFile returns the content of path; errors as from os.ReadFile.
func ReadFile(path string) ([]byte, error) {
	fd, err := Open(path, unix.O_RDONLY, 0)
	if err != nil {
		return nil, err
	}
	defer unix.Close(fd)
	b := make([]byte, 0, 512)
	for {
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
		n, err := unix.Read(fd, b[len(b):cap(b)])
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return nil, &os.PathError{Op: "read", Path: path, Err: err}
		}
		if n == 0 {
			return b, nil
		}
		b = b[:len(b)+n]
	}
}

// WriteExisting writes value to the existing file path in one write(2)
// (as cgroupfs and procfs want), truncating it first. A missing file is
// an error wrapping ENOENT.
func WriteExisting(path, value string) error {
	fd, err := Open(path, unix.O_WRONLY|unix.O_TRUNC, 0)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	for {
		_, err = unix.Write(fd, []byte(value))
		if err != unix.EINTR {
			break
		}
	}
	if err != nil {
		return &os.PathError{Op: "write", Path: path, Err: err}
	}
	return nil
}
