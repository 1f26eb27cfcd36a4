package integration

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// The six hooks: when they run, in which namespaces, what state they get
// on stdin, their order, their timeout.

var hookEnv = []string{"PATH=/usr/sbin:/usr/bin:/sbin:/bin"}

// recordHook is a hook that appends its name to dir/order and writes
// dir/<name>.json (its stdin) and dir/<name>.ns ("mnt-inode uts-inode
// hostname extra").
func recordHook(sh, dir, name, extra string) specs.Hook {
	script := fmt.Sprintf(`echo %[2]s >> %[1]s/order; cat > %[1]s/%[2]s.json
echo "$(stat -L -c %%i /proc/self/ns/mnt) $(stat -L -c %%i /proc/self/ns/uts) $(hostname) %[3]s" > %[1]s/%[2]s.ns`, dir, name, extra)
	return specs.Hook{Path: sh, Args: []string{"sh", "-c", script}, Env: hookEnv}
}

func TestHooks(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	dir := t.TempDir()
	os.Chmod(dir, 0o777)
	b := e.newBundle("sleep", "1000")
	b.spec.Hostname = "hooked"
	b.spec.Annotations = map[string]string{"hook.test": "yes"}
	rootfs := b.rootfs()
	// createContainer: after the mounts, before pivot_root (the rootfs
	// is still at its host path); startContainer: in the container
	before := fmt.Sprintf(`$(test -e %s/bin/busybox && echo at-host-path) $(grep -c ' %s/proc ' /proc/self/mountinfo)`, rootfs, rootfs)
	b.spec.Hooks = &specs.Hooks{
		//lint:ignore SA1019 prestart is deprecated, not gone: runtimes still run it
		Prestart:        []specs.Hook{recordHook("/bin/sh", dir, "prestart1", ""), recordHook("/bin/sh", dir, "prestart2", "")},
		CreateRuntime:   []specs.Hook{recordHook("/bin/sh", dir, "createRuntime", "")},
		CreateContainer: []specs.Hook{recordHook("/bin/sh", dir, "createContainer", before)},
		StartContainer:  []specs.Hook{recordHook("/bin/sh", "/hookdir", "startContainer", "$(cat /marker)")},
		Poststart:       []specs.Hook{recordHook("/bin/sh", dir, "poststart", "")},
		Poststop:        []specs.Hook{recordHook("/bin/sh", dir, "poststop1", ""), recordHook("/bin/sh", dir, "poststop2", "")},
	}
	b.addMount(specs.Mount{Destination: "/hookdir", Source: dir, Options: []string{"bind"}})
	os.WriteFile(filepath.Join(rootfs, "marker"), []byte("in-rootfs\n"), 0o644)

	id := e.create(b)
	order := func() string {
		data, _ := os.ReadFile(filepath.Join(dir, "order"))
		return strings.Join(strings.Fields(string(data)), " ")
	}
	if got := order(); got != "prestart1 prestart2 createRuntime createContainer" {
		t.Errorf("after create the hooks ran in the order %q", got)
	}
	pid := e.pid(id)
	e.start(id)
	if got := order(); got != "prestart1 prestart2 createRuntime createContainer startContainer poststart" {
		t.Errorf("after start: %q", got)
	}
	ctrMnt, ctrUts := nsInode(t, strconv.Itoa(pid), "mnt"), nsInode(t, strconv.Itoa(pid), "uts")
	e.must("kill", id, "KILL")
	e.waitStatus(id, "stopped")
	e.must("delete", id)
	if got := order(); !strings.HasSuffix(got, "poststart poststop1 poststop2") {
		t.Errorf("after delete: %q", got)
	}
	hostMnt, hostUts := nsInode(t, "self", "mnt"), nsInode(t, "self", "uts")
	host, _ := os.Hostname()
	want := map[string]struct {
		mnt, uts uint64
		rest     string
		status   string
	}{
		"prestart1":     {hostMnt, hostUts, host, "created"},
		"createRuntime": {hostMnt, hostUts, host, "created"},
		// the hostname is set after pivot_root
		"createContainer": {ctrMnt, ctrUts, host + " at-host-path 1", "created"},
		"startContainer":  {ctrMnt, ctrUts, "hooked in-rootfs", "created"},
		"poststart":       {hostMnt, hostUts, host, "running"},
		"poststop2":       {hostMnt, hostUts, host, "stopped"},
	}
	for name, w := range want {
		ns, _ := os.ReadFile(filepath.Join(dir, name+".ns"))
		if got, exp := strings.TrimSpace(string(ns)), fmt.Sprintf("%d %d %s", w.mnt, w.uts, w.rest); got != exp {
			t.Errorf("%s hook saw %q, want %q (mnt uts hostname ...)", name, got, exp)
		}
		var st specs.State
		data, _ := os.ReadFile(filepath.Join(dir, name+".json"))
		if err := json.Unmarshal(data, &st); err != nil {
			t.Errorf("%s hook's stdin %q is not the state: %v", name, data, err)
			continue
		}
		if st.ID != id || string(st.Status) != w.status || st.Bundle != b.dir || st.Version != "1.3.0" || st.Annotations["hook.test"] != "yes" {
			t.Errorf("%s hook got the state %+v, want id %s status %s bundle %s and the annotations", name, st, id, w.status, b.dir)
		}
		if w.status != "stopped" && st.Pid != pid {
			t.Errorf("%s hook got pid %d, want %d", name, st.Pid, pid)
		}
	}
}

// TestHookTimeout: a hook that outlives its timeout is killed and fails
// the step; runtime-namespace hooks (by berth) and container ones (by the
// init) alike.
func TestHookTimeout(t *testing.T) {
	t.Parallel()
	one := 1
	for _, kind := range []string{"createRuntime", "createContainer"} {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			b := e.newBundle("true")
			// the hook's host pid: /proc here is the host's procfs (a
			// createContainer hook runs before pivot_root)
			marker := filepath.Join(t.TempDir(), "hung")
			h := []specs.Hook{{Path: "/bin/sh", Args: []string{"sh", "-c", "read pid rest < /proc/self/stat; echo $pid > " + marker + "; exec sleep 100"}, Env: hookEnv, Timeout: &one}}
			b.spec.Hooks = &specs.Hooks{}
			if kind == "createRuntime" {
				b.spec.Hooks.CreateRuntime = h
			} else {
				b.spec.Hooks.CreateContainer = h
			}
			id := e.id()
			failsOneLine(t, e.createIO("create", id, b), kind, "timed out")
			data, err := os.ReadFile(marker)
			if err != nil {
				t.Fatalf("the hook did not run: %v", err)
			}
			if hookPid, _ := strconv.Atoi(strings.TrimSpace(string(data))); !zombieOrGone(hookPid) {
				t.Errorf("the timed-out hook %d still runs", hookPid)
			}
			e.assertNothingLeft(id, b)
		})
	}
}
