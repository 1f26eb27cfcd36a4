package integration

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// Bad input (issue 3's list): each case fails with a non-zero exit and
// one line on stderr naming what and where, and leaves nothing behind.

// badInput is one case: setup changes the bundle (and may run commands);
// do runs the failing command (default: create); want are the words the
// error must name; after checks more (the spec's required outcome).
type badInput struct {
	name  string
	setup func(t *testing.T, e *env, b *bundle, id string)
	do    func(t *testing.T, e *env, b *bundle, id string) result
	want  []string
	after func(t *testing.T, e *env, b *bundle, id string)
	// keeps: the failing command must leave the container as it was
	// (it is deleted before the leftover check)
	keeps bool
	// raw: setup wrote config.json itself (do not save the spec over it)
	raw bool
	// ok: the command must succeed (the mount escaping through a symlink
	// is valid: it lands inside the rootfs)
	ok bool
}

// editJSON rewrites config.json through a generic map.
func editJSON(t *testing.T, b *bundle, edit func(map[string]any)) {
	t.Helper()
	b.save(t)
	p := filepath.Join(b.dir, "config.json")
	data, _ := os.ReadFile(p)
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	edit(m)
	data, _ = json.Marshal(m)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// failHook is a hook that exits 3; with record it first appends name to
// the file record.
func failHook(sh, name, record string) specs.Hook {
	script := "exit 3"
	if record != "" {
		script = "echo " + name + " >> " + record + "; exit 3"
	}
	return specs.Hook{Path: sh, Args: []string{"sh", "-c", script}, Env: hookEnv}
}

// okHook appends name to the file record.
func okHook(name, record string) specs.Hook {
	return specs.Hook{Path: "/bin/sh", Args: []string{"sh", "-c", "echo " + name + " >> " + record}, Env: hookEnv}
}

func readRecord(b *bundle) string {
	data, _ := os.ReadFile(filepath.Join(filepath.Dir(b.dir), "hooks.log"))
	return strings.Join(strings.Fields(string(data)), " ")
}

// hookRecord is where a case's hooks write, outside the bundle.
func hookRecord(b *bundle) string { return filepath.Join(filepath.Dir(b.dir), "hooks.log") }

// createHookFails is the case of a create-time hook kind failing: create
// fails, nothing is left, and the poststop hooks still ran (lifecycle
// steps 12 and 13).
func createHookFails(kind string, set func(h *specs.Hooks, hk specs.Hook)) badInput {
	return badInput{
		name: kind + "-hook-fails",
		setup: func(t *testing.T, e *env, b *bundle, id string) {
			b.spec.Hooks = &specs.Hooks{Poststop: []specs.Hook{okHook("poststop", hookRecord(b))}}
			set(b.spec.Hooks, failHook("/bin/sh", kind, hookRecord(b)))
		},
		want: []string{kind, "exit status 3"},
		after: func(t *testing.T, e *env, b *bundle, id string) {
			if got := readRecord(b); got != kind+" poststop" {
				t.Errorf("hooks ran: %q, want the failing %s then poststop", got, kind)
			}
		},
	}
}

// startHookFails: a start-time hook failing fails start and stops the
// container; delete then runs the poststop hooks. A failing poststart
// hook removes the container in start, as runc does.
func startHookFails(kind, sh string, set func(h *specs.Hooks, hk specs.Hook)) badInput {
	return badInput{
		name: kind + "-hook-fails",
		setup: func(t *testing.T, e *env, b *bundle, id string) {
			b.spec.Hooks = &specs.Hooks{Poststop: []specs.Hook{okHook("poststop", hookRecord(b))}}
			set(b.spec.Hooks, failHook(sh, kind, ""))
			b.spec.Process.Args = []string{"sleep", "1000"}
			if r := e.createIO("create", id, b); r.code != 0 {
				t.Fatalf("create: %s", r)
			}
		},
		do:   func(t *testing.T, e *env, b *bundle, id string) result { return e.berth("start", id) },
		want: []string{kind, "exit status 3"},
		after: func(t *testing.T, e *env, b *bundle, id string) {
			if kind == "poststart" {
				// as runc: the container is killed and removed by start
				// itself, its poststop hooks run
				if r := e.berth("state", id); r.code == 0 || !strings.Contains(r.stderr, "does not exist") {
					t.Errorf("state after a failed poststart hook: %s, want the container gone", r)
				}
			} else {
				e.waitStatus(id, "stopped")
				e.must("delete", id)
			}
			if got := readRecord(b); got != "poststop" {
				t.Errorf("after delete hooks ran: %q, want poststop", got)
			}
		},
	}
}

var badInputs = []badInput{
	{name: "config-missing", setup: func(t *testing.T, e *env, b *bundle, id string) {
		b.save(t)
		os.Remove(filepath.Join(b.dir, "config.json"))
	}, want: []string{"config.json", "no such file"}, raw: true},
	{name: "config-not-json", setup: func(t *testing.T, e *env, b *bundle, id string) {
		b.save(t)
		os.WriteFile(filepath.Join(b.dir, "config.json"), []byte(`{"ociVersion": "1.3.0", "process": {`), 0o644)
	}, want: []string{"config.json"}, raw: true},
	{name: "wrong-type", setup: func(t *testing.T, e *env, b *bundle, id string) {
		editJSON(t, b, func(m map[string]any) { m["process"].(map[string]any)["terminal"] = "yes" })
	}, want: []string{"process.terminal"}, raw: true},
	{name: "ociversion-major", setup: func(t *testing.T, e *env, b *bundle, id string) {
		b.spec.Version = "2.0.0"
	}, want: []string{"ociVersion", "2.0.0"}},
	{name: "ociversion-not-semver", setup: func(t *testing.T, e *env, b *bundle, id string) {
		b.spec.Version = "1.0"
	}, want: []string{"ociVersion", "1.0"}},
	{name: "rootfs-missing", setup: func(t *testing.T, e *env, b *bundle, id string) {
		b.spec.Root.Path = "no-such-rootfs"
	}, want: []string{"root.path", "no-such-rootfs"}},
	{name: "args-empty", setup: func(t *testing.T, e *env, b *bundle, id string) {
		b.spec.Process.Args = []string{}
	}, want: []string{"process.args"}},
	{name: "sysctl-kernel-hostname", setup: func(t *testing.T, e *env, b *bundle, id string) {
		b.spec.Linux.Sysctl = map[string]string{"kernel.hostname": "other"}
	}, want: []string{`linux.sysctl["kernel.hostname"]`, "hostname field"}},
	{name: "unknown-namespace", setup: func(t *testing.T, e *env, b *bundle, id string) {
		b.setNamespace("bogus", "")
	}, want: []string{"linux.namespaces", "bogus"}},
	{name: "namespace-wrong-type", setup: func(t *testing.T, e *env, b *bundle, id string) {
		b.setNamespace(specs.IPCNamespace, "/proc/self/ns/net")
	}, want: []string{"ipc", "/proc/self/ns/net"}},
	{name: "namespace-not-a-namespace", setup: func(t *testing.T, e *env, b *bundle, id string) {
		b.setNamespace(specs.UTSNamespace, "/etc/hostname")
	}, want: []string{"uts", "/etc/hostname"}},
	{name: "mount-escapes-through-symlink", setup: func(t *testing.T, e *env, b *bundle, id string) {
		outside := filepath.Join(filepath.Dir(b.dir), "outside")
		os.Mkdir(outside, 0o755)
		os.Symlink("../../../../../../../.."+outside, filepath.Join(b.rootfs(), "escape"))
		b.addMount(specs.Mount{Destination: "/escape/tmp", Type: "tmpfs", Source: "tmpfs"})
		b.spec.Process.Args = []string{"sh", "-c", "grep -c ' " + outside + "/tmp ' /proc/self/mountinfo"}
	}, do: func(t *testing.T, e *env, b *bundle, id string) result {
		return e.run(b)
	}, ok: true, after: func(t *testing.T, e *env, b *bundle, id string) {
		outside := filepath.Join(filepath.Dir(b.dir), "outside")
		if _, err := os.Stat(filepath.Join(outside, "tmp")); err == nil {
			t.Errorf("the mount point was made on the host at %s", filepath.Join(outside, "tmp"))
		}
		if _, err := os.Stat(filepath.Join(b.rootfs(), outside, "tmp")); err != nil {
			t.Errorf("the mount point is not inside the rootfs: %v", err)
		}
	}},
	{name: "device-invalid-type", setup: func(t *testing.T, e *env, b *bundle, id string) {
		b.spec.Linux.Devices = []specs.LinuxDevice{{Path: "/dev/x", Type: "x", Major: 1, Minor: 3}}
	}, want: []string{"linux.devices[0].type", `"x"`}},
	{name: "id-with-slash", do: func(t *testing.T, e *env, b *bundle, id string) result {
		return e.createIO("create", "a/b", b)
	}, want: []string{"invalid container id", "a/b"}},
	{name: "id-dotdot", do: func(t *testing.T, e *env, b *bundle, id string) result {
		return e.createIO("create", "..", b)
	}, want: []string{"invalid container id", `".."`}},
	{name: "duplicate-id", setup: func(t *testing.T, e *env, b *bundle, id string) {
		if r := e.createIO("create", id, b); r.code != 0 {
			t.Fatal(r)
		}
	}, want: []string{"$ID", "already exists"}, keeps: true},
	{name: "kill-unknown-signal", setup: func(t *testing.T, e *env, b *bundle, id string) {
		b.spec.Process.Args = []string{"sleep", "1000"}
		if r := e.createIO("create", id, b); r.code != 0 {
			t.Fatal(r)
		}
	}, do: func(t *testing.T, e *env, b *bundle, id string) result {
		return e.berth("kill", id, "SIGNOPE")
	}, want: []string{"unknown signal", "SIGNOPE"}, keeps: true},
	{name: "start-not-created", setup: func(t *testing.T, e *env, b *bundle, id string) {
		b.spec.Process.Args = []string{"sleep", "1000"}
		if r := e.createIO("run", id, b, "--detach"); r.code != 0 {
			t.Fatal(r)
		}
	}, do: func(t *testing.T, e *env, b *bundle, id string) result {
		return e.berth("start", id)
	}, want: []string{"$ID", "running", "not created"}, keeps: true},
	{name: "start-stopped", setup: func(t *testing.T, e *env, b *bundle, id string) {
		b.spec.Process.Args = []string{"true"}
		if r := e.createIO("run", id, b, "--keep"); r.code != 0 {
			t.Fatal(r)
		}
	}, do: func(t *testing.T, e *env, b *bundle, id string) result {
		return e.berth("start", id)
	}, want: []string{"$ID", "stopped", "not created", "has exited"}, keeps: true},
	{name: "start-missing", do: func(t *testing.T, e *env, b *bundle, id string) result {
		return e.berth("start", id)
	}, want: []string{"$ID", "does not exist"}},
	{name: "delete-running", setup: func(t *testing.T, e *env, b *bundle, id string) {
		b.spec.Process.Args = []string{"sleep", "1000"}
		if r := e.createIO("run", id, b, "--detach"); r.code != 0 {
			t.Fatal(r)
		}
	}, do: func(t *testing.T, e *env, b *bundle, id string) result {
		return e.berth("delete", id)
	}, want: []string{"$ID", "running"}, keeps: true},
	//lint:ignore SA1019 prestart is deprecated, not gone: runtimes still run it
	createHookFails("prestart", func(h *specs.Hooks, hk specs.Hook) { h.Prestart = []specs.Hook{hk} }),
	createHookFails("createRuntime", func(h *specs.Hooks, hk specs.Hook) { h.CreateRuntime = []specs.Hook{hk} }),
	createHookFails("createContainer", func(h *specs.Hooks, hk specs.Hook) { h.CreateContainer = []specs.Hook{hk} }),
	startHookFails("startContainer", "/bin/sh", func(h *specs.Hooks, hk specs.Hook) { h.StartContainer = []specs.Hook{hk} }),
	startHookFails("poststart", "/bin/sh", func(h *specs.Hooks, hk specs.Hook) { h.Poststart = []specs.Hook{hk} }),
	{name: "poststop-hook-fails", setup: func(t *testing.T, e *env, b *bundle, id string) {
		b.spec.Hooks = &specs.Hooks{Poststop: []specs.Hook{
			failHook("/bin/sh", "poststop1", hookRecord(b)), okHook("poststop2", hookRecord(b)),
		}}
		b.spec.Process.Args = []string{"true"}
		if r := e.createIO("run", id, b, "--keep"); r.code != 0 {
			t.Fatal(r)
		}
	}, do: func(t *testing.T, e *env, b *bundle, id string) result {
		r := e.berth("delete", id)
		if r.code != 0 {
			t.Errorf("delete failed on a poststop hook: %s (the spec wants a warning)", r)
		}
		if !strings.Contains(r.stderr, "warn") || !strings.Contains(r.stderr, "poststop") {
			t.Errorf("no warning for the failed poststop hook: %q", r.stderr)
		}
		return result{code: 1, stderr: "poststop warning"} // checked above
	}, after: func(t *testing.T, e *env, b *bundle, id string) {
		if got := readRecord(b); got != "poststop1 poststop2" {
			t.Errorf("poststop hooks ran: %q, want both", got)
		}
	}},
}

func TestBadInput(t *testing.T) {
	t.Parallel()
	for _, c := range badInputs {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			b := e.newBundle("true")
			id := e.id()
			if c.setup != nil {
				c.setup(t, e, b, id)
			}
			var r result
			if c.do != nil {
				r = c.do(t, e, b, id)
			} else {
				if !c.raw {
					b.save(t)
				}
				r = e.berth("create", "--bundle", b.dir, id)
			}
			want := make([]string, len(c.want))
			for i, w := range c.want {
				want[i] = strings.ReplaceAll(w, "$ID", id)
			}
			t.Logf("exit %d: %s", r.code, strings.TrimSpace(r.stderr))
			if c.ok {
				if r.code != 0 || strings.TrimSpace(r.stdout) != "1" {
					t.Errorf("want success with the mount inside the container: %s", r)
				}
			} else {
				failsOneLine(t, r, want...)
			}
			if c.after != nil {
				c.after(t, e, b, id)
			}
			if c.keeps {
				if _, err := os.Stat(filepath.Join(e.root, id)); err != nil {
					t.Errorf("the failing command removed the container: %v", err)
				}
				e.must("delete", "--force", id)
			}
			e.assertNothingLeft(id, b)
		})
	}
}
