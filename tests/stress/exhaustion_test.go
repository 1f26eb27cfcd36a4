package stress

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// TestFullStateRoot: --root on a tmpfs that is full. create fails with a
// clear error and leaves nothing: no state dir, no cgroup, no process.
func TestFullStateRoot(t *testing.T) {
	e := newEnv(t)
	b := e.newBundle("sleep", "1000")
	if err := unix.Mount("tmpfs", e.root, "tmpfs", 0, "size=64k,mode=0711"); err != nil {
		t.Fatalf("mount a tmpfs: %v", err)
	}
	t.Cleanup(func() { unix.Unmount(e.root, unix.MNT_DETACH) })
	filler, err := os.Create(filepath.Join(e.root, "filler"))
	if err != nil {
		t.Fatal(err)
	}
	chunk := make([]byte, 4096)
	for {
		if _, err := filler.Write(chunk); err != nil {
			if !errors.Is(err, unix.ENOSPC) {
				t.Fatal(err)
			}
			break
		}
	}
	filler.Close()
	e.base = e.snapshot() // the tmpfs and its filler are the test's
	for i := 0; i < 3; i++ {
		r := e.berth("create", "--bundle", b.dir, e.id())
		if r.code == 0 {
			t.Fatalf("create on a full --root succeeded: %s", r)
		}
		e.clearError(r, "create on a full --root")
		if !strings.Contains(r.stderr, "no space left") {
			t.Errorf("create on a full --root: the error does not say the disk is full: %s", r)
		}
		ents, _ := os.ReadDir(e.root)
		if len(ents) != 1 {
			t.Errorf("create on a full --root left %d entries in it", len(ents)-1)
		}
		e.assertNoLeaks("create on a full --root")
	}
}

// TestFdLimit runs create with the fd limit at every value from 6 to
// 40: each either works (and the container is deleted) or fails with a
// clear error, and nothing is left. (Below 6 the Go runtime itself
// cannot start: it needs an eventfd and an epoll fd before main.)
func TestFdLimit(t *testing.T) {
	e := newEnv(t)
	b := e.newBundle("sleep", "1000")
	b.spec.Process.Rlimits = nil // the spec's NOFILE 1024 would be above the hard limit
	b.save(t)
	worked := 0
	step := 3
	if full {
		step = 1
	}
	for n := 6; n <= 40; n += step {
		id := e.id()
		r := e.berthWith(func(c *exec.Cmd) {
			c.Args = append([]string{"prlimit", "--nofile=" + strconv.Itoa(n) + ":" + strconv.Itoa(n), e.bin}, c.Args[1:]...)
			c.Path = "/usr/bin/prlimit"
		}, "create", "--bundle", b.dir, id)
		if r.code == 0 {
			worked++
			e.must("delete", "--force", id)
		} else {
			e.clearError(r, "create with RLIMIT_NOFILE "+strconv.Itoa(n))
		}
		e.assertNoLeaks("create with RLIMIT_NOFILE " + strconv.Itoa(n))
	}
	note("fd limit: create with RLIMIT_NOFILE 6..40 step %d: %d worked, the others failed with a clear error, nothing left", step, worked)
}

// TestParentOutOfPids: the container's parent cgroup allows one process.
// create (or start) fails with a clear error; nothing of the container
// is left.
func TestParentOutOfPids(t *testing.T) {
	e := newEnv(t)
	dir := pidsParent(t, e.prefix+"parent")
	e.base = e.snapshot()
	b := e.newBundle("sh", "-c", "sleep 1000 & sleep 1000")
	id := e.id()
	b.spec.Linux.CgroupsPath = "/" + filepath.Base(dir) + "/" + id
	b.save(t)
	r := e.berth("run", "-d", "--bundle", b.dir, id)
	if r.code == 0 {
		t.Logf("run -d with the parent at pids.max 1 worked: %s", r)
		e.must("delete", "--force", id)
	} else {
		e.clearError(r, "run -d with the parent cgroup out of pids")
	}
	e.assertNoLeaks("parent cgroup out of pids")
	note("parent out of pids: %s", strings.TrimSpace(r.stderr))
}

// pidsParent makes a cgroup with pids.max 1 in the hierarchy that has
// the pids controller, and removes it at the end.
func pidsParent(t *testing.T, name string) string {
	t.Helper()
	var dir string
	for _, mp := range cgroupMounts() {
		if _, err := os.Stat(filepath.Join(mp, "pids.max")); err == nil {
			continue // a cgroup below the root: not a mount root
		}
		ctrl, _ := os.ReadFile(filepath.Join(mp, "cgroup.controllers"))
		if strings.HasSuffix(mp, "/pids") || strings.Contains(string(ctrl), "pids") {
			dir = filepath.Join(mp, name)
			break
		}
	}
	if dir == "" {
		t.Skip("skip: host limitation: no pids controller")
	}
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { unix.Rmdir(dir) })
	if err := os.WriteFile(filepath.Join(dir, "pids.max"), []byte("1"), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestMemoryLimitDuringInit: a memory limit so small that the init is
// OOM-killed while it sets the container up. run fails with a clear
// error (or, for a limit the init fits in, runs); nothing is left.
func TestMemoryLimitDuringInit(t *testing.T) {
	e := newEnv(t)
	b := e.newBundle("sleep", "1")
	for _, limit := range []int64{64 << 10, 256 << 10, 1 << 20} {
		b.spec.Linux.Resources.Memory = &specs.LinuxMemory{Limit: &limit}
		b.save(t)
		r := e.berth("run", "--bundle", b.dir, e.id())
		// 128+9: the workload was OOM-killed after the init's work, and
		// run returns its status
		if r.code != 0 && r.code != 128+9 {
			e.clearError(r, "run with memory.limit "+strconv.FormatInt(limit, 10))
		}
		note("memory limit %d during init: %s", limit, r)
		e.assertNoLeaks("run with memory.limit " + strconv.FormatInt(limit, 10))
	}
}
