package libcontainer

import (
	"fmt"
	"os"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/berth-oci/berth/specconv"
)

// nsGetNSType is ioctl NS_GET_NSTYPE (_IO(0xb7, 0x3)): the CLONE_NEW* type
// of a namespace file.
const nsGetNSType = 0xb703

// openNamespace opens a namespace file to join and checks that it is a
// namespace of the wanted type.
func openNamespace(ns specconv.Namespace) (*os.File, error) {
	f, err := os.OpenFile(ns.Path, os.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("linux.namespaces: %s namespace path %q: %w", ns.Type, ns.Path, err)
	}
	typ, err := unix.IoctlRetInt(int(f.Fd()), nsGetNSType)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("linux.namespaces: %s namespace path %q is not a namespace file: %w", ns.Type, ns.Path, err)
	}
	if uintptr(typ) != ns.Flag {
		f.Close()
		return nil, fmt.Errorf("linux.namespaces: %s namespace path %q is a %s namespace", ns.Type, ns.Path, nsTypeName(uintptr(typ)))
	}
	return f, nil
}

var nsFlagNames = map[uintptr]specs.LinuxNamespaceType{
	unix.CLONE_NEWPID:    specs.PIDNamespace,
	unix.CLONE_NEWNET:    specs.NetworkNamespace,
	unix.CLONE_NEWNS:     specs.MountNamespace,
	unix.CLONE_NEWIPC:    specs.IPCNamespace,
	unix.CLONE_NEWUTS:    specs.UTSNamespace,
	unix.CLONE_NEWUSER:   specs.UserNamespace,
	unix.CLONE_NEWCGROUP: specs.CgroupNamespace,
	unix.CLONE_NEWTIME:   specs.TimeNamespace,
}

func nsTypeName(flag uintptr) string {
	if n, ok := nsFlagNames[flag]; ok {
		return string(n)
	}
	return fmt.Sprintf("unknown (%#x)", flag)
}

// openJoins opens the namespaces the plan joins, the user namespace first.
// add hands each file to the init and returns its fd number there.
func openJoins(p *specconv.Plan, add func(*os.File) int) ([]nsJoin, error) {
	var joins []nsJoin
	for _, userFirst := range []bool{true, false} {
		for _, ns := range p.Namespaces {
			if ns.Path == "" || (ns.Flag == unix.CLONE_NEWUSER) != userFirst {
				continue
			}
			f, err := openNamespace(ns)
			if err != nil {
				return nil, err
			}
			joins = append(joins, nsJoin{flag: ns.Flag, fd: add(f)})
		}
	}
	return joins, nil
}
