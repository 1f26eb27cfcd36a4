package specconv

import (
	"path/filepath"
	"strings"
	"unicode"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"github.com/opencontainers/selinux/go-selinux"
)

// defaultUmask is the umask of a process whose config gives none, as runc.
const defaultUmask = 0o022

// maxCPU is the highest CPU number execCPUAffinity may name.
const maxCPU = 8191

// ResolveProcess checks a process and resolves it for the init: the
// container's process from config.json, and later an exec's process
// (`berth exec`, with a process.json or flags). Fields are named
// "process.*" in errors, after opts.File.
func ResolveProcess(p *specs.Process, opts Options) (Process, []string, error) {
	c := newChecker(opts)
	out, err := c.resolveProcess("process", p)
	return out, c.warnings, err
}

// resolveProcess resolves the process at path.
func (c *checker) resolveProcess(path string, p *specs.Process) (Process, error) {
	if p == nil {
		return Process{}, c.errorf(path, "required")
	}
	out := Process{NoNewPrivileges: p.NoNewPrivileges, Terminal: p.Terminal}
	steps := []func(string, *specs.Process, *Process) error{
		c.processCommand, c.processUser, c.processSecurity,
		c.processLimits, c.processTerminal, c.processScheduling,
	}
	for _, step := range steps {
		if err := step(path, p, &out); err != nil {
			return Process{}, err
		}
	}
	return out, nil
}

// processCommand: args, env, cwd.
func (c *checker) processCommand(path string, p *specs.Process, out *Process) error {
	if p.CommandLine != "" {
		return c.errorf(field(path, "commandLine"), "is for Windows; berth runs Linux containers (use args)")
	}
	if len(p.Args) == 0 {
		return c.errorf(field(path, "args"), "must not be empty")
	}
	if p.Args[0] == "" {
		return c.errorf(index(field(path, "args"), 0), "must not be empty")
	}
	for i, e := range p.Env {
		if k, _, ok := strings.Cut(e, "="); !ok || k == "" {
			return c.errorf(index(field(path, "env"), i), "%q is not of the form KEY=VALUE", e)
		}
	}
	if !filepath.IsAbs(p.Cwd) {
		return c.errorf(field(path, "cwd"), "must be an absolute path, got %q", p.Cwd)
	}
	out.Args, out.Env, out.Cwd = p.Args, DedupEnv(p.Env), filepath.Clean(p.Cwd)
	return nil
}

// DedupEnv keeps one entry per variable: the last one given, where it
// was given (runc does the same; env(1) in the container would otherwise
// list a variable twice and the process see whichever its libc finds
// first). env is not changed; entries are KEY=VALUE (checked before).
func DedupEnv(env []string) []string {
	last := make(map[string]int, len(env))
	for i, kv := range env {
		k, _, _ := strings.Cut(kv, "=")
		last[k] = i
	}
	if len(last) == len(env) {
		return env
	}
	out := make([]string, 0, len(last))
	for i, kv := range env {
		if k, _, _ := strings.Cut(kv, "="); last[k] == i {
			out = append(out, kv)
		}
	}
	return out
}

// processUser: uid, gid, additional gids and the umask.
func (c *checker) processUser(path string, p *specs.Process, out *Process) error {
	u := p.User
	f := field(path, "user")
	if u.Username != "" {
		return c.errorf(field(f, "username"), "is for Windows; give uid and gid")
	}
	umask := uint32(defaultUmask)
	if u.Umask != nil {
		umask = *u.Umask
	}
	if umask > 0o777 {
		return c.errorf(field(f, "umask"), "%#o is not a umask (0 to 0777)", umask)
	}
	out.UID, out.GID, out.AdditionalGids, out.Umask = u.UID, u.GID, u.AdditionalGids, &umask
	return nil
}

