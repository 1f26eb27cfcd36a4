package cgroups

import (
	"fmt"
	"strconv"
)

// fileWrite is one value for one cgroup file: the unit every resource is
// translated into (v1Files, v2Files, the v1 device rules), so that the
// translation is a pure function that tables can test.
type fileWrite struct {
	ctrl  string    // hierarchy key in State.Paths: v1 controller, "" for cgroup v2
	file  string    // file name in the cgroup directory
	value string    // what to write, in one write(2)
	field string    // the config field it comes from, named in errors
	flags writeFlag // how to treat a missing file or a refusal
	why   string    // the reason given in a warning
	alt   *fileWrite
}

// writeFlag says how to treat a write the kernel cannot take.
type writeFlag uint8

const (
	// ifExists skips the write silently when the file does not exist
	// (hugetlb reservation limits on kernels without them).
	ifExists writeFlag = 1 << iota
	// warnMissing turns a missing file into a warning.
	warnMissing
	// warnRefused turns EINVAL or EOPNOTSUPP from the kernel into a warning.
	warnRefused
	// warnIgnored reads the file back and warns when the kernel accepted
	// the value but still reports "unlimited" (kernel memory limits).
	warnIgnored
	// pairNext: when the kernel refuses this write, write the next one
	// first and retry. Used where two files constrain each other (memory
	// limit <= memory+swap limit, burst <= quota, rt runtime <= period,
	// shares while idle): one order works when raising, the other when
	// lowering.
	pairNext
	// keepQuota: cgroup v2 cpu.max with only a period: the value is the
	// period; the current quota is read and kept in front of it.
	keepQuota
)

// plan is the translation of a resource set: the writes in order and the
// warnings for settings this cgroup version cannot honour.
type plan struct {
	writes   []fileWrite
	warnings []string
}

func (p *plan) add(w fileWrite) { p.writes = append(p.writes, w) }

// pairLast marks the last write as paired with the one that follows.
func (p *plan) pairLast() { p.writes[len(p.writes)-1].flags |= pairNext }

func (p *plan) warn(field, format string, args ...any) {
	p.warnings = append(p.warnings, field+": "+fmt.Sprintf(format, args...))
}

// fieldErr is an error that names the config field it is about.
func fieldErr(field, format string, args ...any) error {
	return fmt.Errorf("%s: %s", field, fmt.Sprintf(format, args...))
}

func itoa(v int64) string  { return strconv.FormatInt(v, 10) }
func utoa(v uint64) string { return strconv.FormatUint(v, 10) }

// maxOr returns "max" for -1 (unlimited), else the number.
func maxOr(v int64) string {
	if v == -1 {
		return "max"
	}
	return itoa(v)
}

// set tells whether an optional int64 is given and not 0 (runc's "unset").
func set(v *int64) bool { return v != nil && *v != 0 }

// setU tells whether an optional uint64 is given and not 0.
func setU(v *uint64) bool { return v != nil && *v != 0 }
