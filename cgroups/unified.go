package cgroups

import (
	"sort"
	"strings"
)

const unifiedField = "linux.resources.unified"

// refusedUnified are core files a unified key must not write: they move,
// kill or freeze processes, which is the runtime's job, not a resource.
var refusedUnified = map[string]bool{
	"cgroup.procs": true, "cgroup.threads": true, "cgroup.kill": true,
	"cgroup.freeze": true, "cgroup.subtree_control": true, "cgroup.type": true,
}

// validateUnified checks the keys are plain "controller.name" file names.
// Whether the file exists is checked against the created cgroup.
func validateUnified(u map[string]string) error {
	for k := range u {
		f := unifiedField + "[" + k + "]"
		ctrl, rest, ok := strings.Cut(k, ".")
		if !ok || ctrl == "" || rest == "" || strings.ContainsAny(k, "/\x00 ") {
			return fieldErr(f, "%q is not a cgroup v2 file name (controller.name)", k)
		}
		if refusedUnified[k] {
			return fieldErr(f, "%q is not a resource file: berth manages it", k)
		}
	}
	return nil
}

// v2Unified maps every key to its file, in key order, after every other
// resource so that a unified value wins over a converted one.
func v2Unified(u map[string]string, p *plan) {
	keys := make([]string, 0, len(u))
	for k := range u {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		p.add(fileWrite{file: k, value: u[k], field: unifiedField + "[" + k + "]"})
	}
}

// controllerOf returns the controller a cgroup v2 file belongs to
// ("memory.max" -> "memory"); "" for core files (cgroup.*).
func controllerOf(file string) string {
	c, _, _ := strings.Cut(file, ".")
	if c == "cgroup" {
		return ""
	}
	return c
}
