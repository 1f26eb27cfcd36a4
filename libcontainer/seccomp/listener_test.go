package seccomp

import (
	"encoding/json"
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// received is what a fake agent got on one connection.
type received struct {
	data []byte
	fds  []int
	err  error
}

// fakeAgent accepts one connection on a new socket and reads it to EOF.
func fakeAgent(t *testing.T) (string, <-chan received) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "agent.sock")
	l, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	ch := make(chan received, 1)
	go func() {
		defer l.Close()
		c, err := l.AcceptUnix()
		if err != nil {
			ch <- received{err: err}
			return
		}
		defer c.Close()
		var r received
		buf, oob := make([]byte, 4096), make([]byte, unix.CmsgSpace(4*4))
		for {
			n, oobn, _, _, err := c.ReadMsgUnix(buf, oob)
			r.data = append(r.data, buf[:n]...)
			if oobn > 0 {
				msgs, _ := unix.ParseSocketControlMessage(oob[:oobn])
				for _, m := range msgs {
					fds, _ := unix.ParseUnixRights(&m)
					r.fds = append(r.fds, fds...)
				}
			}
			if errors.Is(err, io.EOF) || (err == nil && n == 0 && oobn == 0) {
				break
			}
			if err != nil {
				r.err = err
				break
			}
		}
		ch <- r
	}()
	return path, ch
}

func sameFile(t *testing.T, a, b int) bool {
	t.Helper()
	var sa, sb unix.Stat_t
	if unix.Fstat(a, &sa) != nil || unix.Fstat(b, &sb) != nil {
		t.Fatal("fstat")
	}
	return sa.Dev == sb.Dev && sa.Ino == sb.Ino
}

func TestSendListener(t *testing.T) {
	path, got := fakeAgent(t)
	r, w, err := os.Pipe() // stands in for the listener fd
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	state := specs.ContainerProcessState{
		Pid:      4422,
		Fds:      []string{"ignored"},
		Metadata: strings.Repeat("m", 300<<10), // more than one sendmsg takes
		State:    specs.State{Version: specs.Version, ID: "c1", Status: specs.StateCreating, Pid: 4422, Bundle: "/b"},
	}
	if err := SendListener(path, int(r.Fd()), state); err != nil {
		t.Fatal(err)
	}
	rc := <-got
	if rc.err != nil {
		t.Fatal(rc.err)
	}
	defer func() {
		for _, fd := range rc.fds {
			unix.Close(fd)
		}
	}()
	var st specs.ContainerProcessState
	if err := json.Unmarshal(rc.data, &st); err != nil {
		t.Fatalf("state JSON (%d bytes): %v", len(rc.data), err)
	}
	if st.Version != specs.Version || !slices.Equal(st.Fds, []string{"seccompFd"}) || st.Pid != 4422 ||
		st.Metadata != state.Metadata || st.State.ID != "c1" || st.State.Status != specs.StateCreating {
		t.Errorf("state %+v", st.State)
	}
	if len(rc.fds) != 1 || !sameFile(t, rc.fds[0], int(r.Fd())) {
		t.Fatalf("fds %v: want the pipe", rc.fds)
	}
}

func TestSendListenerErrors(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "none.sock")
	tests := []struct {
		path string
		fd   int
		want string
	}{
		{"", 0, "linux.seccomp.listenerPath: empty"},
		{missing, -1, "linux.seccomp.listenerPath: " + missing + ": send: no listener fd"},
		{missing, 0, "linux.seccomp.listenerPath: " + missing + ": failed to connect with seccomp agent: "},
	}
	for _, tc := range tests {
		err := SendListener(tc.path, tc.fd, specs.ContainerProcessState{})
		if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
			t.Errorf("SendListener(%q, %d): %v, want %q...", tc.path, tc.fd, err, tc.want)
		}
	}
}
