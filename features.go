package main

import (
	"encoding/json"
	"os"

	"github.com/opencontainers/runtime-spec/specs-go/features"
	"github.com/urfave/cli"

	"github.com/berth-oci/berth/libcontainer"
	"github.com/berth-oci/berth/libcontainer/seccomp"
)

var featuresCommand = cli.Command{
	Name:  "features",
	Usage: "print what this berth supports, as JSON",
	Description: `Print berth's runtime-spec features structure (JSON): the config.json
versions, hooks, mount options, namespaces, capabilities, cgroup, seccomp and
LSM support berth implements. Engines (containerd) read it before they run
containers.`,
	ArgsUsage: " ",
	Action: func(ctx *cli.Context) error {
		if err := checkArgs(ctx, 0, 0); err != nil {
			return err
		}
		return printFeatures(libcontainer.Features())
	},
}

// featuresJSON prints potentiallyUnsafeConfigAnnotations even when empty:
// an empty list says berth acts on no annotation of config.json, and an
// absent one ("unknown") does not.
type featuresJSON struct {
	*features.Features
	PotentiallyUnsafeConfigAnnotations []string `json:"potentiallyUnsafeConfigAnnotations"`
}

func printFeatures(f *features.Features) error {
	f.Annotations["io.github.berth-oci.berth.version"] = version
	f.Annotations["io.github.berth-oci.berth.commit"] = gitCommit
	f.Annotations["io.github.berth-oci.berth.checkpoint.enabled"] = "false"
	if v := seccomp.LibseccompVersion(); v != "" {
		f.Annotations["io.github.seccomp.libseccomp.version"] = v
	}
	unsafe := f.PotentiallyUnsafeConfigAnnotations
	if unsafe == nil {
		unsafe = []string{}
	}
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "    ")
	return enc.Encode(featuresJSON{Features: f, PotentiallyUnsafeConfigAnnotations: unsafe})
}
