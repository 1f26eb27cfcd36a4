package main

import (
	"net"
	"os"
	"path/filepath"
	"testing"

	libseccomp "github.com/seccomp/libseccomp-golang"
	"golang.org/x/sys/unix"
)

func TestParseFlags(t *testing.T) {
	cfg, err := parseFlags([]string{"-socket", "/s", "-deny", "mkdir=EPERM", "-deny", "mkdirat=28", "-fake", "getsid=-5", "-once"})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.socket != "/s" || !cfg.once || cfg.deny["mkdir"] != int(unix.EPERM) || cfg.deny["mkdirat"] != 28 || cfg.fake["getsid"] != -5 {
		t.Fatalf("config %+v", cfg)
	}
	for _, bad := range [][]string{
		{},
		{"-socket", "/s", "-deny", "mkdir"},
		{"-socket", "/s", "-deny", "mkdir=ENOTANERRNO"},
		{"-socket", "/s", "-deny", "mkdir=0"},
		{"-socket", "/s", "-fake", "getsid=x"},
		{"-socket", "/s", "extra"},
	} {
		if _, err := parseFlags(bad); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
}

func TestAnswer(t *testing.T) {
	r := replies{deny: map[string]int{"mkdir": 28}, fake: map[string]int64{"getsid": 7}}
	req := &libseccomp.ScmpNotifReq{ID: 9}
	for name, want := range map[string]string{"mkdir": "errno 28", "getsid": "value 7", "read": "continue"} {
		resp, what := r.answer(req, name)
		if what != want || resp.ID != 9 {
			t.Errorf("%s: %q %+v, want %q", name, what, resp, want)
		}
		if (resp.Flags == libseccomp.NotifRespFlagContinue) != (want == "continue") {
			t.Errorf("%s: flags %#x", name, resp.Flags)
		}
	}
}

// TestReceiveState: the state and the fd named seccompFd; other fds closed.
func TestReceiveState(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s")
	l, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	r, w, _ := os.Pipe()
	defer r.Close()
	defer w.Close()
	go func() {
		c, err := net.DialUnix("unix", nil, &net.UnixAddr{Name: path, Net: "unix"})
		if err != nil {
			return
		}
		msg := []byte(`{"ociVersion":"1.3.0","fds":["other","seccompFd"],"pid":1,"state":{"id":"c"}}`)
		c.WriteMsgUnix(msg[:10], unix.UnixRights(int(w.Fd()), int(r.Fd())), nil)
		c.Write(msg[10:])
		c.Close()
	}()
	c, err := l.AcceptUnix()
	if err != nil {
		t.Fatal(err)
	}
	st, fd, err := receiveState(c)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fd)
	var a, b unix.Stat_t
	unix.Fstat(fd, &a)
	unix.Fstat(int(r.Fd()), &b)
	if st.State.ID != "c" || a.Ino != b.Ino {
		t.Fatalf("state %+v, fd is the read end: %v", st, a.Ino == b.Ino)
	}
}
