package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/urfave/cli"

	"github.com/berth-oci/berth/specconv"
)

var specCommand = cli.Command{
	Name:  "spec",
	Usage: "write a default config.json to start a bundle from",
	Description: `The spec command writes a default config.json (runtime-spec 1.3.0) into the
bundle directory: a container running "sh" in a terminal, with the usual
namespaces, mounts, capabilities and masked paths. Put a root filesystem in
"rootfs" next to it and run it with "berth run ID".`,
	Flags: []cli.Flag{
		cli.StringFlag{Name: "bundle, b", Usage: "directory to write config.json into (default: the current directory)"},
		cli.BoolFlag{Name: "rootless", Usage: "write a config a user without root can run (with a user namespace)"},
	},
	Action: func(ctx *cli.Context) error {
		if err := checkArgs(ctx, 0, 0); err != nil {
			return err
		}
		spec := specconv.Example()
		if ctx.Bool("rootless") {
			specconv.ToRootless(spec, uint32(os.Geteuid()), uint32(os.Getegid()))
		}
		path := filepath.Join(ctx.String("bundle"), "config.json")
		if _, err := os.Stat(path); err == nil {
			return fmt.Errorf("spec: %s exists already (berth does not overwrite it)", path)
		} else if !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("spec: %w", err)
		}
		data, err := json.MarshalIndent(spec, "", "\t")
		if err != nil {
			return err
		}
		if err := os.WriteFile(path, append(data, '\n'), 0o666); err != nil {
			return fmt.Errorf("spec: %w", err)
		}
		return nil
	},
}
