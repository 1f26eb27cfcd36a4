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

// openJoins opens the namespaces the plan joins, in the order the init
// joins them, and hands each file to the init (add returns its fd number
// there).
func openJoins(p *specconv.Plan, add func(*os.File) int) ([]nsJoin, error) {
	var files []nsFile
	for _, ns := range p.Namespaces {
		if ns.Path == "" {
			continue
		}
		f, err := openNamespace(ns)
		if err != nil {
			closeNSFiles(files)
			return nil, err
		}
		files = append(files, nsFile{flag: ns.Flag, file: f, path: ns.Path})
	}
	files, err := joinOrder(files)
	if err == nil {
		err = checkUsernsMaps(p, files)
	}
	if err != nil {
		closeNSFiles(files)
		return nil, err
	}
	joins := make([]nsJoin, len(files))
	for i, f := range files {
		joins[i] = nsJoin{flag: f.flag, fd: add(f.file)}
	}
	return joins, nil
}

// checkUsernsMaps checks the mappings given with a joined user namespace.
func checkUsernsMaps(p *specconv.Plan, files []nsFile) error {
	for _, f := range files {
		if f.flag == unix.CLONE_NEWUSER {
			return checkJoinedMaps(p, f)
		}
	}
	return nil
}

// nsFile is an open namespace file to join.
type nsFile struct {
	flag uintptr
	file *os.File
	path string
}

func closeNSFiles(files []nsFile) {
	for _, f := range files {
		f.file.Close()
	}
}

// nsGetUserns is ioctl NS_GET_USERNS (_IO(0xb7, 0x1)): an fd of the user
// namespace that owns a namespace.
const nsGetUserns = 0xb701

// joinOrder orders the namespaces to join as runc does: those the joined
// user namespace does not own first (joining them needs the host's
// privileges, which setns(CLONE_NEWUSER) gives up), then the user
// namespace, then those it owns (joining them needs its privileges).
// Without a joined user namespace the order is the config's.
func joinOrder(files []nsFile) ([]nsFile, error) {
	user := -1
	for i, f := range files {
		if f.flag == unix.CLONE_NEWUSER {
			user = i
		}
	}
	if user < 0 {
		return files, nil
	}
	var before, after []nsFile
	for i, f := range files {
		if i == user {
			continue
		}
		owned, err := ownedBy(f.file, files[user].file)
		if err != nil {
			return files, fmt.Errorf("linux.namespaces: %s namespace path %q: the user namespace owning it: %w", nsTypeName(f.flag), f.path, err)
		}
		if owned {
			after = append(after, f)
		} else {
			before = append(before, f)
		}
	}
	return append(append(before, files[user]), after...), nil
}

// ownedBy says whether the namespace ns is owned by the user namespace userns.
func ownedBy(ns, userns *os.File) (bool, error) {
	owner, err := unix.IoctlRetInt(int(ns.Fd()), nsGetUserns)
	if err != nil {
		return false, err
	}
	defer unix.Close(owner)
	var a, b unix.Stat_t
	if err := unix.Fstat(owner, &a); err != nil {
		return false, err
	}
	if err := unix.Fstat(int(userns.Fd()), &b); err != nil {
		return false, err
	}
	return a.Dev == b.Dev && a.Ino == b.Ino, nil
}
