package specconv

import (
	"io/fs"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// fakeHost is a Host made of maps, for tests.
type fakeHost struct {
	lastCap           int
	selinux, apparmor bool
	noSetattr         bool
	// files are the paths that exist, with their type.
	files map[string]fs.FileMode
	// links resolve symlinked paths for EvalSymlinks.
	links map[string]string
	// hostNS are the namespace paths that are the runtime's own.
	hostNS map[string]bool
}

const (
	dir  = fs.ModeDir
	reg  = fs.FileMode(0)
	chr  = fs.ModeDevice | fs.ModeCharDevice
	blk  = fs.ModeDevice
	fifo = fs.ModeNamedPipe
)

func newFakeHost() *fakeHost {
	return &fakeHost{
		lastCap: 40,
		files: map[string]fs.FileMode{
			"/b": dir, "/b/rootfs": dir, "/b/data": dir, "/b/file": reg,
			"/data": dir, "/etc/hosts": reg, "/dev": dir, "/sys": dir,
			"/dev/null": chr, "/dev/zero": chr, "/dev/full": chr, "/dev/random": chr,
			"/dev/urandom": chr, "/dev/tty": chr, "/dev/fuse": chr, "/dev/sda": blk,
			"/run/netns/a": reg,
		},
		links:  map[string]string{"/link/b": "/b"},
		hostNS: map[string]bool{"/proc/1/ns/net": true},
	}
}

func (h *fakeHost) CapLastCap() (int, error) { return h.lastCap, nil }
func (h *fakeHost) SELinuxEnabled() bool     { return h.selinux }
func (h *fakeHost) AppArmorEnabled() bool    { return h.apparmor }
func (h *fakeHost) MountSetattr() bool       { return !h.noSetattr }

func (h *fakeHost) FileType(path string) (fs.FileMode, error) {
	if t, ok := h.files[path]; ok {
		return t, nil
	}
	return 0, &fs.PathError{Op: "stat", Path: path, Err: fs.ErrNotExist}
}

func (h *fakeHost) EvalSymlinks(path string) (string, error) {
	if l, ok := h.links[path]; ok {
		return l, nil
	}
	if _, err := h.FileType(path); err != nil {
		return "", err
	}
	return path, nil
}

func (h *fakeHost) IsHostNamespace(path string, _ specs.LinuxNamespaceType) (bool, error) {
	return h.hostNS[path], nil
}

// baseSpec is the smallest valid config: a process, a rootfs, a mount
// namespace.
func baseSpec() *specs.Spec {
	return &specs.Spec{
		Version: "1.3.0",
		Root:    &specs.Root{Path: "rootfs"},
		Process: &specs.Process{Args: []string{"sh"}, Cwd: "/"},
		Linux:   &specs.Linux{Namespaces: []specs.LinuxNamespace{{Type: specs.MountNamespace}}},
	}
}

// ns is a shorthand for a list of new namespaces.
func ns(types ...specs.LinuxNamespaceType) []specs.LinuxNamespace {
	var out []specs.LinuxNamespace
	for _, t := range types {
		out = append(out, specs.LinuxNamespace{Type: t})
	}
	return out
}

func ptr[T any](v T) *T { return &v }
