package cgroups

import (
	"encoding/binary"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"unsafe"

	"golang.org/x/sys/unix"
)

// The few bpf(2) calls and the eBPF instruction encoding the cgroup v2
// device program needs, written against include/uapi/linux/bpf.h. (A
// general eBPF library would link ELF, BTF and DWARF readers into every
// berth command: about 1.4 MB of binary and 20 package inits at each
// start, for a program of a few dozen instructions.)

// Registers of the eBPF machine berth uses.
const (
	r0 uint8 = iota
	r1
	r2
	r3
	r4
	r5
	r6
)

// Parts of an instruction's opcode (linux/bpf_common.h, linux/bpf.h).
const (
	bpfClassLd    = unix.BPF_LD
	bpfClassLdx   = unix.BPF_LDX
	bpfClassJmp   = unix.BPF_JMP
	bpfClassAlu64 = unix.BPF_ALU64
	bpfSrcImm     = unix.BPF_K
	bpfSrcReg     = unix.BPF_X
)

// bpfInsn is one instruction of a program being built: struct bpf_insn
// plus the names the builder resolves into jump offsets. A 64-bit load
// (lddw) keeps its whole constant in imm and takes two slots when encoded.
type bpfInsn struct {
	op     uint8
	dst    uint8
	src    uint8
	off    int16
	imm    int64
	symbol string // the label of this instruction, "" if none
	ref    string // for a jump: the label it goes to
}

func (in bpfInsn) class() uint8  { return in.op & 0x07 }
func (in bpfInsn) isLddw() bool  { return in.op == bpfClassLd|unix.BPF_IMM|unix.BPF_DW }
func (in bpfInsn) isExit() bool  { return in.op == bpfClassJmp|unix.BPF_EXIT }
func (in bpfInsn) isJump() bool  { return in.class() == bpfClassJmp && !in.isExit() }
func (in bpfInsn) jumpOp() uint8 { return in.op & 0xf0 }
func (in bpfInsn) regSrc() bool  { return in.op&0x08 == bpfSrcReg }

// withSymbol labels the instruction.
func (in bpfInsn) withSymbol(s string) bpfInsn { in.symbol = s; return in }

// String is for test failures: opcode, registers, offset, constant, labels.
func (in bpfInsn) String() string {
	s := fmt.Sprintf("op=%#02x dst=r%d src=r%d off=%d imm=%d", in.op, in.dst, in.src, in.off, in.imm)
	if in.ref != "" {
		s += " -> " + in.ref
	}
	if in.symbol != "" {
		s = in.symbol + ": " + s
	}
	return s
}

// Instruction constructors (64-bit ALU, 64-bit compares).
func ldxW(dst, src uint8, off int16) bpfInsn {
	return bpfInsn{op: bpfClassLdx | unix.BPF_MEM | unix.BPF_W, dst: dst, src: src, off: off}
}
func ldImm64(dst uint8, v int64) bpfInsn {
	return bpfInsn{op: bpfClassLd | unix.BPF_IMM | unix.BPF_DW, dst: dst, imm: v}
}
func alu64Imm(op, dst uint8, v int32) bpfInsn {
	return bpfInsn{op: bpfClassAlu64 | op | bpfSrcImm, dst: dst, imm: int64(v)}
}
func movReg(dst, src uint8) bpfInsn {
	return bpfInsn{op: bpfClassAlu64 | unix.BPF_MOV | bpfSrcReg, dst: dst, src: src}
}
func movImm(dst uint8, v int32) bpfInsn { return alu64Imm(unix.BPF_MOV, dst, v) }
func andImm(dst uint8, v int32) bpfInsn { return alu64Imm(unix.BPF_AND, dst, v) }
func rshImm(dst uint8, v int32) bpfInsn { return alu64Imm(unix.BPF_RSH, dst, v) }
func jumpImm(op, dst uint8, v int32, label string) bpfInsn {
	return bpfInsn{op: bpfClassJmp | op | bpfSrcImm, dst: dst, imm: int64(v), ref: label}
}
func jeqImm(dst uint8, v int32, label string) bpfInsn { return jumpImm(unix.BPF_JEQ, dst, v, label) }
func jneImm(dst uint8, v int32, label string) bpfInsn { return jumpImm(unix.BPF_JNE, dst, v, label) }
func jneReg(dst, src uint8, label string) bpfInsn {
	return bpfInsn{op: bpfClassJmp | unix.BPF_JNE | bpfSrcReg, dst: dst, src: src, ref: label}
}
func ja(label string) bpfInsn { return bpfInsn{op: bpfClassJmp | unix.BPF_JA, ref: label} }
func exit() bpfInsn           { return bpfInsn{op: bpfClassJmp | unix.BPF_EXIT} }

