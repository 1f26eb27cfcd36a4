package cgroups

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// The test binary doubles as the helper process the root tests put in a
// cgroup: BERTH_CGROUPS_HELPER selects what it does.
func TestMain(m *testing.M) {
	switch os.Getenv("BERTH_CGROUPS_HELPER") {
	case "":
		os.Exit(m.Run())
	case "alloc":
		helperAlloc()
	case "open":
		helperOpen()
	case "resolve":
		helperResolve()
	}
	os.Exit(3)
}

// helperAlloc waits for a line on stdin (the parent moved it into the
// cgroup), touches BERTH_ALLOC_MB MiB, says "allocated" and sleeps.
func helperAlloc() {
	bufio.NewReader(os.Stdin).ReadString('\n')
	mb, _ := strconv.Atoi(os.Getenv("BERTH_ALLOC_MB"))
	buf := make([][]byte, 0, mb)
	for i := 0; i < mb; i++ {
		b := make([]byte, 1<<20)
		for j := 0; j < len(b); j += 4096 {
			b[j] = 1
		}
		buf = append(buf, b)
	}
	fmt.Println("allocated", len(buf))
	time.Sleep(time.Hour)
}

// helperOpen waits for a line on stdin, then opens each argument
// "path:r|w|rw" and prints "path:mode ok" or the error number.
func helperOpen() {
	bufio.NewReader(os.Stdin).ReadString('\n')
	for _, a := range os.Args[1:] {
		p, mode, _ := strings.Cut(a, ":")
		flag := map[string]int{"r": unix.O_RDONLY, "w": unix.O_WRONLY, "rw": unix.O_RDWR}[mode]
		fd, err := unix.Open(p, flag|unix.O_CLOEXEC, 0)
		if err != nil {
			fmt.Printf("%s %s\n", a, unix.ErrnoName(err.(unix.Errno)))
			continue
		}
		unix.Close(fd)
		fmt.Printf("%s ok\n", a)
	}
}

// helperResolve waits for a line on stdin, then prints the paths New
// resolves for BERTH_RESOLVE_PATH as JSON: placement from a process in
// a cgroup other than the root.
func helperResolve() {
	bufio.NewReader(os.Stdin).ReadString('\n')
	m, err := New(Config{Path: os.Getenv("BERTH_RESOLVE_PATH")})
	if err != nil {
		fmt.Println(err)
		return
	}
	b, _ := json.Marshal(m.State().Paths)
	fmt.Println(string(b))
}

// requireRoot skips, saying why, unless the test runs as root on a host
// with cgroups.
func requireRoot(t *testing.T) Mode {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("skip: needs root to create cgroups")
	}
	mode := DetectMode()
	if mode == Unavailable {
		t.Skip("skip: no cgroup hierarchy at /sys/fs/cgroup")
	}
	return mode
}

// requireController skips unless the host has the controller (v1
// mounted, or in the cgroup2 root's cgroup.controllers).
func requireController(t *testing.T, c string) {
	t.Helper()
	if !hostSysInfo().controllers[c] {
		t.Skipf("skip: host limitation: no %s controller", c)
	}
}

// testName returns a cgroup name unique to this test process.
func testName(t *testing.T) string {
	n := strings.NewReplacer("/", "-", " ", "-").Replace(t.Name())
	return fmt.Sprintf("berth-test-%d-%s", os.Getpid(), n)
}

// child is a helper process started in (or moved into) a cgroup.
type child struct {
	cmd   *exec.Cmd
	stdin *os.File
	out   *bufio.Reader
}

// startChild starts the test binary as a helper. On Unified it is cloned
// straight into the cgroup (CloneFD); elsewhere it is moved with Join
// before it is told to go on.
func startChild(t *testing.T, m Manager, helper string, env []string, args ...string) *child {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), append(env, "BERTH_CGROUPS_HELPER="+helper)...)
	fd, ok, err := m.CloneFD()
	if err != nil {
		t.Fatal(err)
	}
	if ok {
		cmd.SysProcAttr = &syscall.SysProcAttr{UseCgroupFD: true, CgroupFD: fd}
		defer unix.Close(fd)
	}
	return runChild(t, m, cmd, !ok)
}

