package integration

import (
	"os"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// Devices: the default ones, linux.devices made with mknod (bound from
// the host in a user namespace), and the /dev links and mounts.

// statDevs prints "path type major:minor mode uid:gid" (hex numbers as
// busybox stat gives them) for each path.
const statDevs = `for d in "$@"; do stat -c '%n %F %t:%T %a %u:%g' $d; done`

var defaultDevs = []string{
	"/dev/null character special file 1:3 666 0:0",
	"/dev/zero character special file 1:5 666 0:0",
	"/dev/full character special file 1:7 666 0:0",
	"/dev/random character special file 1:8 666 0:0",
	"/dev/urandom character special file 1:9 666 0:0",
	"/dev/tty character special file 5:0 666 0:0",
}

func TestDefaultDevices(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.newBundle("sh", "-c", statDevs+`; echo x > /dev/null && head -c 3 /dev/zero | wc -c; echo x > /dev/full 2>/dev/null || echo full`,
		"sh", "/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom", "/dev/tty")
	expectLines(t, e.runOK(b), append(append([]string{}, defaultDevs...), "3", "full")...)
}

// TestDevLinksAndMounts: /dev/pts is a devpts, /dev/ptmx links to
// pts/ptmx, /dev/shm is a tmpfs, /dev/fd and the stdio links point into
// /proc/self/fd.
func TestDevLinksAndMounts(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.newBundle().shell(mountOpts + `for l in ptmx fd stdin stdout stderr; do echo "$l -> $(readlink /dev/$l)"; done
echo "pts $(mo /dev/pts | cut -d' ' -f2) shm $(mo /dev/shm | cut -d' ' -f2) mqueue $(mo /dev/mqueue | cut -d' ' -f2)"
echo via-stdout > /dev/stdout; ls /dev/fd/ | head -n 3 | tr '\n' ' '; echo`)
	expectLines(t, e.runOK(b), "ptmx -> pts/ptmx", "fd -> /proc/self/fd", "stdin -> /proc/self/fd/0",
		"stdout -> /proc/self/fd/1", "stderr -> /proc/self/fd/2", "pts devpts shm tmpfs mqueue mqueue", "via-stdout", "0 1 2 ")
}

func TestLinuxDevices(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	mode := func(m os.FileMode) *os.FileMode { return &m }
	id := func(n uint32) *uint32 { return &n }
	b := e.newBundle("sh", "-c", statDevs+`; echo written > /dev/mynull && echo wrote-mynull; echo x > /dev/sub/fifo-never 2>/dev/null; echo end`,
		"sh", "/dev/mynull", "/dev/sub/loop", "/dev/fifo", "/dev/unbuf", "/dev/null")
	b.spec.Linux.Devices = []specs.LinuxDevice{
		{Path: "/dev/mynull", Type: "c", Major: 1, Minor: 3, FileMode: mode(0o622), UID: id(5), GID: id(7)},
		{Path: "/dev/sub/loop", Type: "b", Major: 7, Minor: 0, FileMode: mode(0o600)},
		{Path: "/dev/fifo", Type: "p", FileMode: mode(0o644)},
		{Path: "/dev/unbuf", Type: "u", Major: 1, Minor: 5},
		// a config device replaces a default one
		{Path: "/dev/null", Type: "c", Major: 1, Minor: 3, FileMode: mode(0o600)},
	}
	// the container's root has no CAP_DAC_OVERRIDE: "other" may write
	// /dev/mynull; its 1:3 is allowed by the config's rule (a default
	// device the config replaces gets no rule of berth's, as with runc)
	major, minor := int64(1), int64(3)
	b.spec.Linux.Resources.Devices = append(b.spec.Linux.Resources.Devices,
		specs.LinuxDeviceCgroup{Allow: true, Type: "c", Major: &major, Minor: &minor, Access: "rw"})
	expectLines(t, e.runOK(b),
		"/dev/mynull character special file 1:3 622 5:7",
		"/dev/sub/loop block special file 7:0 600 0:0",
		"/dev/fifo fifo 0:0 644 0:0",
		"/dev/unbuf character special file 1:5 666 0:0",
		"/dev/null character special file 1:3 600 0:0",
		"wrote-mynull", "end")
}

// TestDevicesInUserNamespace: mknod is refused in a user namespace, so
// the devices are bind mounts of the host's nodes.
func TestDevicesInUserNamespace(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.newBundle("sh", "-c", statDevs+`; for d in null zero tty loop-control; do grep -c " /dev/$d " /proc/self/mountinfo; done; echo x > /dev/null && echo ok`,
		"sh", "/dev/null", "/dev/zero", "/dev/tty", "/dev/loop-control")
	b.useUserns(t, 400000)
	b.spec.Linux.Devices = []specs.LinuxDevice{{Path: "/dev/loop-control", Type: "c", Major: 10, Minor: 237}}
	// host root's nodes are nobody's in the container's user namespace
	want := []string{
		"/dev/null character special file 1:3 666 65534:65534",
		"/dev/zero character special file 1:5 666 65534:65534",
		"/dev/tty character special file 5:0 666 65534:65534",
		"/dev/loop-control character special file a:ed 600 65534:65534",
		"1", "1", "1", "1", "ok",
	}
	expectLines(t, e.runOK(b), want...)
}
