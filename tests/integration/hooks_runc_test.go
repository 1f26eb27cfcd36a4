package integration

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// Hooks as runc 1.5.1 runs them: the words of a failing hook's error,
// argv as written, the environment of a hook without env, the order
// against seccomp, and a failed poststart removing the container.

// setHooks puts hooks in the bundle's hooks of kind.
func setHooks(b *bundle, kind string, hooks []specs.Hook) {
	if b.spec.Hooks == nil {
		b.spec.Hooks = &specs.Hooks{}
	}
	h := b.spec.Hooks
	switch kind {
	case "prestart":
		//lint:ignore SA1019 prestart is deprecated, not gone: runtimes still run it
		h.Prestart = hooks
	case "createRuntime":
		h.CreateRuntime = hooks
	case "createContainer":
		h.CreateContainer = hooks
	case "startContainer":
		h.StartContainer = hooks
	case "poststart":
		h.Poststart = hooks
	case "poststop":
		h.Poststop = hooks
	}
}

// TestHookFailureWords: the second hook of each kind fails; the error
// says `error running <kind> hook #1: ` (runc's words) with the hook's
// output, the program does not run and nothing is left.
func TestHookFailureWords(t *testing.T) {
	t.Parallel()
	for _, kind := range []string{"prestart", "createRuntime", "createContainer", "startContainer", "poststart"} {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			b := e.newBundle("echo", "program-ran")
			failing := specs.Hook{Path: "/bin/sh", Args: []string{"sh", "-c", "echo out-of-" + kind + "; echo err-of-hook >&2; exit 3"}, Env: hookEnv}
			setHooks(b, kind, []specs.Hook{{Path: "/bin/true"}, failing})
			id := e.id()
			b.save(t)
			r := e.berth("run", "--bundle", b.dir, id)
			failsOneLine(t, r, "error running "+kind+" hook #1: ", "exit status 3", "out-of-"+kind, "err-of-hook")
			if strings.Contains(r.stdout, "program-ran") && kind != "poststart" {
				t.Errorf("the program ran although the %s hook failed: %s", kind, r)
			}
			e.assertNothingLeft(id, b)
		})
	}
}

// TestHookPoststartFailureRemoves: `start` of a created container whose
// poststart hook fails stops and removes it, poststop hooks run (runc
// destroys it), and says which hook failed.
func TestHookPoststartFailureRemoves(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	dir := t.TempDir()
	b := e.newBundle("sleep", "1000")
	setHooks(b, "poststart", []specs.Hook{{Path: "/bin/false"}})
	setHooks(b, "poststop", []specs.Hook{{Path: "/bin/sh", Args: []string{"sh", "-c", "touch " + dir + "/poststop"}, Env: hookEnv}})
	id := e.create(b)
	pid := e.pid(id)
	failsOneLine(t, e.berth("start", id), "error running poststart hook #0: /bin/false: exit status 1")
	if !zombieOrGone(pid) {
		t.Errorf("the process %d of the container whose poststart hook failed still runs", pid)
	}
	if _, err := os.Stat(filepath.Join(dir, "poststop")); err != nil {
		t.Errorf("the poststop hook did not run: %v", err)
	}
	if r := e.berth("state", id); r.code == 0 {
		t.Errorf("the container is left behind: %s", r)
	}
	e.assertNothingLeft(id, b)
}

// TestHookArgv: args[0] is the hook's argv[0] and path is what runs
// (busybox picks its applet by argv[0]), on both sides; a hook's output
// goes into the error rather than to the container's stdio.
func TestHookArgv(t *testing.T) {
	t.Parallel()
	for _, kind := range []string{"prestart", "startContainer"} {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			b := e.newBundle("true")
			setHooks(b, kind, []specs.Hook{{Path: "/bin/busybox", Args: []string{"cat", "/nosuchfile"}}})
			id := e.id()
			b.save(t)
			failsOneLine(t, e.berth("run", "--bundle", b.dir, id), "error running "+kind+" hook #0: /bin/busybox: exit status 1", "cat: can't open '/nosuchfile'")
			e.assertNothingLeft(id, b)
		})
	}
}

