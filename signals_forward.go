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

// urgentSignals are caught before the container exists: those a user or
// an engine sends right away, and SIGCHLD for the reaping.
var urgentSignals = []os.Signal{unix.SIGINT, unix.SIGTERM, unix.SIGHUP, unix.SIGQUIT, unix.SIGCHLD, unix.SIGWINCH}

// forwardSignals starts catching the urgent signals; call it before the
// process exists so none of them is lost. The Go runtime hands each
// signal to its signal thread and back (about 25 us each), so the other
// 55 are caught by catchOthers once the process runs: installed any
// earlier, they compete with the container's set-up for the CPU.
func forwardSignals() *signalForwarder {
	f := &signalForwarder{ch: make(chan os.Signal, 128)}
	signal.Notify(f.ch, urgentSignals...)
	return f
}

// catchOthers catches every other signal, in the background.
func (f *signalForwarder) catchOthers() {
	go signal.Notify(f.ch, otherSignals()...)
}

// otherSignals are the catchable signals not in urgentSignals, the
// real-time ones included.
func otherSignals() []os.Signal {
	var sigs []os.Signal
	for s := unix.Signal(1); s <= unix.Signal(sigRTMax()); s++ {
		switch s {
		case unix.SIGKILL, unix.SIGSTOP, unix.SIGINT, unix.SIGTERM, unix.SIGHUP, unix.SIGQUIT,
			unix.SIGCHLD, unix.SIGWINCH, unix.SIGURG, unix.SIGPROF, unix.Signal(32), unix.Signal(33):
			continue // uncatchable, urgent, or the Go runtime's and libc's own
		}
		sigs = append(sigs, s)
	}
	return sigs
}

// wait forwards signals to pid until it exits, and returns its status.
// The reaping is a blocking wait4 on a thread of its own, which returns
// as soon as the process exits (no trip through the signal machinery);
// other children that exit meanwhile (berth is their subreaper) are reaped
// on the way. The handlers stay: berth exits soon after, and
// signal.Stop would wait for the runtime's signal thread once per signal
// (about 2 ms in all).
func (f *signalForwarder) wait(pid int, tty *ttyProxy) int {
	exited := make(chan int, 1)
	go func() { exited <- reapUntil(pid) }()
	for {
		select {
		case st := <-exited:
			return st
		case sig := <-f.ch:
			f.forward(sig, pid, tty)
		}
	}
}

func (f *signalForwarder) forward(sig os.Signal, pid int, tty *ttyProxy) {
	s, _ := sig.(unix.Signal)
	switch s {
	case unix.SIGCHLD, unix.SIGURG, unix.SIGPIPE:
		// the reaper thread waits; SIGURG is the Go runtime's own
	case unix.SIGWINCH:
		if tty != nil {
			tty.resize()
		}
	default:
		if pid > 0 {
			unix.Kill(pid, s)
		}
	}
}

// reapUntil waits for pid (<= 0: any child) and returns its status.
func reapUntil(pid int) int {
	var ws unix.WaitStatus
	for {
		got, err := unix.Wait4(-1, &ws, 0, nil)
		if err == unix.EINTR {
			continue
		}
		if err != nil || pid <= 0 || got == pid {
			return exitStatus(ws)
		}
	}
}
