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
	"fmt"
	"os"
	"time"

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

// ReadFile returns the content of path; errors as from os.ReadFile. The
// buffer starts at a page and doubles, so a state record or a procfs or
// cgroupfs file takes a read and the read that sees its end.
func ReadFile(path string) ([]byte, error) {
	fd, err := Open(path, unix.O_RDONLY, 0)
	if err != nil {
		return nil, err
	}
	defer unix.Close(fd)
	b := make([]byte, 0, 4096)
	for {
		if len(b) == cap(b) {
			b = append(make([]byte, 0, 2*cap(b)), b...)
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

// DialUnix connects a SOCK_STREAM unix socket (close-on-exec) to path and
// returns its fd (--console-socket, --pidfd-socket, the seccomp agent). With timeout > 0, connecting to a listener whose backlog
// is full and every later send give up after it (SO_SNDTIMEO). (The net
// package would do the same through Go's poller, and link its resolver
// and address parsers into every berth command.)
func DialUnix(path string, timeout time.Duration) (int, error) {
	fd, err := unix.Socket(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return -1, fmt.Errorf("socket: %w", err)
	}
	if timeout > 0 {
		tv := unix.NsecToTimeval(timeout.Nanoseconds())
		if err := unix.SetsockoptTimeval(fd, unix.SOL_SOCKET, unix.SO_SNDTIMEO, &tv); err != nil {
			unix.Close(fd)
			return -1, fmt.Errorf("set the send timeout: %w", err)
		}
	}
	for {
		// a socket with a timeout returns EINTR on any signal (Go's
		// preemption signal included), SA_RESTART or not
		err = unix.Connect(fd, &unix.SockaddrUnix{Name: path})
		if err != unix.EINTR {
			break
		}
	}
	if err != nil {
		unix.Close(fd)
		return -1, fmt.Errorf("connect: %w", err)
	}
	return fd, nil
}

// WriteAll writes b to fd, retrying short writes and EINTR.
func WriteAll(fd int, b []byte) error {
	for len(b) > 0 {
		n, err := unix.Write(fd, b)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return err
		}
		b = b[n:]
	}
	return nil
}
