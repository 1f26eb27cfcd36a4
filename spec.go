package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"github.com/urfave/cli"

	"github.com/berth-oci/berth/cgroups"
	"github.com/berth-oci/berth/specconv"
)

var specCommand = cli.Command{
	Name:  "spec",
	Usage: "write a default config.json to start a bundle from",
	Description: `Writes a starting config.json (runtime-spec ` + specs.Version + `) into the bundle directory:
"sh" in a terminal, with the usual namespaces (a cgroup namespace only on a
cgroup v2 host, as runc), mounts, capabilities and masked paths. Put a root
filesystem in "rootfs" next to it, edit what you need, and "berth run ID".`,
	Flags: []cli.Flag{
		cli.StringFlag{Name: "bundle, b", Usage: "directory to write config.json into (default: the current directory)"},
		cli.BoolFlag{Name: "rootless", Usage: "write a config a user without root can run (with a user namespace)"},
	},
	Action: func(ctx *cli.Context) error {
		if err := checkArgs(ctx, 0, 0); err != nil {
			return err
		}
		spec := specconv.Example()
		if cgroups.DetectMode() != cgroups.Unified {
			dropNamespace(spec, specs.CgroupNamespace)
		}
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

// dropNamespace removes the namespace of type t from spec. `runc spec`
// asks for a cgroup namespace only where /sys/fs/cgroup is cgroup2 (not
// on a v1 or hybrid host); berth writes the same default config as runc
// on each host.
func dropNamespace(spec *specs.Spec, t specs.LinuxNamespaceType) {
	var keep []specs.LinuxNamespace
	for _, ns := range spec.Linux.Namespaces {
		if ns.Type != t {
			keep = append(keep, ns)
		}
	}
	spec.Linux.Namespaces = keep
}
