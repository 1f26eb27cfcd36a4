package seccomp

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// SeccompFdName is the name of the listener fd in the state's fds, as the
// spec requires.
const SeccompFdName = "seccompFd"

// ListenerTimeout bounds SendListener: connecting and sending to an agent
// that does not read.
const ListenerTimeout = 10 * time.Second

// SendListener hands a seccomp listener fd to the agent at listenerPath as
// runtime-spec v1.3.0 says (config-linux.md, "listenerPath"; runtime.md,
// "The Container Process State"): it connects a SOCK_STREAM unix socket,
// sends state as JSON, with fds set to ["seccompFd"], and listenerFD in
// SCM_RIGHTS in the first sendmsg, then closes the connection. An empty
// state.Version becomes the spec version berth implements. The caller
// keeps listenerFD (and closes it when done). Connecting, and each send,
// give up after ListenerTimeout.
func SendListener(listenerPath string, listenerFD int, state specs.ContainerProcessState) error {
	errf := func(what string, err error) error {
		return fmt.Errorf("%s.listenerPath: %s: %s: %w", field, listenerPath, what, err)
	}
	if listenerPath == "" {
		return fmt.Errorf("%s.listenerPath: empty", field)
	}
	if listenerFD < 0 {
		return errf("send", errors.New("no listener fd"))
	}
	state.Fds = []string{SeccompFdName}
	if state.Version == "" {
		state.Version = specs.Version
	}
	msg, err := json.Marshal(state)
	if err != nil {
		return errf("encode the state", err)
	}
	conn, err := DialUnix(listenerPath, ListenerTimeout)
	if err != nil {
		// runc's words (its seccomp-notify.bats matches them)
		return errf("failed to connect with seccomp agent", err)
	}
	defer unix.Close(conn)
	if err := sendWithFD(conn, msg, listenerFD); err != nil {
		return errf("send", err)
	}
	return nil
}

// DialUnix connects a SOCK_STREAM unix socket (close-on-exec) to path and
// returns its fd. With timeout > 0, connecting to a listener whose backlog
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

// sendWithFD writes msg, with fd in SCM_RIGHTS on the first sendmsg only
// (a stream socket may take msg in several).
func sendWithFD(conn int, msg []byte, fd int) error {
	rights := unix.UnixRights(fd)
	for n := 0; n < len(msg); {
		m, err := unix.SendmsgN(conn, msg[n:], rights, nil, unix.MSG_NOSIGNAL)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return err
		}
		n += m
		rights = nil
	}
	return nil
}
