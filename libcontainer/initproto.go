package libcontainer

// The parent <-> init protocol. nsexec/c/protocol.h is the definition; the
// numbers here mirror it and initproto_test.go checks that they agree.
//
// Transport: a SOCK_STREAM socketpair. Every message is a frame: u32
// length of what follows, u32 type, payload. The plan is one msgPlan frame
// whose payload is a stream of TLV records (u16 tag, u16 zero, u32 length,
// value); strings carry their NUL, numbers are little-endian u32/u64,
// nested records carry a TLV stream.

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"

	"golang.org/x/sys/unix"
)

// msgType is the type of a frame.
type msgType uint32

const (
	msgPlan       msgType = 1 // parent -> init: the plan
	msgUserns     msgType = 2 // init -> parent: user namespace made, write the id maps
	msgUsernsDone msgType = 3 // parent -> init: id maps written
	msgPID        msgType = 4 // init -> parent: u32 host pid of the container process
	msgHooks      msgType = 5 // init -> parent: run prestart+createRuntime hooks
	msgHooksDone  msgType = 6 // parent -> init: state JSON for in-container hooks
	msgReady      msgType = 7 // init -> parent: waiting on the exec fifo (or about to exec)
	msgError      msgType = 8 // init -> parent: u32 errno + one line of text
	// 9 is not used (protocol.h)
	msgSeccompFD   msgType = 10 // init -> parent: the seccomp listener fd
	msgSeccompDone msgType = 11 // parent -> init: listener handed over
	msgHookError   msgType = 12 // init -> parent: as msgError, for a failed in-container hook
	// init -> parent: u32 index of the tMCloned mount it makes now, with
	// an fd of its mount namespace: clone the source there
	msgCloneSource msgType = 13
	// parent -> init: the same u32, with the cloned tree or none
	msgSourceTree msgType = 14
)

// maxFrame bounds a frame, as BERTH_MAX_FRAME does in the init.
const maxFrame = 16 << 20

// Init modes.
const (
	modeCreate = 1
	modeExec   = 2
)

// Top-level plan tags (enum plan_tag).
const (
	tMode uint16 = iota + 1
	tNSJoin
	tUnshare
	tNewUserns
	tTimensOffsets
	tFork
	tRootfs
	tRootReadonly
	tRootPropagation
	tNoPivot
	tMount
	tSetupDev
	tDevice
	tDevSymlink
	tMasked
	tReadonly
	tHostname
	tDomainname
	tSysctl
	tPersonality
	tArg
	tEnv
	tCwd
	tUID
	tGID
	tAdditionalGID
	tSetgroups
	tUmask
	tCaps
	tRlimit
	tNoNewPrivs
	tOOMScoreAdj
	tTerminal
	tConsoleFD
	tConsoleSize
	tFifoFD
	tPreserveFDs
	tHook
	tScheduler
	tIOPrio
	tSeccomp
	tSeccompFlags
	tSeccompNotify
	tExecLabel
	tAppArmor
	tCPUAffinity
	tNSPidfd
	tNSPidfdFlags
	tTreeFD
	tMemPolicy
	tNoMountns
	tCgroupTasks
	tPathWalk
	tSessionKeyring
	tCPUAffinityReset
	tConsoleNoONLCR
)

// Nested tags.
const (
	tNSFlag uint16 = iota + 1
	tNSFD
)

const (
	tMKind uint16 = iota + 1
	tMSource
	tMDest
	tMFstype
	tMFlags
	tMClrFlags
	tMData
	tMPropagation
	tMAttrSet
	tMAttrClr
	tMFile
	tMTree
	tMOrigin
	tMRemount
	tMCopyUp
	tMCloned
)

const (
	tDPath uint16 = iota + 1
	tDType
	tDMajor
	tDMinor
	tDMode
	tDUID
	tDGID
	tDBind
)

const (
	tLTarget uint16 = iota + 1
	tLPath
)

const (
	tSPath uint16 = iota + 1
	tSValue
)

const (
	tCBounding uint16 = iota + 1
	tCEffective
	tCInheritable
	tCPermitted
	tCAmbient
)

const (
	tRType uint16 = iota + 1
	tRSoft
	tRHard
)

const (
	tHKind uint16 = iota + 1
	tHPath
	tHArg
	tHEnv
	tHTimeout
)

const (
	tSchedPolicy uint16 = iota + 1
	tSchedFlags
	tSchedNice
	tSchedPriority
	tSchedRuntime
	tSchedDeadline
	tSchedPeriod
	tSchedWithCPUs
)

const (
	tMPMode uint16 = iota + 1
	tMPNodes
)

// Mount kinds and hook kinds of the init.
const (
	initMountFS      = 1
	initMountBind    = 2
	initMountTree    = 3
	initMountSymlink = 4
	initMountRemount = 5

	hookCreateContainer = 1
	hookStartContainer  = 2
)

// tlv builds a TLV stream.
type tlv struct{ b []byte }

