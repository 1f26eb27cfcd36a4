package specconv

import (
	"errors"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// mountOptions is what a mount's options say, in their order.
type mountOptions struct {
	flags, clear     uintptr
	propagation      []uintptr
	attrSet, attrClr uint64
	bind, rec        bool
	idmap, ridmap    bool
	// copyUp is "tmpcopyup", at index copyUpAt
	copyUp   bool
	copyUpAt int
	// other are the options left for the filesystem, with their index.
	other []indexed
	// setattr is the first option that needs mount_setattr(2), if any.
	setattr *indexed
}

type indexed struct {
	i int
	s string
}

// parseMountOptions sorts the options; a later option wins over an
// earlier one it contradicts ("rw,ro" is read-only).
func parseMountOptions(opts []string) mountOptions {
	var o mountOptions
	for i, s := range opts {
		switch {
		case s == "bind" || s == "rbind":
			o.bind, o.rec = true, o.rec || s == "rbind"
		case s == "idmap" || s == "ridmap":
			o.idmap, o.ridmap = true, o.ridmap || s == "ridmap"
			o.needSetattr(i, s)
		case s == "tmpcopyup":
			o.copyUp, o.copyUpAt = true, i
		default:
			o.add(i, s)
		}
	}
	return o
}

// add sorts one option of the flag, propagation and attribute tables.
func (o *mountOptions) add(i int, s string) {
	if f, ok := flagOptions[s]; ok {
		if f.clear {
			o.flags &^= f.flag
			o.clear |= f.flag
		} else {
			o.flags |= f.flag
			o.clear &^= f.flag
		}
		return
	}
	if p, ok := propagationOptions[s]; ok {
		o.propagation = append(o.propagation, p)
		return
	}
	if a, ok := attrOptions[s]; ok {
		if a.clear {
			o.attrSet &^= a.attr
			o.attrClr |= a.attr
		} else {
			o.attrSet |= a.attr
			o.attrClr &^= a.attr
		}
		o.needSetattr(i, s)
		return
	}
	if mode, ok := atimeOptions[s]; ok {
		o.attrSet = o.attrSet&^unix.MOUNT_ATTR__ATIME | mode
		o.attrClr |= unix.MOUNT_ATTR__ATIME
		o.needSetattr(i, s)
		return
	}
	o.other = append(o.other, indexed{i, s})
}

func (o *mountOptions) needSetattr(i int, s string) {
	if o.setattr == nil {
		o.setattr = &indexed{i, s}
	}
}

// mountContext is what every mount is checked against.
type mountContext struct {
	bundle string
	// rootfs is the host path of the root; made are the host paths (below
	// rootfs) of the destinations converted so far.
	rootfs string
	made   []string
	ns     nsSet
	// uids and gids are the container's user namespace mappings.
	uids, gids []specs.LinuxIDMapping
}

// convertMounts resolves the mounts, in order.
func (c *checker) convertMounts(list []specs.Mount, mc *mountContext) ([]Mount, error) {
	out := make([]Mount, 0, len(list))
	for i := range list {
		m, err := c.convertMount(index("mounts", i), &list[i], mc)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
		mc.made = append(mc.made, filepath.Join(mc.rootfs, m.Destination))
	}
	return out, nil
}

// madeByEarlier tells whether the host path src lies in what an earlier
// mount of the config puts below the rootfs: such a bind source exists
// only once that mount is made, so the init finds it, not Convert.
func (mc *mountContext) madeByEarlier(src string) bool {
	for _, d := range mc.made {
		if src == d || strings.HasPrefix(src, d+"/") {
			return true
		}
	}
	return false
}

// convertMount resolves one mount.
func (c *checker) convertMount(path string, m *specs.Mount, mc *mountContext) (Mount, error) {
	dest, err := c.mountDestination(path, m.Destination, mc.rootfs)
	if err != nil {
		return Mount{}, err
	}
	o := parseMountOptions(m.Options)
	out := Mount{Destination: dest, Type: m.Type, Flags: o.flags, ClearFlags: o.clear,
		Propagation: o.propagation, AttrSet: o.attrSet, AttrClr: o.attrClr, Origin: path}
	if o.setattr != nil && !c.host.MountSetattr() {
		return Mount{}, c.errorf(index(field(path, "options"), o.setattr.i), "%q needs mount_setattr(2) (Linux 5.12), which this kernel lacks", o.setattr.s)
	}
	if o.bind || m.Type == "bind" {
		err = c.bindMount(path, m, &o, mc, &out)
	} else {
		err = c.fsMount(path, m, &o, &out)
	}
	if err == nil && o.copyUp {
		err = c.copyUp(path, m.Type, &o, &out)
	}
	if err != nil {
		return Mount{}, err
	}
	out.Idmap, err = c.mountIdmap(path, m, &o, mc)
	return out, err
}

// mountDestination cleans the destination; a relative one is taken
// relative to "/", as the spec allows for old configs (deprecated). One
// spelled with the rootfs's host path in front is taken below the root
// without it, as runc does (old configs and runc's own tests write them so).
func (c *checker) mountDestination(path, dest, rootfs string) (string, error) {
	if dest == "" {
		return "", c.errorf(field(path, "destination"), "required")
	}
	if !filepath.IsAbs(dest) {
		c.warnf(field(path, "destination"), "%q is relative: taken relative to \"/\" (relative destinations are deprecated)", dest)
		dest = "/" + dest
	}
	dest = filepath.Clean(dest)
	if rootfs != "" && rootfs != "/" {
		if dest == rootfs {
			return "/", nil
		}
		if rel, ok := strings.CutPrefix(dest, rootfs+"/"); ok {
			return "/" + rel, nil
		}
	}
	return dest, nil
}

// bindMount resolves a bind mount: its source on the host, which must
// exist, and only options that mean something for a bind.
func (c *checker) bindMount(path string, m *specs.Mount, o *mountOptions, mc *mountContext, out *Mount) error {
	if len(o.other) > 0 {
		// runc hands them to mount(2), which ignores them for a bind
		bad := o.other[0]
		c.warnf(index(field(path, "options"), bad.i), "%q has no meaning for a bind mount: ignored", bad.s)
	}
	if m.Source == "" {
		return c.errorf(field(path, "source"), "required for a bind mount")
	}
	src := m.Source
	if !filepath.IsAbs(src) {
		src = filepath.Join(mc.bundle, src)
	}
	src = filepath.Clean(src)
	typ, err := c.host.FileType(src)
	switch {
	case errors.Is(err, fs.ErrNotExist) && mc.madeByEarlier(src):
		// a directory, as the mount that makes it is (a file would fail
		// in the init, naming the mount)
		typ, err = fs.ModeDir, nil
	case err != nil:
		return c.errorf(field(path, "source"), "bind source %s: %v", src, unwrapPathError(err))
	}
	out.Kind, out.Source, out.SourceIsFile = MountBind, src, typ&fs.ModeDir == 0
	out.Remount = out.Flags != 0 || out.ClearFlags != 0
	out.Flags |= unix.MS_BIND
	if o.rec {
		out.Flags |= unix.MS_REC
	}
	return nil
}

// fsMount resolves a mount of a new filesystem instance; the options that
// are not flags are the filesystem's data, in order. cgroup and cgroup2
// mounts stay as they are: libcontainer expands them once it knows the
// container's cgroup.
func (c *checker) fsMount(path string, m *specs.Mount, o *mountOptions, out *Mount) error {
	if m.Type == "" {
		return c.errorf(field(path, "type"), "required for a mount that is not a bind mount (no \"bind\" or \"rbind\" option)")
	}
	data := make([]string, len(o.other))
	for i, x := range o.other {
		data[i] = x.s
	}
	out.Kind, out.Source, out.Data = MountFS, m.Source, strings.Join(data, ",")
	return nil
}

// copyUp plans "tmpcopyup": what lies below the mount point is copied
// into the new tmpfs before anything else is mounted there (podman gives
// it to the tmpfs of /tmp, /var/tmp and /run of every read-only
// container). Like runc, it means something for a tmpfs only.
func (c *checker) copyUp(path, typ string, o *mountOptions, out *Mount) error {
	f := index(field(path, "options"), o.copyUpAt)
	if out.Kind != MountFS || typ != "tmpfs" {
		c.warnf(f, "\"tmpcopyup\" applies to a new tmpfs only: ignored")
		return nil
	}
	out.CopyUp = true
	return c.copyUpWired(f)
}

// copyUpCarried says whether the init carries out Mount.CopyUp (nsexec/c
// rootfs.c copy_up, carried as T_M_COPYUP); `berth features` reports the
// option when it does.
const copyUpCarried = true

// copyUpWired refuses a planned copy while the init cannot carry it out.
func (c *checker) copyUpWired(f string) error {
	if copyUpCarried {
		return nil
	}
	return c.errorf(f, "\"tmpcopyup\" is planned but berth-init cannot copy yet")
}

// unwrapPathError keeps the reason of a *fs.PathError, not its path again.
func unwrapPathError(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// mountIdmap resolves idmap/ridmap and the mount's own mappings: mappings
// without the option are taken as idmap (with a warning); the option
// without mappings takes the container's user namespace mappings.
func (c *checker) mountIdmap(path string, m *specs.Mount, o *mountOptions, mc *mountContext) (*Idmap, error) {
	given := len(m.UIDMappings) > 0 || len(m.GIDMappings) > 0
	if !o.idmap && !given {
		return nil, nil
	}
	if !o.idmap {
		c.warnf(path, "uidMappings/gidMappings without an \"idmap\" or \"ridmap\" option: taken as \"idmap\"")
		if !c.host.MountSetattr() {
			return nil, c.errorf(field(path, "uidMappings"), "idmapped mounts need mount_setattr(2) (Linux 5.12), which this kernel lacks")
		}
	}
	if !o.bind && m.Type != "bind" {
		return nil, c.errorf(field(path, "options"), "only bind mounts can be idmapped by berth (type %q)", m.Type)
	}
	if given {
		return c.ownIdmap(path, m, o)
	}
	if mc.ns.joined(specs.UserNamespace) {
		return &Idmap{UsernsPath: mc.ns[specs.UserNamespace].Path, Recursive: o.ridmap}, nil
	}
	if !mc.ns.isNew(specs.UserNamespace) {
		return nil, c.errorf(field(path, "options"), "idmap without uidMappings and gidMappings needs a user namespace to take them from")
	}
	return &Idmap{UIDMappings: mc.uids, GIDMappings: mc.gids, Recursive: o.ridmap}, nil
}

// ownIdmap checks the mount's own mappings: both, and well formed.
func (c *checker) ownIdmap(path string, m *specs.Mount, o *mountOptions) (*Idmap, error) {
	if len(m.UIDMappings) == 0 {
		return nil, c.errorf(field(path, "uidMappings"), "required with gidMappings")
	}
	if len(m.GIDMappings) == 0 {
		return nil, c.errorf(field(path, "gidMappings"), "required with uidMappings")
	}
	if err := c.checkMappings(field(path, "uidMappings"), m.UIDMappings); err != nil {
		return nil, err
	}
	if err := c.checkMappings(field(path, "gidMappings"), m.GIDMappings); err != nil {
		return nil, err
	}
	return &Idmap{UIDMappings: m.UIDMappings, GIDMappings: m.GIDMappings, Recursive: o.ridmap}, nil
}

// bindsDev reports whether a mount binds something onto /dev.
func bindsDev(mounts []Mount) bool {
	for _, m := range mounts {
		if m.Kind == MountBind && m.Destination == "/dev" {
			return true
		}
	}
	return false
}

// mountDataIDs returns the ids of the "uid=" or "gid=" options of data.
func mountDataIDs(data, prefix string) []uint64 {
	var ids []uint64
	for _, opt := range strings.Split(data, ",") {
		if v, ok := strings.CutPrefix(opt, prefix); ok {
			if n, err := strconv.ParseUint(v, 10, 32); err == nil {
				ids = append(ids, n)
			}
		}
	}
	return ids
}
