package cgroups

import (
	"os"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// New reads a host fact only for a config whose validation looks at it,
// and still refuses what the host cannot take.
func TestNewReadsHostFactsItNeeds(t *testing.T) {
	plain := readSysInfo(&Config{ID: "c"})
	if plain.cpus != nil || plain.mems != nil || plain.pageSizes != nil || plain.systemd {
		t.Errorf("a config without cpuset, huge pages or systemd read them: %+v", plain)
	}
	cpuset := &specs.LinuxResources{CPU: &specs.LinuxCPU{Cpus: "0"}}
	if si := readSysInfo(&Config{ID: "c", Resources: cpuset}); si.cpus == nil || si.mems == nil {
		t.Errorf("a cpuset did not read the online lists: %+v", si)
	}
	if hostSysInfo().cpus == nil {
		t.Fatal("hostSysInfo read no online CPUs")
	}
	if _, err := New(Config{ID: "c", Resources: &specs.LinuxResources{CPU: &specs.LinuxCPU{Cpus: "4095"}}}); err == nil ||
		!strings.Contains(err.Error(), "online CPUs") {
		t.Errorf("New with an offline CPU: %v", err)
	}
	if _, err := os.Stat("/sys/kernel/mm/hugepages"); err != nil || !hostSysInfo().controllers["hugetlb"] {
		t.Log("huge page sizes not checked: no hugetlb controller or no /sys/kernel/mm/hugepages on this host")
		return
	}
	huge := &specs.LinuxResources{HugepageLimits: []specs.LinuxHugepageLimit{{Pagesize: "3MB", Limit: 1}}}
	if _, err := New(Config{ID: "c", Resources: huge}); err == nil ||
		!strings.Contains(err.Error(), "not a huge page size of this host") {
		t.Errorf("New with a 3MB huge page limit: %v", err)
	}
}
