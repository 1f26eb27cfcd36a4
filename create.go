package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/urfave/cli"

	"github.com/berth-oci/berth/libcontainer"
)

var createFlags = []cli.Flag{
	cli.StringFlag{Name: "bundle, b", Value: "", Usage: "bundle directory with config.json and the root filesystem (default: the current directory)"},
	cli.StringFlag{Name: "console-socket", Usage: "Unix socket berth sends the master fd of the container's terminal to (process.terminal)"},
	cli.StringFlag{Name: "pidfd-socket", Usage: "Unix socket berth sends a pidfd of the container's process to"},
	cli.StringFlag{Name: "pid-file", Usage: "write the host pid of the container's process to this file"},
	cli.BoolFlag{Name: "no-pivot", Usage: "enter the root filesystem with MS_MOVE and chroot instead of pivot_root (for a rootfs on a ramfs)"},
	cli.BoolFlag{Name: "no-new-keyring", Usage: "let the container share the caller's session keyring instead of a keyring of its own"},
	cli.IntFlag{Name: "preserve-fds", Usage: "also hand N more of berth's descriptors, those after stdio and any $LISTEN_FDS, to the process"},
}

var createCommand = cli.Command{
	Name:      "create",
	Usage:     "set up a container from a bundle, its process waiting for start",
	ArgsUsage: "<container-id>",
	Description: `Sets up what the bundle's config.json asks for (namespaces, cgroup, mounts,
devices) around a process that then waits. "berth start" lets it run the
configured program; "berth delete" takes everything down again.`,
	Flags: createFlags,
	Action: func(ctx *cli.Context) error {
		if err := checkArgs(ctx, 1, 1); err != nil {
			return err
		}
		o, err := createOpts(ctx)
		if err != nil {
			return err
		}
		_, err = libcontainer.Create(o)
		return err
	},
}

// createOpts reads the flags create and run share, and changes into the
// bundle directory, as runc does (hooks run there; relative paths of the
// command line were made absolute first).
func createOpts(ctx *cli.Context) (*libcontainer.CreateOpts, error) {
	id, root, err := idAndRoot(ctx)
	if err != nil {
		return nil, err
	}
	systemd, err := systemdCgroup(ctx)
	if err != nil {
		return nil, err
	}
	o := &libcontainer.CreateOpts{
		Root: root, ID: id,
		NoPivot: ctx.Bool("no-pivot"), NoNewKeyring: ctx.Bool("no-new-keyring"),
		Rootless: rootless(ctx), SystemdCgroup: systemd,
		Stdio: [3]*os.File{os.Stdin, os.Stdout, os.Stderr},
		Warn:  warn,
	}
	if err := absPaths(ctx, o); err != nil {
		return nil, err
	}
	o.Preload()
	if o.ExtraFiles, o.ExtraEnv, err = extraFiles(ctx); err != nil {
		return nil, err
	}
	if err := os.Chdir(o.Bundle); err != nil {
		return nil, fmt.Errorf("bundle %s: %w", o.Bundle, err)
	}
	return o, nil
}

func absPaths(ctx *cli.Context, o *libcontainer.CreateOpts) error {
	var err error
	bundle := ctx.String("bundle")
	if bundle == "" {
		bundle = "."
	}
	if o.Bundle, err = filepath.Abs(bundle); err != nil {
		return fmt.Errorf("--bundle %s: %w", bundle, err)
	}
	for _, f := range []struct {
		name string
		dst  *string
	}{{"pid-file", &o.PidFile}, {"console-socket", &o.ConsoleSocket}, {"pidfd-socket", &o.PidfdSocket}} {
		if *f.dst, err = absPath(f.name, ctx.String(f.name)); err != nil {
			return err
		}
	}
	return nil
}
