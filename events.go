package main

import (
	"encoding/json"
	"fmt"
	"os"
	"time"

	"github.com/urfave/cli"

	"github.com/berth-oci/berth/libcontainer"
)

var eventsCommand = cli.Command{
	Name:      "events",
	Usage:     "stream a container's resource statistics and OOM kills as JSON lines",
	ArgsUsage: "<container-id>",
	Description: `Prints one JSON object a line, in runc's shape: {"type":"stats","id":ID,"data":
{...}} every --interval, and {"type":"oom","id":ID} each time the OOM killer
acts in the container's cgroup, until the container's process exits. With
--stats it prints the statistics once and exits.`,
	OnUsageError: oneLineUsage,
	Flags: []cli.Flag{
		cli.DurationFlag{Name: "interval", Value: 5 * time.Second, Usage: "time between two statistics events"},
		cli.BoolFlag{Name: "stats", Usage: "print the statistics once and exit"},
	},
	Action: func(ctx *cli.Context) error {
		if err := checkArgs(ctx, 1, 1); err != nil {
			return err
		}
		c, err := getContainer(ctx)
		if err != nil {
			return err
		}
		enc := json.NewEncoder(os.Stdout)
		emit := func(e *libcontainer.Event) error { return enc.Encode(e) }
		if ctx.Bool("stats") {
			s, err := c.Stats()
			if err != nil {
				return err
			}
			return emit(&libcontainer.Event{Kind: "stats", ContainerID: c.ID(), Data: s})
		}
		return c.Events(ctx.Duration("interval"), emit, warn)
	},
}

// oneLineUsage makes a command's flag errors one line (urfave/cli would
// print the command's help).
func oneLineUsage(ctx *cli.Context, err error, _ bool) error {
	return fmt.Errorf("%s: %w", ctx.Command.Name, err)
}
