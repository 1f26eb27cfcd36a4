package cgroups

import (
	"fmt"
	"os"
	"sort"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// sysInfo is what validation needs to know about the host. Tests build
// it by hand.
type sysInfo struct {
	mode        Mode
	controllers map[string]bool // v1: mounted hierarchies; v2: the root's cgroup.controllers
	cpus, mems  cpuList         // online CPUs and memory nodes; nil: not checked
	pageSizes   map[string]bool // huge page sizes ("2MB"); nil: not checked
	systemd     bool            // /run/systemd/system exists
	layout      *layout         // the mounts, for New; nil when unreadable
	layoutErr   error
}

// hostSysInfo reads sysInfo from this host (no side effects).
func hostSysInfo() *sysInfo { return readSysInfo(nil) }

// readSysInfo reads sysInfo from this host, all of it for a nil cfg, or
// only what validating cfg looks at (New: a create without a cpuset, huge
// page limits or the systemd driver reads neither the online lists, nor
// /sys/kernel/mm/hugepages, nor /run/systemd/system).
func readSysInfo(cfg *Config) *sysInfo {
	var r specs.LinuxResources
	if cfg != nil && cfg.Resources != nil {
		r = *cfg.Resources
	}
	all := cfg == nil
	si := &sysInfo{mode: DetectMode(), controllers: make(map[string]bool)}
	if all || len(r.HugepageLimits) > 0 {
		si.pageSizes = hostPageSizes()
	}
	l, err := discoverLayout(si.mode)
	si.layout, si.layoutErr = l, err
	if err == nil {
		for c := range l.v1 {
			si.controllers[c] = true
		}
		if si.mode == Unified && l.unified != nil {
			if s, err := readFile(l.unified.mount, "cgroup.controllers"); err == nil {
				for _, c := range strings.Fields(s) {
					si.controllers[c] = true
				}
			}
		}
	}
	if all || (r.CPU != nil && (r.CPU.Cpus != "" || r.CPU.Mems != "")) {
		si.cpus = readCPUList("/sys/devices/system/cpu/online")
		si.mems = readCPUList("/sys/devices/system/node/online")
		if si.mems == nil {
			si.mems = cpuList{0: true} // no NUMA: node 0 only
		}
	}
	if all || cfg.Systemd {
		_, err = os.Stat("/run/systemd/system")
		si.systemd = err == nil
	}
	return si
}

func readCPUList(path string) cpuList {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil
	}
	l, err := parseCPUList(string(b))
	if err != nil {
		return nil
	}
	return l
}

// Validate checks cfg without side effects: the path, the driver, every
// resource value, and that the host can take them (controllers mounted,
// CPUs and memory nodes online, huge page sizes). What can only be told
// from a created cgroup (a unified key's file, a kernel refusing a value)
// is checked by Create and Set.
func Validate(cfg Config) error {
	return validate(cfg, hostSysInfo())
}

func validate(cfg Config, si *sysInfo) error {
	if si.mode == Unavailable {
		return fmt.Errorf("cgroups: no cgroup hierarchy is mounted at %s", cgroupRoot)
	}
	if err := validateDriver(cfg, si); err != nil {
		return err
	}
	if err := validatePath(cfg); err != nil {
		return err
	}
	if _, err := deviceRules(nil, cfg.DefaultDevices); err != nil {
		return err
	}
	return validateResources(cfg.Resources, si)
}

// validateDriver refuses the systemd driver where systemd is not the
// init or for rootless, and a systemd-style path without the driver.
func validateDriver(cfg Config, si *sysInfo) error {
	if cfg.Systemd {
		if !si.systemd {
			return fmt.Errorf("--systemd-cgroup: systemd is not running on this host (no /run/systemd/system)")
		}
		if cfg.Rootless {
			return fmt.Errorf("--systemd-cgroup: rootless containers (the user's systemd instance) are not supported by berth's systemd driver; run without --systemd-cgroup")
		}
		return nil
	}
	if isSystemdPath(cfg.Path) {
		return fmt.Errorf("linux.cgroupsPath: %q is a systemd \"slice:prefix:name\" path; it needs --systemd-cgroup", cfg.Path)
	}
	return nil
}

// validatePath checks the cgroupsPath the driver reads.
func validatePath(cfg Config) error {
	if cfg.Systemd {
		_, err := parseSystemdPath(cfg.Path, cfg.ID)
		return err
	}
	_, err := innerPath(cfg)
	return err
}

// isSystemdPath tells a "slice:prefix:name" cgroupsPath.
func isSystemdPath(p string) bool {
	return !strings.HasPrefix(p, "/") && strings.Count(p, ":") == 2
}

