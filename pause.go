package main

import (
	"github.com/urfave/cli"
)

var pauseCommand = cli.Command{
	Name:      "pause",
	Usage:     "freeze every process of a running container",
	ArgsUsage: "<container-id>",
	Description: `Uses the v1 freezer, or cgroup.freeze on cgroup v2. The processes stay
where they are until "berth resume"; berth state reports the container paused.`,
	Action: func(ctx *cli.Context) error {
		if err := checkArgs(ctx, 1, 1); err != nil {
			return err
		}
		c, err := getContainer(ctx)
		if err != nil {
			return err
		}
		return c.Pause()
	},
}

var resumeCommand = cli.Command{
	Name:      "resume",
	Usage:     "thaw the processes of a paused container",
	ArgsUsage: "<container-id>",
	Description: `The frozen processes go on where they stopped; berth state reports the
container running again.`,
	Action: func(ctx *cli.Context) error {
		if err := checkArgs(ctx, 1, 1); err != nil {
			return err
		}
		c, err := getContainer(ctx)
		if err != nil {
			return err
		}
		return c.Resume()
	},
}
