package cgroups

import (
	"errors"
	"fmt"
	"math"
	"strings"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/asm"
	"github.com/cilium/ebpf/link"
	"golang.org/x/sys/unix"
)

// Values of struct bpf_cgroup_dev_ctx (include/uapi/linux/bpf.h): the
// program gets access_type = access<<16 | type, then major, then minor.
const (
	bpfDevBlock  = 1 // BPF_DEVCG_DEV_BLOCK
	bpfDevChar   = 2 // BPF_DEVCG_DEV_CHAR
	bpfAccMknod  = 1 // BPF_DEVCG_ACC_MKNOD
	bpfAccRead   = 2 // BPF_DEVCG_ACC_READ
	bpfAccWrite  = 4 // BPF_DEVCG_ACC_WRITE
	labelDeny    = "deny"
	ctxOffType   = 0
	ctxOffMajor  = 4
	ctxOffMinor  = 8
	devTypeShift = 16
)

// accessBits pairs each access letter with its bit in the program's context.
var accessBits = []struct {
	letter rune
	bit    int32
}{{'r', bpfAccRead}, {'w', bpfAccWrite}, {'m', bpfAccMknod}}

// progBuilder emits instructions, attaching a pending label to the next
// one (every jump target is the first instruction of a block).
type progBuilder struct {
	insns    asm.Instructions
	pending  string
	denyUsed bool // a jump to labelDeny was emitted
}

func (b *progBuilder) emit(ins ...asm.Instruction) {
	for _, in := range ins {
		if b.pending != "" {
			in = in.WithSymbol(b.pending)
			b.pending = ""
		}
		if in.Reference() == labelDeny {
			b.denyUsed = true
		}
		b.insns = append(b.insns, in)
	}
}

// deviceProgram compiles rules into a BPF_PROG_TYPE_CGROUP_DEVICE program.
//
// Semantics, for each access bit the kernel asks about (r, w, m): the last
// rule that matches the device and has that bit decides; no match denies.
// Access is granted only if every asked bit is granted. So "last match
// wins" as the spec says, and a rule for "r" does not decide a "rw" open.
func deviceProgram(rules []devRule) asm.Instructions {
	b := &progBuilder{}
	b.emit(
		asm.LoadMem(asm.R2, asm.R1, ctxOffType, asm.Word),
		asm.Mov.Reg(asm.R3, asm.R2),
		asm.And.Imm(asm.R2, 0xffff),                        // R2: device type
		asm.RSh.Imm(asm.R3, devTypeShift),                  // R3: access asked
		asm.LoadMem(asm.R4, asm.R1, ctxOffMajor, asm.Word), // R4: major
		asm.LoadMem(asm.R5, asm.R1, ctxOffMinor, asm.Word), // R5: minor
	)
	for _, a := range accessBits {
		done := fmt.Sprintf("done_%c", a.letter)
		b.emit(asm.Mov.Reg(asm.R0, asm.R3), asm.And.Imm(asm.R0, a.bit), asm.JEq.Imm(asm.R0, 0, done))
		if !emitRulesForBit(b, rules, a.letter, done) {
			b.emit(asm.Ja.Label(labelDeny))
		}
		b.pending = done
	}
	b.emit(asm.Mov.Imm(asm.R0, 1), asm.Return())
	if b.denyUsed { // an unreachable block would fail the verifier
		b.pending = labelDeny
		b.emit(asm.Mov.Imm(asm.R0, 0), asm.Return())
	}
	return b.insns
}

// emitRulesForBit emits the rules having the access letter, last first.
// It reports whether a rule matched unconditionally (the rest would be
// unreachable, which the verifier refuses).
func emitRulesForBit(b *progBuilder, rules []devRule, letter rune, done string) bool {
	for i := len(rules) - 1; i >= 0; i-- {
		r := rules[i]
		if !strings.ContainsRune(r.access, letter) {
			continue
		}
		skip := fmt.Sprintf("skip_%c_%d", letter, i)
		conds := ruleConditions(r, skip)
		b.emit(conds...)
		target := labelDeny
		if r.allow {
			target = done
		}
		b.emit(asm.Ja.Label(target))
		if len(conds) == 0 {
			return true
		}
		b.pending = skip
	}
	return false
}

