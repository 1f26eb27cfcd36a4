package cgroups

import (
	"path/filepath"
	"testing"
)

// isClean must agree with filepath.Clean on every absolute path.
func TestIsCleanAgreesWithClean(t *testing.T) {
	elems := []string{"", ".", "..", "a", "...", ".a", "a.", "memory", "name=systemd"}
	paths := []string{"/"}
	for _, a := range elems {
		for _, b := range elems {
			for _, c := range elems {
				paths = append(paths, "/"+a, "/"+a+"/"+b, "/"+a+"/"+b+"/"+c, "/"+a+"//"+b, "/"+a+"/"+b+"/")
			}
		}
	}
	for _, p := range paths {
		if got, want := isClean(p), filepath.Clean(p) == p; got != want {
			t.Errorf("isClean(%q) = %v, filepath.Clean gives %q", p, got, filepath.Clean(p))
		}
	}
	for p, want := range map[string]bool{
		"/sys/fs/cgroup/memory/a": true, "/sys/fs/cgroup/": false, "/sys/fs/cgroup": false,
		"/sys/fs/cgroup/memory/../../x": false, "sys/fs/cgroup/a": false, "/sys/fs/cgroupx/a": false,
	} {
		if got := underCgroupRoot(p); got != want {
			t.Errorf("underCgroupRoot(%q) = %v, want %v", p, got, want)
		}
	}
}
