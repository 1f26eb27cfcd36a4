package cgroups

import (
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

const pidsField = "linux.resources.pids.limit"

// validatePids checks the pids limit: a count (0 included: the spec says
// 0 is a valid limit) or -1 for no limit.
func validatePids(p *specs.LinuxPids) error {
	if p != nil && p.Limit != nil && *p.Limit < -1 {
		return fieldErr(pidsField, "%d is neither a count nor -1 (unlimited)", *p.Limit)
	}
	return nil
}

// pidsWrite maps the pids limit to pids.max, the same file in v1 and v2.
func pidsWrite(r *specs.LinuxPids, ctrl string, p *plan) {
	if r == nil || r.Limit == nil {
		return
	}
	p.add(fileWrite{ctrl: ctrl, file: "pids.max", value: maxOr(*r.Limit), field: pidsField})
}