// symbolIndexes maps each label to the index of its instruction.
func symbolIndexes(insns []bpfInsn) (map[string]int, error) {
	labels := map[string]int{}
	for i, in := range insns {
		if in.symbol == "" {
			continue
		}
		if _, dup := labels[in.symbol]; dup {
			return nil, fmt.Errorf("eBPF label %q defined twice", in.symbol)
		}
		labels[in.symbol] = i
	}
	return labels, nil
}

// encodeProgram lays the instructions out as struct bpf_insn (8 bytes a
// slot, host byte order), resolving every jump's label into an offset in
// slots from the next instruction.
func encodeProgram(insns []bpfInsn) ([]byte, error) {
	slot := make([]int, len(insns)+1)
	for i, in := range insns {
		slot[i+1] = slot[i] + 1
		if in.isLddw() {
			slot[i+1]++
		}
	}
	labels, err := symbolIndexes(insns)
	if err != nil {
		return nil, err
	}
	out := make([]byte, 0, 8*slot[len(insns)])
	for i, in := range insns {
		off := in.off
		if in.isJump() {
			target, ok := labels[in.ref]
			if !ok {
				return nil, fmt.Errorf("eBPF jump to undefined label %q", in.ref)
			}
			off = int16(slot[target] - slot[i+1])
		}
		out = appendSlot(out, in.op, in.dst|in.src<<4, off, int32(in.imm))
		if in.isLddw() {
			out = appendSlot(out, 0, 0, 0, int32(in.imm>>32))
		}
	}
	return out, nil
}

func appendSlot(b []byte, op, regs uint8, off int16, imm int32) []byte {
	b = append(b, op, regs)
	b = binary.NativeEndian.AppendUint16(b, uint16(off))
	return binary.NativeEndian.AppendUint32(b, uint32(imm))
}

// bpf calls bpf(2) with the attribute struct attr.
func bpf[T any](cmd int, attr *T) (int, error) {
	r, _, errno := unix.Syscall(unix.SYS_BPF, uintptr(cmd), uintptr(unsafe.Pointer(attr)), unsafe.Sizeof(*attr))
	runtime.KeepAlive(attr)
	if errno != 0 {
		return -1, errno
	}
	return int(r), nil
}

// bpfProgLoadAttr is the BPF_PROG_LOAD part of union bpf_attr, up to
// prog_name (the kernel takes a shorter attr as zero-filled).
type bpfProgLoadAttr struct {
	progType uint32
	insnCnt  uint32
	insns    uint64
	license  uint64
	logLevel uint32
	logSize  uint32
	logBuf   uint64
	_        [2]uint32 // kern_version, prog_flags
	progName [16]byte
}

// loadDeviceProgram loads a BPF_PROG_TYPE_CGROUP_DEVICE program and
// returns its fd. When the kernel refuses it, the load is repeated with
// the verifier's log, whose last line goes into the error.
func loadDeviceProgram(name string, insns []bpfInsn) (int, error) {
	code, err := encodeProgram(insns)
	if err != nil {
		return -1, err
	}
	license := []byte("Apache-2.0\x00")
	attr := bpfProgLoadAttr{
		progType: unix.BPF_PROG_TYPE_CGROUP_DEVICE,
		insnCnt:  uint32(len(code) / 8),
		insns:    uint64(uintptr(unsafe.Pointer(&code[0]))),
		license:  uint64(uintptr(unsafe.Pointer(&license[0]))),
	}
	copy(attr.progName[:len(attr.progName)-1], name)
	fd, err := bpf(unix.BPF_PROG_LOAD, &attr)
	runtime.KeepAlive(code)
	runtime.KeepAlive(license)
	if err == nil {
		return fd, nil
	}
	if !errors.Is(err, unix.EACCES) && !errors.Is(err, unix.EINVAL) {
		return -1, fmt.Errorf("BPF_PROG_LOAD: %w", err)
	}
	log := make([]byte, 64<<10)
	attr.logLevel, attr.logSize = 1, uint32(len(log))
	attr.logBuf = uint64(uintptr(unsafe.Pointer(&log[0])))
	if fd, err2 := bpf(unix.BPF_PROG_LOAD, &attr); err2 == nil {
		return fd, nil // refused once, loaded with a log: take it
	}
	runtime.KeepAlive(code)
	runtime.KeepAlive(license)
	return -1, fmt.Errorf("BPF_PROG_LOAD: %w (verifier: %s)", err, verifierReason(log))
}

