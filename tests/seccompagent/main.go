// Command seccompagent is a small seccomp agent for berth's tests: it
// listens on a unix socket for the container process state a runtime sends
// for SCMP_ACT_NOTIFY (runtime-spec v1.3.0, config-linux.md "listenerPath"),
// takes the seccomp listener fd from it, and answers the notifications.
//
// Usage:
//
//	seccompagent -socket PATH [-deny NAME=ERRNO]... [-fake NAME=VALUE]... [-log FILE] [-once]
//
// Flags:
//
//	-socket PATH      unix socket to listen on (SOCK_STREAM); a stale one is
//	                  replaced. Required.
//	-deny NAME=ERRNO  fail syscall NAME with ERRNO (a number or a name such
//	                  as EPERM or ENOSPC) without running it. Repeatable.
//	-fake NAME=VALUE  return VALUE from syscall NAME without running it.
//	                  Repeatable.
//	-log FILE         where to write one JSON object per event (default:
//	                  stderr): {"event":"state",...} for each state received,
//	                  {"event":"notify",...} for each notification and its
//	                  reply, {"event":"closed",...} when a listener has no
//	                  process left.
//	-once             exit 0 once the first listener has no process left.
//
// Every other notified syscall is let through with
// SECCOMP_USER_NOTIF_FLAG_CONTINUE. The agent prints "ready" on stdout once
// it listens, and removes its socket on SIGINT or SIGTERM.
package main

import (
	"flag"
	"fmt"
	"net"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	cfg, err := parseFlags(os.Args[1:])
	if err != nil {
		fmt.Fprintln(os.Stderr, "seccompagent:", err)
		os.Exit(2)
	}
	if err := run(cfg); err != nil {
		fmt.Fprintln(os.Stderr, "seccompagent:", err)
		os.Exit(1)
	}
}

// config is the agent's command line.
type config struct {
	socket string
	replies
	log  string
	once bool
}

func parseFlags(args []string) (*config, error) {
	cfg := &config{replies: replies{deny: map[string]int{}, fake: map[string]int64{}}}
	fs := flag.NewFlagSet("seccompagent", flag.ContinueOnError)
	fs.StringVar(&cfg.socket, "socket", "", "unix socket to listen on (required)")
	fs.Func("deny", "NAME=ERRNO: fail syscall NAME with ERRNO (repeatable)", cfg.addDeny)
	fs.Func("fake", "NAME=VALUE: return VALUE from syscall NAME (repeatable)", cfg.addFake)
	fs.StringVar(&cfg.log, "log", "", "file for the JSON event log (default stderr)")
	fs.BoolVar(&cfg.once, "once", false, "exit once the first listener has no process left")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if cfg.socket == "" {
		return nil, fmt.Errorf("-socket is required")
	}
	if fs.NArg() != 0 {
		return nil, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	return cfg, nil
}

func run(cfg *config) error {
	ev, err := openEvents(cfg.log)
	if err != nil {
		return err
	}
	os.Remove(cfg.socket)
	l, err := net.ListenUnix("unix", &net.UnixAddr{Name: cfg.socket, Net: "unix"})
	if err != nil {
		return err
	}
	defer l.Close()
	done := make(chan struct{}, 1)
	go acceptLoop(l, cfg, ev, done)
	fmt.Println("ready")
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
	select {
	case <-sig:
	case <-done:
	}
	return nil
}

// acceptLoop serves each connection: one state and one listener fd each.
// With -once it reports on done when the first listener is finished.
func acceptLoop(l *net.UnixListener, cfg *config, ev *events, done chan<- struct{}) {
	for {
		c, err := l.AcceptUnix()
		if err != nil {
			ev.log(map[string]any{"event": "error", "error": err.Error()})
			return
		}
		st, fd, err := receiveState(c)
		c.Close()
		if err != nil {
			ev.log(map[string]any{"event": "error", "error": err.Error()})
			continue
		}
		ev.log(map[string]any{"event": "state", "state": st})
		go func() {
			serve(fd, st.State.ID, &cfg.replies, ev)
			if cfg.once {
				done <- struct{}{}
			}
		}()
	}
}
