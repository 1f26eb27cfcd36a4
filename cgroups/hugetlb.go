package cgroups

import (
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

const hugetlbField = "linux.resources.hugepageLimits"

// pageSizeRE is compiled on first use, not at every start of berth.
var pageSizeRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[1-9][0-9]*[KMG]B$`) })

// validateHugetlb checks the page size format; the host's sizes are
// checked in Validate.
func validateHugetlb(limits []specs.LinuxHugepageLimit) error {
	for i, l := range limits {
		if !pageSizeRE().MatchString(l.Pagesize) {
			return fieldErr(fmt.Sprintf("%s[%d].pageSize", hugetlbField, i), "%q is not a size like 2MB or 1GB", l.Pagesize)
		}
	}
	return nil
}

// hugetlbWrites maps each limit to the page-fault limit file and, where
// the kernel has it (5.7+), the reservation limit file, so that the
// reservation limit applies when supported, as the spec asks.
func hugetlbWrites(limits []specs.LinuxHugepageLimit, ctrl string, p *plan) {
	limitFile, rsvdFile := "limit_in_bytes", "rsvd.limit_in_bytes"
	if ctrl == "" {
		limitFile, rsvdFile = "max", "rsvd.max"
	}
	for i, l := range limits {
		f := fmt.Sprintf("%s[%d]", hugetlbField, i)
		v := utoa(l.Limit)
		p.add(fileWrite{ctrl: ctrl, file: "hugetlb." + l.Pagesize + "." + limitFile, value: v, field: f})
		p.add(fileWrite{ctrl: ctrl, file: "hugetlb." + l.Pagesize + "." + rsvdFile, value: v, field: f, flags: ifExists})
	}
}

// pageSizeName names a huge page size in kB the way the hugetlb controller
// names its files (mm/hugetlb_cgroup.c): 2048 -> "2MB", 1048576 -> "1GB".
func pageSizeName(kb uint64) string {
	switch {
	case kb >= 1<<20:
		return fmt.Sprintf("%dGB", kb>>20)
	case kb >= 1<<10:
		return fmt.Sprintf("%dMB", kb>>10)
	}
	return fmt.Sprintf("%dKB", kb)
}

// hostPageSizes lists the huge page sizes of this host, by cgroup name.
func hostPageSizes() map[string]bool {
	ents, err := os.ReadDir("/sys/kernel/mm/hugepages")
	if err != nil {
		return nil
	}
	sizes := make(map[string]bool)
	for _, e := range ents {
		s, ok := strings.CutPrefix(e.Name(), "hugepages-")
		if !ok {
			continue
		}
		if kb, err := strconv.ParseUint(strings.TrimSuffix(s, "kB"), 10, 64); err == nil {
			sizes[pageSizeName(kb)] = true
		}
	}
	return sizes
}
