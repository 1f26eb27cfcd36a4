package libcontainer

import (
	"errors"
	"fmt"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// ErrNotRunning is what signalling a container without a live process
// says. The words are runc's: containerd's runc shim matches "container
// not running" in the runtime's error to treat the kill as done.
var ErrNotRunning = errors.New("container not running")

// Signal sends sig to the container's process (signal 0: only checks it
// is alive). With all, every process in its cgroup gets sig, and a
// container without processes is no error (runc 1.5.1 accepts the
// obsolete -a for that). SIGKILL to a container without its own pid
// namespace reaches every process of its cgroup, as runc does: killing
// its init does not end the others there, and it may be gone already.
func (c *Container) Signal(sig unix.Signal, all bool) error {
	d, err := c.lock()
	if err != nil {
		return err
	}
	defer d.unlock()
	trace("kill: locked")
	if all || sig == unix.SIGKILL && !c.base.hasNamespace(specs.PIDNamespace) {
		err := c.signalAll(sig)
		if all && errors.Is(err, ErrNotRunning) {
			return nil
		}
		return err
	}
	st := c.Status()
	if st == Stopped || st == Creating {
		return fmt.Errorf("signal container %s: %w", c.state.ID, ErrNotRunning)
	}
	if err := c.killInit(sig); err != nil {
		if errors.Is(err, errProcessGone) {
			err = ErrNotRunning
		}
		return fmt.Errorf("signal container %s: %w", c.state.ID, err)
	}
	trace("kill: signalled")
	if sig == unix.SIGKILL && st == Paused {
		return c.thawIfFrozen()
	}
	return nil
}

// killInit signals the container's process through a pidfd checked to
// name it, so a reused pid is never signalled.
func (c *Container) killInit(sig unix.Signal) error {
	fd, err := openPidfd(c.state.InitPid, c.state.InitStartTime)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	return unix.PidfdSendSignal(fd, sig, nil, 0)
}

// signalAll signals every process in the container's cgroup; without a
// cgroup, its init if it still runs.
func (c *Container) signalAll(sig unix.Signal) error {
	cg, err := c.cgroup()
	if err != nil {
		return err
	}
	if cg == nil || !cg.Exists() {
		if st := c.Status(); st == Stopped || st == Creating {
			return fmt.Errorf("signal container %s: %w", c.state.ID, ErrNotRunning)
		}
		return c.killInit(sig)
	}
	if err := cg.Kill(sig); err != nil {
		return fmt.Errorf("signal the processes of container %s: %w", c.state.ID, err)
	}
	if sig == unix.SIGKILL {
		return c.thawIfFrozen()
	}
	return nil
}

// waitGone waits until the container's process has exited, at most d.
func (c *Container) waitGone(d time.Duration) error {
	fd, err := openPidfd(c.state.InitPid, c.state.InitStartTime)
	if errors.Is(err, errProcessGone) {
		return nil
	}
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	fds := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
	deadline := time.Now().Add(d)
	for {
		left := time.Until(deadline)
		if left <= 0 {
			return fmt.Errorf("container %s: process %d did not exit within %s", c.state.ID, c.state.InitPid, d)
		}
		n, err := unix.Poll(fds, int(left.Milliseconds())+1)
		if err == unix.EINTR {
			continue
		}
		if err != nil || n > 0 {
			return err
		}
	}
}
