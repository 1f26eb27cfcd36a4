package libcontainer

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"golang.org/x/sys/unix"

	"github.com/berth-oci/berth/cgroups"
)

// oomPollInterval is how often OOM kills are polled for when the kernel
// gives no notification to wait on.
const oomPollInterval = 100 * time.Millisecond

// How an oomWatch learns of OOM kills.
const (
	oomNone    = iota // no memory controller: no OOM events
	oomEventfd        // v1: an eventfd tied to memory.oom_control
	oomInotify        // v2: inotify on memory.events, then the oom_kill count
	oomPoll           // the oom_kill count, polled
)

// oomWatch tells when the OOM killer acted in a cgroup.
type oomWatch struct {
	kind  int
	fd    int // readable on news: the eventfd or inotify fd; -1 else
	keep  int // v1: memory.oom_control, open while the eventfd is tied to it
	dir   string
	count func() (uint64, error)
	last  uint64 // oom_kill count already reported
}

// watchOOM sets up the cheapest watch the host offers: on v1 an eventfd
// registered in cgroup.event_control (the kernel signals it when the
// cgroup runs out of memory), on v2 inotify on memory.events, else
// polling memory.events / memory.oom_control for the oom_kill count.
func watchOOM(cg cgroups.Manager) (*oomWatch, error) {
	w := &oomWatch{fd: -1, keep: -1, count: cg.OOMKillCount}
	n, err := cg.OOMKillCount()
	if err != nil {
		w.kind = oomNone // no memory controller in this cgroup
		return w, nil
	}
	w.last = n
	st := cg.State()
	if st.Mode == cgroups.Unified {
		w.dir = st.Paths[""]
		err = w.inotify()
	} else {
		w.dir = st.Paths["memory"]
		err = w.eventfd()
	}
	if err != nil {
		w.close()
		w.kind, w.fd, w.keep = oomPoll, -1, -1
	}
	return w, nil
}

// eventfd registers an eventfd for the v1 OOM notification.
func (w *oomWatch) eventfd() error {
	oc, err := unix.Open(filepath.Join(w.dir, "memory.oom_control"), unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return err
	}
	w.keep = oc
	efd, err := unix.Eventfd(0, unix.EFD_CLOEXEC|unix.EFD_NONBLOCK)
	if err != nil {
		return err
	}
	w.fd = efd
	ctl := strconv.Itoa(efd) + " " + strconv.Itoa(oc)
	if err := os.WriteFile(filepath.Join(w.dir, "cgroup.event_control"), []byte(ctl), 0); err != nil {
		return fmt.Errorf("register an OOM eventfd: %w", err)
	}
	w.kind = oomEventfd
	return nil
}

// inotify watches the v2 memory.events file.
func (w *oomWatch) inotify() error {
	fd, err := unix.InotifyInit1(unix.IN_CLOEXEC | unix.IN_NONBLOCK)
	if err != nil {
		return err
	}
	w.fd = fd
	if _, err := unix.InotifyAddWatch(fd, filepath.Join(w.dir, "memory.events"), unix.IN_MODIFY); err != nil {
		return err
	}
	w.kind = oomInotify
	return nil
}

// fired reports whether an OOM happened since the last call; ready says
// the watch's fd is readable (or that this is the last look).
func (w *oomWatch) fired(ready bool) bool {
	switch w.kind {
	case oomEventfd:
		// one notification per OOM, as runc reports them; the eventfd
		// also fires when the cgroup is removed
		return ready && w.drain() && w.exists()
	case oomInotify:
		if !ready {
			return false
		}
		w.drain()
	case oomNone:
		return false
	}
	n, err := w.count()
	if err != nil || n <= w.last {
		return false
	}
	w.last = n
	return true
}

// drain reads what is pending on the fd; false when nothing was.
func (w *oomWatch) drain() bool {
	buf := make([]byte, 4096)
	got := false
	for {
		n, err := unix.Read(w.fd, buf)
		if err != nil || n <= 0 {
			return got
		}
		got = true
		if w.kind == oomEventfd {
			return true // one read resets the counter
		}
	}
}

func (w *oomWatch) exists() bool {
	_, err := os.Stat(filepath.Join(w.dir, "memory.oom_control"))
	return err == nil
}

func (w *oomWatch) close() {
	for _, fd := range []int{w.fd, w.keep} {
		if fd >= 0 {
			unix.Close(fd)
		}
	}
}
