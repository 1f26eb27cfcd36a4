//go:build cgo

package seccomp

import (
	"errors"
	"fmt"
	"slices"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	libseccomp "github.com/seccomp/libseccomp-golang"
	"golang.org/x/sys/unix"
)

// scmpArchs maps the spec's architectures to libseccomp's. libseccomp
// 2.5.4 refuses the last three (AddArch says so).
var scmpArchs = map[specs.Arch]libseccomp.ScmpArch{
	specs.ArchX86:         libseccomp.ArchX86,
	specs.ArchX86_64:      libseccomp.ArchAMD64,
	specs.ArchX32:         libseccomp.ArchX32,
	specs.ArchARM:         libseccomp.ArchARM,
	specs.ArchAARCH64:     libseccomp.ArchARM64,
	specs.ArchMIPS:        libseccomp.ArchMIPS,
	specs.ArchMIPS64:      libseccomp.ArchMIPS64,
	specs.ArchMIPS64N32:   libseccomp.ArchMIPS64N32,
	specs.ArchMIPSEL:      libseccomp.ArchMIPSEL,
	specs.ArchMIPSEL64:    libseccomp.ArchMIPSEL64,
	specs.ArchMIPSEL64N32: libseccomp.ArchMIPSEL64N32,
	specs.ArchPPC:         libseccomp.ArchPPC,
	specs.ArchPPC64:       libseccomp.ArchPPC64,
	specs.ArchPPC64LE:     libseccomp.ArchPPC64LE,
	specs.ArchS390:        libseccomp.ArchS390,
	specs.ArchS390X:       libseccomp.ArchS390X,
	specs.ArchPARISC:      libseccomp.ArchPARISC,
	specs.ArchPARISC64:    libseccomp.ArchPARISC64,
	specs.ArchRISCV64:     libseccomp.ArchRISCV64,
	specs.ArchLOONGARCH64: libseccomp.ArchLOONGARCH64,
	specs.ArchM68K:        libseccomp.ArchM68K,
	specs.ArchSH:          libseccomp.ArchSH,
	specs.ArchSHEB:        libseccomp.ArchSHEB,
}

// maxInsns is BPF_MAXINSNS, the kernel's limit on one filter.
const maxInsns = 4096

// tableSpan bounds an ABI's own syscall table above its base: numbers past
// it (ARM's private 0xf0000+ calls) do not raise the stub's bound.
const tableSpan = 0x1000

// scmpOps maps the spec's operators to libseccomp's.
var scmpOps = map[specs.LinuxSeccompOperator]libseccomp.ScmpCompareOp{
	specs.OpNotEqual:     libseccomp.CompareNotEqual,
	specs.OpLessThan:     libseccomp.CompareLess,
	specs.OpLessEqual:    libseccomp.CompareLessOrEqual,
	specs.OpEqualTo:      libseccomp.CompareEqual,
	specs.OpGreaterEqual: libseccomp.CompareGreaterEqual,
	specs.OpGreaterThan:  libseccomp.CompareGreater,
	specs.OpMaskedEqual:  libseccomp.CompareMaskedEqual,
}

// LibseccompVersion is the version of the libseccomp berth runs with, as
// "major.minor.micro". It decides which syscall names are known.
func LibseccompVersion() string {
	major, minor, micro := libseccomp.GetLibraryVersion()
	return fmt.Sprintf("%d.%d.%d", major, minor, micro)
}

// Compile validates a profile and compiles it to a Program, returning with
// it the warnings a person should see (skipped syscall names, ORed
// conditions, dropped flags). A nil profile compiles to a nil Program.
// Compile makes no change to the calling process: the filter is exported,
// never loaded.
func Compile(s *specs.LinuxSeccomp) (*Program, []string, error) {
	if s == nil {
		return nil, nil, nil
	}
	if err := Validate(s); err != nil {
		return nil, nil, err
	}
	c, err := newCompiler(s)
	if err != nil {
		return nil, nil, err
	}
	defer c.f.Release()
	if err := c.addArches(); err != nil {
		return nil, nil, err
	}
	for i := range s.Syscalls {
		if err := c.addRule(i); err != nil {
			return nil, nil, err
		}
	}
	filter, err := c.program()
	if err != nil {
		return nil, nil, err
	}
	p := &Program{Filter: filter}
	c.setFlags(p)
	return p, c.warnings, nil
}

