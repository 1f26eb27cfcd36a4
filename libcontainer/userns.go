package libcontainer

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"strconv"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// writeIDMaps writes the uid and gid maps of the user namespace that pid
// just made. As root the files are written directly; a rootless caller
// uses newuidmap/newgidmap, which check /etc/subuid and /etc/subgid, or
// maps only itself (then setgroups must be denied first).
func writeIDMaps(pid int, uids, gids []specs.LinuxIDMapping, rootless bool) error {
	if !rootless || os.Geteuid() == 0 {
		if err := writeMap(pid, "uid_map", uids); err != nil {
			return err
		}
		return writeMap(pid, "gid_map", gids)
	}
	if selfMapOnly(uids, gids) {
		if err := os.WriteFile(procPath(pid, "setgroups"), []byte("deny"), 0); err != nil {
			return fmt.Errorf("deny setgroups in the user namespace: %w", err)
		}
		if err := writeMap(pid, "uid_map", uids); err != nil {
			return err
		}
		return writeMap(pid, "gid_map", gids)
	}
	if err := runIDMapTool("newuidmap", pid, uids); err != nil {
		return err
	}
	return runIDMapTool("newgidmap", pid, gids)
}

func procPath(pid int, name string) string {
	return "/proc/" + strconv.Itoa(pid) + "/" + name
}

func formatMap(m []specs.LinuxIDMapping) []byte {
	var b bytes.Buffer
	for _, e := range m {
		fmt.Fprintf(&b, "%d %d %d\n", e.ContainerID, e.HostID, e.Size)
	}
	return b.Bytes()
}

func writeMap(pid int, file string, m []specs.LinuxIDMapping) error {
	f, err := os.OpenFile(procPath(pid, file), os.O_WRONLY, 0)
	if err != nil {
		return fmt.Errorf("open %s of the container: %w", file, err)
	}
	defer f.Close()
	// the kernel wants the whole map in one write
	if _, err := f.Write(formatMap(m)); err != nil {
		return fmt.Errorf("write %s of the container (%q): %w", file, bytes.TrimSpace(formatMap(m)), err)
	}
	return nil
}

// selfMapOnly says whether the maps map just the caller's own ids, which
// an unprivileged user may write without helpers.
func selfMapOnly(uids, gids []specs.LinuxIDMapping) bool {
	return len(uids) == 1 && len(gids) == 1 && uids[0].Size == 1 && gids[0].Size == 1 &&
		int(uids[0].HostID) == os.Geteuid() && int(gids[0].HostID) == os.Getegid()
}

func runIDMapTool(tool string, pid int, m []specs.LinuxIDMapping) error {
	args := []string{strconv.Itoa(pid)}
	for _, e := range m {
		args = append(args, strconv.Itoa(int(e.ContainerID)), strconv.Itoa(int(e.HostID)), strconv.Itoa(int(e.Size)))
	}
	out, err := exec.Command(tool, args...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s %v: %w: %s", tool, args, err, bytes.TrimSpace(out))
	}
	return nil
}
