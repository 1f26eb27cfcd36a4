package cgroups

import (
	"fmt"
	"path"
	"strings"
)

// SystemdUnit is the unit the systemd driver keeps a container's cgroup
// in: a transient scope (or, when cgroupsPath names one, a slice) and the
// slice it goes under.
type SystemdUnit struct {
	// Name is the unit: "<prefix>-<name>.scope", or the name itself when
	// it is a ".slice".
	Name string `json:"name"`
	// Slice is the parent slice unit ("system.slice").
	Slice string `json:"slice"`
}

// defaultSlice is where a root container's unit goes when cgroupsPath
// gives no slice; defaultPrefix names its scope when cgroupsPath is
// empty. Both as runc 1.5.1 chooses them.
const (
	defaultSlice  = "system.slice"
	defaultPrefix = "runc"
)

// IsSlice tells whether the unit is a slice (no processes of its own in
// systemd's eyes: joined by cgroup.procs, not started with PIDs).
func (u SystemdUnit) IsSlice() bool { return strings.HasSuffix(u.Name, ".slice") }

// parseSystemdPath reads a cgroupsPath for the systemd driver:
// "slice:prefix:name", the unit "prefix-name.scope" under slice (an empty
// slice is system.slice), or the slice "name" itself when name ends in
// ".slice". An empty path is "system.slice:runc:<id>".
func parseSystemdPath(p, id string) (SystemdUnit, error) {
	slice, prefix, name := defaultSlice, defaultPrefix, id
	if p != "" {
		parts := strings.Split(p, ":")
		if len(parts) != 3 {
			return SystemdUnit{}, fmt.Errorf("linux.cgroupsPath: %q is not of the form \"slice:prefix:name\" that --systemd-cgroup needs (e.g. \"system.slice:berth:%s\")", p, id)
		}
		slice, prefix, name = parts[0], parts[1], parts[2]
		if slice == "" {
			slice = defaultSlice
		}
	}
	if name == "" {
		return SystemdUnit{}, fmt.Errorf("linux.cgroupsPath: %q has an empty name (\"slice:prefix:name\")", p)
	}
	u := SystemdUnit{Name: prefix + "-" + name + ".scope", Slice: slice}
	if strings.HasSuffix(name, ".slice") {
		u.Name = name
	}
	if _, err := u.cgroupPath(); err != nil {
		return SystemdUnit{}, fmt.Errorf("linux.cgroupsPath: %q: %w", p, err)
	}
	return u, nil
}

// cgroupPath is where systemd puts the unit, relative to the root of the
// cgroup hierarchy: the slice's path, then the scope. A slice unit's place
// follows from its own name, which must then be a child of Slice.
func (u SystemdUnit) cgroupPath() (string, error) {
	if err := checkUnitName(u.Name); err != nil {
		return "", err
	}
	parent, err := expandSlice(u.Slice)
	if err != nil {
		return "", err
	}
	if !u.IsSlice() {
		return path.Join(parent, u.Name), nil
	}
	own, err := expandSlice(u.Name)
	if err != nil {
		return "", err
	}
	if path.Dir(own) != parent {
		return "", fmt.Errorf("slice %s is not a child of %s (systemd places it at %s)", u.Name, u.Slice, own)
	}
	return own, nil
}

// expandSlice gives the cgroup path of a slice unit: systemd nests slices
// by the dashes of their names, so "a-b-c.slice" is
// /a.slice/a-b.slice/a-b-c.slice, and "-.slice" is the root.
func expandSlice(slice string) (string, error) {
	base, ok := strings.CutSuffix(slice, ".slice")
	if !ok || base == "" {
		return "", fmt.Errorf("slice %q is not a slice unit name (NAME.slice)", slice)
	}
	if err := checkUnitName(slice); err != nil {
		return "", err
	}
	if base == "-" {
		return "/", nil
	}
	p, sofar := "/", ""
	for _, part := range strings.Split(base, "-") {
		if part == "" {
			return "", fmt.Errorf("slice %q has an empty part between dashes", slice)
		}
		sofar += part
		p = path.Join(p, sofar+".slice")
		sofar += "-"
	}
	return p, nil
}

// checkUnitName refuses what systemd would refuse as a unit name: the
// characters it allows are ASCII letters, digits and ":-_.\", at most 255
// of them.
func checkUnitName(n string) error {
	if len(n) > 255 {
		return fmt.Errorf("unit name %q is longer than 255 characters", n)
	}
	for _, c := range n {
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.ContainsRune(":-_.\\", c)
		if !ok {
			return fmt.Errorf("unit name %q contains %q: systemd allows letters, digits and \":-_.\\\"", n, c)
		}
	}
	return nil
}