// compiler holds one compilation.
type compiler struct {
	s        *specs.LinuxSeccomp
	f        *libseccomp.ScmpFilter
	def      libseccomp.ScmpAction
	arches   []specs.Arch // of the filter: the native one first
	named    []string     // syscall names libseccomp resolved, once each
	seen     map[string]bool
	warnings []string
}

func newCompiler(s *specs.LinuxSeccomp) (*compiler, error) {
	def := scmpAction(s.DefaultAction, s.DefaultErrnoRet)
	f, err := libseccomp.NewFilter(def)
	if err != nil {
		return nil, fmt.Errorf("%s.defaultAction: %w", field, err)
	}
	return &compiler{s: s, f: f, def: def, seen: map[string]bool{}}, nil
}

func (c *compiler) warnf(format string, args ...any) {
	c.warnings = append(c.warnings, fmt.Sprintf(format, args...))
}

// scmpAction is the libseccomp action of a (validated) spec action.
func scmpAction(a specs.LinuxSeccompAction, errnoRet *uint) libseccomp.ScmpAction {
	errno := uint(unix.EPERM)
	if errnoRet != nil {
		errno = *errnoRet
	}
	switch a {
	case specs.ActKillProcess:
		return libseccomp.ActKillProcess
	case specs.ActTrap:
		return libseccomp.ActTrap
	case specs.ActErrno:
		return libseccomp.ActErrno.SetReturnCode(int16(errno))
	case specs.ActTrace:
		return libseccomp.ActTrace.SetReturnCode(int16(errno))
	case specs.ActAllow:
		return libseccomp.ActAllow
	case specs.ActLog:
		return libseccomp.ActLog
	case specs.ActNotify:
		return libseccomp.ActNotify
	}
	return libseccomp.ActKillThread // SCMP_ACT_KILL, SCMP_ACT_KILL_THREAD
}

// addArches adds the listed architectures; libseccomp starts with the
// native one.
func (c *compiler) addArches() error {
	native, err := libseccomp.GetNativeArch()
	if err != nil {
		return fmt.Errorf("%s.architectures: native architecture: %w", field, err)
	}
	for name, a := range scmpArchs {
		if a == native {
			c.arches = append(c.arches, name)
		}
	}
	for i, name := range c.s.Architectures {
		if err := c.f.AddArch(scmpArchs[name]); err != nil {
			if errors.Is(err, unix.EDOM) {
				err = fmt.Errorf("its byte order differs from the native %s: one filter cannot hold both", c.arches[0])
			}
			return fmt.Errorf("%s.architectures[%d]: %s: %w", field, i, name, err)
		}
		if !slices.Contains(c.arches, name) {
			c.arches = append(c.arches, name)
		}
	}
	return nil
}

// addRule adds syscalls[i] for each of its names libseccomp knows.
func (c *compiler) addRule(i int) error {
	r := &c.s.Syscalls[i]
	act := scmpAction(r.Action, r.ErrnoRet)
	conds, split, err := c.conditions(i)
	if err != nil {
		return err
	}
	for j, name := range r.Names {
		nr, err := libseccomp.GetSyscallFromName(name)
		if err != nil {
			c.warnf("%s.syscalls[%d].names[%d]: syscall %q unknown to libseccomp %s: skipped", field, i, j, name, LibseccompVersion())
			continue
		}
		if !c.seen[name] {
			c.seen[name] = true
			c.named = append(c.named, name)
		}
		if act == c.def {
			continue // the default action does it; libseccomp refuses the rule
		}
		if err := c.add(nr, act, conds, split); err != nil {
			return fmt.Errorf("%s.syscalls[%d].names[%d]: %q: %w", field, i, j, name, err)
		}
	}
	return nil
}

// conditions builds the args of syscalls[i]; split says an index repeats,
// so that each condition must be a rule of its own.
func (c *compiler) conditions(i int) ([]libseccomp.ScmpCondition, bool, error) {
	r := &c.s.Syscalls[i]
	var conds []libseccomp.ScmpCondition
	var used [maxArgs]bool
	split := false
	for k, a := range r.Args {
		split = split || used[a.Index]
		used[a.Index] = true
		values := []uint64{a.Value}
		if a.Op == specs.OpMaskedEqual {
			values = append(values, a.ValueTwo)
		} else if a.ValueTwo != 0 {
			c.warnf("%s.syscalls[%d].args[%d].valueTwo: ignored with %s", field, i, k, a.Op)
		}
		cond, err := libseccomp.MakeCondition(a.Index, scmpOps[a.Op], values...)
		if err != nil {
			return nil, false, fmt.Errorf("%s.syscalls[%d].args[%d]: %w", field, i, k, err)
		}
		conds = append(conds, cond)
	}
	if split {
		c.warnf("%s.syscalls[%d].args: an index repeats: each condition becomes a rule of its own and they are ORed (as runc and crun do)", field, i)
	}
	return conds, split, nil
}

