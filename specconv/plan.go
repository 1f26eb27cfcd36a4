// Package specconv turns a bundle's config.json (runtime-spec v1.3.0) into a
// Plan: a validated, fully resolved description of what berth does to create
// the container. The Go parent decides everything here, once; the C init in
// nsexec/ only carries the Plan out. The package also builds the default
// spec that `berth spec` prints.
package specconv

import (
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// Plan is a container's config.json resolved into steps.
//
// Paths inside the container (mount destinations, device paths, masked and
// read-only paths, cwd) are absolute and clean; the init resolves them inside
// the root with openat2(RESOLVE_IN_ROOT). Host paths (bundle, rootfs, bind
// sources) are absolute.
type Plan struct {
	// Spec is the parsed config.json, kept for hooks, annotations and the
	// state record. Nothing in it is re-read from disk after create.
	Spec *specs.Spec
	// Bundle is the absolute bundle directory.
	Bundle string
	// Rootfs is the absolute host path of root.path.
	Rootfs string
	// RootReadonly remounts the root read-only before the process runs.
	RootReadonly bool
	// RootfsPropagation is the MS_* propagation flag applied to the
	// container's "/" after pivot_root (0: none given).
	RootfsPropagation uintptr
	// NoPivot moves the rootfs to / and chroots instead of pivot_root
	// (Options.NoPivot, for a rootfs on a ramfs).
	NoPivot bool
	// NoMountNS is true when the container makes no mount namespace of
	// its own (none listed, or one joined by path): the init makes the
	// mounts in that namespace below a private bind of the rootfs on
	// itself, which delete detaches, and chroots instead of pivot_root.
	NoMountNS bool
	// Rootless is Options.Rootless: berth runs without root on the host,
	// so the id maps go through newuidmap/newgidmap.
	Rootless bool

	// Namespaces lists the namespaces to create or join, in the spec's
	// order; the init joins a user namespace first.
	Namespaces []Namespace
	// UIDMappings and GIDMappings are written by the parent into the new
	// user namespace; with a joined one (containerd's pods) they are its
	// own, which the parent checks.
	UIDMappings, GIDMappings []specs.LinuxIDMapping
	// TimeOffsets is the text written to /proc/self/timens_offsets of a new
	// time namespace ("monotonic 1 0\nboottime 2 0\n"); empty for none.
	TimeOffsets string
	// NetDevices are the host network devices the parent moves into the
	// container's network namespace (linux.netDevices).
	NetDevices []NetDevice

	// Mounts are carried out in order, after the rootfs is bind-mounted on
	// itself and before devices are made.
	Mounts []Mount
	// SetupDev is true when /dev is not bind-mounted from the host: the
	// init then makes Devices, DevSymlinks and /dev/ptmx.
	SetupDev bool
	// Devices are the device nodes to make (default devices first, then
	// linux.devices), deduplicated by path with the config winning.
	Devices []Device
	// DevSymlinks are links such as /dev/fd -> /proc/self/fd.
	DevSymlinks []Symlink
	// MaskedPaths and ReadonlyPaths are applied after pivot_root.
	MaskedPaths, ReadonlyPaths []string

	// Hostname and Domainname are set when the config names them.
	Hostname, Domainname *string
	// MountLabel is linux.mountLabel, the SELinux context of the
	// container's mounts; empty when none is given or SELinux is off.
	MountLabel string
	// Sysctls are written through the init's private procfs handle.
	Sysctls []Sysctl
	// Personality is the personality(2) value, when linux.personality is set.
	Personality *uint32
	// MemoryPolicy is linux.memoryPolicy for set_mempolicy(2), nil when
	// the config has none.
	MemoryPolicy *MemoryPolicy

	// Process is the container's process; empty (no Args) when the config
	// has none, which create accepts and start refuses.
	Process Process

	// Hooks are the config's hooks, nil when there are none.
	Hooks *specs.Hooks
	// CgroupsPath is linux.cgroupsPath as written; Resources the limits.
	CgroupsPath string
	Resources   *specs.LinuxResources
	// Seccomp is linux.seccomp as written; libcontainer compiles it.
	Seccomp *specs.LinuxSeccomp
}

// MemoryPolicy is linux.memoryPolicy resolved for set_mempolicy(2).
type MemoryPolicy struct {
	// Mode is the MPOL_* mode ORed with the MPOL_F_* flags.
	Mode uint32
	// Nodes is the nodemask, little-endian, a whole number of 64-bit
	// words, nil for none. The kernel reads maxnode-1 bits of it (an old
	// off-by-one), so the init passes len(Nodes)*8 as maxnode and Convert
	// keeps the mask's last bit clear.
	Nodes []byte
}

// Namespace is one namespace the container creates (Path == "") or joins.
type Namespace struct {
	Type specs.LinuxNamespaceType
	// Flag is the CLONE_NEW* flag of Type.
	Flag uintptr
	// Path is the namespace file to join; empty to create a new one.
	Path string
}

// MountKind says how the init carries out a Mount.
type MountKind int

const (
	// MountFS mounts a new filesystem instance: mount(Source, dest, Type, Flags, Data).
	MountFS MountKind = iota + 1
	// MountBind binds Source (a host path) on the destination, recursively
	// when Flags has MS_REC, then remounts it with Flags when they ask for
	// more than MS_BIND|MS_REC.
	MountBind
	// MountTree moves a detached mount tree prepared by the parent (an
	// idmapped bind mount) to the destination; TreeIndex names it.
	MountTree
	// MountSymlink makes a symlink at the destination pointing to Source
	// (used inside the cgroup v1 tmpfs for co-mounted controllers).
	MountSymlink
)

// Mount is one entry of Plan.Mounts.
type Mount struct {
	Kind MountKind
	// Source is the host path for binds, the filesystem source otherwise,
	// the link target for symlinks.
	Source string
	// Destination is an absolute, clean path inside the container.
	Destination string
	// Type is the filesystem type of MountFS.
	Type string
	// Flags are MS_* flags for mount(2), propagation excluded.
	Flags uintptr
	// ClearFlags are MS_* flags the options asked to clear (e.g. "rw",
	// "suid"); a bind remount keeps the source's other flags.
	ClearFlags uintptr
	// Remount (MountBind, MountTree) asks the init to remount the bind
	// with MS_BIND|MS_REMOUNT|Flags, keeping the flags the mount already
	// has (the kernel locks some in a user namespace) minus ClearFlags: a
	// bind(2) ignores every flag but MS_REC, so the options, setting or
	// clearing ("rw", "dev", "suid", "exec" alone too), take a remount.
	Remount bool
	// Data is the filesystem-specific option string.
	Data string
	// Propagation are MS_SHARED/MS_SLAVE/MS_PRIVATE/MS_UNBINDABLE flags,
	// each possibly with MS_REC, applied in order after mounting.
	Propagation []uintptr
	// AttrSet and AttrClr are MOUNT_ATTR_* applied recursively with
	// mount_setattr(2) (the "r*" options such as "rro").
	AttrSet, AttrClr uint64
	// Idmap asks for an idmapped mount; the parent prepares it as a
	// detached tree, the init receives it as MountTree.
	Idmap *Idmap
	// CopyUp ("tmpcopyup", tmpfs only) copies what lies below the mount
	// point into the new filesystem before it is mounted over it, keeping
	// owners, modes, links and special files.
	CopyUp bool
	// SourceIsFile makes the init create a file (not a directory) as the
	// mount point when the destination does not exist.
	SourceIsFile bool
	// TreeIndex is the index of the prepared tree among Plan's trees
	// (MountTree only).
	TreeIndex int
	// Origin names the config field this mount came from, for errors.
	Origin string
}

// Idmap is the mapping of an idmapped mount.
type Idmap struct {
	UIDMappings, GIDMappings []specs.LinuxIDMapping
	// UsernsPath, set instead of the mappings, is the joined user
	// namespace whose mapping the mount takes ("idmap" without mappings in
	// a joined user namespace, as runc).
	UsernsPath string
	// Recursive applies the mapping to every mount of an rbind tree.
	Recursive bool
}

// Device is a device node the init makes inside /dev.
type Device struct {
	// Path is the absolute path inside the container.
	Path string
	// Type is 'c', 'b' or 'p' ('u' is normalised to 'c').
	Type byte
	// Major and Minor are the device numbers (0 for a fifo).
	Major int64
	Minor int64
	// FileMode is the permission bits of the node.
	FileMode uint32
	// UID and GID own the node.
	UID, GID uint32
	// Bind binds the host's node of the same path instead of mknod, for a
	// container in a user namespace, where mknod is not allowed.
	Bind bool
}

// Symlink is a link made inside the container.
type Symlink struct {
	// Target is what the link points to; Path is where it is made.
	Target, Path string
}

// Sysctl is one linux.sysctl entry.
type Sysctl struct {
	// Key is the dotted name from the config; Path its file below /proc
	// ("sys/net/ipv4/ip_forward").
	Key, Path, Value string
}

// Capabilities are the five capability sets as bit masks.
type Capabilities struct {
	Bounding, Effective, Inheritable, Permitted, Ambient uint64
}

// Rlimit is one process.rlimits entry.
type Rlimit struct {
	// Resource is the RLIMIT_* number.
	Resource int
	// Soft and Hard are rlim_cur and rlim_max.
	Soft, Hard uint64
	// Name is the config's name, for errors.
	Name string
}

// Process is the container's (or an exec's) process, resolved.
type Process struct {
	// Args are the argv; Args[0] is looked up in the PATH of Env.
	Args []string
	// Env is the environment, "KEY=VALUE" each.
	Env []string
	// Cwd is the absolute, clean working directory inside the container.
	Cwd string

	// UID and GID are the ids the process runs as, AdditionalGids its
	// supplementary groups (all in the container's user namespace).
	UID, GID       uint32
	AdditionalGids []uint32
	// Umask is the process's umask: the config's, or 0022 as runc.
	Umask *uint32

	// Capabilities is nil when the config has none: the process keeps
	// what it has, as runc does.
	Capabilities *Capabilities
	// Rlimits are set with setrlimit(2), in the config's order.
	Rlimits []Rlimit

	// NoNewPrivileges sets no_new_privs before the exec.
	NoNewPrivileges bool
	// OOMScoreAdj is written to oom_score_adj when not nil.
	OOMScoreAdj *int

	// Terminal gives the process a new pty, ConsoleSize its size (nil:
	// none given, or no terminal).
	Terminal    bool
	ConsoleSize *specs.Box

	// Scheduler and IOPriority are applied with sched_setattr(2) and
	// ioprio_set(2).
	Scheduler  *Scheduler
	IOPriority *IOPriority

	// ApparmorProfile is the AppArmor profile the process is executed in;
	// empty for none (Convert refuses a profile on a host without AppArmor).
	ApparmorProfile string
	// SelinuxLabel is the SELinux label the process is executed with;
	// empty for none or when SELinux is disabled on the host.
	SelinuxLabel string
	// ExecCPUAffinity is process.execCPUAffinity, nil when not given. It
	// applies to `berth exec` processes only: the spec says it does not
	// apply to the container's init process, and runc ignores it there.
	// It is resolved for config.json too, so that an exec without its own
	// inherits it, as runc does.
	ExecCPUAffinity *CPUAffinity
}

// CPUAffinity is process.execCPUAffinity as CPU masks for
// sched_setaffinity(2): little-endian, a whole number of 64-bit words,
// at least 1024 bits (glibc's cpu_set_t); nil when not given.
type CPUAffinity struct {
	// Initial is the mask of the runtime's process before it joins the
	// container's cgroup; Final the mask of the process after it.
	Initial, Final []byte
}

// Scheduler is process.scheduler resolved to sched_setattr(2) values.
type Scheduler struct {
	// Policy is the SCHED_* number, Flags the SCHED_FLAG_* bits.
	Policy uint32
	Flags  uint64
	// Nice is for SCHED_OTHER, SCHED_BATCH and SCHED_IDLE; Priority
	// (1..99) for SCHED_FIFO and SCHED_RR.
	Nice     int32
	Priority uint32
	// Runtime, Deadline and Period (ns) are for SCHED_DEADLINE.
	Runtime, Deadline, Period uint64
}

// IOPriority is process.ioPriority; Value gives the ioprio_set(2) value.
type IOPriority struct {
	// Class is IOPRIO_CLASS_RT (1), _BE (2) or _IDLE (3).
	Class int
	// Priority is the level within the class, 0 (highest) to 7.
	Priority int
}
