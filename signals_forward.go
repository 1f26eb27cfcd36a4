package main

import (
	"os"
	"os/signal"

	"golang.org/x/sys/unix"
)

// signalForwarder relays the signals berth receives to the container's
// process while `run` waits in the foreground, and reaps children (berth
// is their subreaper).
type signalForwarder struct {
	ch chan os.Signal
}

// forwardSignals starts catching signals; call it before the container
// exists so none is lost.
func forwardSignals() *signalForwarder {
	f := &signalForwarder{ch: make(chan os.Signal, 128)}
	signal.Notify(f.ch)
	return f
}

// wait forwards signals to pid until it exits, and returns its status.
func (f *signalForwarder) wait(pid int, tty *ttyProxy) int {
	defer signal.Stop(f.ch)
	if pid <= 0 {
		return reapUntil(0)
	}
	for sig := range f.ch {
		s, _ := sig.(unix.Signal)
		switch s {
		case unix.SIGCHLD:
			if st, done := reapPid(pid); done {
				return st
			}
		case unix.SIGWINCH:
			if tty != nil {
				tty.resize()
			}
		case unix.SIGURG, unix.SIGPIPE:
			// SIGURG is the Go runtime's own preemption signal
		default:
			unix.Kill(pid, s)
		}
	}
	return 0
}

// reapPid reaps every exited child; done when pid is among them.
func reapPid(pid int) (int, bool) {
	for {
		var ws unix.WaitStatus
		got, err := unix.Wait4(-1, &ws, unix.WNOHANG, nil)
		if err != nil || got <= 0 {
			return 0, false
		}
		if got == pid {
			return exitStatus(ws), true
		}
	}
}

// reapUntil waits for pid (0: any child) and returns its status.
func reapUntil(pid int) int {
	var ws unix.WaitStatus
	for {
		got, err := unix.Wait4(-1, &ws, 0, nil)
		if err != nil || pid == 0 || got == pid {
			return exitStatus(ws)
		}
	}
}
