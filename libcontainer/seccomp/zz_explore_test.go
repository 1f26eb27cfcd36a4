package seccomp

import (
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func TestZZExplore(t *testing.T) {
	s := &specs.LinuxSeccomp{DefaultAction: specs.ActErrno, Architectures: []specs.Arch{specs.ArchX86_64, specs.ArchX86, specs.ArchX32, specs.ArchARM},
		Syscalls: []specs.LinuxSyscall{{Names: []string{"read", "write", "getpgid", "mseal", "cacheflush"}, Action: specs.ActAllow},
			{Names: []string{"getpgid"}, Action: specs.ActErrno, ErrnoRet: new(uint), Args: []specs.LinuxSeccompArg{{Index: 0, Value: 100, Op: specs.OpGreaterEqual}}}}}
	p, w, err := Compile(s)
	if err != nil {
		t.Fatal(err)
	}
	t.Log(w)
	for i, in := range p.Filter {
		t.Logf("%3d: %#04x %3d %3d %#x", i, in.Code, in.Jt, in.Jf, in.K)
	}
	t.Logf("flags %#x", p.Flags)
}