// add adds one syscall's rule, or one rule per condition when split.
func (c *compiler) add(nr libseccomp.ScmpSyscall, act libseccomp.ScmpAction, conds []libseccomp.ScmpCondition, split bool) error {
	if len(conds) == 0 {
		return c.f.AddRule(nr, act)
	}
	if !split {
		return c.f.AddRuleConditional(nr, act, conds)
	}
	for _, cond := range conds {
		if err := c.f.AddRuleConditional(nr, act, []libseccomp.ScmpCondition{cond}); err != nil {
			return err
		}
	}
	return nil
}

// program exports the filter and prepends the -ENOSYS stub.
func (c *compiler) program() ([]unix.SockFilter, error) {
	b, err := exportBPF(c.f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", field, err)
	}
	filter, err := parseFilter(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", field, err)
	}
	if needsStub(c.s) {
		stub, err := buildStub(c.stubArches())
		if err != nil {
			return nil, fmt.Errorf("%s: %w", field, err)
		}
		filter = append(stub, filter...)
	}
	if len(filter) > maxInsns {
		return nil, fmt.Errorf("%s: the program has %d instructions, more than the kernel's %d", field, len(filter), maxInsns)
	}
	return filter, nil
}

// stubArches gathers the stub's bounds, one stubArch per AUDIT_ARCH value.
func (c *compiler) stubArches() []stubArch {
	var out []stubArch
	index := map[uint32]int{}
	for _, name := range c.arches {
		info := archs[name]
		k, ok := index[info.audit]
		if !ok {
			k = len(out)
			index[info.audit] = k
			out = append(out, stubArch{audit: info.audit})
		}
		abi := c.abiBounds(name, info)
		if info.base == x32Bit {
			out[k].x32 = abi
		} else {
			out[k].abi = abi
		}
	}
	return out
}

// abiBounds finds, for one architecture, the highest syscall number the
// profile names within the ABI's table, and the named numbers beyond it.
// Nil when the profile names no syscall of that architecture.
func (c *compiler) abiBounds(name specs.Arch, info archInfo) *stubABI {
	abi := &stubABI{zero: name == specs.ArchS390 || name == specs.ArchS390X}
	found := false
	var outside []uint32
	for _, sys := range c.named {
		nr, err := libseccomp.GetSyscallFromNameByArch(sys, scmpArchs[name])
		if err != nil || nr < 0 {
			continue // not a syscall of this architecture
		}
		n := uint32(nr)
		if n == 0 {
			abi.zero = false
		}
		if n < info.base || n >= info.base+tableSpan {
			outside = append(outside, n)
			continue
		}
		if !found || n > abi.max {
			abi.max = n
		}
		found = true
	}
	if !found {
		return nil
	}
	for _, n := range outside {
		if n > abi.max {
			abi.exempt = append(abi.exempt, n)
		}
	}
	slices.Sort(abi.exempt)
	abi.exempt = slices.Compact(abi.exempt)
	return abi
}

// setFlags fills the seccomp(2) flags and the listener fields.
func (c *compiler) setFlags(p *Program) {
	for _, n := range c.s.Flags {
		// TSYNC gives the filter to the other threads of the process:
		// the init is single-threaded C and has none, so the flag is
		// accepted and left out, as runc does (its tests read the flags
		// without it)
		p.Flags |= flagNames[n] &^ FlagTSync
	}
	for _, r := range c.s.Syscalls {
		p.NeedsNotify = p.NeedsNotify || r.Action == specs.ActNotify
	}
	if !p.NeedsNotify {
		if p.Flags&FlagWaitKillableRecv != 0 {
			// The kernel refuses it without NEW_LISTENER.
			p.Flags &^= FlagWaitKillableRecv
			c.warnf("%s.flags: SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV dropped: no rule uses SCMP_ACT_NOTIFY", field)
		}
		return
	}
	p.Flags |= FlagNewListener
	p.ListenerPath = c.s.ListenerPath
	p.ListenerMetadata = c.s.ListenerMetadata
}
