package cgroups

import (
	"fmt"
	"path/filepath"
	"strings"
	"syscall"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// v2Manager manages a cgroup on a Unified (pure cgroup v2) host: one
// directory, controllers enabled in every ancestor, device rules as an
// eBPF program.
type v2Manager struct{ base }

func (m *v2Manager) dir() string { return m.paths[""] }

// Create makes the parents, enables the available controllers down to
// the parent (as runc does), makes the cgroup and applies the resources.
func (m *v2Manager) Create() error {
	return m.create(m.createCgroup, m.checkNotInUse, func() error { return m.apply(withoutPids(m.res), true) })
}

// Started applies the pids limit (see Manager).
func (m *v2Manager) Started() error { return m.started(m.apply) }

func (m *v2Manager) createCgroup() error {
	dir := m.dir()
	if err := m.mkdirAll(filepath.Dir(dir)); err != nil {
		return err
	}
	enableControllers(filepath.Dir(dir))
	err := m.mkdirAll(dir)
	if err != nil && m.rootless && isErrno(err, unix.EACCES, unix.EPERM, unix.EROFS) {
		return fmt.Errorf("%w (rootless on cgroup v2 needs a delegated cgroup)", err)
	}
	return err
}

// enableControllers writes "+controller" to cgroup.subtree_control of
// every cgroup from the root down to parent, for each controller the
// level has and has not enabled yet. Refusals (a cgroup with processes
// cannot enable domain controllers) are left for the leaf check: a
// resource whose controller is missing fails there, naming the field.
func enableControllers(parent string) {
	rel, err := filepath.Rel(cgroupRoot, parent)
	if err != nil || strings.HasPrefix(rel, "..") {
		return
	}
	d := cgroupRoot
	levels := []string{d}
	if rel != "." {
		for _, part := range strings.Split(rel, "/") {
			d = filepath.Join(d, part)
			levels = append(levels, d)
		}
	}
	for _, l := range levels {
		avail, err1 := readFile(l, "cgroup.controllers")
		on, err2 := readFile(l, "cgroup.subtree_control")
		if err1 != nil || err2 != nil {
			return
		}
		enabled := make(map[string]bool)
		for _, c := range strings.Fields(on) {
			enabled[c] = true
		}
		for _, c := range strings.Fields(avail) {
			if !enabled[c] {
				_ = writeFile(l, "cgroup.subtree_control", "+"+c)
			}
		}
	}
}

// Join moves pid into the cgroup (a process started with CloneFD is
// already there).
func (m *v2Manager) Join(pid int) error { return m.join(pid) }

// CloneFD opens the cgroup directory for CLONE_INTO_CGROUP.
func (m *v2Manager) CloneFD() (int, bool, error) {
	fd, err := unix.Open(m.dir(), unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return -1, false, fmt.Errorf("cgroups: open %s: %w", m.dir(), err)
	}
	return fd, true, nil
}

// Set validates r against the host, then applies it.
func (m *v2Manager) Set(r *specs.LinuxResources) error { return m.set(r, m.apply) }

// apply binds every write before writing any, checks the memory limit
// against the usage on Set (checkBeforeUpdate), writes, then attaches
// the device program; a failure of the program rolls the writes back.
func (m *v2Manager) apply(r *specs.LinuxResources, create bool) error {
	p, err := v2Files(r)
	if err != nil {
		return err
	}
	m.warn(p.warnings...)
	bound, warns, err := bind(p.writes, m.paths, explainV2)
	if err != nil {
		return err
	}
	m.warn(warns...)
	rules, devices, err := m.deviceRules(r, create)
	if err != nil {
		return err
	}
	if !create {
		if err := checkBeforeUpdate(r, m.dir(), "memory.current"); err != nil {
			return err
		}
	}
	u, warns, err := applyWrites(bound, !create)
	m.warn(warns...)
	if err != nil || !devices {
		return err
	}
	if err := attachDeviceProgram(m.dir(), rules); err != nil {
		if m.rootless {
			m.warn(fmt.Sprintf("%s: not enforced: rootless: %v", devField, err))
			return nil
		}
		u.run()
		return err
	}
	return nil
}

// deviceRules returns the rules to compile on Create (spec and defaults)
// or on Set (only when r has a device list).
func (m *v2Manager) deviceRules(r *specs.LinuxResources, create bool) ([]devRule, bool, error) {
	var spec []specs.LinuxDeviceCgroup
	if r != nil {
		spec = r.Devices
	}
	if !create && spec == nil {
		return nil, false, nil
	}
	rules, err := deviceRules(spec, m.defaults)
	m.warn(accessWarnings(rules)...)
	return rules, err == nil && len(rules) > 0, err
}

// explainV2 says why a cgroup v2 file is missing: its controller is not
// enabled for the cgroup, or the kernel does not have it.
func explainV2(w fileWrite, dir string) error {
	if c := controllerOf(w.file); c != "" {
		avail, _ := readFile(dir, "cgroup.controllers")
		found := false
		for _, a := range strings.Fields(avail) {
			found = found || a == c
		}
		if !found {
			return fieldErr(w.field, "the %s controller is not enabled for %s (its cgroup.controllers: %q)", c, dir, avail)
		}
	}
	return fieldErr(w.field, "%s does not exist in %s: this kernel does not have it", fileNames(w), dir)
}

// Freeze writes cgroup.freeze and waits for cgroup.events to say frozen.
func (m *v2Manager) Freeze() error { return freezeV2(m.dir()) }

// Thaw clears cgroup.freeze.
func (m *v2Manager) Thaw() error { return thawV2(m.dir()) }

// FreezerState reads cgroup.freeze and cgroup.events.
func (m *v2Manager) FreezerState() (string, error) { return stateV2(m.dir()) }

// Pids lists the processes of the cgroup and its descendants.
func (m *v2Manager) Pids() ([]int, error) { return readPids(m.dir(), true) }

// Kill uses cgroup.kill (Linux 5.14+) for SIGKILL, else freezes, signals
// and thaws.
func (m *v2Manager) Kill(sig syscall.Signal) error {
	if sig == syscall.SIGKILL && fileExists(m.dir(), "cgroup.kill") {
		if err := writeFile(m.dir(), "cgroup.kill", "1"); err != nil {
			return fmt.Errorf("cgroups: kill through %s/cgroup.kill: %w", m.dir(), err)
		}
		return nil
	}
	return killVia(m, sig, fileExists(m.dir(), "cgroup.freeze"))
}

// OOMKillCount reads oom_kill from memory.events.
func (m *v2Manager) OOMKillCount() (uint64, error) {
	kv, err := readKeyed(m.dir(), "memory.events")
	if err != nil {
		return 0, fmt.Errorf("cgroups: %w (is the memory controller enabled?)", err)
	}
	return kv["oom_kill"], nil
}

// Destroy thaws a frozen cgroup, then removes what Create made.
func (m *v2Manager) Destroy() error {
	if v, err := readFile(m.dir(), "cgroup.freeze"); err == nil && strings.TrimSpace(v) == "1" {
		if err := thawV2(m.dir()); err != nil {
			return err
		}
	}
	return m.removeCreated()
}

// Exists tells whether the cgroup directory is there.
func (m *v2Manager) Exists() bool { return m.exists() }
