package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"github.com/urfave/cli"

	"github.com/berth-oci/berth/libcontainer"
)

var execCommand = cli.Command{
	Name:      "exec",
	Usage:     "execute a new process inside a running container",
	ArgsUsage: "<container-id> <command> [command options]  ||  -p process.json <container-id>",
	Description: `The process joins every namespace and the cgroup of the container and gets the
container's capabilities, rlimits, LSM labels and seccomp filter unless told
otherwise. In the foreground berth exits with the process's status; a failure
to start it exits with 255, as runc does.`,
	SkipArgReorder: true,
	Flags: []cli.Flag{
		cli.StringFlag{Name: "console-socket", Usage: "path to an AF_UNIX socket which will receive the pty master"},
		cli.StringFlag{Name: "pidfd-socket", Usage: "path to an AF_UNIX socket which will receive a pidfd of the process"},
		cli.StringFlag{Name: "cwd", Usage: "current working directory in the container"},
		cli.StringSliceFlag{Name: "env, e", Usage: "set environment variables (KEY=VALUE)"},
		cli.BoolFlag{Name: "tty, t", Usage: "allocate a pseudo-TTY"},
		cli.StringFlag{Name: "user, u", Usage: "UID (format: <uid>[:<gid>])"},
		cli.Int64SliceFlag{Name: "additional-gids, g", Usage: "additional gids"},
		cli.StringFlag{Name: "process, p", Usage: "path to a process.json"},
		cli.BoolFlag{Name: "detach, d", Usage: "detach from the process"},
		cli.StringFlag{Name: "pid-file", Usage: "file to write the process's pid to"},
		cli.StringFlag{Name: "process-label", Usage: "SELinux label for the process"},
		cli.StringFlag{Name: "apparmor", Usage: "AppArmor profile for the process"},
		cli.BoolFlag{Name: "no-new-privs", Usage: "set the no new privileges value for the process"},
		cli.StringSliceFlag{Name: "cap, c", Usage: "add a capability to the bounding, effective and permitted sets"},
		cli.IntFlag{Name: "preserve-fds", Usage: "pass N additional file descriptors to the process"},
		cli.StringSliceFlag{Name: "cgroup", Usage: "run in a sub-cgroup of the container: <path> or <controller>[,<controller>...]:<path>"},
		cli.BoolFlag{Name: "ignore-paused", Usage: "allow exec in a paused container"},
	},
	Action: func(ctx *cli.Context) error {
		status, err := execAction(ctx)
		if err != nil {
			return &execFailed{err}
		}
		if status != 0 {
			return &exitError{status: status}
		}
		return nil
	},
}

// execFailed is an exec that did not start: berth exits 255, as runc.
type execFailed struct{ err error }

func (e *execFailed) Error() string { return e.err.Error() }
func (e *execFailed) Unwrap() error { return e.err }

func execAction(ctx *cli.Context) (int, error) {
	if err := checkArgs(ctx, 1, -1); err != nil {
		return 0, err
	}
	c, err := getContainer(ctx)
	if err != nil {
		return 0, err
	}
	proc, err := execProcess(ctx, c.Config())
	if err != nil {
		return 0, err
	}
	o, err := execOpts(ctx, proc)
	if err != nil {
		return 0, err
	}
	detach := ctx.Bool("detach")
	if detach || o.ConsoleSocket != "" || !proc.Terminal {
		return execPlain(c, o, detach)
	}
	return execWithTTY(c, o)
}

func execOpts(ctx *cli.Context, proc *specs.Process) (*libcontainer.ExecOpts, error) {
	o := &libcontainer.ExecOpts{
		Process:      proc,
		IgnorePaused: ctx.Bool("ignore-paused"),
		Stdio:        [3]*os.File{os.Stdin, os.Stdout, os.Stderr},
		Warn:         warn,
	}
	var err error
	if o.ConsoleSocket, err = absPath("console-socket", ctx.String("console-socket")); err != nil {
		return nil, err
	}
	o.PidFile, o.PidfdSocket = ctx.String("pid-file"), ctx.String("pidfd-socket")
	if o.ExtraFiles, _, err = extraFiles(ctx); err != nil {
		return nil, err
	}
	if o.SubCgroup, err = parseCgroupFlags(ctx.StringSlice("cgroup")); err != nil {
		return nil, err
	}
	return o, nil
}

// execPlain runs the process with berth's stdio (or a console socket).
func execPlain(c *libcontainer.Container, o *libcontainer.ExecOpts, detach bool) (int, error) {
	signals := forwardSignals()
	pid, err := c.Exec(o)
	if err != nil {
		return 0, err
	}
	if detach {
		return 0, nil
	}
	return signals.wait(pid, nil), nil
}

