package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/urfave/cli"
	"golang.org/x/sys/unix"
)

// errNoCRIU is what checkpoint and restore answer: berth has no CRIU
// support (and CRIU cannot run on this project's hosts' kernels).
var errNoCRIU = errors.New("checkpoint/restore is not supported by berth (no CRIU support)")

// The commands take any of runc's CRIU flags without knowing them (flag
// parsing is skipped), so that an engine gets the "not supported" answer
// rather than an unknown flag; -h and --help still print the help. The
// few flags whose value can be judged without CRIU are checked first, so
// that a caller's mistake is named as such.

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
	if ctx.Command.Name == "checkpoint" {
		if err := checkParentPath(ctx.Args()); err != nil {
			return err
		}
	}
	return errNoCRIU
}

// criuFlag returns the value given to the flag name in args (as "--name
// value", "--name=value" or with one dash), and whether it was given.
func criuFlag(args []string, name string) (string, bool) {
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			break
		}
		bare := strings.TrimLeft(a, "-")
		if len(a)-len(bare) != 1 && len(a)-len(bare) != 2 {
			continue
		}
		if bare == name && i+1 < len(args) {
			return args[i+1], true
		}
		if v, ok := strings.CutPrefix(bare, name+"="); ok {
			return v, true
		}
	}
	return "", false
}

// checkParentPath judges checkpoint's --parent-path, the previous (pre-dump)
// image to build on: it names a directory relative to --image-path (by
// default ./checkpoint), which must exist.
func checkParentPath(args []string) error {
	parent, ok := criuFlag(args, "parent-path")
	if !ok || parent == "" {
		return nil
	}
	if filepath.IsAbs(parent) {
		return fmt.Errorf("checkpoint: --parent-path %q: must be relative to --image-path, not absolute", parent)
	}
	images, _ := criuFlag(args, "image-path")
	if images == "" {
		images = "checkpoint"
	}
	dir := filepath.Join(images, parent)
	fi, err := os.Stat(dir)
	var cause error = unix.ENOTDIR
	var pe *os.PathError
	switch {
	case errors.As(err, &pe):
		cause = pe.Err
	case err != nil:
		cause = err
	case fi.IsDir():
		return nil
	}
	return fmt.Errorf("checkpoint: --parent-path %q: the previous image %s: %w", parent, dir, cause)
}