// validateResources checks r's values, then what the host has for them.
func validateResources(r *specs.LinuxResources, si *sysInfo) error {
	if r == nil {
		return nil
	}
	if err := validateValues(r); err != nil {
		return err
	}
	if err := validateModeSupport(r, si.mode); err != nil {
		return err
	}
	if err := checkControllers(r, si); err != nil {
		return err
	}
	return checkHostLists(r, si)
}

// validateValues checks every value on its own, whatever the host.
func validateValues(r *specs.LinuxResources) error {
	checks := []func() error{
		func() error { return validateMemory(r.Memory) },
		func() error { return validateCPU(r.CPU) },
		func() error { return validatePids(r.Pids) },
		func() error { return validateBlockIO(r.BlockIO) },
		func() error { return validateHugetlb(r.HugepageLimits) },
		func() error { return validateNetwork(r.Network) },
		func() error { return validateRdma(r.Rdma) },
		func() error { return validateUnified(r.Unified) },
		func() error { _, err := parseDeviceRules(r.Devices, devField); return err },
	}
	for _, c := range checks {
		if err := c(); err != nil {
			return err
		}
	}
	return nil
}

// validateModeSupport refuses what the cgroup version cannot express.
func validateModeSupport(r *specs.LinuxResources, mode Mode) error {
	if mode == Unified {
		if err := v2CPU(r.CPU, &plan{}); err != nil {
			return err
		}
		return v2Network(r.Network)
	}
	if len(r.Unified) > 0 {
		return fieldErr(unifiedField, "invalid configuration for this host: cgroup v2 keys need a pure cgroup v2 host; this host's cgroups are %s (v1 controllers)", mode)
	}
	return nil
}

// checkControllers refuses resources whose controller the host lacks.
func checkControllers(r *specs.LinuxResources, si *sysInfo) error {
	for _, n := range neededControllers(r, si.mode) {
		if !si.controllers[n.ctrl] {
			return fieldErr(n.field, "the %s controller is %s on this host (have: %s)", n.ctrl, missingWord(si.mode), names(si.controllers))
		}
	}
	return nil
}

func missingWord(m Mode) string {
	if m == Unified {
		return "not available in cgroup.controllers"
	}
	return "not mounted"
}

func names(m map[string]bool) string {
	var out []string
	for k, ok := range m {
		if ok {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	if len(out) == 0 {
		return "none"
	}
	return strings.Join(out, " ")
}

type need struct{ ctrl, field string }

// neededControllers lists the controllers r writes to, with the field
// that needs each. Devices are not listed: without the v1 devices
// controller they are skipped with a warning.
func neededControllers(r *specs.LinuxResources, mode Mode) []need {
	p, err := translate(r, mode)
	if err != nil {
		return nil
	}
	seen := make(map[string]bool)
	var out []need
	for _, w := range p.writes {
		c := w.ctrl
		if mode == Unified {
			c = controllerOf(w.file)
		}
		if c != "" && !seen[c] && w.flags&(ifExists|warnMissing) == 0 {
			seen[c] = true
			out = append(out, need{c, w.field})
		}
	}
	return out
}

// checkHostLists checks cpus and mems against the online CPUs and nodes,
// and huge page sizes against the host's.
func checkHostLists(r *specs.LinuxResources, si *sysInfo) error {
	if c := r.CPU; c != nil {
		if err := inHost(cpuField+".cpus", c.Cpus, si.cpus, "online CPUs"); err != nil {
			return err
		}
		if err := inHost(cpuField+".mems", c.Mems, si.mems, "online memory nodes"); err != nil {
			return err
		}
	}
	if si.pageSizes != nil {
		for i, l := range r.HugepageLimits {
			if !si.pageSizes[l.Pagesize] {
				return fieldErr(fmt.Sprintf("%s[%d].pageSize", hugetlbField, i), "%s is not a huge page size of this host (have: %s)", l.Pagesize, names(si.pageSizes))
			}
		}
	}
	return nil
}

func inHost(field, list string, host cpuList, what string) error {
	if list == "" || host == nil {
		return nil
	}
	set, err := parseCPUList(list)
	if err != nil {
		return fieldErr(field, "%v", err)
	}
	if miss := set.missing(host); len(miss) > 0 {
		return fieldErr(field, "%q names %v, not among the host's %s (%s)", list, miss, what, formatList(host))
	}
	return nil
}

// formatList prints a set back in the kernel's list format.
func formatList(s cpuList) string {
	var parts []string
	ids := s.sorted()
	for i := 0; i < len(ids); {
		j := i
		for j+1 < len(ids) && ids[j+1] == ids[j]+1 {
			j++
		}
		if i == j {
			parts = append(parts, fmt.Sprint(ids[i]))
		} else {
			parts = append(parts, fmt.Sprintf("%d-%d", ids[i], ids[j]))
		}
		i = j + 1
	}
	return strings.Join(parts, ",")
}
