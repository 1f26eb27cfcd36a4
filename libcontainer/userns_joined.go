package libcontainer

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/berth-oci/berth/nsexec"
	"github.com/berth-oci/berth/specconv"
)

// checkJoinedMaps checks the uid and gid mappings given with a joined user
// namespace (containerd and CRI-O send a pod's this way) against the
// namespace's own, as runc does: the config then describes the container
// truly, and nothing else is done with them.
func checkJoinedMaps(p *specconv.Plan, userns nsFile) error {
	if len(p.UIDMappings) == 0 && len(p.GIDMappings) == 0 {
		return nil
	}
	uids, gids, err := usernsMaps(userns.path, userns.file)
	if err != nil {
		return fmt.Errorf("linux.namespaces: user namespace path %q: %w", userns.path, err)
	}
	if !slices.Equal(uids, p.UIDMappings) {
		return fmt.Errorf("linux.uidMappings: %s are not those of the joined user namespace %s: %s", formatMapsLine(p.UIDMappings), userns.path, formatMapsLine(uids))
	}
	if !slices.Equal(gids, p.GIDMappings) {
		return fmt.Errorf("linux.gidMappings: %s are not those of the joined user namespace %s: %s", formatMapsLine(p.GIDMappings), userns.path, formatMapsLine(gids))
	}
	return nil
}

// usernsMaps reads the uid and gid maps of the user namespace open as f:
// from /proc/<pid>/{uid,gid}_map when path is /proc/<pid>/ns/user and still
// names that namespace, else from a process that joins it (berth-init maps).
func usernsMaps(path string, f *os.File) (uids, gids []specs.LinuxIDMapping, err error) {
	if pid, ok := strings.CutSuffix(strings.TrimPrefix(path, "/proc/"), "/ns/user"); ok && strings.HasPrefix(path, "/proc/") {
		if uids, gids, err = procMaps(pid, f); err == nil {
			return uids, gids, nil
		}
	}
	memfd, err := nsexec.OpenInit()
	if err != nil {
		return nil, nil, err
	}
	defer memfd.Close()
	cmd := &exec.Cmd{Path: "/proc/self/fd/0", Args: []string{"berth-init", "maps"}, Stdin: memfd, ExtraFiles: []*os.File{f}}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, nil, fmt.Errorf("read its id maps: %w: %s", err, bytes.TrimSpace(stderr.Bytes()))
	}
	u, g, ok := bytes.Cut(out, []byte("-\n"))
	if !ok {
		return nil, nil, errors.New("read its id maps: no separator in the output")
	}
	if uids, err = parseMaps(u); err == nil {
		gids, err = parseMaps(g)
	}
	return uids, gids, err
}

// procMaps reads /proc/<pid>/{uid,gid}_map, the process being in the user
// namespace f.
func procMaps(pid string, f *os.File) (uids, gids []specs.LinuxIDMapping, err error) {
	var a, b unix.Stat_t
	if err := unix.Stat("/proc/"+pid+"/ns/user", &a); err != nil {
		return nil, nil, err
	}
	if err := unix.Fstat(int(f.Fd()), &b); err != nil {
		return nil, nil, err
	}
	if a.Dev != b.Dev || a.Ino != b.Ino {
		return nil, nil, errors.New("the process left the namespace")
	}
	var data [2][]byte
	for i, name := range []string{"uid_map", "gid_map"} {
		if data[i], err = os.ReadFile("/proc/" + pid + "/" + name); err != nil {
			return nil, nil, err
		}
	}
	if uids, err = parseMaps(data[0]); err == nil {
		gids, err = parseMaps(data[1])
	}
	return uids, gids, err
}

// parseMaps reads the text of a uid_map or gid_map file.
func parseMaps(data []byte) ([]specs.LinuxIDMapping, error) {
	var m []specs.LinuxIDMapping
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		var v [3]uint64
		for i := range v {
			if len(f) != 3 {
				return nil, fmt.Errorf("malformed id map line %q", line)
			}
			n, err := strconv.ParseUint(f[i], 10, 32)
			if err != nil {
				return nil, fmt.Errorf("malformed id map line %q", line)
			}
			v[i] = n
		}
		m = append(m, specs.LinuxIDMapping{ContainerID: uint32(v[0]), HostID: uint32(v[1]), Size: uint32(v[2])})
	}
	return m, nil
}

// formatMapsLine writes mappings on one line for errors: "0 100000 65536, …".
func formatMapsLine(m []specs.LinuxIDMapping) string {
	return strings.ReplaceAll(strings.TrimSpace(string(formatMap(m))), "\n", ", ")
}
