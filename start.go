package main

import (
	"github.com/urfave/cli"
)

var startCommand = cli.Command{
	Name:      "start",
	Usage:     "execute the user-defined process in a created container",
	ArgsUsage: "<container-id>",
	Action: func(ctx *cli.Context) error {
		if err := checkArgs(ctx, 1, 1); err != nil {
			return err
		}
		c, err := getContainer(ctx)
		if err != nil {
			return err
		}
		return c.Start(warn)
	},
}
