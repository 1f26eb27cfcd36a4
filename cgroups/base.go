package cgroups

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// base is what the v1 (Legacy, Hybrid) and v2 managers share: the
// directories, what Create made, the warnings.
type base struct {
	mode     Mode
	paths    map[string]string // hierarchy key -> directory
	created  []string          // made by Create, parents first
	rootless bool
	res      *specs.LinuxResources
	defaults []specs.LinuxDeviceCgroup
	warnings []string
	hostInfo func() *sysInfo  // nil: hostSysInfo; tests fake the host
	skipped  map[string]error // rootless: hierarchies left out, and why
	adopted  bool             // systemd made the cgroup with the init in it
}

// Adopt is a no-op: the init entered the cgroup Create made (see Manager).
func (b *base) Adopt(int) error { return nil }

// host describes the host for Set's validation.
func (b *base) host() *sysInfo {
	if b.hostInfo != nil {
		return b.hostInfo()
	}
	return hostSysInfo()
}

// State returns what Load needs.
func (b *base) State() State {
	return State{Mode: b.mode, Paths: copyMap(b.paths), Created: append([]string(nil), b.created...),
		Rootless: b.rootless, DefaultDevices: b.defaults}
}

// Warnings returns the warnings of the last Create or Set.
func (b *base) Warnings() []string { return append([]string(nil), b.warnings...) }

func (b *base) warn(ws ...string) { b.warnings = append(b.warnings, ws...) }

// mkdirAll makes dir and its missing parents, recording each one made.
func (b *base) mkdirAll(dir string) error {
	var missing []string
	for d := dir; d != "/" && d != "."; d = filepath.Dir(d) {
		if _, err := os.Stat(d); err == nil {
			break
		}
		missing = append(missing, d)
	}
	for i := len(missing) - 1; i >= 0; i-- {
		err := os.Mkdir(missing[i], 0o755)
		if err != nil && !errors.Is(err, os.ErrExist) {
			return fmt.Errorf("cgroups: create %s: %w", missing[i], err)
		}
		if err == nil {
			b.created = append(b.created, missing[i])
		}
	}
	return nil
}

// keys returns the hierarchy keys in a fixed order: v1 controllers in
// v1Controllers order, then "" (cgroup2).
func (b *base) keys() []string {
	var ks []string
	for _, c := range v1Controllers {
		if _, ok := b.paths[c]; ok {
			ks = append(ks, c)
		}
	}
	if _, ok := b.paths[""]; ok {
		ks = append(ks, "")
	}
	return ks
}

// dirs returns the distinct directories in key order.
func (b *base) dirs() []string {
	seen := make(map[string]bool)
	var out []string
	for _, k := range b.keys() {
		if d := b.paths[k]; !seen[d] {
			seen[d] = true
			out = append(out, d)
		}
	}
	return out
}

// create runs Create's steps in order; on the first error it removes the
// directories made so far, so nothing is left behind.
func (b *base) create(steps ...func() error) error {
	b.warnings = nil
	for _, step := range steps {
		if err := step(); err != nil {
			_ = b.removeCreated()
			return err
		}
	}
	return nil
}

// withoutPids is r without its pids limit, which Started applies.
func withoutPids(r *specs.LinuxResources) *specs.LinuxResources {
	if r == nil || r.Pids == nil {
		return r
	}
	c := *r
	c.Pids = nil
	return &c
}

// started applies the pids limit Create left out, as an update: the
// device rules are not rewritten.
func (b *base) started(apply func(*specs.LinuxResources, bool) error) error {
	if b.res == nil || b.res.Pids == nil {
		return nil
	}
	if _, ok := b.res.Unified["pids.max"]; ok {
		return nil // a unified pids.max wins: it was written with the rest
	}
	return apply(&specs.LinuxResources{Pids: b.res.Pids}, false)
}

// set validates r against the host, then applies it with apply (the
// version's own), as an update of a live cgroup.
func (b *base) set(r *specs.LinuxResources, apply func(*specs.LinuxResources, bool) error) error {
	b.warnings = nil
	if r == nil {
		return nil
	}
	if err := validateResources(r, b.host()); err != nil {
		return err
	}
	return apply(r, false)
}

// createDirs makes the directory of every hierarchy. Rootless, a
// hierarchy berth may not write to is dropped, with one warning naming
// them all.
func (b *base) createDirs() error {
	var skipped []string
	defer func() {
		if len(skipped) > 0 {
			b.warn(fmt.Sprintf("cgroups: rootless: no cgroup in %s (not writable by this user)", strings.Join(skipped, ", ")))
		}
	}()
	for _, k := range b.keys() {
		if err := b.mkdirAll(b.paths[k]); err != nil {
			if b.rootless && isErrno(err, unix.EACCES, unix.EPERM, unix.EROFS) {
				skipped = append(skipped, keyName(k))
				delete(b.paths, k)
				if b.skipped == nil {
					b.skipped = make(map[string]error)
				}
				b.skipped[k] = err
				continue
			}
			return err
		}
	}
	return nil
}

