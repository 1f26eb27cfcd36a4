package integration

// Helpers of the security tests (cve_test.go, fds_test.go): an attacker
// binary in the rootfs, detached containers, host file identities, and
// berth run with fds leaked into it by its caller.

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// raceRuns is how many times a racing test starts its victim container
// while the attacker races; every such test prints how often the race
// was run and hit.
const raceRuns = 300

// A racing test proves it ran the race: at least minRaced of its victim's
// raceRuns starts reached the racing step (got as far as the path the
// attacker changes), or, for a hunter, it attacked at least minHunted of
// the inits it races.
const (
	minRaced  = raceRuns / 2
	minHunted = 5
)

// raceTally counts what a racing test's victim starts did: reached the
// racing step, and of those, met the attacker's change (a hit); or failed
// before it, for another reason.
type raceTally struct {
	reached, hits, other int
	firstOther           string
}

// failedBefore counts a start that failed for another reason than the race.
func (r *raceTally) failedBefore(res result) {
	r.other++
	if r.firstOther == "" {
		r.firstOther = res.String()
	}
}

// check fails the test unless the race was exercised: the attacker
// attacked (changed the path, or attacked a process) attacks times, at
// least minRaced starts reached the racing step, and at least one met the
// attack. Starts that failed for another reason are logged (the first).
func (r *raceTally) check(t *testing.T, attacks int) {
	t.Helper()
	if r.other > 0 {
		t.Logf("%d start(s) failed before the racing step, the first: %s", r.other, r.firstOther)
	}
	switch {
	case attacks == 0:
		t.Fatal("the attacker never attacked: no race was run")
	case r.reached < minRaced:
		t.Fatalf("only %d of %d starts reached the racing step (want %d): the race was not exercised", r.reached, raceRuns, minRaced)
	case r.hits == 0:
		t.Fatalf("none of the %d starts that reached the racing step met the attack: the race was not exercised", r.reached)
	}
}

// attackCount is the count an attacker's last line gives after word
// ("swapped", "flipped"), 0 if none.
func attackCount(out, word string) int {
	m := regexp.MustCompile(word + ` (\d+)`).FindStringSubmatch(out)
	if m == nil {
		return 0
	}
	n, _ := strconv.Atoi(m[1])
	return n
}

var (
	cvetoolOnce sync.Once
	cvetoolBin  string
	cvetoolErr  error
)

// addCvetool copies the attacker (testdata/cvetool, built static) into
// the bundle's rootfs as /cvetool, and makes the root writable (the
// attacker writes its report to /tmp).
func (b *bundle) addCvetool(t *testing.T) {
	t.Helper()
	b.spec.Root.Readonly = false
	cvetoolOnce.Do(func() { cvetoolBin, cvetoolErr = buildCvetool() })
	if cvetoolErr != nil {
		t.Fatal(cvetoolErr)
	}
	data, err := os.ReadFile(cvetoolBin)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(b.rootfs(), "cvetool"), data, 0o755); err != nil {
		t.Fatal(err)
	}
}

// buildCvetool builds testdata/cvetool once per version of its source, in
// /tmp/berth-cvetool-<hash of the source> (renamed into place, so that
// parallel runs share it).
func buildCvetool() (string, error) {
	src, err := os.ReadFile("testdata/cvetool/main.go")
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(src)
	dir := filepath.Join(os.TempDir(), "berth-cvetool-"+hex.EncodeToString(sum[:8]))
	bin := filepath.Join(dir, "cvetool")
	if _, err := os.Stat(bin); err == nil {
		return bin, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	tmp := fmt.Sprintf("%s.%d", bin, os.Getpid())
	cmd := exec.Command("go", "build", "-o", tmp, "./testdata/cvetool")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("build testdata/cvetool: %v: %s", err, out)
	}
	return bin, os.Rename(tmp, bin)
}

