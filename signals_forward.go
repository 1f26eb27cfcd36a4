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
	ch     chan os.Signal
	others chan struct{} // closed once every other signal is caught
}

// urgentSignals are caught before the container exists: those a user or
// an engine sends right away, and SIGCHLD for the reaping.
var urgentSignals = []os.Signal{unix.SIGINT, unix.SIGTERM, unix.SIGHUP, unix.SIGQUIT, unix.SIGCHLD, unix.SIGWINCH}

// forwardSignals catches the urgent signals at once and every other one
// in the background: the Go runtime hands each signal to its signal
// thread and back (about 25 us each, 1.4 ms for all), which overlaps the
// container's set-up. Call it first thing.
func forwardSignals() *signalForwarder {
	f := &signalForwarder{ch: make(chan os.Signal, 128), others: make(chan struct{})}
	signal.Notify(f.ch, urgentSignals...)
	go func() {
		signal.Notify(f.ch, otherSignals()...)
		close(f.others)
	}()
	return f
}

// caughtAll waits until every signal is caught: call it before the
// process can be signalled through berth. A signal that arrives before its
// handler is installed is dropped by the Go runtime (or kills berth).
func (f *signalForwarder) caughtAll() {
	<-f.others
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
