package cgroups

import (
	"fmt"
	"strconv"
	"strings"
)

// cpuList is a set of CPU or memory node numbers, as in "0-3,7".
type cpuList map[int]bool

// maxCPUListEntry bounds a list entry; the kernel's NR_CPUS is at most 8192.
const maxCPUListEntry = 1 << 16

// parseCPUList parses the kernel's list format: comma-separated numbers and
// ranges ("0-3,7"). The empty string is the empty set.
func parseCPUList(s string) (cpuList, error) {
	set := make(cpuList)
	s = strings.TrimSpace(s)
	if s == "" {
		return set, nil
	}
	for _, part := range strings.Split(s, ",") {
		lo, hi, isRange := strings.Cut(part, "-")
		a, err := parseCPUNumber(lo)
		if err != nil {
			return nil, fmt.Errorf("%q: %w", s, err)
		}
		b := a
		if isRange {
			if b, err = parseCPUNumber(hi); err != nil {
				return nil, fmt.Errorf("%q: %w", s, err)
			}
			if b < a {
				return nil, fmt.Errorf("%q: range %s is backwards", s, part)
			}
		}
		for i := a; i <= b; i++ {
			set[i] = true
		}
	}
	return set, nil
}

func parseCPUNumber(s string) (int, error) {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil || n < 0 {
		return 0, fmt.Errorf("%q is not a CPU or node number", s)
	}
	if n >= maxCPUListEntry {
		return 0, fmt.Errorf("%d is too large", n)
	}
	return n, nil
}

// missing returns the members of s not in host, in order.
func (s cpuList) missing(host cpuList) []int {
	var out []int
	for i := 0; i < maxCPUListEntry && len(out) < 8; i++ {
		if s[i] && !host[i] {
			out = append(out, i)
		}
	}
	return out
}

// sorted returns the members as uint16, ascending (the runc stats shape).
func (s cpuList) sorted() []uint16 {
	var out []uint16
	for i := 0; i < maxCPUListEntry && len(out) < len(s); i++ {
		if s[i] {
			out = append(out, uint16(i))
		}
	}
	return out
}
