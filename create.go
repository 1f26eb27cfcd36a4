package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/urfave/cli"

	"github.com/berth-oci/berth/libcontainer"
)

var createFlags = []cli.Flag{
	cli.StringFlag{Name: "bundle, b", Value: "", Usage: "path to the root of the bundle directory (default: the current directory)"},
	cli.StringFlag{Name: "console-socket", Usage: "path to an AF_UNIX socket which will receive the pty master of the container's terminal"},
	cli.StringFlag{Name: "pidfd-socket", Usage: "path to an AF_UNIX socket which will receive a pidfd of the container's process"},
	cli.StringFlag{Name: "pid-file", Usage: "file to write the container process's pid to"},
	cli.BoolFlag{Name: "no-pivot", Usage: "do not use pivot_root to jail the process inside the rootfs (MS_MOVE + chroot)"},
	cli.BoolFlag{Name: "no-new-keyring", Usage: "do not create a new session keyring for the container"},
	cli.IntFlag{Name: "preserve-fds", Usage: "pass N additional file descriptors to the container (stdio + $LISTEN_FDS + N in total)"},
}

var createCommand = cli.Command{
	Name:      "create",
	Usage:     "create a container",
	ArgsUsage: "<container-id>",
	Description: `The create command creates an instance of a container for a bundle and leaves
its process waiting for "berth start".`,
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