// execWithTTY proxies berth's terminal to the process's pty.
func execWithTTY(c *libcontainer.Container, o *libcontainer.ExecOpts) (int, error) {
	tty, err := newTTYConsole()
	if err != nil {
		return 0, err
	}
	defer tty.close()
	o.Console = tty.theirs
	signals := forwardSignals()
	pid, err := c.Exec(o)
	if err != nil {
		return 0, err
	}
	if err := tty.attach(); err != nil {
		return 0, err
	}
	status := signals.wait(pid, tty)
	tty.drain()
	return status, nil
}

// execProcess is the process to run: --process as given, or the
// container's process with the command line's changes.
func execProcess(ctx *cli.Context, spec *specs.Spec) (*specs.Process, error) {
	if path := ctx.String("process"); path != "" {
		return readProcessFile(path)
	}
	args := ctx.Args().Tail()
	if len(args) == 0 {
		return nil, errors.New("exec: no command given (exec args cannot be empty)")
	}
	if spec == nil || spec.Process == nil {
		return nil, errors.New("exec: the container has no process in its config")
	}
	p := *spec.Process
	p.Args = args
	p.Env = append(append([]string{}, p.Env...), ctx.StringSlice("env")...)
	p.Terminal = ctx.Bool("tty")
	if cwd := ctx.String("cwd"); cwd != "" {
		p.Cwd = cwd
	}
	if err := execUser(ctx, &p); err != nil {
		return nil, err
	}
	if v := ctx.String("apparmor"); v != "" {
		p.ApparmorProfile = v
	}
	if v := ctx.String("process-label"); v != "" {
		p.SelinuxLabel = v
	}
	if ctx.Bool("no-new-privs") {
		p.NoNewPrivileges = true
	}
	addCaps(&p, ctx.StringSlice("cap"))
	return &p, nil
}

func readProcessFile(path string) (*specs.Process, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("--process: %w", err)
	}
	var p specs.Process
	if err := json.Unmarshal(data, &p); err != nil {
		return nil, fmt.Errorf("--process %s: %w", path, err)
	}
	return &p, nil
}

func execUser(ctx *cli.Context, p *specs.Process) error {
	if u := ctx.String("user"); u != "" {
		uid, gid, hasGID := strings.Cut(u, ":")
		n, err := strconv.ParseUint(uid, 10, 32)
		if err != nil {
			return fmt.Errorf("--user %q: the uid must be a number", u)
		}
		p.User.UID = uint32(n)
		if hasGID {
			g, err := strconv.ParseUint(gid, 10, 32)
			if err != nil {
				return fmt.Errorf("--user %q: the gid must be a number", u)
			}
			p.User.GID = uint32(g)
		}
	}
	if gids := ctx.Int64Slice("additional-gids"); len(gids) > 0 {
		p.User.AdditionalGids = nil
		for _, g := range gids {
			if g < 0 || g > 1<<32-1 {
				return fmt.Errorf("--additional-gids: %d is not a valid gid", g)
			}
			p.User.AdditionalGids = append(p.User.AdditionalGids, uint32(g))
		}
	}
	return nil
}

// addCaps adds --cap capabilities to the bounding, effective and
// permitted sets, not to the inheritable or ambient ones
// (CVE-2022-29162).
func addCaps(p *specs.Process, caps []string) {
	if len(caps) == 0 {
		return
	}
	c := specs.LinuxCapabilities{}
	if p.Capabilities != nil {
		c = *p.Capabilities
	}
	for _, name := range caps {
		name = strings.ToUpper(name)
		if !strings.HasPrefix(name, "CAP_") {
			name = "CAP_" + name
		}
		c.Bounding = append(append([]string{}, c.Bounding...), name)
		c.Effective = append(append([]string{}, c.Effective...), name)
		c.Permitted = append(append([]string{}, c.Permitted...), name)
	}
	p.Capabilities = &c
}

// parseCgroupFlags reads --cgroup: "path" or "ctrl[,ctrl]:path".
func parseCgroupFlags(flags []string) (map[string]string, error) {
	if len(flags) == 0 {
		return nil, nil
	}
	out := map[string]string{}
	for _, f := range flags {
		ctrls, path, ok := strings.Cut(f, ":")
		if !ok {
			ctrls, path = "", f
		}
		if path == "" || strings.Contains("/"+path+"/", "/../") {
			return nil, fmt.Errorf("--cgroup %q: invalid path", f)
		}
		for _, c := range strings.Split(ctrls, ",") {
			if _, dup := out[c]; dup {
				return nil, fmt.Errorf("--cgroup %q: %q given twice", f, c)
			}
			out[c] = path
		}
	}
	return out, nil
}