// checkSkipped refuses writes to a hierarchy rootless Create left out,
// saying why it was left out.
func (b *base) checkSkipped(ws []fileWrite) error {
	for _, w := range ws {
		if err, ok := b.skipped[w.ctrl]; ok {
			return fieldErr(w.field, "rootless: the %s cgroup could not be created: %v", keyName(w.ctrl), err)
		}
	}
	return nil
}

// checkNotInUse refuses to create into a cgroup that existed before and
// has processes or is frozen: it belongs to something else (the spec
// asks an error for a non-empty cgroup on create).
func (b *base) checkNotInUse() error {
	if b.adopted {
		return nil // systemd made it for the container's init, which is in it
	}
	made := make(map[string]bool)
	for _, d := range b.created {
		made[d] = true
	}
	for _, d := range b.dirs() {
		if made[d] {
			continue
		}
		if pids, err := readPids(d, true); err == nil && len(pids) > 0 {
			// the words runc's tests look for
			return fmt.Errorf("cgroups: container's cgroup is not empty: %s already exists and has processes %v: is it another container's? (linux.cgroupsPath)", d, pids)
		}
		if v, err := readFile(d, "cgroup.freeze"); err == nil && v == "1" {
			return fmt.Errorf("cgroups: container's cgroup unexpectedly frozen: %s already exists and is frozen (linux.cgroupsPath)", d)
		}
		if v, err := readFile(d, "freezer.state"); err == nil && v != Thawed {
			return fmt.Errorf("cgroups: container's cgroup unexpectedly frozen: %s already exists and is %s (linux.cgroupsPath)", d, v)
		}
	}
	return nil
}

// keyName names a hierarchy key for messages.
func keyName(k string) string {
	if k == "" {
		return "cgroup2"
	}
	return k
}

// join writes pid to cgroup.procs in every directory.
func (b *base) join(pid int) error {
	if pid <= 0 {
		return fmt.Errorf("cgroups: join: invalid pid %d", pid)
	}
	for _, k := range b.keys() {
		dir := b.paths[k]
		err := writeFile(dir, "cgroup.procs", strconv.Itoa(pid))
		if err == nil {
			continue
		}
		if b.rootless && isErrno(err, unix.EACCES, unix.EPERM, unix.EROFS) {
			b.warn(fmt.Sprintf("cgroups: rootless: cannot join %s: %v", dir, err))
			continue
		}
		return fmt.Errorf("cgroups: move pid %d into %s: %w", pid, dir, err)
	}
	return nil
}

// exists tells whether any of the directories exists.
func (b *base) exists() bool {
	for _, d := range b.dirs() {
		if _, err := os.Stat(d); err == nil {
			return true
		}
	}
	return false
}

// removeCreated removes every directory Create made, deepest first,
// with the sub-cgroups the container made in them. It gives dying
// processes a moment (EBUSY); a parent still used by another cgroup is
// left, as is everything berth did not create.
func (b *base) removeCreated() error {
	order := append([]string(nil), b.created...)
	sort.SliceStable(order, func(i, j int) bool { return depth(order[i]) > depth(order[j]) })
	leaves := make(map[string]bool)
	for _, d := range b.dirs() {
		leaves[d] = true
	}
	var firstErr error
	for _, d := range order {
		if !leaves[d] {
			// a parent: only if empty; another container may use it
			_ = unix.Rmdir(d)
			continue
		}
		if err := removeTree(d); err != nil && firstErr == nil {
			firstErr = err
		}
	}
	if firstErr == nil {
		b.created = nil
	}
	return firstErr
}

func depth(p string) int { return strings.Count(p, "/") }

// removeTree removes dir and the cgroups below it (made inside the
// container), children first. It retries EBUSY (processes still exiting)
// for up to about 2 s.
func removeTree(dir string) error {
	ents, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	for _, e := range ents {
		if e.IsDir() {
			if err := removeTree(filepath.Join(dir, e.Name())); err != nil {
				return err
			}
		}
	}
	delay := 5 * time.Millisecond
	deadline := time.Now().Add(2 * time.Second)
	for {
		err := unix.Rmdir(dir)
		switch {
		case err == nil || errors.Is(err, unix.ENOENT):
			return nil
		case errors.Is(err, unix.EBUSY) && time.Now().Before(deadline):
			time.Sleep(delay)
			delay = min(2*delay, 100*time.Millisecond)
			continue
		case errors.Is(err, unix.EBUSY):
			return fmt.Errorf("cgroups: remove %s: %w (processes are still in it: %v)", dir, err, procsIn(dir))
		}
		return fmt.Errorf("cgroups: remove %s: %w", dir, err)
	}
}

// procsIn lists the pids in dir, for error messages.
func procsIn(dir string) []int {
	pids, _ := readPids(dir, false)
	return pids
}