// TestHookDefaultEnv: a hook without env gets what runc gives it: a
// host-side hook the runtime's own environment, a startContainer hook
// the process's (HOME included, set as for the process), a
// createContainer hook none; "env" given is the whole environment.
func TestHookDefaultEnv(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	dir := t.TempDir()
	os.Chmod(dir, 0o777)
	b := e.newBundle("true")
	b.spec.Process.Env = []string{"PATH=/bin", "ONE=two", "FOO=bar"}
	record := func(to string) specs.Hook {
		return specs.Hook{Path: "/bin/sh", Args: []string{"sh", "-c", "cat /proc/self/environ | tr '\\0' '\\n' > " + to}}
	}
	setHooks(b, "createRuntime", []specs.Hook{record(dir + "/createRuntime")})
	setHooks(b, "createContainer", []specs.Hook{record(dir + "/createContainer")})
	setHooks(b, "startContainer", []specs.Hook{record("/hookdir/startContainer")})
	given := record(dir + "/poststart")
	given.Env = []string{"PATH=/usr/bin:/bin", "ONLY=this"}
	setHooks(b, "poststart", []specs.Hook{given})
	b.addMount(specs.Mount{Destination: "/hookdir", Source: dir, Options: []string{"bind"}})
	b.save(t)
	r := e.berthWith(func(cmd *exec.Cmd) {
		cmd.Env = append(os.Environ(), "BERTH_HOOK_MARK=runtime-env")
	}, "run", "--bundle", b.dir, e.id())
	if r.code != 0 {
		t.Fatalf("berth run: %s", r)
	}
	env := func(name string) []string {
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatalf("the %s hook did not run: %v", name, err)
		}
		return strings.Fields(string(data))
	}
	has := func(vars []string, want string) bool {
		for _, v := range vars {
			if v == want {
				return true
			}
		}
		return false
	}
	if v := env("createRuntime"); !has(v, "BERTH_HOOK_MARK=runtime-env") {
		t.Errorf("createRuntime hook without env got %q, want berth's environment", v)
	}
	if v := env("createContainer"); has(v, "BERTH_HOOK_MARK=runtime-env") || has(v, "ONE=two") {
		t.Errorf("createContainer hook without env got %q, want none (runc's init clears its environment)", v)
	}
	v := env("startContainer")
	for _, want := range []string{"ONE=two", "FOO=bar", "HOME=/root", "PATH=/bin"} {
		if !has(v, want) {
			t.Errorf("startContainer hook without env got %q, want the process's environment with %s", v, want)
		}
	}
	if v := env("poststart"); !has(v, "ONLY=this") || has(v, "BERTH_HOOK_MARK=runtime-env") {
		t.Errorf("poststart hook with env got %q, want exactly its own", v)
	}
}

// TestHookStartContainerUnderSeccomp: the startContainer hooks run with
// the container's seccomp filter loaded, as runc runs them: a hook making
// a syscall the profile kills fails with "bad system call".
func TestHookStartContainerUnderSeccomp(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.newBundle("true")
	b.spec.Linux.Seccomp = &specs.LinuxSeccomp{
		DefaultAction: specs.ActAllow,
		Architectures: []specs.Arch{specs.ArchX86_64, specs.ArchX86, specs.ArchX32},
		Syscalls:      []specs.LinuxSyscall{{Names: []string{"mkdir", "mkdirat"}, Action: specs.ActKill}},
	}
	setHooks(b, "startContainer", []specs.Hook{{Path: "/bin/sh", Args: []string{"sh", "-c", "mkdir /tmp/under-seccomp"}}})
	id := e.id()
	b.save(t)
	failsOneLine(t, e.berth("run", "--bundle", b.dir, id), "error running startContainer hook #0: /bin/sh: signal: bad system call")
	e.assertNothingLeft(id, b)
}