// verifierReason is the last line of the verifier's NUL-terminated log
// that is not its closing statistics ("processed N insns ...").
func verifierReason(log []byte) string {
	s, _, _ := strings.Cut(string(log), "\x00")
	lines := strings.Split(strings.TrimSpace(s), "\n")
	for i := len(lines) - 1; i >= 0; i-- {
		if l := strings.TrimSpace(lines[i]); l != "" && !strings.HasPrefix(l, "processed ") {
			return l
		}
	}
	return "no log"
}

// bpfAttachAttr is the BPF_PROG_ATTACH/DETACH part of union bpf_attr.
type bpfAttachAttr struct {
	targetFd     uint32
	attachBpfFd  uint32
	attachType   uint32
	attachFlags  uint32
	replaceBpfFd uint32
}

// attachDeviceProgramFd attaches prog to the cgroup dirFd with
// BPF_F_ALLOW_MULTI; replace >= 0 names an attached program the kernel
// swaps for prog in one step (BPF_F_REPLACE).
func attachDeviceProgramFd(dirFd, prog, replace int) error {
	attr := bpfAttachAttr{
		targetFd:    uint32(dirFd),
		attachBpfFd: uint32(prog),
		attachType:  unix.BPF_CGROUP_DEVICE,
		attachFlags: unix.BPF_F_ALLOW_MULTI,
	}
	if replace >= 0 {
		attr.attachFlags |= unix.BPF_F_REPLACE
		attr.replaceBpfFd = uint32(replace)
	}
	_, err := bpf(unix.BPF_PROG_ATTACH, &attr)
	return err
}

// detachDeviceProgramFd detaches prog from the cgroup dirFd.
func detachDeviceProgramFd(dirFd, prog int) error {
	attr := bpfAttachAttr{targetFd: uint32(dirFd), attachBpfFd: uint32(prog), attachType: unix.BPF_CGROUP_DEVICE}
	_, err := bpf(unix.BPF_PROG_DETACH, &attr)
	return err
}

// bpfQueryAttr is the BPF_PROG_QUERY part of union bpf_attr.
type bpfQueryAttr struct {
	targetFd   uint32
	attachType uint32
	_          [2]uint32 // query_flags (0: attached here, not inherited), attach_flags
	progIDs    uint64
	progCnt    uint32
	_          uint32
}

// deviceProgramIDs lists the ids of the device programs attached to the
// cgroup dirFd itself (not the ones it inherits).
func deviceProgramIDs(dirFd int) ([]uint32, error) {
	ids := make([]uint32, 64) // BPF_CGROUP_MAX_PROGS
	for {
		attr := bpfQueryAttr{
			targetFd:   uint32(dirFd),
			attachType: unix.BPF_CGROUP_DEVICE,
			progIDs:    uint64(uintptr(unsafe.Pointer(&ids[0]))),
			progCnt:    uint32(len(ids)),
		}
		_, err := bpf(unix.BPF_PROG_QUERY, &attr)
		runtime.KeepAlive(ids)
		if errors.Is(err, unix.ENOSPC) && int(attr.progCnt) > len(ids) {
			ids = make([]uint32, attr.progCnt)
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("BPF_PROG_QUERY: %w", err)
		}
		return ids[:attr.progCnt], nil
	}
}

// bpfGetIDAttr is the BPF_PROG_GET_FD_BY_ID part of union bpf_attr.
type bpfGetIDAttr struct {
	id uint32
	_  [2]uint32 // next_id, open_flags
}

// programFdByID opens the program with the id.
func programFdByID(id uint32) (int, error) {
	fd, err := bpf(unix.BPF_PROG_GET_FD_BY_ID, &bpfGetIDAttr{id: id})
	if err != nil {
		return -1, fmt.Errorf("BPF_PROG_GET_FD_BY_ID %d: %w", id, err)
	}
	return fd, nil
}
