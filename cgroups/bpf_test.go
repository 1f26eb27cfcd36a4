package cgroups

import (
	"bytes"
	"encoding/binary"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// TestEncodeProgram checks the struct bpf_insn layout: registers packed
// dst|src<<4, a 64-bit load in two slots, jump offsets counted in slots
// from the next instruction.
func TestEncodeProgram(t *testing.T) {
	prog := []bpfInsn{
		jneImm(r2, 1, "out"),
		ldImm64(r6, 1<<33|7),
		jneReg(r4, r6, "out"),
		ja("out"),
		movImm(r0, 1).withSymbol("out"),
		exit(),
	}
	got, err := encodeProgram(prog)
	if err != nil {
		t.Fatal(err)
	}
	slot := func(op, regs uint8, off int16, imm int32) []byte { return appendSlot(nil, op, regs, off, imm) }
	want := bytes.Join([][]byte{
		slot(0x55, 0x02, 4, 1), // jne r2, 1, +4 (over lddw's two slots, jne, ja)
		slot(0x18, 0x06, 0, 7), // lddw r6, low half
		slot(0x00, 0x00, 0, 2), // high half
		slot(0x5d, 0x64, 1, 0), // jne r4, r6, +1
		slot(0x05, 0x00, 0, 0), // ja +0
		slot(0xb7, 0x00, 0, 1), // mov r0, 1
		slot(0x95, 0x00, 0, 0), // exit
	}, nil)
	if !bytes.Equal(got, want) {
		t.Errorf("encoded\n%x\nwant\n%x", got, want)
	}
	if binary.NativeEndian.Uint16(got[2:]) != 4 {
		t.Errorf("offset not in host byte order")
	}
	if _, err := encodeProgram([]bpfInsn{ja("nowhere"), exit()}); err == nil || !strings.Contains(err.Error(), "nowhere") {
		t.Errorf("jump to an undefined label: %v", err)
	}
}

// TestRootDeviceProgramKernel loads the device program into the kernel
// and attaches it to a cgroup2 directory directly (on a hybrid host too,
// where berth itself uses the v1 devices controller): the verifier
// accepts what deviceProgram emits (a 64-bit major included), a process
// in the cgroup can open only what the rules allow, a second attach
// replaces the program, and a program the verifier refuses reports its
// log.
func TestRootDeviceProgramKernel(t *testing.T) {
	mode := requireRoot(t)
	root := cgroupRoot
	switch mode {
	case Legacy:
		t.Skip("skip: host limitation: no cgroup2 hierarchy")
	case Hybrid:
		root = hybridUnified
	}
	dir := filepath.Join(root, testName(t))
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.Remove(dir) })
	huge := devRuleSpec(true, "c", 4000000000, 1, "r")
	rules := []specs.LinuxDeviceCgroup{
		devRuleSpec(false, "a", -1, -1, "rwm"),
		devRuleSpec(true, "c", 1, 3, "rw"), // /dev/null
		devRuleSpec(true, "c", 1, 5, "r"),  // /dev/zero, read only
		huge,
	}
	probe := []string{"/dev/null:rw", "/dev/zero:r", "/dev/zero:w", "/dev/full:r"}
	attachAndProbe(t, dir, rules, probe, []string{"ok", "ok", "EPERM", "EPERM"})
	rules = append(rules, devRuleSpec(true, "c", 1, 7, "r")) // /dev/full
	attachAndProbe(t, dir, rules, probe, []string{"ok", "ok", "EPERM", "ok"})

	_, err := loadDeviceProgram("berth_bad", []bpfInsn{exit()}) // r0 never set
	if err == nil || !strings.Contains(err.Error(), "verifier: ") {
		t.Errorf("a program the verifier refuses: %v", err)
	}
	t.Logf("refused: %v", err)
}

// attachAndProbe attaches the rules' program to dir, checks it is the only
// one attached there, and runs the open helper in dir.
func attachAndProbe(t *testing.T, dir string, spec []specs.LinuxDeviceCgroup, probe, want []string) {
	t.Helper()
	if err := attachDeviceProgram(dir, mustRules(t, spec...)); err != nil {
		t.Fatal(err)
	}
	fd, err := unix.Open(dir, unix.O_DIRECTORY|unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fd)
	if ids, err := deviceProgramIDs(fd); err != nil || len(ids) != 1 {
		t.Fatalf("programs attached to %s: %v, %v; want one", dir, ids, err)
	}
	cmd := exec.Command(os.Args[0], probe...)
	cmd.Env = append(os.Environ(), "BERTH_CGROUPS_HELPER=open")
	cmd.SysProcAttr = &syscall.SysProcAttr{UseCgroupFD: true, CgroupFD: fd}
	c := runChild(t, nil, cmd, false)
	c.goOn()
	for i, p := range probe {
		if got := c.line(t); got != p+" "+want[i] {
			t.Errorf("open %s: %q, want %s", p, got, want[i])
		}
	}
	c.stop()
}