// processSecurity: capabilities and the LSM labels.
func (c *checker) processSecurity(path string, p *specs.Process, out *Process) error {
	caps, err := c.convertCapabilities(field(path, "capabilities"), p.Capabilities)
	if err != nil {
		return err
	}
	out.Capabilities = caps
	if p.ApparmorProfile != "" && !c.host.AppArmorEnabled() {
		return c.errorf(field(path, "apparmorProfile"), "apparmor profile %q specified but AppArmor is not enabled on this system", p.ApparmorProfile)
	}
	out.ApparmorProfile = p.ApparmorProfile
	out.SelinuxLabel, err = c.selinuxLabel(field(path, "selinuxLabel"), p.SelinuxLabel)
	return err
}

// selinuxLabel checks a label's form (user:role:type[:level]); on a host
// without SELinux it is dropped with a warning, as crun and go-selinux do.
func (c *checker) selinuxLabel(path, label string) (string, error) {
	if label == "" {
		return "", nil
	}
	// go-selinux parses the fields; the kernel also wants user, role and
	// type present, and nothing the write to attr/exec would cut
	ctx, err := selinux.NewContext(label)
	if err != nil || ctx["user"] == "" || ctx["role"] == "" || ctx["type"] == "" ||
		strings.IndexFunc(label, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) >= 0 {
		return "", c.errorf(path, "%q is not an SELinux label (user:role:type[:level])", label)
	}
	if !c.host.SELinuxEnabled() {
		c.warnf(path, "SELinux is not enabled on this system: label %q ignored", label)
		return "", nil
	}
	return ctx.Get(), nil
}

// processLimits: rlimits and oomScoreAdj.
func (c *checker) processLimits(path string, p *specs.Process, out *Process) error {
	rl, err := c.convertRlimits(field(path, "rlimits"), p.Rlimits)
	if err != nil {
		return err
	}
	out.Rlimits = rl
	if a := p.OOMScoreAdj; a != nil && (*a < -1000 || *a > 1000) {
		return c.errorf(field(path, "oomScoreAdj"), "must be between -1000 and 1000, got %d", *a)
	}
	out.OOMScoreAdj = p.OOMScoreAdj
	return nil
}

// processTerminal: consoleSize only counts with a terminal (the spec says
// to ignore it otherwise; berth says so).
func (c *checker) processTerminal(path string, p *specs.Process, out *Process) error {
	if p.ConsoleSize == nil {
		return nil
	}
	if !p.Terminal {
		c.warnf(field(path, "consoleSize"), "ignored: process.terminal is false")
		return nil
	}
	if p.ConsoleSize.Height > 0xffff || p.ConsoleSize.Width > 0xffff {
		return c.errorf(field(path, "consoleSize"), "%dx%d is larger than a terminal can be (65535)", p.ConsoleSize.Width, p.ConsoleSize.Height)
	}
	box := *p.ConsoleSize
	out.ConsoleSize = &box
	return nil
}

// processScheduling: scheduler, ioPriority and execCPUAffinity.
func (c *checker) processScheduling(path string, p *specs.Process, out *Process) error {
	var err error
	if out.Scheduler, err = c.convertScheduler(field(path, "scheduler"), p.Scheduler); err != nil {
		return err
	}
	if out.IOPriority, err = c.convertIOPriority(field(path, "ioPriority"), p.IOPriority); err != nil {
		return err
	}
	out.ExecCPUAffinity, err = c.convertAffinity(field(path, "execCPUAffinity"), p.ExecCPUAffinity)
	return err
}

// convertAffinity parses the two CPU lists into masks.
func (c *checker) convertAffinity(path string, a *specs.CPUAffinity) (*CPUAffinity, error) {
	if a == nil {
		return nil, nil
	}
	initial, err := parseList(a.Initial, maxCPU, 1024)
	if err != nil {
		return nil, c.errorf(field(path, "initial"), "%v", err)
	}
	final, err := parseList(a.Final, maxCPU, 1024)
	if err != nil {
		return nil, c.errorf(field(path, "final"), "%v", err)
	}
	return &CPUAffinity{Initial: initial, Final: final}, nil
}
