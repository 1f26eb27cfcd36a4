package main

import (
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// parseSignal accepts a signal as runc does: a number, or a name with or
// without "SIG" in any case ("KILL", "SIGKILL", "kill", "9"), and
// RTMIN+n / RTMAX-n.
func parseSignal(s string) (unix.Signal, error) {
	if n, err := strconv.Atoi(s); err == nil {
		// 0 is accepted as runc accepts it: it checks the process is alive
		if n < 0 || n > sigRTMax() {
			return 0, fmt.Errorf("unknown signal %q", s)
		}
		return unix.Signal(n), nil
	}
	name := strings.ToUpper(s)
	if !strings.HasPrefix(name, "SIG") {
		name = "SIG" + name
	}
	if sig := unix.SignalNum(name); sig != 0 {
		return sig, nil
	}
	if sig, ok := realtimeSignal(name); ok {
		return sig, nil
	}
	return 0, fmt.Errorf("unknown signal %q", s)
}

func sigRTMin() int { return 34 }
func sigRTMax() int { return 64 }

func realtimeSignal(name string) (unix.Signal, bool) {
	for _, base := range []struct {
		prefix string
		n, dir int
	}{{"SIGRTMIN+", sigRTMin(), 1}, {"SIGRTMAX-", sigRTMax(), -1}} {
		if rest, ok := strings.CutPrefix(name, base.prefix); ok {
			off, err := strconv.Atoi(rest)
			sig := base.n + base.dir*off
			if err != nil || off < 0 || sig < sigRTMin() || sig > sigRTMax() {
				return 0, false
			}
			return unix.Signal(sig), true
		}
	}
	switch name {
	case "SIGRTMIN":
		return unix.Signal(sigRTMin()), true
	case "SIGRTMAX":
		return unix.Signal(sigRTMax()), true
	}
	return 0, false
}
