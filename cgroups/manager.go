package cgroups

import (
	"fmt"
	"strings"
	"syscall"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// Manager handles one container's cgroup in every hierarchy of the host.
// Its methods are not safe for concurrent use; berth serialises the
// commands of one container on its lock.
type Manager interface {
	// Create makes the cgroup directory (and missing parents) in every
	// hierarchy and applies Config.Resources (but the pids limit: see
	// Started) and the device rules. On
	// error it removes what it created: nothing is left behind.
	Create() error
	// Started applies what must wait until the container's process is in
	// the cgroup: the pids limit, which counts the init forking into the
	// container's pid namespace (a limit of 0 or 1 would stop it). The
	// caller of Create calls it once that process exists.
	Started() error
	// Adopt puts a freshly started init, which has not run any container
	// code yet, into a cgroup that can only be made with its first process
	// in it: the systemd driver starts the unit with pid, then applies the
	// limits (not the pids limit: see Started). The cgroupfs managers made
	// the cgroup in Create and the init entered it through OpenEntry: a
	// no-op there.
	Adopt(pid int) error
	// Join moves pid into the cgroup in every hierarchy (on Hybrid the
	// v1 controllers and the cgroup2 directory).
	Join(pid int) error
	// CloneFD opens the cgroup2 directory (O_PATH|O_DIRECTORY|O_CLOEXEC)
	// for clone3's CLONE_INTO_CGROUP (Go: SysProcAttr.UseCgroupFD and
	// CgroupFD); the caller closes it. ok is true on Unified only: on
	// Legacy there is no cgroup2 directory, and on Hybrid the process must
	// be moved into the v1 controllers anyway, so Join does it all.
	CloneFD() (fd int, ok bool, err error)
	// OpenEntry opens what lets a new single-threaded process enter the
	// cgroup without a migration (see Entry); the caller closes it.
	OpenEntry() (Entry, error)
	// Set applies a new resource set to the live cgroup: nil parts are
	// left as they are. Everything is checked before the first write; a
	// refusal found then leaves the cgroup untouched, and a write the
	// kernel refuses rolls back the files already written.
	Set(r *specs.LinuxResources) error
	// Freeze stops every process of the cgroup and waits until the kernel
	// reports it frozen.
	Freeze() error
	// Thaw resumes a frozen cgroup.
	Thaw() error
	// FreezerState reports Thawed, Freezing or Frozen.
	FreezerState() (string, error)
	// Pids lists every process in the cgroup and its descendants, sorted.
	Pids() ([]int, error)
	// Stats reads the cgroup's statistics in the shape of `runc events
	// --stats`.
	Stats() (*Snapshot, error)
	// OOMKillCount is how many processes the OOM killer killed in the
	// cgroup (v1 memory.oom_control, v2 memory.events oom_kill).
	OOMKillCount() (uint64, error)
	// Kill sends sig to every process: with cgroup.kill for SIGKILL where
	// the kernel has it (5.14+), else freezing, signalling and thawing so
	// that no process forks past the signal.
	Kill(sig syscall.Signal) error
	// Destroy removes every directory Create made, deepest first, in every
	// hierarchy; it thaws a frozen cgroup first and waits briefly for dying
	// processes (EBUSY). Directories it did not create are left.
	Destroy() error
	// State returns what to persist to Load this manager later.
	State() State
	// Exists tells whether the cgroup directory is there.
	Exists() bool
	// Warnings returns the settings the last Create or Set could not
	// honour on this host (not errors: the spec lets them be ignored).
	Warnings() []string
}

// Freezer states, as runc reports them.
const (
	Thawed   = "THAWED"
	Freezing = "FREEZING"
	Frozen   = "FROZEN"
)

// New resolves where the cgroup goes in every hierarchy and returns its
// manager. It validates cfg and has no side effects: Create makes it.
func New(cfg Config) (Manager, error) {
	si := readSysInfo(&cfg)
	if err := validate(cfg, si); err != nil {
		return nil, err
	}
	if si.layoutErr != nil {
		return nil, si.layoutErr
	}
	if cfg.Systemd {
		return newSystemd(cfg, si)
	}
	inner, err := innerPath(cfg)
	if err != nil {
		return nil, err
	}
	paths, err := resolvePaths(si.layout, inner)
	if err != nil {
		return nil, err
	}
	b := base{mode: si.mode, paths: paths, rootless: cfg.Rootless, res: cfg.Resources, defaults: cfg.DefaultDevices}
	return newManager(b), nil
}

// Load returns the manager of a cgroup described by a State that an
// earlier Create persisted.
func Load(st State) (Manager, error) {
	if st.Mode != DetectMode() {
		return nil, fmt.Errorf("cgroups: the state was made on a %s host, this host is %s", st.Mode, DetectMode())
	}
	if len(st.Paths) == 0 {
		return nil, fmt.Errorf("cgroups: the state has no cgroup paths")
	}
	for k, p := range st.Paths {
		if !underCgroupRoot(p) {
			return nil, fmt.Errorf("cgroups: state path %q for %q is not under %s", p, k, cgroupRoot)
		}
	}
	for _, p := range st.Created {
		if !underCgroupRoot(p) {
			return nil, fmt.Errorf("cgroups: state's created dir %q is not under %s", p, cgroupRoot)
		}
	}
	b := base{mode: st.Mode, paths: copyMap(st.Paths), created: append([]string(nil), st.Created...),
		rootless: st.Rootless, defaults: st.DefaultDevices}
	if u := st.Systemd; u != nil {
		if _, err := u.cgroupPath(); err != nil {
			return nil, fmt.Errorf("cgroups: state's systemd unit: %w", err)
		}
		b.adopted = true
		return wrapSystemd(b, *u, "", true), nil
	}
	return newManager(b), nil
}

// underCgroupRoot tells whether p is a clean absolute path below
// /sys/fs/cgroup (Destroy removes what the state lists).
func underCgroupRoot(p string) bool {
	return strings.HasPrefix(p, cgroupRoot+"/") && isClean(p)
}

// isClean says whether the absolute path p is as filepath.Clean leaves
// it (no empty, "." or ".." element, no trailing slash) without building
// the cleaned copy: list checks a dozen paths per container.
func isClean(p string) bool {
	if p == "/" {
		return true
	}
	for elem := range strings.SplitSeq(p[1:], "/") {
		if elem == "" || elem == "." || elem == ".." {
			return false
		}
	}
	return true
}

func newManager(b base) Manager {
	if b.mode == Unified {
		return &v2Manager{base: b}
	}
	return &v1Manager{base: b}
}

func copyMap(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}
