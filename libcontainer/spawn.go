package libcontainer

import (
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/berth-oci/berth/nsexec"
)

// initProcess is the parent's handle on a started init: the first process
// (stage) it exec'd, and the socket to it. The container's process is the
// stage itself or the child it forks (reported in msgPID).
type initProcess struct {
	stage *exec.Cmd
	sock  *syncSocket
}

// spawnSpec says how to start the init.
type spawnSpec struct {
	stdio [3]*os.File
	// files are handed to the init as fds 3, 4, ... in this order; fd
	// numbers in the plan refer to positions here.
	files []*os.File
	// cgroupFD, when >= 0, starts the init inside that cgroup (v2,
	// clone3 CLONE_INTO_CGROUP).
	cgroupFD int
}

// spawnInit starts the init from its sealed memfd; the returned socket
// is the sync socket, which the init has as fd 3+len(files).
func spawnInit(s spawnSpec) (*initProcess, error) {
	memfd, err := nsexec.OpenInit()
	if err != nil {
		return nil, err
	}
	defer memfd.Close()
	pair, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("socketpair for the init: %w", err)
	}
	parent := os.NewFile(uintptr(pair[0]), "init-sync")
	child := os.NewFile(uintptr(pair[1]), "init-sync-child")
	defer child.Close()

	files := append(append([]*os.File{}, s.files...), child)
	cmd := &exec.Cmd{
		// /proc/PID/fd resolves in the child before exec; the parent's
		// pid avoids any clash with the fds the child is given
		Path:       "/proc/" + strconv.Itoa(os.Getpid()) + "/fd/" + strconv.Itoa(int(memfd.Fd())),
		Args:       []string{"berth-init", strconv.Itoa(2 + len(files))},
		Env:        []string{},
		Stdin:      s.stdio[0],
		Stdout:     s.stdio[1],
		Stderr:     s.stdio[2],
		ExtraFiles: files,
		// no Pdeathsig: without a pid namespace the first stage becomes
		// the container itself and must outlive `create`; if berth dies
		// early, the init reads EOF on the socket and exits
		SysProcAttr: &syscall.SysProcAttr{},
	}
	if s.cgroupFD >= 0 {
		cmd.SysProcAttr.UseCgroupFD = true
		cmd.SysProcAttr.CgroupFD = s.cgroupFD
	}
	if err := cmd.Start(); err != nil {
		parent.Close()
		return nil, fmt.Errorf("start the container init: %w", err)
	}
	return &initProcess{stage: cmd, sock: &syncSocket{f: parent}}, nil
}

// kill stops the init's first stage and waits for it.
func (p *initProcess) kill() {
	if p.stage.Process != nil {
		p.stage.Process.Kill()
		p.stage.Wait()
	}
	p.sock.f.Close()
}
