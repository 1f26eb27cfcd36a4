package cgroups

import (
	"fmt"
	"path/filepath"
	"strings"
	"syscall"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// v1Manager manages a cgroup on Legacy and Hybrid hosts: a directory per
// v1 hierarchy (plus, on Hybrid, one in the cgroup2 hierarchy; see
// hybrid.go).
type v1Manager struct{ base }

// Create makes the directories, fills empty cpusets from the parents and
// applies the resources and device rules.
func (m *v1Manager) Create() error {
	return m.create(m.createDirs, m.checkNotInUse, m.initCpuset, func() error { return m.apply(withoutPids(m.res), true) })
}

// Started applies the pids limit (see Manager).
func (m *v1Manager) Started() error { return m.started(m.apply) }

// Join moves pid into every hierarchy.
func (m *v1Manager) Join(pid int) error { return m.join(pid) }

// CloneFD is not available with v1 controllers: see the Manager doc.
func (m *v1Manager) CloneFD() (int, bool, error) { return -1, false, nil }

// Set validates r against the host, then applies it.
func (m *v1Manager) Set(r *specs.LinuxResources) error { return m.set(r, m.apply) }

// apply binds every write (resources, then device rules) to the cgroup
// before writing any; on Set it checks the memory limit against the
// usage (checkBeforeUpdate) and keeps an undo list.
func (m *v1Manager) apply(r *specs.LinuxResources, create bool) error {
	p, err := v1Files(r)
	if err != nil {
		return err
	}
	m.warn(p.warnings...)
	dws, err := m.deviceWrites(r, create)
	if err != nil {
		return err
	}
	if err := m.checkSkipped(p.writes); err != nil {
		return err
	}
	bound, warns, err := bind(append(p.writes, dws...), m.paths, explainV1)
	if err != nil {
		return err
	}
	m.warn(warns...)
	if dir, ok := m.paths["memory"]; ok && !create {
		if err := checkBeforeUpdate(r, dir, "memory.usage_in_bytes"); err != nil {
			return err
		}
	}
	restore := func() {}
	if dir, ok := m.paths["devices"]; ok && len(dws) > 0 && !create {
		restore = snapshotDevicesV1(dir)
	}
	_, warns, err = applyWrites(bound, !create)
	m.warn(warns...)
	if err != nil {
		restore()
	}
	return err
}

// explainV1 says why a v1 file is missing.
func explainV1(w fileWrite, dir string) error {
	return fieldErr(w.field, "this kernel has no %s (looked in %s)", fileNames(w), dir)
}

// fileNames lists a write's file and its alternatives: "a or b".
func fileNames(w fileWrite) string {
	names := w.file
	for a := w.alt; a != nil; a = a.alt {
		names += " or " + a.file
	}
	return names
}

// initCpuset gives every new cpuset cgroup on the way to the container's
// the parent's cpus and mems: a v1 cpuset starts empty and takes no
// process until both are set.
func (m *v1Manager) initCpuset() error {
	leaf, ok := m.paths["cpuset"]
	if !ok {
		return nil
	}
	var chain []string
	for d := leaf; d != "/" && d != "."; d = filepath.Dir(d) {
		cpus, err1 := readFile(d, "cpuset.cpus")
		mems, err2 := readFile(d, "cpuset.mems")
		if err1 != nil || err2 != nil || (cpus != "" && mems != "") {
			break
		}
		chain = append(chain, d)
	}
	for i := len(chain) - 1; i >= 0; i-- {
		parent := filepath.Dir(chain[i])
		for _, f := range []string{"cpuset.cpus", "cpuset.mems"} {
			if err := copyIfEmpty(parent, chain[i], f); err != nil {
				return err
			}
		}
	}
	return nil
}

func copyIfEmpty(from, to, file string) error {
	if cur, err := readFile(to, file); err == nil && cur != "" {
		return nil
	}
	v, err := readFile(from, file)
	if err != nil {
		return fmt.Errorf("cgroups: read %s/%s: %w", from, file, err)
	}
	if err := writeFile(to, file, v); err != nil {
		return fmt.Errorf("cgroups: initialise %s/%s from its parent: %w", to, file, err)
	}
	return nil
}

// checkBeforeUpdate refuses a memory limit below the current usage when
// the config asks for the check.
func checkBeforeUpdate(r *specs.LinuxResources, dir, usageFile string) error {
	if r == nil || r.Memory == nil || r.Memory.CheckBeforeUpdate == nil || !*r.Memory.CheckBeforeUpdate {
		return nil
	}
	if !set(r.Memory.Limit) || *r.Memory.Limit == -1 {
		return nil
	}
	usage, err := readUint(dir, usageFile)
	if err != nil {
		return fmt.Errorf("%s.checkBeforeUpdate: %w", memField, err)
	}
	if uint64(*r.Memory.Limit) < usage {
		return fieldErr(memField+".limit", "%d is below the current memory usage %d (checkBeforeUpdate is set)", *r.Memory.Limit, usage)
	}
	return nil
}

// Freeze freezes the v1 freezer cgroup.
func (m *v1Manager) Freeze() error {
	dir, err := m.freezerDir()
	if err != nil {
		return err
	}
	return freezeV1(dir)
}

// Thaw thaws the v1 freezer cgroup.
func (m *v1Manager) Thaw() error {
	dir, err := m.freezerDir()
	if err != nil {
		return err
	}
	return thawV1(dir)
}

// FreezerState reads freezer.state.
func (m *v1Manager) FreezerState() (string, error) {
	dir, err := m.freezerDir()
	if err != nil {
		return "", err
	}
	return stateV1(dir)
}

func (m *v1Manager) freezerDir() (string, error) {
	dir, ok := m.paths["freezer"]
	if !ok {
		return "", fmt.Errorf("cgroups: the freezer controller is not mounted on this host")
	}
	return dir, nil
}

// Pids lists the processes from the first hierarchy of pids, freezer,
// memory, devices, cpu, cgroup2, or any other, whose directory exists (a
// create killed inside Create leaves only some).
func (m *v1Manager) Pids() ([]int, error) {
	for _, k := range []string{"pids", "freezer", "memory", "devices", "cpu", systemdHierarchy, ""} {
		if dir, ok := m.paths[k]; ok && dirExists(dir) {
			return readPids(dir, true)
		}
	}
	for _, dir := range m.dirs() {
		if dirExists(dir) {
			return readPids(dir, true)
		}
	}
	return nil, fmt.Errorf("cgroups: no cgroup directory exists (%s)", strings.Join(m.dirs(), ", "))
}

// Kill signals every process: on Hybrid through the cgroup2 directory's
// cgroup.kill for SIGKILL, else frozen, signalled and thawed.
func (m *v1Manager) Kill(sig syscall.Signal) error {
	if done, err := m.hybridKill(sig); done {
		return err
	}
	dir, ok := m.paths["freezer"]
	return killVia(m, sig, ok && fileExists(dir, "freezer.state"))
}

// OOMKillCount reads oom_kill from memory.oom_control (Linux 4.13+).
func (m *v1Manager) OOMKillCount() (uint64, error) {
	dir, ok := m.paths["memory"]
	if !ok {
		return 0, fmt.Errorf("cgroups: the memory controller is not mounted on this host")
	}
	kv, err := readKeyed(dir, "memory.oom_control")
	if err != nil {
		return 0, fmt.Errorf("cgroups: %w", err)
	}
	n, ok := kv["oom_kill"]
	if !ok {
		return 0, fmt.Errorf("cgroups: %s/memory.oom_control has no oom_kill count (Linux 4.13+)", dir)
	}
	return n, nil
}

// Destroy thaws a frozen cgroup, then removes what Create made.
func (m *v1Manager) Destroy() error {
	if dir, ok := m.paths["freezer"]; ok && fileExists(dir, "freezer.state") {
		if st, err := stateV1(dir); err == nil && st != Thawed {
			if err := thawV1(dir); err != nil {
				return err
			}
		}
	}
	return m.removeCreated()
}

// Exists tells whether the cgroup is there.
func (m *v1Manager) Exists() bool { return m.exists() }
