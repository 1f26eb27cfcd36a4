package specconv

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"github.com/opencontainers/selinux/go-selinux"
	"golang.org/x/sys/unix"
)

// Host answers the questions about the machine that Convert asks. The
// real one (RealHost) reads the host; tests give a fake.
type Host interface {
	// CapLastCap is the highest capability number the kernel knows
	// (/proc/sys/kernel/cap_last_cap).
	CapLastCap() (int, error)
	// SELinuxEnabled reports whether SELinux is enabled.
	SELinuxEnabled() bool
	// AppArmorEnabled reports whether AppArmor is enabled
	// (/sys/module/apparmor/parameters/enabled is "Y").
	AppArmorEnabled() bool
	// MountSetattr reports whether the kernel has mount_setattr(2)
	// (Linux 5.12), needed for the recursive and idmap mount options.
	MountSetattr() bool
	// FileType is the type bits of path's mode, following symlinks
	// (fs.ModeDir, fs.ModeDevice, ...; 0 for a regular file).
	FileType(path string) (fs.FileMode, error)
	// EvalSymlinks resolves the symlinks of an absolute path.
	EvalSymlinks(path string) (string, error)
	// IsHostNamespace reports whether the namespace file path is the
	// runtime's own namespace of type t.
	IsHostNamespace(path string, t specs.LinuxNamespaceType) (bool, error)
}

type realHost struct {
	once     sync.Once
	setattr  bool
	capOnce  sync.Once
	lastCap  int
	capError error
}

var theHost = &realHost{}

// RealHost is the Host berth runs on.
func RealHost() Host { return theHost }

// CapLastCap reads /proc/sys/kernel/cap_last_cap, once.
func (h *realHost) CapLastCap() (int, error) {
	h.capOnce.Do(func() {
		b, err := os.ReadFile("/proc/sys/kernel/cap_last_cap")
		if err != nil {
			h.capError = err
			return
		}
		h.lastCap, h.capError = strconv.Atoi(strings.TrimSpace(string(b)))
	})
	return h.lastCap, h.capError
}

// SELinuxEnabled asks go-selinux.
func (h *realHost) SELinuxEnabled() bool { return selinux.GetEnabled() }

// AppArmorEnabled reads the apparmor module's parameter.
func (h *realHost) AppArmorEnabled() bool {
	b, err := os.ReadFile("/sys/module/apparmor/parameters/enabled")
	return err == nil && strings.HasPrefix(string(b), "Y")
}

// MountSetattr probes with a bad fd: EBADF means the call exists.
func (h *realHost) MountSetattr() bool {
	h.once.Do(func() {
		err := unix.MountSetattr(-1, "", unix.AT_EMPTY_PATH, &unix.MountAttr{})
		h.setattr = !errors.Is(err, unix.ENOSYS)
	})
	return h.setattr
}

// FileType stats path, following symlinks.
func (h *realHost) FileType(path string) (fs.FileMode, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return 0, err
	}
	return fi.Mode().Type(), nil
}

// EvalSymlinks is filepath.EvalSymlinks.
func (h *realHost) EvalSymlinks(path string) (string, error) {
	return filepath.EvalSymlinks(path)
}

// IsHostNamespace compares path with /proc/self/ns/<type> by device and inode.
func (h *realHost) IsHostNamespace(path string, t specs.LinuxNamespaceType) (bool, error) {
	var own, other unix.Stat_t
	if err := unix.Stat("/proc/self/ns/"+nsProcName[t], &own); err != nil {
		return false, err
	}
	if err := unix.Stat(path, &other); err != nil {
		return false, err
	}
	return own.Dev == other.Dev && own.Ino == other.Ino, nil
}
