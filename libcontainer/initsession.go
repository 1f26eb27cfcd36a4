package libcontainer

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/berth-oci/berth/libcontainer/seccomp"
)

// The parent's side of one conversation with an init, for create and exec
// alike: the session owns the init's fd table, starts the init, sends the
// finished plan and answers the init's messages until it is ready (create)
// or has exec'd (exec). What differs between the two is the initPeer.

// startFunc starts an init: spawnInit, or in tests a scripted init at
// the other end of a socketpair.
type startFunc func(spawnSpec) (*initProcess, error)

// initPeer is what create and exec answer differently.
type initPeer interface {
	// writeIDMaps writes the id maps of the user namespace the init made
	// (msgUserns).
	writeIDMaps(initPid int) error
	// runHooks runs the hooks of the runtime namespace and returns the
	// state the init's own hooks get (msgHooks).
	runHooks() ([]byte, error)
	// forked records the host pid of the process (msgPID).
	forked(pid int) error
	// agentState is the state the seccomp agent gets with the listener.
	agentState() *specs.State
}

// hookFailure is the error of a failed create-time hook: the container
// is destroyed and its poststop hooks run (lifecycle steps 12 and 13).
type hookFailure struct{ err error }

func (h *hookFailure) Error() string { return h.err.Error() }
func (h *hookFailure) Unwrap() error { return h.err }

// initSession is one conversation with an init.
type initSession struct {
	mode   uint32 // modeCreate: done at msgReady; modeExec: done when the init exec'd
	prefix string // starts the init's errors ("create container <id>: ")
	start  startFunc
	peer   initPeer
	undo   *undoStack
	files  []*os.File // the init's fds 3, 4, ...
	own    int        // files[own:] were opened for the init: closed once it has them
	prog   *seccomp.Program
	rootfs *initRootfs // the plan's (create): the sources to clone
	// idmaps are the user namespaces whose mappings idmapped sources
	// cloned in the container's mount namespace take, by idmapKey
	idmaps map[string]*os.File
	init   *initProcess
	pid    int // the process, from msgPID
}

func newSession(mode uint32, start startFunc, peer initPeer, undo *undoStack) *initSession {
	if start == nil {
		start = spawnInit
	}
	s := &initSession{mode: mode, start: start, peer: peer, undo: undo}
	undo.push(s.closeFiles)
	return s
}

// name is the command, in traces.
func (s *initSession) name() string {
	if s.mode == modeExec {
		return "exec"
	}
	return "create"
}

// initName is the init's name in errors.
func (s *initSession) initName() string {
	if s.mode == modeExec {
		return "exec init"
	}
	return "container init"
}

// pass hands f to the init as is, not closed by the session (the
// process's preserved fds); add hands it a file the session owns. Both
// return its fd number in the init. Every pass comes before the first add.
func (s *initSession) pass(f *os.File) int {
	s.files = append(s.files, f)
	s.own = len(s.files)
	return 2 + len(s.files)
}

func (s *initSession) add(f *os.File) int {
	s.files = append(s.files, f)
	return 2 + len(s.files)
}

func (s *initSession) closeFiles() {
	for _, f := range s.files[s.own:] {
		f.Close()
	}
	s.files = s.files[:s.own]
	for _, f := range s.idmaps {
		f.Close()
	}
	s.idmaps = nil
}

// spawn starts the init (in the cgroup2 directory cgroupFD when >= 0).
func (s *initSession) spawn(stdio [3]*os.File, cgroupFD int) error {
	init, err := s.start(spawnSpec{stdio: stdio, files: s.files, cgroupFD: cgroupFD})
	if err != nil {
		return err
	}
	s.init = init
	s.undo.push(init.kill)
	trace(s.name() + ": init started")
	return nil
}

// sendPlan sends the finished plan.
func (s *initSession) sendPlan(ip *initPlan) error {
	s.rootfs = ip.rootfs
	return s.init.sock.send(msgPlan, ip.encode())
}

