package integration

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// The init's resolver for kernels without openat2 (before Linux 5.6),
// forced with BERTH_FORCE_PATH_WALK=1 (a plan flag): hostile symlinks in
// the rootfs (absolute, "..", loops) keep every mount point, file and
// directory inside the root, and the path CVE tests pass with it too.
// (The test is not parallel, so its environment reaches only its berths.)
func TestPathWalkFallback(t *testing.T) {
	t.Setenv("BERTH_FORCE_PATH_WALK", "1")
	t.Run("escapes", testWalkEscapes)
	t.Run("loop", testWalkLoop)
	for name, test := range map[string]func(*testing.T){
		"CVE-2024-21626": TestCVE2024_21626, "CVE-2021-30465": TestCVE2021_30465,
		"CVE-2024-45310": TestCVE2024_45310, "CVE-2025-31133": TestCVE2025_31133,
		"CVE-2023-27561": TestCVE2023_27561, "CVE-2025-52881": TestCVE2025_52881,
	} {
		t.Run(name, test)
	}
}

func testWalkEscapes(t *testing.T) {
	e := newEnv(t)
	host := t.TempDir()
	src := filepath.Join(t.TempDir(), "payload")
	if err := os.WriteFile(src, []byte("bound-content\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	b := e.newBundle("sh", "-c", "cat /proc/self/mountinfo; cat /abs/sub/file "+host+"/sub/file")
	for name, target := range map[string]string{
		"abs": host, "up": "../../../../../../../../../.." + host, "a/b/dots": "../../../../..",
	} {
		p := filepath.Join(b.rootfs(), name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(target, p); err != nil {
			t.Fatal(err)
		}
	}
	b.spec.Mounts = append(b.spec.Mounts,
		specs.Mount{Destination: "/abs/m1", Source: "tmpfs", Type: "tmpfs", Options: []string{"size=1232k"}},
		specs.Mount{Destination: "/up/m2", Source: "tmpfs", Type: "tmpfs", Options: []string{"size=2464k"}},
		specs.Mount{Destination: "/a/b/dots/m3", Source: "tmpfs", Type: "tmpfs", Options: []string{"size=3696k"}},
		specs.Mount{Destination: "/abs/sub/file", Source: src, Type: "bind", Options: []string{"bind"}})
	out := e.runOK(b)
	for dest, size := range map[string]string{host + "/m1": "1232k", host + "/m2": "2464k", "/m3": "3696k"} {
		if !strings.Contains(out, " "+dest+" ") || !strings.Contains(out, "size="+size) {
			t.Errorf("the tmpfs of size %s is not at %s inside the root:\n%s", size, dest, out)
		}
	}
	if strings.Count(out, "bound-content") != 2 {
		t.Errorf("the bound file is not at %s/sub/file inside the root: %s", host, out)
	}
	if names := dirNames(t, host); len(names) != 0 {
		t.Fatalf("the host directory the symlinks name got %v", names)
	}
}

func testWalkLoop(t *testing.T) {
	e := newEnv(t)
	b := e.newBundle("true")
	for name, target := range map[string]string{"l1": "l2", "l2": "/l1"} {
		if err := os.Symlink(target, filepath.Join(b.rootfs(), name)); err != nil {
			t.Fatal(err)
		}
	}
	b.spec.Mounts = append(b.spec.Mounts, specs.Mount{Destination: "/l1/x", Source: "tmpfs", Type: "tmpfs"})
	r := e.run(b)
	if r.code == 0 || !strings.Contains(r.stderr, "/l1/x") || !strings.Contains(r.stderr, "too many levels of symbolic links") {
		t.Errorf("a mount point through a symlink loop: %s", r)
	}
}

// On a kernel without openat2 the init chooses its walk by itself: berth
// runs under a seccomp filter answering openat2 with ENOSYS
// (testdata/noopenat2.c); a container with symlinks that climb out of the
// root still gets its mounts inside the root (without the fallback it
// could not make any mount point).
func TestPathWalkChosenOnENOSYS(t *testing.T) {
	cc, err := exec.LookPath("cc")
	if err != nil {
		t.Skipf("no C compiler (cc) to build testdata/noopenat2.c: %v", err)
	}
	wrapper := filepath.Join(t.TempDir(), "noopenat2")
	if out, err := exec.Command(cc, "-O1", "-Wall", "-Werror", "-o", wrapper, "testdata/noopenat2.c").CombinedOutput(); err != nil {
		t.Fatalf("build noopenat2: %v: %s", err, out)
	}
	e := newEnv(t)
	host := t.TempDir()
	b := e.newBundle("cat", "/proc/self/mountinfo")
	if err := os.Symlink("../../../../../.."+host, filepath.Join(b.rootfs(), "up")); err != nil {
		t.Fatal(err)
	}
	b.spec.Mounts = append(b.spec.Mounts, specs.Mount{Destination: "/up/m", Source: "tmpfs", Type: "tmpfs", Options: []string{"size=1232k"}})
	b.save(t)
	out, err := exec.Command(wrapper, berthBin, "--root", e.root, "run", "--bundle", b.dir, e.id()).CombinedOutput()
	if err != nil {
		t.Fatalf("run without openat2: %v: %s", err, out)
	}
	if !strings.Contains(string(out), " "+host+"/m ") || !strings.Contains(string(out), "size=1232k") {
		t.Errorf("the tmpfs is not at %s/m inside the root:\n%s", host, out)
	}
	if names := dirNames(t, host); len(names) != 0 {
		t.Errorf("the host directory the symlink names got %v", names)
	}
}