// writeRootfs writes a file into the bundle's rootfs.
func (b *bundle) writeRootfs(t *testing.T, path, content string, mode os.FileMode) {
	t.Helper()
	p := filepath.Join(b.rootfs(), path)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), mode); err != nil {
		t.Fatal(err)
	}
}

// startDetached creates and starts the bundle and returns the id; the
// env's cleanup deletes it.
func (e *env) startDetached(b *bundle) string {
	e.t.Helper()
	b.save(e.t)
	id := e.id()
	e.must("create", "--bundle", b.dir, id)
	e.must("start", id)
	return id
}

// containerPid returns the container's process id from its state.
func (e *env) containerPid(id string) int {
	e.t.Helper()
	p, ok := e.state(id)["pid"].(float64)
	if !ok || p <= 0 {
		e.t.Fatalf("container %s: no pid in its state", id)
	}
	return int(p)
}

// waitForFile polls path until its content contains want and returns the
// content. The bound only turns a hang into a failure.
func waitForFile(t *testing.T, path, want string) string {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		data, _ := os.ReadFile(path)
		if strings.Contains(string(data), want) {
			return string(data)
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s never said %q: %q", path, want, data)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// attacker runs `cvetool cmd STOP args...` detached in the container,
// its output in the rootfs's /tmp/<cmd>.out, and waits until it runs;
// stop makes it finish and returns its output.
func (e *env) attacker(b *bundle, id, cmd string, args ...string) (stop func() string) {
	e.t.Helper()
	stopFile, out := "/tmp/"+cmd+".stop", "/tmp/"+cmd+".out"
	script := fmt.Sprintf("exec /cvetool %s %s %s > %s 2>&1", cmd, stopFile, strings.Join(args, " "), out)
	e.must("exec", "-d", id, "sh", "-c", script)
	host := filepath.Join(b.rootfs(), out)
	waitForFile(e.t, host, "ready")
	last := map[string]string{"hunt": "hunt scans=", "swap": "swapped", "flip": "flipped"}[cmd]
	return func() string {
		e.t.Helper()
		if err := os.WriteFile(filepath.Join(b.rootfs(), stopFile), nil, 0o644); err != nil {
			e.t.Fatal(err)
		}
		return waitForFile(e.t, host, last)
	}
}

// fileIdent is "dev:ino" of a host file, as cvetool prints it.
func fileIdent(t *testing.T, path string) string {
	t.Helper()
	var st unix.Stat_t
	if err := unix.Stat(path, &st); err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("%d:%d", st.Dev, st.Ino)
}

// fileHash is the sha256 of a host file.
func fileHash(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

// berthLeaking runs berth with files as its fds 3, 4, ... without
// close-on-exec: a careless caller leaking them.
func (e *env) berthLeaking(files []*os.File, args ...string) result {
	e.t.Helper()
	return e.berthWith(func(cmd *exec.Cmd) { cmd.ExtraFiles = files }, args...)
}

// ptySocket listens on a unix socket for the pty master berth sends;
// master waits for it.
type ptySocket struct {
	path string
	ln   *net.UnixListener
}

func newPtySocket(t *testing.T) *ptySocket {
	t.Helper()
	path := filepath.Join(t.TempDir(), "console.sock")
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	return &ptySocket{path: path, ln: ln}
}

// master accepts one connection and returns the fd it carries; it may
// run in its own goroutine (closing the listener ends the wait).
func (c *ptySocket) master() (*os.File, error) {
	f, _, err := acceptFD(c.ln)
	return f, err
}

// dirNames lists a host directory.
func dirNames(t *testing.T, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	return names
}

// mknodChar makes a character device node on the host.
func mknodChar(t *testing.T, path string, major, minor uint32) {
	t.Helper()
	if err := unix.Mknod(path, syscall.S_IFCHR|0o666, int(unix.Mkdev(major, minor))); err != nil {
		t.Fatal(err)
	}
}
