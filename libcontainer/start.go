package libcontainer

import (
	"fmt"
	"os"
	"time"

	"golang.org/x/sys/unix"
)

// Start releases a created container's process: it opens the exec fifo,
// which unblocks the init; the init runs the startContainer hooks and
// execs. The init's end of the fifo is close-on-exec, so EOF without data
// means the exec happened; data is the init's error. Then the poststart
// hooks run; if one fails the container is stopped (runtime-spec 1.3
// lifecycle step 9) and removed, as runc removes it.
func (c *Container) Start(warn func(string)) error {
	d, err := c.lock()
	if err != nil {
		return err
	}
	defer d.unlock()
	if st := c.Status(); st != Created {
		return fmt.Errorf("cannot start container %s: it is %s, not created%s", c.state.ID, st, c.stoppedBecause(st))
	}
	if cfg := c.Config(); cfg == nil || !cfg.HasProcess {
		// runtime-spec config.md: process is REQUIRED when start is called
		return fmt.Errorf("cannot start container %s: its config.json has no \"process\" to run", c.state.ID)
	}
	trace("start: locked")
	if err := c.releaseInit(); err != nil {
		return fmt.Errorf("start container %s: %w", c.state.ID, err)
	}
	trace("start: the process exec'd")
	hooks := c.cfg.Hooks
	if hooks == nil || len(hooks.Poststart) == 0 {
		return nil
	}
	if err := runHooks("poststart", hooks.Poststart, c.hookState(Running)); err != nil {
		// as runc: the container is stopped and removed, poststop
		// hooks included
		if derr := c.destroy(d, Running, warn); derr != nil {
			warn(derr.Error())
		}
		return fmt.Errorf("start container %s: %w", c.state.ID, err)
	}
	return nil
}

func (c *Container) releaseInit() error {
	pidfd, err := openPidfd(c.state.InitPid, c.state.InitStartTime)
	if err != nil {
		return err
	}
	defer unix.Close(pidfd)
	fifo, err := os.OpenFile(c.fifoPath(), os.O_RDONLY|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("open exec fifo: %w", err)
	}
	defer fifo.Close()
	// from here the container is started whatever happens: the fifo goes
	os.Remove(c.fifoPath())
	out, err := readFifo(int(fifo.Fd()), pidfd)
	if err != nil {
		return err
	}
	if len(out) > 0 {
		return &ProcessFailed{initError(out)}
	}
	return nil
}

// ProcessFailed is the container process's own failure after create,
// read from the exec fifo: a startContainer hook, or its exec. `run`
// says it alone ("exec /run.sh: no such file or directory"), as runc's
// process does; `start` names the container first.
type ProcessFailed struct{ Err error }

func (e *ProcessFailed) Error() string { return e.Err.Error() }
func (e *ProcessFailed) Unwrap() error { return e.Err }

// readFifo reads the init's end of the exec fifo until EOF (POLLHUP after
// the init opened it), failing if the init dies before opening it.
func readFifo(fifo, pidfd int) ([]byte, error) {
	var out []byte
	buf := make([]byte, 4096)
	opened := false
	for {
		fds := []unix.PollFd{{Fd: int32(fifo), Events: unix.POLLIN}, {Fd: int32(pidfd), Events: unix.POLLIN}}
		if _, err := unix.Poll(fds, -1); err != nil {
			if err == unix.EINTR {
				continue
			}
			return nil, fmt.Errorf("wait for the container init: %w", err)
		}
		if fds[0].Revents&(unix.POLLIN|unix.POLLHUP) != 0 {
			opened = true
			n, err := unix.Read(fifo, buf)
			if n > 0 {
				out = append(out, buf[:n]...)
				continue
			}
			if err == nil || err == unix.EAGAIN && fds[0].Revents&unix.POLLHUP != 0 {
				return out, nil
			}
		}
		if fds[1].Revents&unix.POLLIN != 0 && !opened {
			// the process may have opened, failed and exited at once:
			// give its last words a moment to show
			time.Sleep(time.Millisecond)
			if n, _ := unix.Read(fifo, buf); n > 0 {
				return append(out, buf[:n]...), nil
			}
			return nil, errProcessGone
		}
	}
}
