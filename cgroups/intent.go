package cgroups

import (
	"os"
	"path/filepath"
	"sort"
)

// Intent is the State to record before Create: the manager's State with
// Created listing every directory that does not exist yet in any
// hierarchy (parents before children). A command killed anywhere inside
// Create leaves some of them; Load(intent).Destroy() removes those it
// finds and skips the others, so a cgroup is never made where no record
// can find it. After Create, State() is the exact record.
func Intent(m Manager) State {
	st := m.State()
	seen := make(map[string]bool)
	var missing []string
	for _, dir := range st.Dirs() {
		for d := dir; underCgroupRoot(d) && !seen[d]; d = filepath.Dir(d) {
			if _, err := os.Lstat(d); err == nil {
				break
			}
			seen[d] = true
			missing = append(missing, d)
		}
	}
	// parents before children, as Create records them
	sort.SliceStable(missing, func(i, j int) bool { return depth(missing[i]) < depth(missing[j]) })
	st.Created = append(st.Created, missing...)
	return st
}
