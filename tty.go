package main

import (
	"io"
	"os"
	"sync"

	"golang.org/x/sys/unix"

	"github.com/berth-oci/berth/libcontainer"
)

// ttyProxy is `run`'s terminal: with process.terminal and no
// --console-socket, berth receives the pty master over a socketpair,
// puts its own terminal in raw mode and copies both ways.
type ttyProxy struct {
	mine   *os.File // berth's end of the socketpair
	theirs *os.File // the init's end
	master *os.File
	saved  *unix.Termios
	done   sync.WaitGroup
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

// attach receives the master and starts copying.
func (t *ttyProxy) attach() error {
	master, err := libcontainer.RecvFile(t.mine)
	if err != nil {
		return err
	}
	t.master = master
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
		io.Copy(os.Stdout, master) // ends with EIO when the last slave closes
	}()
	go io.Copy(master, os.Stdin)
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