func (e *tlv) raw(tag uint16, v []byte) {
	var h [8]byte
	binary.LittleEndian.PutUint16(h[0:], tag)
	binary.LittleEndian.PutUint32(h[4:], uint32(len(v)))
	e.b = append(append(e.b, h[:]...), v...)
}

func (e *tlv) u32(tag uint16, v uint32) {
	e.raw(tag, binary.LittleEndian.AppendUint32(nil, v))
}

func (e *tlv) u64(tag uint16, v uint64) {
	e.raw(tag, binary.LittleEndian.AppendUint64(nil, v))
}

func (e *tlv) flag(tag uint16, on bool) {
	if on {
		e.u32(tag, 1)
	}
}

func (e *tlv) str(tag uint16, s string) {
	e.raw(tag, append([]byte(s), 0))
}

func (e *tlv) strs(tag uint16, ss []string) {
	for _, s := range ss {
		e.str(tag, s)
	}
}

func (e *tlv) nested(tag uint16, fill func(*tlv)) {
	var in tlv
	fill(&in)
	e.raw(tag, in.b)
}

// syncSocket is the parent's end of the socket to the init.
type syncSocket struct{ f *os.File }

func (s *syncSocket) send(t msgType, payload []byte) error {
	var h [8]byte
	binary.LittleEndian.PutUint32(h[0:], uint32(len(payload)+4))
	binary.LittleEndian.PutUint32(h[4:], uint32(t))
	if _, err := s.f.Write(append(h[:], payload...)); err != nil {
		return fmt.Errorf("send message %d to the init: %w", t, err)
	}
	return nil
}

// sendFD sends a frame with f attached (SCM_RIGHTS), or without an fd
// when f is nil.
func (s *syncSocket) sendFD(t msgType, payload []byte, f *os.File) error {
	if f == nil {
		return s.send(t, payload)
	}
	var h [8]byte
	binary.LittleEndian.PutUint32(h[0:], uint32(len(payload)+4))
	binary.LittleEndian.PutUint32(h[4:], uint32(t))
	b := append(h[:], payload...)
	n, err := unix.SendmsgN(int(s.f.Fd()), b, unix.UnixRights(int(f.Fd())), nil, 0)
	if err == nil && n < len(b) {
		_, err = s.f.Write(b[n:])
	}
	if err != nil {
		return fmt.Errorf("send message %d to the init: %w", t, err)
	}
	return nil
}

// frame is one message from the init; fd is set when it carried one.
type frame struct {
	typ     msgType
	payload []byte
	fd      *os.File
}

// errInitGone is returned when the init closed the socket.
var errInitGone = errors.New("the container init exited")

// recv reads one frame, with the fd the init attached to it, if any.
func (s *syncSocket) recv() (frame, error) {
	var hdr [8]byte
	oob := make([]byte, unix.CmsgSpace(4))
	n, oobn, _, _, err := unix.Recvmsg(int(s.f.Fd()), hdr[:], oob, unix.MSG_CMSG_CLOEXEC)
	if err != nil {
		return frame{}, fmt.Errorf("read from the init: %w", err)
	}
	if n == 0 {
		return frame{}, errInitGone
	}
	fr := frame{}
	if fr.fd, err = parseFD(oob[:oobn]); err != nil {
		return frame{}, err
	}
	if n < len(hdr) {
		if _, err := io.ReadFull(s.f, hdr[n:]); err != nil {
			return frame{}, fmt.Errorf("read from the init: %w", err)
		}
	}
	size := binary.LittleEndian.Uint32(hdr[0:])
	if size < 4 || size > maxFrame {
		return frame{}, fmt.Errorf("read from the init: bad frame of %d bytes", size)
	}
	fr.typ = msgType(binary.LittleEndian.Uint32(hdr[4:]))
	fr.payload = make([]byte, size-4)
	if _, err := io.ReadFull(s.f, fr.payload); err != nil {
		return frame{}, fmt.Errorf("read from the init: %w", err)
	}
	return fr, nil
}

func parseFD(oob []byte) (*os.File, error) {
	if len(oob) == 0 {
		return nil, nil
	}
	msgs, err := unix.ParseSocketControlMessage(oob)
	if err != nil {
		return nil, fmt.Errorf("control message from the init: %w", err)
	}
	for _, m := range msgs {
		fds, err := unix.ParseUnixRights(&m)
		if err == nil && len(fds) > 0 {
			for _, extra := range fds[1:] {
				unix.Close(extra)
			}
			return os.NewFile(uintptr(fds[0]), "fd-from-init"), nil
		}
	}
	return nil, nil
}

// initError turns a msgError payload into an error: "text: errno".
func initError(payload []byte) error {
	if len(payload) < 4 {
		return errors.New("the container init failed")
	}
	errno := unix.Errno(binary.LittleEndian.Uint32(payload))
	text := OneLine(string(payload[4:]))
	if errno == 0 {
		return errors.New(text)
	}
	return fmt.Errorf("%s: %w", text, errno)
}
