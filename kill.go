package main

import (
	"github.com/urfave/cli"
	"golang.org/x/sys/unix"
)

var killCommand = cli.Command{
	Name:      "kill",
	Usage:     "signal a container's process (SIGTERM unless a signal is named)",
	ArgsUsage: "<container-id> [signal]",
	Flags: []cli.Flag{
		cli.BoolFlag{Name: "all, a", Usage: "signal every process of the container, not just its first"},
	},
	Action: func(ctx *cli.Context) error {
		if err := checkArgs(ctx, 1, 2); err != nil {
			return err
		}
		sig := unix.SIGTERM
		if s := ctx.Args().Get(1); s != "" {
			var err error
			if sig, err = parseSignal(s); err != nil {
				return err
			}
		}
		c, err := getContainer(ctx)
		if err != nil {
			return err
		}
		return c.Signal(sig, ctx.Bool("all"))
	},
}
