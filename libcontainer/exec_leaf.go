package libcontainer

import (
	"bufio"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/berth-oci/berth/cgroups"
)

// initCgroupIfNotLeaf handles a container whose cgroup2 directory is no
// longer a leaf: the container moved its processes to sub-cgroups and
// enabled controllers for them in cgroup.subtree_control, after which
// the kernel lets no process join the directory itself (EBUSY). An exec'd
// process then joins the cgroup of the container's process, as with runc.
// It returns st with the cgroup2 path moved there, and true; st and false
// when the directory is a leaf, or that cgroup is not below it.
func initCgroupIfNotLeaf(st cgroups.State, initPid int) (cgroups.State, bool) {
	dir, ok := st.Paths[""]
	if !ok {
		return st, false
	}
	ctl, err := os.ReadFile(filepath.Join(dir, "cgroup.subtree_control"))
	if err != nil || strings.TrimSpace(string(ctl)) == "" {
		return st, false
	}
	rel, err := cgroup2Of(initPid)
	if err != nil {
		return st, false
	}
	mount := "/sys/fs/cgroup"
	if st.Mode == cgroups.Hybrid {
		mount += "/unified"
	}
	sub := filepath.Join(mount, rel)
	if !strings.HasPrefix(sub, dir+"/") {
		return st, false
	}
	out := st
	out.Paths = make(map[string]string, len(st.Paths))
	for k, v := range st.Paths {
		out.Paths[k] = v
	}
	out.Paths[""] = sub
	out.Created = nil
	return out, true
}

// cgroup2Of reads the cgroup2 path ("0::/path") of a process.
func cgroup2Of(pid int) (string, error) {
	f, err := os.Open("/proc/" + strconv.Itoa(pid) + "/cgroup")
	if err != nil {
		return "", err
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		if p, ok := strings.CutPrefix(s.Text(), "0::"); ok {
			return p, nil
		}
	}
	return "", os.ErrNotExist
}
