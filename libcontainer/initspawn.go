package libcontainer

import (
	"fmt"
	"os"
	"strconv"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/berth-oci/berth/internal/memfd"
	"github.com/berth-oci/berth/nsexec"
)

// initProcess is the parent's handle on a started init: its first stage
// (the process berth exec'd) and the socket to it. The container's process
// is the stage itself or the child it forks (reported in msgPID).
type initProcess struct {
	pid    int // the first stage
	sock   *syncSocket
	waited bool
	status unix.WaitStatus
}

// spawnSpec says how to start the init.
type spawnSpec struct {
	stdio [3]*os.File
	// files are handed to the init as fds 3, 4, ... in this order; fd
	// numbers in the plan refer to positions here.
	files []*os.File
	// cgroupFD, when >= 0, starts the init inside that cgroup2 directory
	// (clone3 CLONE_INTO_CGROUP).
	cgroupFD int
}

// spawnInit starts the init from its sealed memfd; the returned socket
// is the sync socket, which the init has as fd 3+len(files).
func spawnInit(s spawnSpec) (*initProcess, error) {
	initFD, err := nsexec.OpenInit()
	if err != nil {
		return nil, err
	}
	defer initFD.Close()
	path := memfd.ExecPath(initFD)
	pair, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("socketpair for the init: %w", err)
	}
	parent := os.NewFile(uintptr(pair[0]), "init-sync")
	defer unix.Close(pair[1])
	pid, err := forkInit(path, []string{"berth-init"}, s, pair[1])
	if err != nil {
		parent.Close()
		return nil, err
	}
	return &initProcess{pid: pid, sock: &syncSocket{f: parent}}, nil
}

// forkInit forks and execs path with argv and the init's fd table:
// stdio, s.files from fd 3, then sync, the init's end of the sync socket,
// whose number is appended to argv. It forks with syscall.ForkExec rather
// than os/exec, whose first start in a process probes pidfd support by
// cloning a throw-away child. No Pdeathsig: without a pid namespace the
// first stage becomes the container itself and must outlive `create`; if
// berth dies early, the init reads EOF on the socket and exits.
func forkInit(path string, argv []string, s spawnSpec, sync int) (int, error) {
	fds, null, err := stdioFDs(s.stdio)
	if err != nil {
		return 0, err
	}
	if null != nil {
		defer null.Close() // after the fork: the child's fds are dups of it
	}
	for _, f := range s.files {
		fds = append(fds, f.Fd())
	}
	fds = append(fds, uintptr(sync))
	sys := &syscall.SysProcAttr{}
	if s.cgroupFD >= 0 {
		sys.UseCgroupFD, sys.CgroupFD = true, s.cgroupFD
	}
	argv = append(argv[:len(argv):len(argv)], strconv.Itoa(len(fds)-1))
	pid, err := syscall.ForkExec(path, argv, &syscall.ProcAttr{Env: []string{}, Files: fds, Sys: sys})
	if err != nil {
		return 0, fmt.Errorf("start the container init: %w", err)
	}
	return pid, nil
}

// stdioFDs are the init's fds 0-2: the given files, /dev/null for nil.
// null is the /dev/null it opened (nil if none), which the caller keeps
// open until the fork has made the child's copies.
func stdioFDs(stdio [3]*os.File) (fds []uintptr, null *os.File, err error) {
	fds = make([]uintptr, 0, 8)
	for _, f := range stdio {
		if f == nil {
			if null == nil {
				if null, err = os.OpenFile(os.DevNull, os.O_RDWR|unix.O_CLOEXEC, 0); err != nil {
					return nil, nil, err
				}
			}
			f = null
		}
		fds = append(fds, f.Fd())
	}
	return fds, null, nil
}

// wait reaps the first stage (once) and returns how it ended.
func (p *initProcess) wait() unix.WaitStatus {
	for !p.waited {
		_, err := unix.Wait4(p.pid, &p.status, 0, nil)
		if err != unix.EINTR {
			p.waited = true
		}
	}
	return p.status
}

// kill stops the first stage and reaps it.
func (p *initProcess) kill() {
	if !p.waited {
		unix.Kill(p.pid, unix.SIGKILL)
		p.wait()
	}
	p.sock.f.Close()
}
