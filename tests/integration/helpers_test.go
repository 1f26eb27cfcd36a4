// Package integration drives the built berth binary as root and checks
// what real containers see. BERTH names the binary (default: ../../berth,
// which `make integration` builds first).
package integration

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

var berthBin string

func TestMain(m *testing.M) {
	berthBin = os.Getenv("BERTH")
	if berthBin == "" {
		berthBin = "../../berth"
	}
	abs, err := filepath.Abs(berthBin)
	if err == nil {
		berthBin = abs
	}
	if _, err := os.Stat(berthBin); err != nil {
		fmt.Fprintf(os.Stderr, "integration: no berth binary at %s (run make first or set BERTH)\n", berthBin)
		os.Exit(2)
	}
	if os.Geteuid() != 0 {
		fmt.Fprintln(os.Stderr, "integration: skipped: these tests need root")
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// env is one test's berth: its own state root and a counter for ids.
type env struct {
	t    *testing.T
	root string
}

var idSeq atomic.Int64

func newEnv(t *testing.T) *env {
	t.Helper()
	e := &env{t: t, root: t.TempDir()}
	t.Cleanup(e.cleanup)
	return e
}

// id returns a fresh container id for this test.
func (e *env) id() string {
	name := strings.ToLower(strings.NewReplacer("/", "-", "_", "-").Replace(e.t.Name()))
	if len(name) > 40 {
		name = name[:40]
	}
	return fmt.Sprintf("t%d-%s-%d", os.Getpid(), name, idSeq.Add(1))
}

// result is what one berth command did.
type result struct {
	stdout, stderr string
	code           int
}

func (r result) String() string {
	return fmt.Sprintf("exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
}

// berth runs berth with the test's root; stdin is empty.
func (e *env) berth(args ...string) result {
	e.t.Helper()
	return e.berthIn("", args...)
}

func (e *env) berthIn(stdin string, args ...string) result {
	e.t.Helper()
	cmd := exec.Command(berthBin, append([]string{"--root", e.root}, args...)...)
	cmd.Stdin = strings.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	r := result{stdout: out.String(), stderr: errb.String()}
	if ee, ok := err.(*exec.ExitError); ok {
		r.code = ee.ExitCode()
	} else if err != nil {
		e.t.Fatalf("berth %v: %v", args, err)
	}
	return r
}

// must runs berth and fails the test unless it succeeds.
func (e *env) must(args ...string) string {
	e.t.Helper()
	r := e.berth(args...)
	if r.code != 0 {
		e.t.Fatalf("berth %s: %s", strings.Join(args, " "), r)
	}
	return r.stdout
}

func (e *env) cleanup() {
	ids, _ := os.ReadDir(e.root)
	for _, d := range ids {
		exec.Command(berthBin, "--root", e.root, "delete", "--force", d.Name()).Run()
	}
}

// bundle is a busybox bundle in a temp dir.
type bundle struct {
	dir  string
	spec *specs.Spec
}

// rootfs returns the bundle's rootfs path.
func (b *bundle) rootfs() string { return filepath.Join(b.dir, "rootfs") }

// newBundle makes a bundle running args (terminal off) from `berth spec`.
func (e *env) newBundle(args ...string) *bundle {
	e.t.Helper()
	dir := e.t.TempDir()
	makeRootfs(e.t, filepath.Join(dir, "rootfs"))
	e.must("spec", "--bundle", dir)
	b := &bundle{dir: dir}
	data, err := os.ReadFile(filepath.Join(dir, "config.json"))
	if err != nil {
		e.t.Fatal(err)
	}
	if err := json.Unmarshal(data, &b.spec); err != nil {
		e.t.Fatal(err)
	}
	b.spec.Process.Terminal = false
	if len(args) > 0 {
		b.spec.Process.Args = args
	}
	b.save(e.t)
	return b
}

// save writes the bundle's spec to config.json.
func (b *bundle) save(t *testing.T) {
	t.Helper()
	data, err := json.MarshalIndent(b.spec, "", " ")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(b.dir, "config.json"), data, 0o644); err != nil {
		t.Fatal(err)
	}
}

var busyboxApplets []string

func makeRootfs(t *testing.T, dir string) {
	t.Helper()
	for _, d := range []string{"bin", "etc", "proc", "sys", "dev", "tmp", "root"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	data, err := os.ReadFile("/bin/busybox")
	if err != nil {
		t.Fatalf("busybox-static is needed: %v", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "bin/busybox"), data, 0o755); err != nil {
		t.Fatal(err)
	}
	if busyboxApplets == nil {
		out, err := exec.Command("/bin/busybox", "--list").Output()
		if err != nil {
			t.Fatal(err)
		}
		busyboxApplets = strings.Fields(string(out))
	}
	for _, a := range busyboxApplets {
		os.Symlink("busybox", filepath.Join(dir, "bin", a))
	}
	os.WriteFile(filepath.Join(dir, "etc/passwd"), []byte("root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/sh\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "etc/group"), []byte("root:x:0:\nnobody:x:65534:\n"), 0o644)
}

// run runs the bundle in the foreground and returns what happened.
func (e *env) run(b *bundle) result {
	e.t.Helper()
	b.save(e.t)
	return e.berth("run", "--bundle", b.dir, e.id())
}

// runOK runs the bundle and returns its stdout; it fails on a non-zero exit.
func (e *env) runOK(b *bundle) string {
	e.t.Helper()
	r := e.run(b)
	if r.code != 0 {
		e.t.Fatalf("berth run: %s", r)
	}
	return r.stdout
}

// shell makes the bundle run a shell script.
func (b *bundle) shell(script string) *bundle {
	b.spec.Process.Args = []string{"sh", "-c", script}
	return b
}

// state returns the container's state as berth prints it.
func (e *env) state(id string) map[string]any {
	e.t.Helper()
	var st map[string]any
	if err := json.Unmarshal([]byte(e.must("state", id)), &st); err != nil {
		e.t.Fatal(err)
	}
	return st
}

// waitStatus polls until the container has the status.
func (e *env) waitStatus(id, status string) {
	e.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if e.state(id)["status"] == status {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	e.t.Fatalf("container %s did not become %s: %v", id, status, e.state(id))
}
