package seccomp

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/berth-oci/berth/internal/fdio"
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
	conn, err := fdio.DialUnix(listenerPath, ListenerTimeout)
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
