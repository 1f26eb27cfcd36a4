//go:build cgo

package seccomp

import (
	"bufio"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

var (
	agentOnce sync.Once
	agentPath string
	agentErr  error
)

// agent builds tests/seccompagent once.
func agent(t *testing.T) string {
	t.Helper()
	agentOnce.Do(func() {
		gobin, err := exec.LookPath("go")
		if err != nil {
			agentErr = err
			return
		}
		agentPath = filepath.Join(testDir, "seccompagent")
		out, err := exec.Command(gobin, "build", "-o", agentPath, "github.com/berth-oci/berth/tests/seccompagent").CombinedOutput()
		if err != nil {
			t.Fatalf("go build seccompagent: %v\n%s", err, out)
		}
	})
	if agentErr != nil {
		t.Skipf("cannot build the agent: %v", agentErr)
	}
	return agentPath
}

// startAgent runs the agent with args and waits until it listens.
func startAgent(t *testing.T, args ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(agent(t), args...)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	ready := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(out).ReadString('\n')
		ready <- line
	}()
	select {
	case line := <-ready:
		if line != "ready\n" {
			t.Fatalf("agent said %q", line)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the agent did not get ready")
	}
	return cmd
}

// recvFD receives one fd over a unix socket.
func recvFD(t *testing.T, sock int) int {
	t.Helper()
	buf, oob := make([]byte, 1), make([]byte, unix.CmsgSpace(4))
	_, oobn, _, _, err := unix.Recvmsg(sock, buf, oob, unix.MSG_CMSG_CLOEXEC)
	if err != nil {
		t.Fatalf("receive the listener: %v", err)
	}
	msgs, err := unix.ParseSocketControlMessage(oob[:oobn])
	if err != nil || len(msgs) != 1 {
		t.Fatalf("control messages %v: %v", msgs, err)
	}
	fds, err := unix.ParseUnixRights(&msgs[0])
	if err != nil || len(fds) != 1 {
		t.Fatalf("rights %v: %v", fds, err)
	}
	return fds[0]
}

// TestNotifyEndToEnd: the loader loads a filter with NOTIFY rules, hands
// its listener over (as the init hands it to the parent), SendListener
// passes it to tests/seccompagent, and the loader sees the agent's answers.
func TestNotifyEndToEnd(t *testing.T) {
	dir := t.TempDir()
	sock, logf := filepath.Join(dir, "agent.sock"), filepath.Join(dir, "agent.log")
	ag := startAgent(t, "-socket", sock, "-deny", "mkdirat=ENOSPC", "-deny", "mkdir=ENOSPC",
		"-fake", "getsid=777", "-log", logf, "-once")

	p, w := mustCompile(t, &specs.LinuxSeccomp{
		DefaultAction: specs.ActAllow, ListenerPath: sock, ListenerMetadata: "berth-test",
		Flags:    []specs.LinuxSeccompFlag{specs.LinuxSeccompFlagWaitKillableRecv},
		Syscalls: []specs.LinuxSyscall{rule(specs.ActNotify, "mkdir", "mkdirat", "getpgid", "getsid")},
	})
	if len(w) != 0 || !p.NeedsNotify || p.Flags != FlagNewListener|FlagWaitKillableRecv {
		t.Fatalf("warnings %q, NeedsNotify %v, flags %#x", w, p.NeedsNotify, p.Flags)
	}
	if err := CheckKernel(p); err != nil {
		t.Skipf("kernel %s: %v", kernelRelease(), err)
	}

	pair, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(pair[0])
	child := os.NewFile(uintptr(pair[1]), "loader-sync")
	file := filepath.Join(dir, "filter.bpf")
	if err := os.WriteFile(file, p.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	made := filepath.Join(dir, "by-agent")
	mk, pg, sid := "mkdirat:"+made, call(t, "getpgid", noPid), call(t, "getsid", 1)
	ld := exec.Command(loader(t), file, strconv.FormatUint(uint64(p.Flags), 10), mk, pg, sid)
	var out strings.Builder
	ld.Stdout = &out
	ld.ExtraFiles = []*os.File{child}
	if err := ld.Start(); err != nil {
		t.Fatal(err)
	}
	child.Close()

	// What berth's parent does with the init's listener.
	fd := recvFD(t, pair[0])
	state := specs.ContainerProcessState{
		Pid: ld.Process.Pid, Metadata: p.ListenerMetadata,
		State: specs.State{Version: specs.Version, ID: "notify-test", Status: specs.StateCreating, Pid: ld.Process.Pid, Bundle: dir},
	}
	if err := SendListener(p.ListenerPath, fd, state); err != nil {
		t.Fatal(err)
	}
	unix.Close(fd)
	if _, err := unix.Write(pair[0], []byte{'g'}); err != nil {
		t.Fatal(err)
	}

	if err := ld.Wait(); err != nil {
		t.Fatalf("loader: %v\n%s", err, out.String())
	}
	r := loadRun{out: out.String()}
	r.expectErrno(t, mk, unix.ENOSPC)
	r.expectErrno(t, pg, unix.ESRCH) // let through
	if ret, _ := r.result(t, sid); ret != 777 {
		t.Errorf("getsid: %d, want the agent's 777", ret)
	}
	if _, err := os.Stat(made); !os.IsNotExist(err) {
		t.Errorf("mkdirat ran: %v", err)
	}
	waitExit(t, ag)
	checkAgentLog(t, logf, ld.Process.Pid)
}

// waitExit waits for the agent, which -once ends when the loader is gone.
func waitExit(t *testing.T, cmd *exec.Cmd) {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("agent: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Error("the agent did not see the listener close")
	}
}

// checkAgentLog checks the agent's events: the state it got, and the
// notifications it answered.
func checkAgentLog(t *testing.T, path string, pid int) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var replies []string
	var state *specs.ContainerProcessState
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		var ev struct {
			Event   string                       `json:"event"`
			State   *specs.ContainerProcessState `json:"state"`
			Syscall string                       `json:"syscall"`
			Reply   string                       `json:"reply"`
			Pid     int                          `json:"pid"`
		}
		if err := json.Unmarshal([]byte(line), &ev); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		switch ev.Event {
		case "state":
			state = ev.State
		case "notify":
			if ev.Pid != pid {
				t.Errorf("notification from pid %d, want %d", ev.Pid, pid)
			}
			replies = append(replies, ev.Syscall+": "+ev.Reply)
		}
	}
	if state == nil || state.Metadata != "berth-test" || !slices.Equal(state.Fds, []string{"seccompFd"}) ||
		state.Pid != pid || state.State.ID != "notify-test" {
		t.Errorf("agent got state %+v", state)
	}
	want := []string{"mkdirat: errno 28", "getpgid: continue", "getsid: value 777"}
	if !slices.Equal(replies, want) {
		t.Errorf("agent replies %q, want %q", replies, want)
	}
}
