package main

import (
	"errors"

	"github.com/urfave/cli"
)

// errNoCRIU is what checkpoint and restore answer: berth has no CRIU
// support (and CRIU cannot run on this project's hosts' kernels).
var errNoCRIU = errors.New("checkpoint/restore is not supported by berth (no CRIU support)")

// The commands take any of runc's CRIU flags without knowing them (flag
// parsing is skipped), so that an engine gets the "not supported" answer
// rather than an unknown flag; -h and --help still print the help.

var checkpointCommand = cli.Command{
	Name:            "checkpoint",
	Usage:           "save a running container with CRIU (berth has no CRIU support)",
	ArgsUsage:       "<container-id>",
	SkipFlagParsing: true,
	Action:          noCRIU,
}

var restoreCommand = cli.Command{
	Name:            "restore",
	Usage:           "bring a saved container back (berth has no CRIU support)",
	ArgsUsage:       "<container-id>",
	SkipFlagParsing: true,
	Action:          noCRIU,
}

func noCRIU(ctx *cli.Context) error {
	for _, a := range ctx.Args() {
		if a == "--" {
			break
		}
		if a == "-h" || a == "--help" {
			return cli.ShowCommandHelp(ctx, ctx.Command.Name)
		}
	}
	return errNoCRIU
}
