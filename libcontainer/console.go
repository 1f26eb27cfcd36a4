package libcontainer

import (
	"errors"
	"fmt"
	"os"

	"golang.org/x/sys/unix"

	"github.com/berth-oci/berth/internal/fdio"
)

// dialUnix connects to a unix stream socket (--console-socket,
// --pidfd-socket) and returns the connection as a file.
func dialUnix(path string) (*os.File, error) {
	fd, err := fdio.DialUnix(path, 0)
	if err != nil {
		return nil, fmt.Errorf("connect to socket %s: %w", path, err)
	}
	return os.NewFile(uintptr(fd), path), nil
}

// sendFile sends fd over the unix socket conn with name as the message,
// the way runc passes a pty master or a pidfd.
func sendFile(conn *os.File, name string, fd int) error {
	rights := unix.UnixRights(fd)
	return unix.Sendmsg(int(conn.Fd()), []byte(name), rights, nil, 0)
}

// RecvFile receives one fd sent by sendFile (or by the init).
func RecvFile(conn *os.File) (*os.File, error) {
	buf := make([]byte, 4096)
	oob := make([]byte, unix.CmsgSpace(4))
	n, oobn, _, _, err := unix.Recvmsg(int(conn.Fd()), buf, oob, unix.MSG_CMSG_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("receive a file: %w", err)
	}
	f, err := parseFD(oob[:oobn])
	if err != nil {
		return nil, err
	}
	if f == nil {
		return nil, errors.New("receive a file: no file in the message")
	}
	_ = n // the name (e.g. /dev/pts/3) is informative only
	return f, nil
}

// sendPidfd sends a pidfd of the container's process to --pidfd-socket.
func sendPidfd(path string, pid int, start uint64) error {
	conn, err := dialUnix(path)
	if err != nil {
		return fmt.Errorf("--pidfd-socket: %w", err)
	}
	defer conn.Close()
	fd, err := openPidfd(pid, start)
	if err != nil {
		return fmt.Errorf("--pidfd-socket: %w", err)
	}
	defer unix.Close(fd)
	if err := sendFile(conn, "pidfd", fd); err != nil {
		return fmt.Errorf("--pidfd-socket %s: %w", path, err)
	}
	return nil
}
