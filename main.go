// Command berth is a low-level OCI container runtime, a drop-in for runc.

// berth runs for milliseconds: no cgroup-aware GOMAXPROCS (reading
// /proc/self/cgroup, mountinfo and the cpu limits at every start), nor
// its periodic update.
//
//go:debug containermaxprocs=0
//go:debug updatemaxprocs=0
package main

import (
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"github.com/sirupsen/logrus"
	"github.com/urfave/cli"
	"golang.org/x/sys/unix"

	"github.com/berth-oci/berth/libcontainer"
	"github.com/berth-oci/berth/libcontainer/seccomp"
)

// Set at build time (see Makefile).
var (
	version   = "0.1.0"
	gitCommit = "unknown"
)

var usage = `a low-level OCI container runtime, a drop-in for runc

berth creates and runs containers from OCI bundles (a config.json and a root
filesystem, runtime-spec ` + specs.Version + `), driven the way runc is.`

func main() {
	// what berth's caller leaked to it (fds without close-on-exec) reaches
	// no hook and no process: only what berth hands over by name (stdio,
	// --preserve-fds, LISTEN_FDS) passes on
	unix.CloseRange(3, math.MaxUint32, unix.CLOSE_RANGE_CLOEXEC)
	app := cli.NewApp()
	app.Name = "berth"
	app.Usage = usage
	app.Version = strings.Join([]string{
		version,
		"commit: " + gitCommit,
		"spec: " + specs.Version,
		// as runc's --version; from the embedded seccomp compiler's
		// build-time info, not by running it
		"libseccomp: " + seccomp.LibseccompVersion(),
	}, "\n")
	app.Flags = globalFlags
	app.Commands = commands
	app.Before = setupLogging
	// urfave/cli prints usage errors itself; make them one line and exit 1
	app.OnUsageError = func(_ *cli.Context, err error, _ bool) error { return err }
	// (urfave/cli would write "No help topic" to the discarded ErrWriter)
	app.CommandNotFound = func(_ *cli.Context, name string) {
		//lint:ignore ST1005 "No help topic for '...'" is urfave/cli's answer, which runc gives and runc's help.bats matches
		fatal(fmt.Errorf("No help topic for '%s': berth has no such command (see berth --help)", name))
	}
	cli.ErrWriter = io.Discard
	if err := app.Run(os.Args); err != nil {
		fatal(err)
	}
}

var globalFlags = []cli.Flag{
	cli.BoolFlag{Name: "debug", Usage: "log at debug level"},
	cli.StringFlag{Name: "log", Usage: "append berth's log to this file instead of stderr (errors still reach stderr too)"},
	cli.StringFlag{Name: "log-format", Value: "text", Usage: "how log lines are written: text or json"},
	cli.StringFlag{Name: "root", Value: defaultRoot(), Usage: "directory where berth keeps its containers' state (a tmpfs is best; $XDG_RUNTIME_DIR/berth without root)"},
	cli.BoolFlag{Name: "systemd-cgroup", Usage: "let systemd create and manage the cgroups (needs systemd as the host's init)"},
	cli.StringFlag{Name: "rootless", Value: "auto", Usage: "act as an unprivileged caller (cgroups it may not write are tolerated): true, false or auto (true unless root on the host: not root, or root of a user namespace someone else made)"},
	cli.StringFlag{Name: "criu", Value: "criu", Usage: "CRIU program to run (unused: berth cannot checkpoint or restore)"},
}

var commands = []cli.Command{
	checkpointCommand,
	createCommand,
	deleteCommand,
	eventsCommand,
	execCommand,
	featuresCommand,
	killCommand,
	listCommand,
	pauseCommand,
	psCommand,
	restoreCommand,
	resumeCommand,
	runCommand,
	specCommand,
	startCommand,
	stateCommand,
	updateCommand,
}

func setupLogging(ctx *cli.Context) error {
	if ctx.GlobalBool("debug") {
		logrus.SetLevel(logrus.DebugLevel)
	}
	switch f := ctx.GlobalString("log-format"); f {
	case "text":
		logrus.SetFormatter(&logrus.TextFormatter{DisableColors: true})
	case "json":
		logrus.SetFormatter(&logrus.JSONFormatter{})
	default:
		return fmt.Errorf("--log-format: unknown format %q (use text or json)", f)
	}
	if path := ctx.GlobalString("log"); path != "" {
		f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND|os.O_SYNC, 0o644)
		if err != nil {
			return fmt.Errorf("--log %s: %w", path, err)
		}
		logrus.SetOutput(f)
		logToFile = true
	}
	switch r := ctx.GlobalString("rootless"); r {
	case "true", "false", "auto", "":
	default:
		return fmt.Errorf("--rootless: invalid value %q (use true, false or auto)", r)
	}
	return makeUserRoot(ctx)
}

// logToFile is true when --log names a file: errors go there and to stderr.
var logToFile bool

// exitError carries an exit status without a message (the container's).
type exitError struct{ status int }

func (e *exitError) Error() string { return fmt.Sprintf("exit status %d", e.status) }

// fatal reports err as one line on stderr (and in the log) and exits 1,
// or exits with the container's status.
func fatal(err error) {
	var ee *exitError
	if errors.As(err, &ee) {
		os.Exit(ee.status)
	}
	status := 1
	var ef *execFailed
	if errors.As(err, &ef) {
		status = 255
	}
	if logToFile {
		logrus.Error(err)
	}
	fmt.Fprintln(os.Stderr, libcontainer.OneLine(err.Error()))
	os.Exit(status)
}
