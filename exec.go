package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strconv"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"github.com/sirupsen/logrus"
	"github.com/urfave/cli"
	"golang.org/x/sys/unix"

	"github.com/berth-oci/berth/libcontainer"
)

var execCommand = cli.Command{
	Name:      "exec",
	Usage:     "run another process inside a running container",
	ArgsUsage: "<container-id> <program> [<arg>...]   or   --process <file> <container-id>",
	Description: `The process joins every namespace and the cgroup of the container and gets the
container's capabilities, rlimits, LSM labels and seccomp filter unless told
otherwise. In the foreground berth forwards the signals it receives to the
process and exits with its status; a failure to start it exits with 255, as
runc does.`,
	SkipArgReorder: true,
	// a bad flag is one line and 255, as any exec that does not start
	OnUsageError: func(_ *cli.Context, err error, _ bool) error { return &execFailed{err} },
	Flags: []cli.Flag{
		cli.StringFlag{Name: "console-socket", Usage: "Unix socket berth sends the master fd of the process's terminal to"},
		cli.StringFlag{Name: "pidfd-socket", Usage: "Unix socket berth sends a pidfd of the new process to"},
		cli.StringFlag{Name: "cwd", Usage: "directory, inside the container, the process starts in"},
		cli.StringSliceFlag{Name: "env, e", Usage: "add or replace one variable of the process's environment: NAME=VALUE"},
		cli.BoolFlag{Name: "tty, t", Usage: "give the process a terminal (with --process, the file's terminal decides)"},
		cli.StringFlag{Name: "user, u", Usage: "numeric user to run as: <uid>[:<gid>]"},
		cli.Int64SliceFlag{Name: "additional-gids, g", Usage: "one more supplementary group id for the process"},
		cli.StringFlag{Name: "process, p", Usage: "JSON file (runtime-spec process object) describing the whole process: no program and no process flags with it"},
		cli.BoolFlag{Name: "detach, d", Usage: "return once the process has started instead of waiting for it"},
		cli.StringFlag{Name: "pid-file", Usage: "write the host pid of the new process to this file"},
		cli.StringFlag{Name: "process-label", Usage: "SELinux label the process runs with"},
		cli.StringFlag{Name: "apparmor", Usage: "AppArmor profile that confines the process"},
		cli.BoolFlag{Name: "no-new-privs", Usage: "forbid the process to gain privileges through execve (no_new_privs)"},
		cli.StringSliceFlag{Name: "cap, c", Usage: "one more capability for the process (CAP_NAME or name)"},
		cli.IntFlag{Name: "preserve-fds", Usage: "also hand berth's descriptors 3 to 3+N-1 to the process"},
		cli.StringSliceFlag{Name: "cgroup", Usage: "start the process in a sub-cgroup of the container that exists already: <path>, or <controller>[,<controller>...]:<path> on cgroup v1"},
		cli.BoolFlag{Name: "ignore-paused", Usage: "exec into a paused container too (the process stays frozen until resume)"},
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

// execFailed is an exec that did not start: berth exits 255 and says
// "exec failed: ...", as runc does.
type execFailed struct{ err error }

func (e *execFailed) Error() string { return "exec failed: " + e.err.Error() }
func (e *execFailed) Unwrap() error { return e.err }

func execAction(ctx *cli.Context) (int, error) {
	detach := ctx.Bool("detach")
	var signals *signalForwarder
	if !detach {
		signals = forwardSignals()
	}
	if err := checkArgs(ctx, 1, -1); err != nil {
		return 0, err
	}
	o, err := execOpts(ctx)
	if err != nil {
		return 0, err
	}
	c, err := loadForExec(ctx)
	if err != nil {
		return 0, err
	}
	if o.ProcessFile == "" {
		if o.Process, err = execProcess(ctx, c.Config().Process); err != nil {
			return 0, err
		}
	}
	if detach {
		_, err := c.Exec(o)
		return 0, err
	}
	terminal := ctx.Bool("tty")
	if o.ProcessFile != "" {
		terminal = processTerminal(o.ProcessJSON)
	}
	return execForeground(c, o, signals, terminal && o.ConsoleSocket == "")
}

// processTerminal peeks at process.json's terminal: in the foreground
// berth then proxies its own terminal, as with --tty. A file that does
// not decode is reported when the process is loaded.
func processTerminal(data []byte) bool {
	var p struct {
		Terminal bool `json:"terminal"`
	}
	return json.Unmarshal(data, &p) == nil && p.Terminal
}

// readProcessFile reads --process once: it may be a pipe or a fifo
// (--process /dev/stdin). With --tty as well (podman passes both), the
// file's terminal decides, as with runc; a --tty the file contradicts is
// said to be ignored at debug level only: runc says nothing, and callers
// (runc's tty.bats among them) read stderr mixed with the output.
func readProcessFile(ctx *cli.Context, path string) ([]byte, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return nil, fmt.Errorf("--process %s: %w", path, err)
	}
	if ctx.Bool("tty") && !processTerminal(data) {
		logrus.Debugf("--tty ignored: %s does not ask for a terminal, and the file decides", path)
	}
	return data, nil
}

// loadForExec loads the container named by the first argument, with the
// part of its config an exec needs.
func loadForExec(ctx *cli.Context) (*libcontainer.ExecContainer, error) {
	id, root, err := idAndRoot(ctx)
	if err != nil {
		return nil, err
	}
	return libcontainer.LoadForExec(root, id)
}

// execOpts reads the flags that are not about the process itself.
func execOpts(ctx *cli.Context) (*libcontainer.ExecOpts, error) {
	o := &libcontainer.ExecOpts{
		IgnorePaused: ctx.Bool("ignore-paused"),
		Stdio:        [3]*os.File{os.Stdin, os.Stdout, os.Stderr},
		Warn:         warn,
	}
	var err error
	if o.ProcessFile, err = processFile(ctx); err != nil {
		return nil, err
	}
	if o.ProcessFile != "" {
		if o.ProcessJSON, err = readProcessFile(ctx, o.ProcessFile); err != nil {
			return nil, err
		}
	}
	if o.ConsoleSocket, err = absPath("console-socket", ctx.String("console-socket")); err != nil {
		return nil, err
	}
	if err := checkTerminalFlags(ctx, o.ProcessFile != ""); err != nil {
		return nil, err
	}
	o.PidFile, o.PidfdSocket = ctx.String("pid-file"), ctx.String("pidfd-socket")
	if o.ExtraFiles, err = preservedFiles(ctx.Int("preserve-fds")); err != nil {
		return nil, err
	}
	if o.SubCgroup, err = parseCgroupFlags(ctx.StringSlice("cgroup")); err != nil {
		return nil, err
	}
	return o, nil
}

// checkTerminalFlags refuses what runc refuses: a console socket without
// a terminal, and a terminal nobody would hold when berth detaches. With
// --process the terminal is process.json's, checked once it is read.
func checkTerminalFlags(ctx *cli.Context, fromFile bool) error {
	sock := ctx.String("console-socket") != ""
	switch {
	case fromFile:
	case sock && !ctx.Bool("tty"):
		return errors.New("--console-socket needs --tty (the socket receives the terminal's master)")
	case ctx.Bool("tty") && ctx.Bool("detach") && !sock:
		return errors.New("--tty with --detach needs --console-socket (nobody would hold the terminal)")
	}
	return nil
}

// processFlags shape the process; --process gives the whole process, so
// they cannot come with it. --tty can: podman passes it with --process,
// and runc takes the file's terminal then.
var processFlags = []string{"cwd", "env", "user", "additional-gids", "process-label", "apparmor", "no-new-privs", "cap"}

// processFile is --process, checked against the flags and arguments that
// would be ignored with it.
func processFile(ctx *cli.Context) (string, error) {
	path := ctx.String("process")
	if path == "" {
		if len(ctx.Args().Tail()) == 0 {
			return "", errors.New("no command to run: name one after the container id, or use --process")
		}
		return "", nil
	}
	for _, f := range processFlags {
		if ctx.IsSet(f) {
			return "", fmt.Errorf("--%s cannot be used with --process: set it in %s", f, path)
		}
	}
	if len(ctx.Args().Tail()) > 0 {
		return "", fmt.Errorf("--process %s gives the command: no command arguments expected, got %q", path, ctx.Args().Tail())
	}
	return absPath("process", path)
}

// preservedFiles are fds 3..3+n-1 of berth, passed on to the process.
// Unlike create, exec does not pass systemd's LISTEN_FDS (as runc).
func preservedFiles(n int) ([]*os.File, error) {
	if n < 0 {
		return nil, fmt.Errorf("--preserve-fds: %d is negative", n)
	}
	var files []*os.File
	for fd := 3; fd < 3+n; fd++ {
		if _, err := unix.FcntlInt(uintptr(fd), unix.F_GETFD, 0); err != nil {
			return nil, fmt.Errorf("--preserve-fds %d: fd %d is not open", n, fd)
		}
		files = append(files, os.NewFile(uintptr(fd), "preserved-fd-"+strconv.Itoa(fd)))
	}
	return files, nil
}

// execForeground runs the process with berth's stdio (or a terminal
// berth proxies), forwards signals to it and returns its exit status.
func execForeground(c *libcontainer.ExecContainer, o *libcontainer.ExecOpts, signals *signalForwarder, proxyTTY bool) (int, error) {
	var tty *ttyProxy
	if proxyTTY {
		var err error
		if tty, err = newTTYConsole(); err != nil {
			return 0, err
		}
		defer tty.close()
		o.Console = tty.theirs
		tty.receiveEarly()
	}
	pid, err := c.Exec(o)
	if err != nil {
		return 0, err
	}
	signals.caughtAll()
	if tty != nil {
		if err := tty.attach(); err != nil {
			unix.Kill(pid, unix.SIGKILL)
			return 0, err
		}
	}
	status := signals.wait(pid, tty)
	if tty != nil {
		tty.drain()
	}
	return status, nil
}

// execProcess is the container's process with the command line's
// changes, as runc builds it: args, a terminal only with --tty, env
// added (a given key replaces the container's), cwd, user, groups
// added, labels, no_new_privs and capabilities added.
func execProcess(ctx *cli.Context, base *specs.Process) (*specs.Process, error) {
	if base == nil {
		return nil, errors.New("the container has no process in its config")
	}
	p := *base
	p.Args = ctx.Args().Tail()
	p.Env = mergeEnv(p.Env, ctx.StringSlice("env"))
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

// mergeEnv adds extra to env; a key already in env takes the new value
// in place (a program reads the first of two entries: the new one must
// replace the old, not follow it).
func mergeEnv(env, extra []string) []string {
	out := append([]string{}, env...)
	at := map[string]int{}
	for i, kv := range out {
		k, _, _ := strings.Cut(kv, "=")
		if _, seen := at[k]; !seen {
			at[k] = i
		}
	}
	for _, kv := range extra {
		k, _, _ := strings.Cut(kv, "=")
		if i, ok := at[k]; ok {
			out[i] = kv
			continue
		}
		at[k] = len(out)
		out = append(out, kv)
	}
	return out
}

// execUser applies --user uid[:gid] and adds --additional-gids.
func execUser(ctx *cli.Context, p *specs.Process) error {
	if u := ctx.String("user"); u != "" {
		uid, gid, hasGID := strings.Cut(u, ":")
		n, err := strconv.ParseUint(uid, 10, 32)
		if err != nil {
			return fmt.Errorf("--user %q: the uid must be a number (format: <uid>[:<gid>])", u)
		}
		p.User.UID = uint32(n)
		if hasGID {
			g, err := strconv.ParseUint(gid, 10, 32)
			if err != nil {
				return fmt.Errorf("--user %q: the gid must be a number (format: <uid>[:<gid>])", u)
			}
			p.User.GID = uint32(g)
		}
	}
	gids := append([]uint32{}, p.User.AdditionalGids...)
	for _, g := range ctx.Int64Slice("additional-gids") {
		if g < 0 || g > 1<<32-1 {
			return fmt.Errorf("--additional-gids: %d is not a valid gid", g)
		}
		gids = append(gids, uint32(g))
	}
	p.User.AdditionalGids = gids
	return nil
}

// addCaps adds --cap capabilities ("CAP_NET_ADMIN", "net_admin") to the
// bounding, effective and permitted sets, never to the inheritable or
// ambient ones: a capability there would survive the exec of a program
// without file capabilities (CVE-2022-29162). A process without a
// capability list keeps every capability berth has: nothing to add.
func addCaps(p *specs.Process, caps []string) {
	if len(caps) == 0 || p.Capabilities == nil {
		return
	}
	c := *p.Capabilities
	c.Bounding = append([]string{}, c.Bounding...)
	c.Effective = append([]string{}, c.Effective...)
	c.Permitted = append([]string{}, c.Permitted...)
	for _, name := range caps {
		name = strings.ToUpper(name)
		if !strings.HasPrefix(name, "CAP_") {
			name = "CAP_" + name
		}
		c.Bounding = append(c.Bounding, name)
		c.Effective = append(c.Effective, name)
		c.Permitted = append(c.Permitted, name)
	}
	p.Capabilities = &c
}

// parseCgroupFlags reads --cgroup: "path" (every hierarchy) or
// "ctrl[,ctrl]:path"; the path is relative to the container's cgroup.
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
			return nil, fmt.Errorf("--cgroup %q: %q is not a path below the container's cgroup", f, path)
		}
		for _, c := range strings.Split(ctrls, ",") {
			if _, dup := out[c]; dup && c == "" {
				return nil, fmt.Errorf("--cgroup %q: a path for every hierarchy is given twice", f)
			} else if dup {
				return nil, fmt.Errorf("--cgroup %q: controller %q is given twice", f, c)
			}
			out[c] = path
		}
	}
	return out, nil
}
