package cgroups

import (
	"fmt"
	"math/rand"
	"reflect"
	"strings"
	"testing"

	"github.com/cilium/ebpf/asm"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// runProgram interprets the device program on one request, for the
// subset of eBPF that deviceProgram emits.
func runProgram(t *testing.T, insns asm.Instructions, typ, access, major, minor uint32) int64 {
	t.Helper()
	labels, err := insns.SymbolOffsets()
	if err != nil {
		t.Fatal(err)
	}
	ctx := []uint32{access<<16 | typ, major, minor}
	var reg [11]uint64
	for pc, steps := 0, 0; steps < 10000; steps++ {
		in := insns[pc]
		pc++
		op := in.OpCode
		switch {
		case op.Class() == asm.LdXClass:
			reg[in.Dst] = uint64(ctx[int(in.Offset)/4])
		case op.IsDWordLoad():
			reg[in.Dst] = uint64(in.Constant)
		case op.Class() == asm.ALU64Class:
			v := uint64(in.Constant)
			if op.Source() == asm.RegSource {
				v = reg[in.Src]
			}
			switch op.ALUOp() {
			case asm.Mov:
				reg[in.Dst] = v
			case asm.And:
				reg[in.Dst] &= v
			case asm.RSh:
				reg[in.Dst] >>= v
			default:
				t.Fatalf("unexpected ALU op %v", in)
			}
		case op.JumpOp() == asm.Exit:
			return int64(reg[asm.R0])
		case op.Class() == asm.JumpClass:
			v := uint64(in.Constant)
			if op.Source() == asm.RegSource {
				v = reg[in.Src]
			}
			taken := false
			switch op.JumpOp() {
			case asm.Ja:
				taken = true
			case asm.JEq:
				taken = reg[in.Dst] == v
			case asm.JNE:
				taken = reg[in.Dst] != v
			default:
				t.Fatalf("unexpected jump %v", in)
			}
			if taken {
				target, ok := labels[in.Reference()]
				if !ok || target <= pc-1 {
					t.Fatalf("jump to %q: no such label or backwards", in.Reference())
				}
				pc = target
			}
		default:
			t.Fatalf("unexpected instruction %v", in)
		}
	}
	t.Fatal("program did not exit")
	return 0
}

// checkReachable fails when an instruction cannot be reached (the
// verifier refuses such programs).
func checkReachable(t *testing.T, insns asm.Instructions) {
	t.Helper()
	labels, _ := insns.SymbolOffsets()
	seen := make([]bool, len(insns))
	var visit func(int)
	visit = func(i int) {
		for ; i < len(insns) && !seen[i]; i++ {
			seen[i] = true
			in := insns[i]
			if in.OpCode.JumpOp() == asm.Exit {
				return
			}
			if in.OpCode.Class() == asm.JumpClass {
				visit(labels[in.Reference()])
				if in.OpCode.JumpOp() == asm.Ja {
					return
				}
			}
		}
	}
	visit(0)
	for i, s := range seen {
		if !s {
			t.Fatalf("instruction %d (%v) is unreachable in\n%v", i, insns[i], insns)
		}
	}
}

// reference is the semantics in plain Go: per access bit, the last rule
// that matches and has the bit decides; no match denies.
func reference(rules []devRule, typ byte, access string, major, minor int64) bool {
	for _, bit := range access {
		ok := false
		for _, r := range rules {
			if (r.typ == 'a' || r.typ == typ) && (r.major == wildcard || r.major == major) &&
				(r.minor == wildcard || r.minor == minor) && strings.ContainsRune(r.access, bit) {
				ok = r.allow
			}
		}
		if !ok {
			return false
		}
	}
	return true
}

func accessBitsOf(a string) uint32 {
	var v uint32
	for _, ch := range a {
		v |= map[rune]uint32{'r': bpfAccRead, 'w': bpfAccWrite, 'm': bpfAccMknod}[ch]
	}
	return v
}

func mustRules(t *testing.T, specRules ...specs.LinuxDeviceCgroup) []devRule {
	t.Helper()
	r, err := parseDeviceRules(specRules, devField)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestDeviceProgram(t *testing.T) {
	conformance := mustRules(t,
		devRuleSpec(false, "a", -1, -1, "rwm"),
		devRuleSpec(true, "c", 10, 229, "rwm"),
		devRuleSpec(false, "b", 8, 20, "rwm"),
		devRuleSpec(true, "b", 10, 200, "r"),
	)
	cases := []struct {
		name  string
		rules []devRule
		typ   byte
		acc   string
		maj   uint32
		min   uint32
		allow bool
	}{
		{"no rules deny", nil, 'c', "r", 1, 3, false},
		{"allowed char", conformance, 'c', "rw", 10, 229, true},
		{"wrong type", conformance, 'b', "r", 10, 229, false},
		{"read-only block", conformance, 'b', "r", 10, 200, true},
		{"write not granted", conformance, 'b', "rw", 10, 200, false},
		{"denied", conformance, 'b', "r", 8, 20, false},
		{"other", conformance, 'c', "r", 1, 3, false},
		{"allow all", mustRules(t, devRuleSpec(true, "", -1, -1, "")), 'b', "rwm", 7, 7, true},
		{"last match wins", mustRules(t, devRuleSpec(true, "a", -1, -1, "rwm"), devRuleSpec(false, "c", 1, -1, "w")), 'c', "w", 1, 5, false},
		{"last match wins per bit", mustRules(t, devRuleSpec(true, "a", -1, -1, "rwm"), devRuleSpec(false, "c", 1, -1, "w")), 'c', "r", 1, 5, true},
		{"split rules add up", mustRules(t, devRuleSpec(true, "c", 1, 3, "r"), devRuleSpec(true, "c", 1, 3, "w")), 'c', "rw", 1, 3, true},
		{"huge numbers", mustRules(t, devRuleSpec(true, "c", 4000000000, 3, "r")), 'c', "r", 4000000000, 3, true},
		{"huge numbers differ", mustRules(t, devRuleSpec(true, "c", 4000000000, 3, "r")), 'c', "r", 4000000001, 3, false},
	}
	for _, tc := range cases {
		insns := deviceProgram(tc.rules)
		checkReachable(t, insns)
		typ := uint32(bpfDevChar)
		if tc.typ == 'b' {
			typ = bpfDevBlock
		}
		got := runProgram(t, insns, typ, accessBitsOf(tc.acc), tc.maj, tc.min) == 1
		if got != tc.allow {
			t.Errorf("%s: %c %d:%d %s allowed = %v, want %v\n%v", tc.name, tc.typ, tc.maj, tc.min, tc.acc, got, tc.allow, insns)
		}
	}
}

// TestDeviceProgramRandom compares the program with the reference on
// random rule lists and requests.
func TestDeviceProgramRandom(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	pick := func(s ...string) string { return s[rng.Intn(len(s))] }
	num := func() int64 { return int64(rng.Intn(4)) - 1 } // -1 (wildcard), 0, 1, 2
	accesses := []string{"r", "w", "m", "rw", "rm", "wm", "rwm"}
	for iter := 0; iter < 300; iter++ {
		var spec []specs.LinuxDeviceCgroup
		for n := rng.Intn(6); n > 0; n-- {
			spec = append(spec, devRuleSpec(rng.Intn(2) == 0, pick("a", "b", "c"), num(), num(), pick(accesses...)))
		}
		rules := mustRules(t, spec...)
		insns := deviceProgram(rules)
		checkReachable(t, insns)
		for q := 0; q < 20; q++ {
			typ := pick("b", "c")[0]
			acc := pick(accesses...)
			maj, min := int64(rng.Intn(3)), int64(rng.Intn(3))
			bt := uint32(bpfDevChar)
			if typ == 'b' {
				bt = bpfDevBlock
			}
			got := runProgram(t, insns, bt, accessBitsOf(acc), uint32(maj), uint32(min)) == 1
			if want := reference(rules, typ, acc, maj, min); got != want {
				t.Fatalf("rules %+v: %c %d:%d %s: program %v, reference %v", rules, typ, maj, min, acc, got, want)
			}
		}
	}
}

func TestV1DeviceWrites(t *testing.T) {
	rules := mustRules(t,
		devRuleSpec(false, "a", -1, -1, "rwm"),
		devRuleSpec(true, "c", 1, 3, "wr"),
		devRuleSpec(true, "a", -1, -1, "m"),
		devRuleSpec(false, "b", 8, -1, ""),
		devRuleSpec(true, "", -1, -1, ""),
	)
	var got []string
	for _, w := range v1DeviceWrites(rules) {
		got = append(got, w.file+" "+w.value+" ("+w.field+")")
	}
	want := []string{
		"devices.deny a (linux.resources.devices)",
		"devices.deny a (linux.resources.devices[0])",
		"devices.allow c 1:3 rw (linux.resources.devices[1])",
		"devices.allow b *:* m (linux.resources.devices[2])",
		"devices.allow c *:* m (linux.resources.devices[2])",
		"devices.deny b 8:* rwm (linux.resources.devices[3])",
		"devices.allow a (linux.resources.devices[4])",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestV1DeviceList: what devices.list shows after the writes, as the
// OCI conformance test linux_cgroups_devices checks it.
func TestV1DeviceList(t *testing.T) {
	defaults := []specs.LinuxDeviceCgroup{devRuleSpec(true, "c", 1, 3, "rwm"), devRuleSpec(true, "c", 136, -1, "rwm")}
	cases := []struct {
		spec     []specs.LinuxDeviceCgroup
		allowAll bool
		list     []string
	}{
		{[]specs.LinuxDeviceCgroup{
			devRuleSpec(false, "a", -1, -1, "rwm"),
			devRuleSpec(true, "c", 10, 229, "rwm"),
			devRuleSpec(false, "b", 8, 20, "rwm"),
			devRuleSpec(true, "b", 10, 200, "r"),
		}, false, []string{"c 10:229 rwm", "b 10:200 r", "c 1:3 rwm", "c 136:* rwm"}},
		{[]specs.LinuxDeviceCgroup{devRuleSpec(true, "c", 1, 3, "r"), devRuleSpec(true, "c", 5, 1, "w")},
			false, []string{"c 1:3 rwm", "c 5:1 w", "c 136:* rwm"}},
		{[]specs.LinuxDeviceCgroup{devRuleSpec(true, "c", 5, 1, "rw"), devRuleSpec(false, "c", 5, 1, "w")},
			false, []string{"c 5:1 r", "c 1:3 rwm", "c 136:* rwm"}},
		{[]specs.LinuxDeviceCgroup{devRuleSpec(true, "a", -1, -1, "rwm")}, true, []string{"a *:* rwm"}},
	}
	for i, tc := range cases {
		rules, err := deviceRules(tc.spec, defaults)
		if err != nil {
			t.Fatal(err)
		}
		allowAll, list := v1DeviceList(rules)
		if allowAll != tc.allowAll || !reflect.DeepEqual(list, tc.list) {
			t.Errorf("case %d: %v %q, want %v %q", i, allowAll, list, tc.allowAll, tc.list)
		}
	}
}

func TestCanonicalAccess(t *testing.T) {
	for in, want := range map[string][2]string{
		"": {"rwm", ""}, "mwr": {"rwm", ""}, "m": {"m", ""}, "wr": {"rw", ""}, "rr": {"r", ""},
		"rwa": {"rw", "a"}, "rx": {"r", "x"}, "a": {"error", ""}, "xyz": {"error", ""},
	} {
		got, ignored, err := canonicalAccess("f", in)
		if err != nil {
			got = "error"
		}
		if got != want[0] || ignored != want[1] {
			t.Errorf("canonicalAccess(%q) = %q, %q, want %q, %q", in, got, ignored, want[0], want[1])
		}
	}
}

func ExampleValidate() {
	err := validate(Config{ID: "c1", Resources: &specs.LinuxResources{
		Memory: &specs.LinuxMemory{Limit: i64(200), Swap: i64(100)},
	}}, fakeHost(Hybrid, v1All...))
	fmt.Println(err)
	// Output: linux.resources.memory.swap: 100 is below the memory limit 200
}
