//go:build cgo

package seccomp

import (
	"encoding/binary"
	"fmt"

	"golang.org/x/sys/unix"
)

// seccompData is struct seccomp_data, the input of a filter.
type seccompData struct {
	nr   int32
	arch uint32
	ip   uint64
	args [6]uint64
}

func (d seccompData) bytes() []byte {
	b := make([]byte, 0, 64)
	b = binary.NativeEndian.AppendUint32(b, uint32(d.nr))
	b = binary.NativeEndian.AppendUint32(b, d.arch)
	b = binary.NativeEndian.AppendUint64(b, d.ip)
	for _, a := range d.args {
		b = binary.NativeEndian.AppendUint64(b, a)
	}
	return b
}

// runBPF interprets a seccomp classic-BPF program as the kernel does (the
// subset of instructions seccomp accepts) and returns its verdict. It lets
// the tests check filters of architectures this host cannot run.
func runBPF(prog []unix.SockFilter, d seccompData) (uint32, error) {
	in := d.bytes()
	var a, x uint32
	var mem [16]uint32
	for pc := 0; pc < len(prog); pc++ {
		i := prog[pc]
		switch i.Code {
		case unix.BPF_LD | unix.BPF_W | unix.BPF_ABS:
			if i.K%4 != 0 || int(i.K)+4 > len(in) {
				return 0, fmt.Errorf("pc %d: load at %d", pc, i.K)
			}
			a = binary.NativeEndian.Uint32(in[i.K:])
		case unix.BPF_LD | unix.BPF_IMM:
			a = i.K
		case unix.BPF_LD | unix.BPF_MEM:
			a = mem[i.K%16]
		case unix.BPF_LDX | unix.BPF_IMM:
			x = i.K
		case unix.BPF_LDX | unix.BPF_MEM:
			x = mem[i.K%16]
		case unix.BPF_ST:
			mem[i.K%16] = a
		case unix.BPF_STX:
			mem[i.K%16] = x
		case unix.BPF_MISC | unix.BPF_TAX:
			x = a
		case unix.BPF_MISC | unix.BPF_TXA:
			a = x
		case unix.BPF_RET | unix.BPF_K:
			return i.K, nil
		case unix.BPF_RET | unix.BPF_A:
			return a, nil
		case unix.BPF_JMP | unix.BPF_JA:
			pc += int(i.K)
		default:
			var err error
			if i.Code&0x07 == unix.BPF_ALU {
				a, err = alu(i, a, x)
			} else if i.Code&0x07 == unix.BPF_JMP {
				pc, err = jump(i, pc, a, x)
			} else {
				err = fmt.Errorf("opcode %#x", i.Code)
			}
			if err != nil {
				return 0, fmt.Errorf("pc %d: %w", pc, err)
			}
		}
	}
	return 0, fmt.Errorf("fell off the end of the program")
}

func alu(i unix.SockFilter, a, x uint32) (uint32, error) {
	v := i.K
	if i.Code&unix.BPF_X != 0 {
		v = x
	}
	switch i.Code & 0xf0 {
	case unix.BPF_ADD:
		return a + v, nil
	case unix.BPF_SUB:
		return a - v, nil
	case unix.BPF_AND:
		return a & v, nil
	case unix.BPF_OR:
		return a | v, nil
	case unix.BPF_LSH:
		return a << v, nil
	case unix.BPF_RSH:
		return a >> v, nil
	case unix.BPF_NEG:
		return -a, nil
	}
	return 0, fmt.Errorf("alu opcode %#x", i.Code)
}

func jump(i unix.SockFilter, pc int, a, x uint32) (int, error) {
	v := i.K
	if i.Code&unix.BPF_X != 0 {
		v = x
	}
	var ok bool
	switch i.Code & 0xf0 {
	case unix.BPF_JEQ:
		ok = a == v
	case unix.BPF_JGT:
		ok = a > v
	case unix.BPF_JGE:
		ok = a >= v
	case unix.BPF_JSET:
		ok = a&v != 0
	default:
		return 0, fmt.Errorf("jump opcode %#x", i.Code)
	}
	if ok {
		return pc + int(i.Jt), nil
	}
	return pc + int(i.Jf), nil
}
