package libcontainer

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/berth-oci/berth/cgroups"
)

// --cgroup: a path for every hierarchy, or per controller; the
// sub-cgroup must exist; v2 has one hierarchy.
func TestSubCgroupState(t *testing.T) {
	root := t.TempDir()
	dirs := map[string]string{"": filepath.Join(root, "unified/c"), "pids": filepath.Join(root, "pids/c"), "memory": filepath.Join(root, "memory/c")}
	for _, d := range dirs {
		os.MkdirAll(filepath.Join(d, "sub"), 0o755)
	}
	hybrid := cgroups.State{Mode: cgroups.Hybrid, Paths: dirs, Created: []string{dirs["pids"]}}
	unified := cgroups.State{Mode: cgroups.Unified, Paths: map[string]string{"": dirs[""]}}
	for _, tc := range []struct {
		name string
		st   cgroups.State
		sub  map[string]string
		want map[string]string // key -> path below the container's
		err  string
	}{
		{"every hierarchy", hybrid, map[string]string{"": "sub"}, map[string]string{"": "sub", "pids": "sub", "memory": "sub"}, ""},
		{"one controller", hybrid, map[string]string{"pids": "sub"}, map[string]string{"": "", "pids": "sub", "memory": ""}, ""},
		{"cleaned", hybrid, map[string]string{"pids": "/sub/."}, map[string]string{"": "", "pids": "sub", "memory": ""}, ""},
		{"missing", hybrid, map[string]string{"pids": "nope"}, nil, "adding pid to sub-cgroup"},
		{"unknown controller", hybrid, map[string]string{"rdma": "sub"}, nil, "unknown controller rdma"},
		{"v2 path", unified, map[string]string{"": "sub"}, map[string]string{"": "sub"}, ""},
		{"v2 controller", unified, map[string]string{"memory": "sub"}, nil, "single hierarchy"},
	} {
		got, err := subCgroupState(tc.st, tc.sub)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%s: error %v, want %q", tc.name, err, tc.err)
			}
			continue
		}
		if err != nil || got.Created != nil {
			t.Errorf("%s: %v, created %v (nothing of a sub-cgroup is berth's to remove)", tc.name, err, got.Created)
			continue
		}
		for k, rel := range tc.want {
			if want := filepath.Join(tc.st.Paths[k], rel); got.Paths[k] != want {
				t.Errorf("%s: %q in %s, want %s", tc.name, k, got.Paths[k], want)
			}
		}
	}
}
