package libcontainer

import (
	"errors"
	"fmt"
	"time"

	"golang.org/x/sys/unix"
)

// Signal sends sig to the container's process, or with all to every
// process in its cgroup.
func (c *Container) Signal(sig unix.Signal, all bool) error {
	d, err := c.lock()
	if err != nil {
		return err
	}
	defer d.unlock()
	trace("kill: locked")
	if all {
		return c.signalAll(sig)
	}
	st := c.Status()
	if st == Stopped || st == Creating {
		return fmt.Errorf("container %s is not running", c.state.ID)
	}
	if err := c.killInit(sig); err != nil {
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

func (c *Container) signalAll(sig unix.Signal) error {
	cg, err := c.cgroup()
	if err != nil {
		return err
	}
	if cg == nil || !cg.Exists() {
		if c.Status() == Stopped {
			return fmt.Errorf("container %s is not running", c.state.ID)
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
