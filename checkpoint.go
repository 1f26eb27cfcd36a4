package main

import (
	"errors"

	"github.com/urfave/cli"
)

// errNoCRIU is what checkpoint and restore answer: berth has no CRIU
// support (and CRIU cannot run on this project's hosts' kernels).
var errNoCRIU = errors.New("checkpoint/restore is not supported by berth (no CRIU support)")

var checkpointCommand = cli.Command{
	Name:            "checkpoint",
	Usage:           "save a running container with CRIU (berth has no CRIU support)",
	ArgsUsage:       "<container-id>",
	SkipFlagParsing: true,
	Action:          func(*cli.Context) error { return errNoCRIU },
}

var restoreCommand = cli.Command{
	Name:            "restore",
	Usage:           "bring a saved container back (berth has no CRIU support)",
	ArgsUsage:       "<container-id>",
	SkipFlagParsing: true,
	Action:          func(*cli.Context) error { return errNoCRIU },
}
