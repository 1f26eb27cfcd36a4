package specconv

import (
	"io/fs"
	"path/filepath"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// Options are what the caller knows beyond config.json.
type Options struct {
	// Rootless is set when berth runs without root on the host: the
	// container then needs a user namespace, as with runc.
	Rootless bool
	// InUserNS is set when berth is root of a user namespace someone else
	// made (podman's): it has root's powers there, so a rootless
	// container needs no user namespace of its own.
	InUserNS bool
	// NoPivot makes the init move the rootfs to / and chroot instead of
	// pivot_root (`--no-pivot`, for a rootfs on a ramfs).
	NoPivot bool
	// Host answers the questions about the machine; nil is RealHost().
	Host Host
	// File is the name errors and warnings start with; "" is "config.json".
	File string
}

// Convert checks a parsed config.json and resolves it into a Plan, with
// the warnings found on the way. bundle is the bundle directory (made
// absolute). It reads nothing but the host facts opts.Host gives.
func Convert(spec *specs.Spec, bundle string, opts Options) (*Plan, []string, error) {
	c := newChecker(opts)
	p, err := c.convert(spec, bundle)
	if err != nil {
		return nil, c.warnings, err
	}
	return p, c.warnings, nil
}

// convertState is a Plan being made, with what later steps need.
type convertState struct {
	spec  *specs.Spec
	linux *specs.Linux
	plan  *Plan
	ns    nsSet
}

func (c *checker) convert(s *specs.Spec, bundle string) (*Plan, error) {
	if s == nil {
		return nil, c.errorf("", "no configuration")
	}
	bundle, err := filepath.Abs(bundle)
	if err != nil {
		return nil, c.errorf("", "bundle %s: %v", bundle, err)
	}
	st := &convertState{spec: s, linux: s.Linux, plan: &Plan{Spec: s, Bundle: bundle,
		NoPivot: c.opts.NoPivot, Rootless: c.opts.Rootless}}
	if st.linux == nil {
		st.linux = &specs.Linux{}
	}
	steps := []func(*convertState) error{
		c.stepVersion, c.stepRoot, c.stepProcess, c.stepNamespaces, c.stepNetDevices,
		c.stepMounts, c.stepDevices, c.stepPaths, c.stepKernel, c.stepCopies,
	}
	for _, step := range steps {
		if err := step(st); err != nil {
			return nil, err
		}
	}
	return st.plan, nil
}

// stepVersion: ociVersion, and what berth refuses outright.
func (c *checker) stepVersion(st *convertState) error {
	if err := c.checkVersion(st.spec.Version); err != nil {
		return err
	}
	return c.checkRefused(st.spec)
}

// stepRoot: root.path, relative to the bundle, with its symlinks resolved;
// it must be a directory.
func (c *checker) stepRoot(st *convertState) error {
	r := st.spec.Root
	if r == nil {
		return c.errorf("root", "required")
	}
	if r.Path == "" {
		return c.errorf("root.path", "required")
	}
	p := r.Path
	if !filepath.IsAbs(p) {
		p = filepath.Join(st.plan.Bundle, p)
	}
	real, err := c.host.EvalSymlinks(p)
	if err != nil {
		return c.errorf("root.path", "rootfs %s: %v", p, unwrapPathError(err))
	}
	t, err := c.host.FileType(real)
	if err != nil {
		return c.errorf("root.path", "rootfs %s: %v", real, unwrapPathError(err))
	}
	if t&fs.ModeDir == 0 {
		return c.errorf("root.path", "rootfs %s is not a directory", real)
	}
	st.plan.Rootfs, st.plan.RootReadonly = real, r.Readonly
	return nil
}

// stepProcess: the container's process. It may be missing: runtime-spec
// config.md makes it REQUIRED only when start is called, so create sets
// the container up and start refuses it (Plan.Process stays empty).
func (c *checker) stepProcess(st *convertState) error {
	if st.spec.Process == nil {
		return nil
	}
	p, err := c.resolveProcess("process", st.spec.Process)
	st.plan.Process = p
	return err
}

// stepNamespaces: namespaces, id maps, time offsets, UTS, rootless needs.
func (c *checker) stepNamespaces(st *convertState) error {
	l := st.linux
	list, ns, err := c.convertNamespaces(l.Namespaces)
	if err != nil {
		return err
	}
	st.ns, st.plan.Namespaces = ns, list
	if err := c.convertIDMappings(l, ns); err != nil {
		return err
	}
	st.plan.UIDMappings, st.plan.GIDMappings = l.UIDMappings, l.GIDMappings
	if st.plan.TimeOffsets, err = c.convertTimeOffsets(l.TimeOffsets, ns); err != nil {
		return err
	}
	if err := c.checkUTS(st.spec, ns); err != nil {
		return err
	}
	st.plan.Hostname, st.plan.Domainname = optional(st.spec.Hostname), optional(st.spec.Domainname)
	st.plan.NoMountNS = !ns.has(specs.MountNamespace)
	return c.checkRootless(st)
}

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// stepMounts: the mounts, and whether the init makes /dev.
func (c *checker) stepMounts(st *convertState) error {
	if st.ns.joined(specs.MountNamespace) {
		// pivot_root would move the root of every process there: the
		// init chroots, and its mounts stack on a bind delete detaches
		st.plan.NoMountNS = true
	} else if st.plan.NoMountNS && hasRootfsSetup(st) {
		// the spec: a namespace not listed is the runtime's; the mounts are
		// made there, below a bind of the rootfs that delete detaches
		c.warnf("linux.namespaces", "no mount namespace: the mounts are made in berth's own mount namespace, below the rootfs, until delete")
	}
	mc := &mountContext{bundle: st.plan.Bundle, rootfs: st.plan.Rootfs, ns: st.ns, uids: st.plan.UIDMappings, gids: st.plan.GIDMappings}
	mounts, err := c.convertMounts(st.spec.Mounts, mc)
	if err != nil {
		return err
	}
	st.plan.Mounts, st.plan.SetupDev = mounts, !bindsDev(mounts)
	return c.checkMountIDs(st)
}

// hasRootfsSetup says whether the config asks for anything made in the
// mount namespace.
func hasRootfsSetup(st *convertState) bool {
	l := st.linux
	return len(st.spec.Mounts) > 0 || st.spec.Root.Readonly || l.RootfsPropagation != "" ||
		len(l.MaskedPaths) > 0 || len(l.ReadonlyPaths) > 0 || len(l.Devices) > 0
}

// stepDevices: the device nodes and links of a /dev the init makes. In a
// user namespace (or rootless) nodes are bound from the host.
func (c *checker) stepDevices(st *convertState) error {
	if !st.plan.SetupDev {
		if len(st.linux.Devices) > 0 {
			c.warnf("linux.devices", "/dev is bind-mounted from the host: the devices are not made")
		}
		return nil
	}
	bind := st.ns.has(specs.UserNamespace) || c.opts.Rootless
	devices, err := c.convertDevices(st.linux.Devices, bind)
	if err != nil {
		return err
	}
	st.plan.Devices, st.plan.DevSymlinks = devices, c.devSymlinks(devices)
	return nil
}

// stepPaths: rootfs propagation, masked and read-only paths.
func (c *checker) stepPaths(st *convertState) error {
	l := st.linux
	var err error
	if st.plan.RootfsPropagation, err = c.convertRootfsPropagation(l.RootfsPropagation); err != nil {
		return err
	}
	if st.plan.MaskedPaths, err = c.cleanPaths("linux.maskedPaths", l.MaskedPaths); err != nil {
		return err
	}
	st.plan.ReadonlyPaths, err = c.cleanPaths("linux.readonlyPaths", l.ReadonlyPaths)
	return err
}

// stepKernel: sysctls, personality, memory policy, mount label.
func (c *checker) stepKernel(st *convertState) error {
	var err error
	if st.plan.Sysctls, err = c.convertSysctls(st.spec, st.linux, st.ns); err != nil {
		return err
	}
	if st.plan.Personality, err = c.convertPersonality(st.linux.Personality); err != nil {
		return err
	}
	if st.plan.MemoryPolicy, err = c.convertMemoryPolicy(st.linux.MemoryPolicy); err != nil {
		return err
	}
	st.plan.MountLabel, err = c.selinuxLabel("linux.mountLabel", st.linux.MountLabel)
	labelMounts(st.plan.Mounts, st.plan.MountLabel)
	return err
}

// stepCopies: what others check (hooks here; resources in cgroups/,
// seccomp in libcontainer) goes into the Plan as written.
func (c *checker) stepCopies(st *convertState) error {
	if err := c.checkHooks(st.spec.Hooks); err != nil {
		return err
	}
	st.plan.Hooks = st.spec.Hooks
	st.plan.CgroupsPath, st.plan.Resources = st.linux.CgroupsPath, st.linux.Resources
	st.plan.Seccomp = st.linux.Seccomp
	return nil
}
