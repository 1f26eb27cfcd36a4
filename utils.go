package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"

	"github.com/sirupsen/logrus"
	"github.com/urfave/cli"
	"golang.org/x/sys/unix"

	"github.com/berth-oci/berth/libcontainer"
)

// checkArgs checks the number of positional arguments.
func checkArgs(ctx *cli.Context, min, max int) error {
	n := ctx.NArg()
	if n < min || (max >= 0 && n > max) {
		switch {
		case min == max:
			return fmt.Errorf("%s: %d argument(s) expected, got %d (see berth %s --help)", ctx.Command.Name, min, n, ctx.Command.Name)
		case max < 0:
			return fmt.Errorf("%s: at least %d argument(s) expected, got %d", ctx.Command.Name, min, n)
		default:
			return fmt.Errorf("%s: %d to %d arguments expected, got %d", ctx.Command.Name, min, max, n)
		}
	}
	return nil
}

// stateRoot is --root, made absolute.
func stateRoot(ctx *cli.Context) (string, error) {
	root, err := filepath.Abs(ctx.GlobalString("root"))
	if err != nil {
		return "", fmt.Errorf("--root: %w", err)
	}
	return root, nil
}

// containerID is the first argument, checked.
func containerID(ctx *cli.Context) (string, error) {
	id := ctx.Args().First()
	if id == "" {
		return "", errors.New(ctx.Command.Name + ": no container id given")
	}
	return id, libcontainer.ValidateID(id)
}

// idAndRoot are the container id (the first argument) and --root.
func idAndRoot(ctx *cli.Context) (id, root string, err error) {
	if id, err = containerID(ctx); err != nil {
		return "", "", err
	}
	root, err = stateRoot(ctx)
	return id, root, err
}

// getContainer loads the container named by the first argument.
func getContainer(ctx *cli.Context) (*libcontainer.Container, error) {
	id, root, err := idAndRoot(ctx)
	if err != nil {
		return nil, err
	}
	return libcontainer.Load(root, id)
}

// systemdCgroup checks --systemd-cgroup: it needs systemd as the host's
// init (the cgroups package's systemd driver does the rest).
func systemdCgroup(ctx *cli.Context) (bool, error) {
	if !ctx.GlobalBool("systemd-cgroup") {
		return false, nil
	}
	if _, err := os.Stat("/run/systemd/system"); err != nil {
		return false, errors.New("--systemd-cgroup: systemd is not running on this host (no /run/systemd/system)")
	}
	return true, nil
}

func warn(msg string) { logrus.Warn(msg) }

// absPath makes a path given on the command line absolute (berth
// changes into the bundle directory).
func absPath(flag, p string) (string, error) {
	if p == "" {
		return "", nil
	}
	a, err := filepath.Abs(p)
	if err != nil {
		return "", fmt.Errorf("--%s %s: %w", flag, p, err)
	}
	return a, nil
}

// extraFiles are the fds passed to the container: systemd's LISTEN_FDS
// first, then --preserve-fds. With LISTEN_FDS the process gets
// LISTEN_FDS=n and LISTEN_PID=1 in its environment, as with runc.
func extraFiles(ctx *cli.Context) ([]*os.File, []string, error) {
	n := 0
	if v := os.Getenv("LISTEN_FDS"); v != "" && os.Getenv("LISTEN_PID") == strconv.Itoa(os.Getpid()) {
		l, err := strconv.Atoi(v)
		if err != nil || l < 0 {
			return nil, nil, fmt.Errorf("LISTEN_FDS: invalid value %q", v)
		}
		n = l
	}
	preserve := ctx.Int("preserve-fds")
	if preserve < 0 {
		return nil, nil, fmt.Errorf("--preserve-fds: %d is negative", preserve)
	}
	var files []*os.File
	for fd := 3; fd < 3+n+preserve; fd++ {
		if _, err := unix.FcntlInt(uintptr(fd), unix.F_GETFD, 0); err != nil {
			return nil, nil, fmt.Errorf("--preserve-fds %d: fd %d is not open", preserve, fd)
		}
		files = append(files, os.NewFile(uintptr(fd), "preserved-fd-"+strconv.Itoa(fd)))
	}
	var env []string
	if n > 0 {
		env = []string{"LISTEN_FDS=" + strconv.Itoa(n), "LISTEN_PID=1"}
	}
	return files, env, nil
}
