package main

import (
	"io"
	"os"
	"sync"
	"time"

	"golang.org/x/sys/unix"

	"github.com/berth-oci/berth/libcontainer"
)

// ttyProxy is the terminal of `run` and `exec -t`: with a terminal and no
// --console-socket, berth receives the pty master over a socketpair,
// puts its own terminal in raw mode and copies both ways.
type ttyProxy struct {
	mine   *os.File // berth's end of the socketpair
	theirs *os.File // the init's end
	early  chan received
	master *os.File
	saved  *unix.Termios
	done   sync.WaitGroup
}

// received is the master as the init sent it, ONLCR already cleared.
type received struct {
	master *os.File
	err    error
}

// newTTYConsole makes a console socket of berth's own: theirs goes to
// the init, which sends the pty master back on it.
func newTTYConsole() (*ttyProxy, error) {
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, err
	}
	return &ttyProxy{
		mine:   os.NewFile(uintptr(fds[0]), "console-socket"),
		theirs: os.NewFile(uintptr(fds[1]), "console-socket-init"),
	}, nil
}

// receive takes the master from the init and clears ONLCR on it.
func (t *ttyProxy) receive() received {
	master, err := libcontainer.RecvFile(t.mine)
	if err == nil {
		if err = clearONLCR(master); err != nil {
			master.Close()
		}
	}
	return received{master, err}
}

// receiveEarly receives the master in the background as soon as the init
// sends it (exec returns only once the program runs): ONLCR is then off
// before the program writes, as a rule. The init does not wait for it,
// so a program that writes at once can still race the change; only the
// init clearing ONLCR itself would close that. attach picks the master
// up. A master that never comes (the exec failed) leaves the goroutine
// waiting until berth exits.
func (t *ttyProxy) receiveEarly() {
	t.early = make(chan received, 1)
	go func() { t.early <- t.receive() }()
}

// clearONLCR turns off the pty's "\n" to "\r\n" translation (a termios
// change through the master applies to the pty): the output reaches
// berth's own terminal, which translates already, or a pipe or file,
// which wants the bytes as written. runc does the same for the terminal
// it proxies; a --console-socket receiver gets the pty as the kernel
// made it.
func clearONLCR(master *os.File) error {
	st, err := unix.IoctlGetTermios(int(master.Fd()), unix.TCGETS)
	if err != nil {
		return err
	}
	st.Oflag &^= unix.ONLCR
	return unix.IoctlSetTermios(int(master.Fd()), unix.TCSETS, st)
}

// attach receives the master (unless receiveEarly did) and starts
// copying.
func (t *ttyProxy) attach() error {
	var r received
	if t.early != nil {
		r = <-t.early
	} else {
		r = t.receive()
	}
	if r.err != nil {
		return r.err
	}
	t.master = r.master
	if st, err := unix.IoctlGetTermios(0, unix.TCGETS); err == nil {
		t.saved = st
		raw := *st
		makeRaw(&raw)
		unix.IoctlSetTermios(0, unix.TCSETS, &raw)
		t.resize()
	}
	t.done.Add(1)
	go func() {
		defer t.done.Done()
		io.Copy(os.Stdout, t.master) // ends with EIO when the last slave closes
	}()
	go io.Copy(t.master, os.Stdin)
	return nil
}

// resize copies berth's window size to the container's terminal.
func (t *ttyProxy) resize() {
	if t.master == nil {
		return
	}
	if ws, err := unix.IoctlGetWinsize(0, unix.TIOCGWINSZ); err == nil {
		unix.IoctlSetWinsize(int(t.master.Fd()), unix.TIOCSWINSZ, ws)
	}
}

// drain waits for the container's last output.
func (t *ttyProxy) drain() {
	if t.master != nil {
		t.done.Wait()
	}
}

// drainAfterFailure shows what the container wrote to the terminal
// before its start failed (a startContainer hook's words, say): the
// container has been deleted, so the copy ends soon; it is not waited
// for beyond failureDrain should a process still hold the pty.
func (t *ttyProxy) drainAfterFailure() {
	if t.master == nil {
		return
	}
	done := make(chan struct{})
	go func() { t.done.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(failureDrain):
	}
}

// failureDrain bounds drainAfterFailure.
const failureDrain = 2 * time.Second

func (t *ttyProxy) close() {
	if t.saved != nil {
		unix.IoctlSetTermios(0, unix.TCSETS, t.saved)
	}
	if t.master != nil {
		t.master.Close()
	}
	t.mine.Close()
	t.theirs.Close()
}

// makeRaw is cfmakeraw(3).
func makeRaw(t *unix.Termios) {
	t.Iflag &^= unix.IGNBRK | unix.BRKINT | unix.PARMRK | unix.ISTRIP | unix.INLCR | unix.IGNCR | unix.ICRNL | unix.IXON
	t.Oflag &^= unix.OPOST
	t.Lflag &^= unix.ECHO | unix.ECHONL | unix.ICANON | unix.ISIG | unix.IEXTEN
	t.Cflag &^= unix.CSIZE | unix.PARENB
	t.Cflag |= unix.CS8
	t.Cc[unix.VMIN] = 1
	t.Cc[unix.VTIME] = 0
}
