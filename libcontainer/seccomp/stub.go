//go:build cgo

package seccomp

import (
	"fmt"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// Offsets in struct seccomp_data.
const (
	offNr   = 0
	offArch = 4
)

// retENOSYS is the stub's verdict for syscalls newer than the profile.
const retENOSYS = unix.SECCOMP_RET_ERRNO | uint32(unix.ENOSYS)

// stubABI is what the stub checks for one syscall ABI.
type stubABI struct {
	max    uint32   // the highest number the profile names in the ABI's table
	exempt []uint32 // numbers the profile names above max: they go on to the filter
	zero   bool     // s390: syscall 0 is how an unknown syscall arrives
}

// stubArch is one AUDIT_ARCH_* value of the filter. x86_64 carries two ABIs
// told apart by bit 30 of the number: abi (clear) and x32 (set).
type stubArch struct {
	audit uint32
	abi   *stubABI
	x32   *stubABI
}

// needsStub says whether syscalls the profile does not know should get
// ENOSYS rather than the default action: not when the default action lets
// them run (ALLOW, LOG), delegates them (TRACE: a tracer copes with new
// syscalls itself; NOTIFY) or already is ERRNO(ENOSYS).
func needsStub(s *specs.LinuxSeccomp) bool {
	switch s.DefaultAction {
	case specs.ActAllow, specs.ActLog, specs.ActTrace, specs.ActNotify:
		return false
	case specs.ActErrno:
		return s.DefaultErrnoRet == nil || *s.DefaultErrnoRet != uint(unix.ENOSYS)
	}
	return true
}

// buildStub assembles the -ENOSYS stub for arches, in their order (put the
// native one first: it is the one nearly every syscall takes). Every path
// through the stub ends in ERRNO(ENOSYS) or falls through past its end,
// into the filter it is prepended to; the accumulator holds the arch again
// only at the section checks, which is all the filter assumes (it loads
// what it needs itself).
func buildStub(arches []stubArch) ([]unix.SockFilter, error) {
	var a asm
	found := false
	a.op(unix.BPF_LD|unix.BPF_W|unix.BPF_ABS, offArch)
	for i, ar := range arches {
		if ar.abi == nil && ar.x32 == nil {
			continue
		}
		found = true
		stubSection(&a, fmt.Sprintf("a%d.", i), ar)
	}
	if !found {
		return nil, nil
	}
	a.label("end")
	return a.assemble()
}

// stubSection emits the checks of one arch. It is entered with the arch in
// the accumulator and left by ret ENOSYS or a jump to the filter; an other
// arch skips it with the accumulator untouched.
func stubSection(a *asm, p string, ar stubArch) {
	a.jump(unix.BPF_JEQ, ar.audit, "", p+"next")
	a.op(unix.BPF_LD|unix.BPF_W|unix.BPF_ABS, offNr)
	if ar.audit == unix.AUDIT_ARCH_X86_64 {
		a.jump(unix.BPF_JSET, x32Bit, abiLabel(p, "x32", ar.x32), abiLabel(p, "abi", ar.abi))
	}
	if ar.abi != nil {
		a.label(p + "abi")
		stubChecks(a, p, ar.abi)
	}
	if ar.x32 != nil {
		a.label(p + "x32")
		stubChecks(a, p, ar.x32)
	}
	a.label(p + "filter")
	a.op(unix.BPF_JMP|unix.BPF_JA, 0)
	a.target(len(a.prog)-1, "end")
	a.label(p + "enosys")
	a.op(unix.BPF_RET|unix.BPF_K, retENOSYS)
	a.label(p + "next")
}

// abiLabel is where the x86_64 bit-30 test goes for an ABI: its checks, or
// straight to the filter when the filter does not have it.
func abiLabel(p, name string, abi *stubABI) string {
	if abi == nil {
		return p + "filter"
	}
	return p + name
}

// stubChecks emits the checks of one ABI, with the syscall number in the
// accumulator.
func stubChecks(a *asm, p string, abi *stubABI) {
	if abi.zero {
		a.jump(unix.BPF_JEQ, 0, p+"enosys", "")
	}
	for _, nr := range abi.exempt {
		a.jump(unix.BPF_JEQ, nr, p+"filter", "")
	}
	a.jump(unix.BPF_JGT, abi.max, p+"enosys", p+"filter")
}

// asm is a small classic-BPF assembler with forward labels.
type asm struct {
	prog   []unix.SockFilter
	refs   []ref
	labels map[string]int
}

// ref is a label an instruction jumps to: field 't' (jt), 'f' (jf) or 'k'
// (the offset of a BPF_JA).
type ref struct {
	pc    int
	field byte
	label string
}

func (a *asm) op(code uint16, k uint32) {
	a.prog = append(a.prog, unix.SockFilter{Code: code, K: k})
}

// jump emits a conditional jump on k; an empty label is the next instruction.
func (a *asm) jump(cond uint16, k uint32, jt, jf string) {
	a.op(unix.BPF_JMP|cond|unix.BPF_K, k)
	pc := len(a.prog) - 1
	if jt != "" {
		a.refs = append(a.refs, ref{pc, 't', jt})
	}
	if jf != "" {
		a.refs = append(a.refs, ref{pc, 'f', jf})
	}
}

// target makes the BPF_JA at pc jump to label.
func (a *asm) target(pc int, label string) {
	a.refs = append(a.refs, ref{pc, 'k', label})
}

func (a *asm) label(name string) {
	if a.labels == nil {
		a.labels = map[string]int{}
	}
	a.labels[name] = len(a.prog)
}

// assemble resolves the labels. Jumps go forward only; a conditional one
// reaches at most 255 instructions (its offset is a u8), BPF_JA any distance.
func (a *asm) assemble() ([]unix.SockFilter, error) {
	for _, r := range a.refs {
		to, ok := a.labels[r.label]
		if !ok {
			return nil, fmt.Errorf("BPF stub: undefined label %q", r.label)
		}
		off := to - r.pc - 1
		if off < 0 || (r.field != 'k' && off > 255) {
			return nil, fmt.Errorf("BPF stub: jump from %d to %q (%d) out of range", r.pc, r.label, to)
		}
		switch r.field {
		case 't':
			a.prog[r.pc].Jt = uint8(off)
		case 'f':
			a.prog[r.pc].Jf = uint8(off)
		default:
			a.prog[r.pc].K = uint32(off)
		}
	}
	return a.prog, nil
}