func runChild(t *testing.T, m Manager, cmd *exec.Cmd, join bool) *child {
	t.Helper()
	inR, inW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdin = inR
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	inR.Close()
	c := &child{cmd: cmd, stdin: inW, out: bufio.NewReader(stdout)}
	t.Cleanup(func() { c.stop() })
	if join {
		if err := m.Join(cmd.Process.Pid); err != nil {
			t.Fatal(err)
		}
	}
	return c
}

// startSleep starts sleep(1) in the cgroup.
func startSleep(t *testing.T, m Manager) *child {
	t.Helper()
	cmd := exec.Command("sleep", "300")
	fd, ok, err := m.CloneFD()
	if err != nil {
		t.Fatal(err)
	}
	if ok {
		cmd.SysProcAttr = &syscall.SysProcAttr{UseCgroupFD: true, CgroupFD: fd}
		defer unix.Close(fd)
	}
	return runChild(t, m, cmd, !ok)
}

// go tells the helper to go on; line reads one line of its output.
func (c *child) goOn() { fmt.Fprintln(c.stdin) }

func (c *child) line(t *testing.T) string {
	t.Helper()
	s, err := c.out.ReadString('\n')
	if err != nil {
		t.Fatalf("read from helper %d: %v", c.cmd.Process.Pid, err)
	}
	return strings.TrimSpace(s)
}

func (c *child) pid() int { return c.cmd.Process.Pid }

// stop kills the child (by pid: only processes this test started) and
// reaps it.
func (c *child) stop() {
	if c.cmd.ProcessState == nil {
		_ = c.cmd.Process.Kill()
		_ = c.cmd.Wait()
	}
	c.stdin.Close()
}

// wait reaps the child and returns how it ended.
func (c *child) wait(t *testing.T, timeout time.Duration) *os.ProcessState {
	t.Helper()
	done := make(chan struct{})
	go func() { _ = c.cmd.Wait(); close(done) }()
	select {
	case <-done:
		return c.cmd.ProcessState
	case <-time.After(timeout):
		t.Fatalf("pid %d did not exit within %v", c.pid(), timeout)
	}
	return nil
}

// readIn reads a file of the hierarchy key's directory.
func readIn(t *testing.T, m Manager, key, file string) string {
	t.Helper()
	dir, ok := m.State().Paths[key]
	if !ok {
		t.Fatalf("no %q hierarchy in %v", key, m.State().Paths)
	}
	s, err := readFile(dir, file)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// assertGone checks that none of the directories is left.
func assertGone(t *testing.T, dirs ...string) {
	t.Helper()
	for _, d := range dirs {
		if _, err := os.Stat(d); err == nil {
			t.Errorf("%s is still there", d)
		}
	}
}

// allDirs lists every directory of the state: paths and created ones.
func allDirs(st State) []string {
	var out []string
	for _, d := range st.Paths {
		out = append(out, d)
	}
	return append(out, st.Created...)
}

// newTest creates a manager for cfg, registers its Destroy, and returns
// it with the mode. The path defaults to a unique absolute one.
func newTest(t *testing.T, cfg Config) Manager {
	t.Helper()
	if cfg.Path == "" && cfg.ID == "" {
		cfg.Path = "/" + testName(t)
	}
	m, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Create(); err != nil {
		t.Fatal(err)
	}
	// as the runtime does once the container's process is in
	if err := m.Started(); err != nil {
		t.Fatal(err)
	}
	st := m.State()
	t.Cleanup(func() {
		_ = m.Kill(syscall.SIGKILL)
		if err := m.Destroy(); err != nil {
			t.Errorf("cleanup: %v", err)
		}
		assertGone(t, allDirs(st)...)
	})
	return m
}

// procCgroupLine returns pid's line of /proc/PID/cgroup for a hierarchy.
func procCgroupLine(t *testing.T, pid int, key string) string {
	t.Helper()
	f, err := os.Open(filepath.Join("/proc", strconv.Itoa(pid), "cgroup"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	own, err := parseProcCgroup(f)
	if err != nil {
		t.Fatal(err)
	}
	return own[key]
}
