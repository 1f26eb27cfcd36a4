package main

import (
	"errors"
	"fmt"

	"github.com/urfave/cli"
	"golang.org/x/sys/unix"

	"github.com/berth-oci/berth/libcontainer"
)

var runCommand = cli.Command{
	Name:      "run",
	Usage:     "create a container, start it and wait until it exits",
	ArgsUsage: "<container-id>",
	Description: `In the foreground, run forwards signals to the container, proxies its own
terminal to the container's when process.terminal is true and no
--console-socket is given, and exits with the container's status.`,
	Flags: append(append([]cli.Flag{}, createFlags...),
		cli.BoolFlag{Name: "detach, d", Usage: "return once the container has started instead of waiting for it"},
		cli.BoolFlag{Name: "keep", Usage: "leave the stopped container in place (berth delete removes it)"},
		cli.BoolFlag{Name: "no-subreaper", Usage: "leave orphaned processes to the usual reaper instead of berth"},
	),
	Action: func(ctx *cli.Context) error {
		if err := checkArgs(ctx, 1, 1); err != nil {
			return err
		}
		o, err := createOpts(ctx)
		if err != nil {
			return err
		}
		if ctx.Bool("detach") {
			if ctx.Bool("keep") {
				return errors.New("run: --keep and --detach cannot be used together")
			}
			c, err := libcontainer.Create(o)
			if err != nil {
				return err
			}
			return startOrDelete(c)
		}
		return runForeground(ctx, o)
	},
}

// startOrDelete starts c; if start fails the container is deleted.
func startOrDelete(c *libcontainer.Container) error {
	if err := c.Start(warn); err != nil {
		c.Delete(true, warn)
		return err
	}
	return nil
}

func runForeground(ctx *cli.Context, o *libcontainer.CreateOpts) error {
	if !ctx.Bool("no-subreaper") {
		if err := unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); err != nil {
			return fmt.Errorf("become a subreaper: %w", err)
		}
	}
	var tty *ttyProxy
	if o.ConsoleSocket == "" {
		var err error
		if tty, err = newTTYConsole(); err != nil {
			return err
		}
		defer tty.close()
		o.Console = tty.theirs
	}
	signals := forwardSignals()
	c, err := libcontainer.Create(o)
	if err != nil {
		return err
	}
	if tty != nil && c.Config().Terminal {
		if err := tty.attach(); err != nil {
			c.Delete(true, warn)
			return err
		}
	}
	signals.caughtAll()
	if err := startOrDelete(c); err != nil {
		if tty != nil {
			tty.drainAfterFailure()
		}
		return err
	}
	status := signals.wait(c.InitPid(), tty)
	if tty != nil {
		tty.drain()
	}
	if !ctx.Bool("keep") {
		if err := c.Delete(true, warn); err != nil {
			warn(err.Error())
		}
	}
	if status != 0 {
		return &exitError{status: status}
	}
	return nil
}

// exitStatus is the shell's convention: the exit code, or 128+signal.
func exitStatus(ws unix.WaitStatus) int {
	if ws.Signaled() {
		return 128 + int(ws.Signal())
	}
	return ws.ExitStatus()
}
