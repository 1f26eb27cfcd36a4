package main

import (
	"github.com/urfave/cli"

	"github.com/berth-oci/berth/libcontainer"
)

var deleteCommand = cli.Command{
	Name:      "delete",
	Usage:     "delete a container and what it holds",
	ArgsUsage: "<container-id>",
	Description: `A created or stopped container is deleted; a running or paused one only with
--force, which kills its processes first.`,
	Flags: []cli.Flag{
		cli.BoolFlag{Name: "force, f", Usage: "kill the container's processes if it still runs"},
	},
	Action: func(ctx *cli.Context) error {
		if err := checkArgs(ctx, 1, 1); err != nil {
			return err
		}
		force := ctx.Bool("force")
		c, err := getContainer(ctx)
		if err != nil {
			return deleteLeftover(ctx, force, err)
		}
		return c.Delete(force, warn)
	},
}

// deleteLeftover removes what an interrupted create left (a directory
// without a state) and, with --force, a directory whose state is
// corrupt; with --force a missing container is not an error. A state
// that became readable meanwhile (its create finished) is deleted as
// usual.
func deleteLeftover(ctx *cli.Context, force bool, loadErr error) error {
	root, err := stateRoot(ctx)
	if err != nil {
		return err
	}
	id := ctx.Args().First()
	if rmErr := libcontainer.RemoveLeftover(root, id, force, warn); rmErr != nil {
		return rmErr
	}
	if c, err := libcontainer.Load(root, id); err == nil {
		return c.Delete(force, warn)
	}
	if force {
		return nil
	}
	return loadErr
}
