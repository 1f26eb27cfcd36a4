package cgroups

import (
	"errors"
	"fmt"
	"math"
	"strings"

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
	insns    []bpfInsn
	pending  string
	denyUsed bool // a jump to labelDeny was emitted
}

func (b *progBuilder) emit(ins ...bpfInsn) {
	for _, in := range ins {
		if b.pending != "" {
			in = in.withSymbol(b.pending)
			b.pending = ""
		}
		if in.ref == labelDeny {
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
func deviceProgram(rules []devRule) []bpfInsn {
	b := &progBuilder{}
	b.emit(
		ldxW(r2, r1, ctxOffType),
		movReg(r3, r2),
		andImm(r2, 0xffff),        // r2: device type
		rshImm(r3, devTypeShift),  // r3: access asked
		ldxW(r4, r1, ctxOffMajor), // r4: major
		ldxW(r5, r1, ctxOffMinor), // r5: minor
	)
	for _, a := range accessBits {
		done := fmt.Sprintf("done_%c", a.letter)
		b.emit(movReg(r0, r3), andImm(r0, a.bit), jeqImm(r0, 0, done))
		if !emitRulesForBit(b, rules, a.letter, done) {
			b.emit(ja(labelDeny))
		}
		b.pending = done
	}
	b.emit(movImm(r0, 1), exit())
	if b.denyUsed { // an unreachable block would fail the verifier
		b.pending = labelDeny
		b.emit(movImm(r0, 0), exit())
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
		b.emit(ja(target))
		if len(conds) == 0 {
			return true
		}
		b.pending = skip
	}
	return false
}

// ruleConditions emits "jump to skip unless the device matches r".
func ruleConditions(r devRule, skip string) []bpfInsn {
	var out []bpfInsn
	switch r.typ {
	case 'b':
		out = append(out, jneImm(r2, bpfDevBlock, skip))
	case 'c':
		out = append(out, jneImm(r2, bpfDevChar, skip))
	}
	for _, c := range []struct {
		reg uint8
		v   int64
	}{{r4, r.major}, {r5, r.minor}} {
		switch {
		case c.v == wildcard:
		case c.v <= math.MaxInt32:
			out = append(out, jneImm(c.reg, int32(c.v), skip))
		default:
			out = append(out, ldImm64(r6, c.v), jneReg(c.reg, r6, skip))
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
	prog, err := loadDeviceProgram("berth_devices", deviceProgram(rules))
	if err != nil {
		return fmt.Errorf("%s: load the device eBPF program: %w", devField, err)
	}
	defer unix.Close(prog)
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
		if err := attachDeviceProgramFd(fd, prog, old[0]); err == nil {
			return nil
		}
	}
	if err := attachDeviceProgramFd(fd, prog, -1); err != nil {
		return fmt.Errorf("%s: attach the device eBPF program to %s: %w", devField, dir, err)
	}
	for _, p := range old {
		err := detachDeviceProgramFd(fd, p)
		if err != nil && !errors.Is(err, unix.ENOENT) {
			return fmt.Errorf("%s: detach the previous device program from %s: %w", devField, dir, err)
		}
	}
	return nil
}

// attachedDevicePrograms opens the device programs attached to the cgroup
// itself (not inherited ones).
func attachedDevicePrograms(fd int) ([]int, error) {
	ids, err := deviceProgramIDs(fd)
	if err != nil {
		return nil, err
	}
	var progs []int
	for _, id := range ids {
		p, err := programFdByID(id)
		if err != nil {
			closeAll(progs)
			return nil, err
		}
		progs = append(progs, p)
	}
	return progs, nil
}

func closeAll(progs []int) {
	for _, p := range progs {
		unix.Close(p)
	}
}
