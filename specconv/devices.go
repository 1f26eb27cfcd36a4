package specconv

import (
	"io/fs"
	"path/filepath"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// defaultFileMode is the mode of a device whose config gives none: the
// 0666 of the default devices, which is what runc gives too.
const defaultFileMode = 0o666

// defaultDevices are the devices every container has (runtime-spec
// "Default Devices"); /dev/ptmx is a symlink, /dev/console the terminal.
func defaultDevices() []Device {
	dev := func(path string, major, minor int64) Device {
		return Device{Path: path, Type: 'c', Major: major, Minor: minor, FileMode: defaultFileMode}
	}
	return []Device{
		dev("/dev/null", 1, 3), dev("/dev/zero", 1, 5), dev("/dev/full", 1, 7),
		dev("/dev/random", 1, 8), dev("/dev/urandom", 1, 9), dev("/dev/tty", 5, 0),
	}
}

// AllowedDevices are the default devices the device cgroup allows: those
// the config's linux.devices does not replace (by path), whether the init
// makes them or /dev is bound from the host. A device of linux.devices is
// made but not allowed: access to it is what linux.resources.devices
// grants, as with runc (engines add the rules they want).
func (p *Plan) AllowedDevices() []Device {
	replaced := map[string]bool{}
	if p.Spec != nil && p.Spec.Linux != nil {
		for _, d := range p.Spec.Linux.Devices {
			replaced[filepath.Clean(d.Path)] = true
		}
	}
	var out []Device
	for _, d := range defaultDevices() {
		if !replaced[d.Path] {
			out = append(out, d)
		}
	}
	return out
}

// deviceTypes maps the config's type to the node's ('u', unbuffered, is
// a character device too).
var deviceTypes = map[string]byte{"c": 'c', "u": 'c', "b": 'b', "p": 'p'}

// Linux's dev_t holds a 12-bit major and a 20-bit minor.
const (
	maxMajor = 1<<12 - 1
	maxMinor = 1<<20 - 1
)

// convertDevices gives the default devices followed by linux.devices; a
// config device replaces a default one of the same path. Paths may be
// outside /dev, as the spec and runc allow. With bind set (a user
// namespace, where mknod is refused) each node is bound from the host.
func (c *checker) convertDevices(list []specs.LinuxDevice, bind bool) ([]Device, error) {
	configured := map[string]int{}
	var extra []Device
	for i := range list {
		f := index("linux.devices", i)
		d, err := c.convertDevice(f, &list[i], bind)
		if err != nil {
			return nil, err
		}
		if j, dup := configured[d.Path]; dup {
			return nil, c.errorf(field(f, "path"), "duplicate device %s (also linux.devices[%d])", d.Path, j)
		}
		configured[d.Path] = i
		extra = append(extra, d)
	}
	var out []Device
	for _, d := range defaultDevices() {
		if _, replaced := configured[d.Path]; !replaced {
			d.Bind = bind
			out = append(out, d)
		}
	}
	return append(out, extra...), nil
}

// convertDevice checks one linux.devices entry.
func (c *checker) convertDevice(f string, d *specs.LinuxDevice, bind bool) (Device, error) {
	typ, ok := deviceTypes[d.Type]
	if !ok {
		return Device{}, c.errorf(field(f, "type"), "invalid device type %q (c, b, u or p)", d.Type)
	}
	if !filepath.IsAbs(d.Path) {
		return Device{}, c.errorf(field(f, "path"), "must be an absolute path, got %q", d.Path)
	}
	out := Device{Path: filepath.Clean(d.Path), Type: typ, Major: d.Major, Minor: d.Minor, FileMode: defaultFileMode, Bind: bind}
	if out.Path == "/" || out.Path == "/dev" {
		return Device{}, c.errorf(field(f, "path"), "%s cannot be a device", out.Path)
	}
	if err := c.deviceNumbers(f, d, typ); err != nil {
		return Device{}, err
	}
	c.deviceMode(f, d, &out)
	if bind {
		return out, c.hostDevice(f, &out)
	}
	return out, nil
}

// deviceNumbers: major and minor are required for c and b (0:0 is no
// device) and within dev_t; a fifo has none.
func (c *checker) deviceNumbers(f string, d *specs.LinuxDevice, typ byte) error {
	if typ == 'p' {
		if d.Major != 0 || d.Minor != 0 {
			c.warnf(f, "major and minor are ignored for a fifo (type p)")
		}
		return nil
	}
	if d.Major == 0 && d.Minor == 0 {
		return c.errorf(f, "major and minor are required for type %q", d.Type)
	}
	if d.Major < 0 || d.Major > maxMajor {
		return c.errorf(field(f, "major"), "must be between 0 and %d, got %d", maxMajor, d.Major)
	}
	if d.Minor < 0 || d.Minor > maxMinor {
		return c.errorf(field(f, "minor"), "must be between 0 and %d, got %d", maxMinor, d.Minor)
	}
	return nil
}

// deviceMode takes the permission bits of fileMode (default 0666) and the
// owner (default 0:0).
func (c *checker) deviceMode(f string, d *specs.LinuxDevice, out *Device) {
	if d.FileMode != nil {
		m := uint32(*d.FileMode)
		if m&^0o7777 != 0 {
			c.warnf(field(f, "fileMode"), "%d has bits besides the permissions (07777): only those are used", m)
		}
		out.FileMode = m & 0o7777
	}
	if d.UID != nil {
		out.UID = *d.UID
	}
	if d.GID != nil {
		out.GID = *d.GID
	}
}

// hostDevice checks that the host has a node of the right type at the
// same path, to bind it (major and minor are the host's).
func (c *checker) hostDevice(f string, d *Device) error {
	t, err := c.host.FileType(d.Path)
	if err != nil {
		return c.errorf(field(f, "path"), "in a user namespace devices are bound from the host, and the host's %s: %v", d.Path, unwrapPathError(err))
	}
	want := map[byte]fs.FileMode{'c': fs.ModeDevice | fs.ModeCharDevice, 'b': fs.ModeDevice, 'p': fs.ModeNamedPipe}[d.Type]
	if t != want {
		return c.errorf(field(f, "path"), "in a user namespace devices are bound from the host, and the host's %s is not a %s", d.Path, deviceKind(d.Type))
	}
	return nil
}

func deviceKind(t byte) string {
	switch t {
	case 'b':
		return "block device"
	case 'p':
		return "fifo"
	}
	return "character device"
}

// devSymlinks are the links every /dev the init makes has; /dev/core only
// where the host has /proc/kcore. A link whose path is a configured
// device is left out.
func (c *checker) devSymlinks(devices []Device) []Symlink {
	links := []Symlink{
		{"/proc/self/fd", "/dev/fd"},
		{"/proc/self/fd/0", "/dev/stdin"},
		{"/proc/self/fd/1", "/dev/stdout"},
		{"/proc/self/fd/2", "/dev/stderr"},
	}
	if _, err := c.host.FileType("/proc/kcore"); err == nil {
		links = append(links, Symlink{"/proc/kcore", "/dev/core"})
	}
	links = append(links, Symlink{"pts/ptmx", "/dev/ptmx"})
	out := links[:0]
	for _, l := range links {
		if !hasDevice(devices, l.Path) {
			out = append(out, l)
		}
	}
	return out
}

func hasDevice(devices []Device, path string) bool {
	for _, d := range devices {
		if d.Path == path {
			return true
		}
	}
	return false
}
