package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	libseccomp "github.com/seccomp/libseccomp-golang"
	"golang.org/x/sys/unix"
)

// replies says how to answer each syscall by name.
type replies struct {
	deny map[string]int   // name -> errno
	fake map[string]int64 // name -> return value
}

func (r *replies) addDeny(v string) error {
	name, val, ok := strings.Cut(v, "=")
	if !ok || name == "" {
		return fmt.Errorf("want NAME=ERRNO, got %q", v)
	}
	errno, err := parseErrno(val)
	if err != nil {
		return err
	}
	r.deny[name] = errno
	return nil
}

func (r *replies) addFake(v string) error {
	name, val, ok := strings.Cut(v, "=")
	if !ok || name == "" {
		return fmt.Errorf("want NAME=VALUE, got %q", v)
	}
	n, err := strconv.ParseInt(val, 0, 64)
	if err != nil {
		return fmt.Errorf("value of %s: %w", name, err)
	}
	r.fake[name] = n
	return nil
}

// parseErrno reads an errno as a number or as a name (EPERM).
func parseErrno(s string) (int, error) {
	if n, err := strconv.Atoi(s); err == nil && n > 0 && n < 4096 {
		return n, nil
	}
	for e := syscall.Errno(1); e < 4096; e++ {
		if unix.ErrnoName(e) == s {
			return int(e), nil
		}
	}
	return 0, fmt.Errorf("unknown errno %q", s)
}

// answer builds the response to one notification and says what it did.
func (r *replies) answer(req *libseccomp.ScmpNotifReq, name string) (*libseccomp.ScmpNotifResp, string) {
	resp := &libseccomp.ScmpNotifResp{ID: req.ID}
	if errno, ok := r.deny[name]; ok {
		resp.Error = int32(errno)
		return resp, fmt.Sprintf("errno %d", errno)
	}
	if v, ok := r.fake[name]; ok {
		resp.Val = uint64(v)
		return resp, fmt.Sprintf("value %d", v)
	}
	resp.Flags = libseccomp.NotifRespFlagContinue
	return resp, "continue"
}

// maxState bounds the state a runtime may send.
const maxState = 1 << 20

// receiveState reads one container process state and its fds until the
// runtime closes the connection, and returns the state and the fd named
// seccompFd (any other fd is closed).
func receiveState(c *net.UnixConn) (*specs.ContainerProcessState, int, error) {
	data, fds, err := readAll(c)
	if err != nil {
		closeAll(fds)
		return nil, -1, err
	}
	var st specs.ContainerProcessState
	if err := json.Unmarshal(data, &st); err != nil {
		closeAll(fds)
		return nil, -1, fmt.Errorf("state: %w", err)
	}
	i := slices.Index(st.Fds, "seccompFd")
	if i < 0 || i >= len(fds) {
		closeAll(fds)
		return nil, -1, fmt.Errorf("state: no seccompFd among fds %q (%d received)", st.Fds, len(fds))
	}
	fd := fds[i]
	closeAll(slices.Delete(fds, i, i+1))
	return &st, fd, nil
}

// readAll reads a connection to its end, gathering SCM_RIGHTS fds.
func readAll(c *net.UnixConn) ([]byte, []int, error) {
	var data []byte
	var fds []int
	buf := make([]byte, 64<<10)
	oob := make([]byte, unix.CmsgSpace(4*16))
	for {
		n, oobn, _, _, err := c.ReadMsgUnix(buf, oob)
		more, ferr := parseRights(oob[:oobn])
		fds = append(fds, more...)
		data = append(data, buf[:n]...)
		switch {
		case ferr != nil:
			return nil, fds, ferr
		case len(data) > maxState:
			return nil, fds, errors.New("state larger than 1 MiB")
		case errors.Is(err, io.EOF) || (err == nil && n == 0 && oobn == 0):
			return data, fds, nil
		case err != nil:
			return nil, fds, err
		}
	}
}

func parseRights(oob []byte) ([]int, error) {
	if len(oob) == 0 {
		return nil, nil
	}
	msgs, err := unix.ParseSocketControlMessage(oob)
	if err != nil {
		return nil, err
	}
	var fds []int
	for _, m := range msgs {
		r, err := unix.ParseUnixRights(&m)
		if err != nil {
			return fds, err
		}
		fds = append(fds, r...)
	}
	return fds, nil
}

func closeAll(fds []int) {
	for _, fd := range fds {
		unix.Close(fd)
	}
}

// serve answers the notifications of one listener until no process uses
// its filter any more (the fd reports POLLHUP).
func serve(fd int, id string, r *replies, ev *events) {
	defer unix.Close(fd)
	for {
		ready, err := waitNotification(fd)
		if err != nil || !ready {
			ev.log(map[string]any{"event": "closed", "id": id, "error": errString(err)})
			return
		}
		req, err := libseccomp.NotifReceive(libseccomp.ScmpFd(fd))
		if err != nil {
			continue // the caller died, or was interrupted, in between
		}
		name, _ := req.Data.Syscall.GetNameByArch(req.Data.Arch)
		resp, what := r.answer(req, name)
		err = libseccomp.NotifRespond(libseccomp.ScmpFd(fd), resp)
		ev.log(map[string]any{"event": "notify", "id": id, "pid": req.Pid, "syscall": name,
			"args": req.Data.Args, "reply": what, "error": errString(err)})
	}
}

// waitNotification waits until the listener has a notification (true) or
// no process left (false).
func waitNotification(fd int) (bool, error) {
	for {
		p := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
		_, err := unix.Poll(p, -1)
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if err != nil {
			return false, err
		}
		if p[0].Revents&unix.POLLIN != 0 {
			return true, nil
		}
		return false, nil // POLLHUP: the filter has no process left
	}
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// events writes the JSON event log.
type events struct {
	mu  sync.Mutex
	enc *json.Encoder
}

func openEvents(path string) (*events, error) {
	if path == "" {
		return &events{enc: json.NewEncoder(os.Stderr)}, nil
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	return &events{enc: json.NewEncoder(f)}, nil
}

func (e *events) log(v map[string]any) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.enc.Encode(v)
}