// ruleConditions emits "jump to skip unless the device matches r".
func ruleConditions(r devRule, skip string) []asm.Instruction {
	var out []asm.Instruction
	switch r.typ {
	case 'b':
		out = append(out, asm.JNE.Imm(asm.R2, bpfDevBlock, skip))
	case 'c':
		out = append(out, asm.JNE.Imm(asm.R2, bpfDevChar, skip))
	}
	for _, c := range []struct {
		reg asm.Register
		v   int64
	}{{asm.R4, r.major}, {asm.R5, r.minor}} {
		switch {
		case c.v == wildcard:
		case c.v <= math.MaxInt32:
			out = append(out, asm.JNE.Imm(c.reg, int32(c.v), skip))
		default:
			out = append(out, asm.LoadImm(asm.R6, c.v, asm.DWord), asm.JNE.Reg(c.reg, asm.R6, skip))
		}
	}
	return out
}

// attachDeviceProgram loads the program for rules and attaches it to the
// cgroup dir with BPF_F_ALLOW_MULTI. A program berth attached before is
// replaced atomically (BPF_F_REPLACE) when it is the only one; otherwise
// the new one is attached first and the old ones detached after, so the
// cgroup never allows more than either rule set (all attached programs
// must allow an access).
func attachDeviceProgram(dir string, rules []devRule) error {
	prog, err := ebpf.NewProgram(&ebpf.ProgramSpec{
		Name:         "berth_devices",
		Type:         ebpf.CGroupDevice,
		License:      "Apache-2.0",
		Instructions: deviceProgram(rules),
	})
	if err != nil {
		return fmt.Errorf("%s: load the device eBPF program: %w", devField, err)
	}
	defer prog.Close()
	fd, err := unix.Open(dir, unix.O_DIRECTORY|unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("%s: open %s: %w", devField, dir, err)
	}
	defer unix.Close(fd)
	old, err := attachedDevicePrograms(fd)
	if err != nil {
		return fmt.Errorf("%s: query the programs attached to %s: %w", devField, dir, err)
	}
	defer closeAll(old)
	if len(old) == 1 {
		if err := attachProgram(fd, prog, link.ReplaceProgram(old[0])); err == nil {
			return nil
		}
	}
	if err := attachProgram(fd, prog, nil); err != nil {
		return fmt.Errorf("%s: attach the device eBPF program to %s: %w", devField, dir, err)
	}
	for _, p := range old {
		err := link.RawDetachProgram(link.RawDetachProgramOptions{Target: fd, Program: p, Attach: ebpf.AttachCGroupDevice})
		if err != nil && !errors.Is(err, unix.ENOENT) {
			return fmt.Errorf("%s: detach the previous device program from %s: %w", devField, dir, err)
		}
	}
	return nil
}

func attachProgram(fd int, prog *ebpf.Program, anchor link.Anchor) error {
	return link.RawAttachProgram(link.RawAttachProgramOptions{
		Target:  fd,
		Program: prog,
		Attach:  ebpf.AttachCGroupDevice,
		Anchor:  anchor,
		Flags:   unix.BPF_F_ALLOW_MULTI,
	})
}

// attachedDevicePrograms opens the device programs attached to the cgroup
// itself (not inherited ones).
func attachedDevicePrograms(fd int) ([]*ebpf.Program, error) {
	res, err := link.QueryPrograms(link.QueryOptions{Target: fd, Attach: ebpf.AttachCGroupDevice})
	if err != nil {
		return nil, err
	}
	var progs []*ebpf.Program
	for _, ap := range res.Programs {
		p, err := ebpf.NewProgramFromID(ap.ID)
		if err != nil {
			closeAll(progs)
			return nil, err
		}
		progs = append(progs, p)
	}
	return progs, nil
}

func closeAll(progs []*ebpf.Program) {
	for _, p := range progs {
		p.Close()
	}
}