// drive answers the init until it is ready (create) or the process has
// exec'd (exec: the socket is close-on-exec, so EOF after msgReady says
// the exec happened).
func (s *initSession) drive() error {
	ready := false
	for {
		fr, err := s.init.sock.recv()
		if errors.Is(err, errInitGone) && ready {
			return nil
		}
		if err != nil {
			return s.failed(err)
		}
		err = s.handle(fr)
		if fr.fd != nil {
			fr.fd.Close()
		}
		if err != nil {
			return err
		}
		if fr.typ == msgReady {
			if s.mode == modeCreate {
				return nil
			}
			ready = true
		}
	}
}

// handle answers one message of the init.
func (s *initSession) handle(fr frame) error {
	if s.pid == 0 && afterPid(fr.typ) {
		// the init sends the process's pid before any of these: a record
		// made without it would name no process
		return fmt.Errorf("%sprotocol: message %d from the %s before the process's pid", s.prefix, fr.typ, s.initName())
	}
	switch fr.typ {
	case msgUserns:
		trace(s.name() + ": init made the user namespace")
		if err := s.peer.writeIDMaps(s.init.pid); err != nil {
			return err
		}
		return s.init.sock.send(msgUsernsDone, nil)
	case msgPID:
		return s.recordPid(fr.payload)
	case msgHooks:
		trace(s.name() + ": init mounted the rootfs")
		st, err := s.peer.runHooks()
		if err != nil {
			return err
		}
		return s.init.sock.send(msgHooksDone, st)
	case msgSeccompFD:
		return s.handOverListener(fr.fd)
	case msgCloneSource:
		return s.sendSourceTree(fr)
	case msgReady:
		return nil
	case msgError:
		return fmt.Errorf("%s%w", s.prefix, initError(fr.payload))
	case msgHookError:
		return &hookFailure{initError(fr.payload)}
	}
	return fmt.Errorf("%sunexpected message %d from the %s", s.prefix, fr.typ, s.initName())
}

// afterPid says whether the init sends a message of type t only once it
// sent the process's pid (msgPID).
func afterPid(t msgType) bool {
	switch t {
	case msgHooks, msgSeccompFD, msgCloneSource, msgReady:
		return true
	}
	return false
}

// recordPid takes the host pid of the process. A forked process is our
// child (CLONE_PARENT): the first stage is reaped, the process killed on
// failure.
func (s *initSession) recordPid(payload []byte) error {
	if len(payload) != 4 {
		return fmt.Errorf("bad pid message from the %s", s.initName())
	}
	pid := int(binary.LittleEndian.Uint32(payload))
	s.pid = pid
	if pid != s.init.pid {
		s.init.wait()
		s.undo.push(func() {
			unix.Kill(pid, unix.SIGKILL)
			var ws unix.WaitStatus
			unix.Wait4(pid, &ws, 0, nil)
		})
	}
	if s.mode == modeExec {
		trace("exec: process forked")
	} else {
		trace("create: init forked the container process")
	}
	return s.peer.forked(pid)
}

// handOverListener passes the seccomp listener to the agent.
func (s *initSession) handOverListener(fd *os.File) error {
	if fd == nil || s.prog == nil {
		return errors.New("seccomp listener message without a listener")
	}
	if err := sendListener(s.prog, int(fd.Fd()), s.peer.agentState()); err != nil {
		return err
	}
	return s.init.sock.send(msgSeccompDone, nil)
}

// failed explains a socket error: the init died without a word.
func (s *initSession) failed(err error) error {
	if !errors.Is(err, errInitGone) {
		return err
	}
	var ws unix.WaitStatus
	if s.pid > 0 && s.pid != s.init.pid {
		unix.Wait4(s.pid, &ws, 0, nil)
	} else {
		ws = s.init.wait()
	}
	if s.pid > 0 && s.mode == modeExec {
		return fmt.Errorf("%sthe process died before exec: %s", s.prefix, describeWait(ws))
	}
	return fmt.Errorf("%sthe %s died: %s", s.prefix, s.initName(), describeWait(ws))
}

// finish closes the socket and the session's files: the init has its
// copies.
func (s *initSession) finish() {
	s.init.sock.f.Close()
	s.closeFiles()
}

// describeWait says how a process ended.
func describeWait(ws unix.WaitStatus) string {
	switch {
	case ws.Exited():
		return fmt.Sprintf("exit status %d", ws.ExitStatus())
	case ws.Signaled():
		return fmt.Sprintf("killed by %s", unix.SignalName(ws.Signal()))
	}
	return "unknown status"
}
