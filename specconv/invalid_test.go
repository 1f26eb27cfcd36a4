package specconv

import (
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// invalidCase is a config Convert must refuse, with the exact error.
type invalidCase struct {
	name     string
	mutate   func(s *specs.Spec)
	host     func(h *fakeHost)
	rootless bool
	want     string
}

var (
	userNS = []specs.LinuxIDMapping{{ContainerID: 0, HostID: 100000, Size: 65536}}
	userNs = ns(specs.MountNamespace, specs.UserNamespace)
)

var invalidCases = []invalidCase{
	// ociVersion
	{name: "version missing", mutate: func(s *specs.Spec) { s.Version = "" },
		want: `config.json: ociVersion: required`},
	{name: "version not semver", mutate: func(s *specs.Spec) { s.Version = "1.0" },
		want: `config.json: ociVersion: "1.0" is not a SemVer 2.0.0 version`},
	{name: "version v prefix", mutate: func(s *specs.Spec) { s.Version = "v1.0.0" },
		want: `config.json: ociVersion: "v1.0.0" is not a SemVer 2.0.0 version`},
	{name: "version leading zero", mutate: func(s *specs.Spec) { s.Version = "1.01.0" },
		want: `config.json: ociVersion: "1.01.0" is not a SemVer 2.0.0 version`},
	{name: "version empty prerelease", mutate: func(s *specs.Spec) { s.Version = "1.0.0-" },
		want: `config.json: ociVersion: "1.0.0-" is not a SemVer 2.0.0 version`},
	{name: "version major 2", mutate: func(s *specs.Spec) { s.Version = "2.0.0" },
		want: `config.json: ociVersion: "2.0.0": berth implements runtime-spec 1.x (up to 1.3), not 2.x`},
	{name: "version major 0", mutate: func(s *specs.Spec) { s.Version = "0.1.0" },
		want: `config.json: ociVersion: "0.1.0": berth implements runtime-spec 1.x (up to 1.3), not 0.x`},
	{name: "version 1.4", mutate: func(s *specs.Spec) { s.Version = "1.4.0" },
		want: `config.json: ociVersion: "1.4.0" is newer than the runtime-spec 1.3 berth implements`},
	{name: "version 1.4 dev", mutate: func(s *specs.Spec) { s.Version = "1.4.0-dev" },
		want: `config.json: ociVersion: "1.4.0-dev" is newer than the runtime-spec 1.3 berth implements`},

	// other platforms, not yet supported
	{name: "windows", mutate: func(s *specs.Spec) { s.Windows = &specs.Windows{} },
		want: `config.json: windows: is for another platform; berth runs Linux containers only`},
	{name: "solaris", mutate: func(s *specs.Spec) { s.Solaris = &specs.Solaris{} },
		want: `config.json: solaris: is for another platform; berth runs Linux containers only`},
	{name: "vm", mutate: func(s *specs.Spec) { s.VM = &specs.VM{} },
		want: `config.json: vm: is for another platform; berth runs Linux containers only`},
	{name: "zos", mutate: func(s *specs.Spec) { s.ZOS = &specs.ZOS{} },
		want: `config.json: zos: is for another platform; berth runs Linux containers only`},
	{name: "freebsd", mutate: func(s *specs.Spec) { s.FreeBSD = &specs.FreeBSD{} },
		want: `config.json: freebsd: is for another platform; berth runs Linux containers only`},

	// root
	{name: "root missing", mutate: func(s *specs.Spec) { s.Root = nil },
		want: `config.json: root: required`},
	{name: "root path empty", mutate: func(s *specs.Spec) { s.Root.Path = "" },
		want: `config.json: root.path: required`},
	{name: "root path missing", mutate: func(s *specs.Spec) { s.Root.Path = "nope" },
		want: `config.json: root.path: rootfs /b/nope: file does not exist`},
	{name: "root path a file", mutate: func(s *specs.Spec) { s.Root.Path = "file" },
		want: `config.json: root.path: rootfs /b/file is not a directory`},

	// process
	{name: "args empty", mutate: func(s *specs.Spec) { s.Process.Args = nil },
		want: `config.json: process.args: must not be empty`},
	{name: "args[0] empty", mutate: func(s *specs.Spec) { s.Process.Args = []string{""} },
		want: `config.json: process.args[0]: must not be empty`},
	{name: "commandLine", mutate: func(s *specs.Spec) { s.Process.CommandLine = "sh -c x" },
		want: `config.json: process.commandLine: is for Windows; berth runs Linux containers (use args)`},
	{name: "cwd relative", mutate: func(s *specs.Spec) { s.Process.Cwd = "tmp" },
		want: `config.json: process.cwd: must be an absolute path, got "tmp"`},
	{name: "cwd empty", mutate: func(s *specs.Spec) { s.Process.Cwd = "" },
		want: `config.json: process.cwd: must be an absolute path, got ""`},
	{name: "env no =", mutate: func(s *specs.Spec) { s.Process.Env = []string{"A=1", "B"} },
		want: `config.json: process.env[1]: "B" is not of the form KEY=VALUE`},
	{name: "env empty key", mutate: func(s *specs.Spec) { s.Process.Env = []string{"=1"} },
		want: `config.json: process.env[0]: "=1" is not of the form KEY=VALUE`},
	{name: "username", mutate: func(s *specs.Spec) { s.Process.User.Username = "root" },
		want: `config.json: process.user.username: is for Windows; give uid and gid`},
	{name: "umask too big", mutate: func(s *specs.Spec) { s.Process.User.Umask = ptr(uint32(0o1000)) },
		want: `config.json: process.user.umask: 01000 is not a umask (0 to 0777)`},
	{name: "rlimit unknown", mutate: func(s *specs.Spec) {
		s.Process.Rlimits = []specs.POSIXRlimit{{Type: "RLIMIT_FOO", Soft: 1, Hard: 1}}
	}, want: `config.json: process.rlimits[0].type: unknown rlimit "RLIMIT_FOO"`},
	{name: "rlimit duplicate", mutate: func(s *specs.Spec) {
		s.Process.Rlimits = []specs.POSIXRlimit{{Type: "RLIMIT_NOFILE", Soft: 1, Hard: 1}, {Type: "RLIMIT_NOFILE", Soft: 2, Hard: 2}}
	}, want: `config.json: process.rlimits[1].type: duplicate "RLIMIT_NOFILE" (also process.rlimits[0])`},
	{name: "rlimit soft above hard", mutate: func(s *specs.Spec) {
		s.Process.Rlimits = []specs.POSIXRlimit{{Type: "RLIMIT_NOFILE", Soft: 10, Hard: 1}}
	}, want: `config.json: process.rlimits[0]: RLIMIT_NOFILE: soft limit 10 is above hard limit 1`},
	{name: "oomScoreAdj low", mutate: func(s *specs.Spec) { s.Process.OOMScoreAdj = ptr(-1001) },
		want: `config.json: process.oomScoreAdj: must be between -1000 and 1000, got -1001`},
	{name: "oomScoreAdj high", mutate: func(s *specs.Spec) { s.Process.OOMScoreAdj = ptr(1001) },
		want: `config.json: process.oomScoreAdj: must be between -1000 and 1000, got 1001`},
	{name: "consoleSize huge", mutate: func(s *specs.Spec) {
		s.Process.Terminal, s.Process.ConsoleSize = true, &specs.Box{Height: 70000, Width: 80}
	}, want: `config.json: process.consoleSize: 80x70000 is larger than a terminal can be (65535)`},
	{name: "apparmor disabled", mutate: func(s *specs.Spec) { s.Process.ApparmorProfile = "acme" },
		want: `config.json: process.apparmorProfile: apparmor profile "acme" specified but AppArmor is not enabled on this system`},
	{name: "selinux label malformed", mutate: func(s *specs.Spec) { s.Process.SelinuxLabel = "system_u" },
		want: `config.json: process.selinuxLabel: "system_u" is not an SELinux label (user:role:type[:level])`},
	{name: "mountLabel malformed", mutate: func(s *specs.Spec) { s.Linux.MountLabel = "a:b" },
		want: `config.json: linux.mountLabel: "a:b" is not an SELinux label (user:role:type[:level])`},

	// scheduler and I/O priority
	{name: "sched policy unknown", mutate: func(s *specs.Spec) { s.Process.Scheduler = &specs.Scheduler{Policy: "SCHED_FOO"} },
		want: `config.json: process.scheduler.policy: unknown scheduling policy "SCHED_FOO"`},
	{name: "sched ISO", mutate: func(s *specs.Spec) { s.Process.Scheduler = &specs.Scheduler{Policy: specs.SchedISO} },
		want: `config.json: process.scheduler.policy: SCHED_ISO is not implemented by Linux`},
	{name: "sched flag unknown", mutate: func(s *specs.Spec) {
		s.Process.Scheduler = &specs.Scheduler{Policy: specs.SchedOther, Flags: []specs.LinuxSchedulerFlag{"SCHED_FLAG_RESET_ON_FORK", "SCHED_FLAG_X"}}
	}, want: `config.json: process.scheduler.flags[1]: unknown scheduling flag "SCHED_FLAG_X"`},
	{name: "sched util clamp", mutate: func(s *specs.Spec) {
		s.Process.Scheduler = &specs.Scheduler{Policy: specs.SchedOther, Flags: []specs.LinuxSchedulerFlag{specs.SchedFlagUtilClampMin}}
	}, want: `config.json: process.scheduler.flags[0]: SCHED_FLAG_UTIL_CLAMP_MIN needs utilization clamp values, which runtime-spec has no field for`},
	{name: "sched nice range", mutate: func(s *specs.Spec) { s.Process.Scheduler = &specs.Scheduler{Policy: specs.SchedOther, Nice: 20} },
		want: `config.json: process.scheduler.nice: must be between -20 and 19, got 20`},
	{name: "sched FIFO priority 0", mutate: func(s *specs.Spec) { s.Process.Scheduler = &specs.Scheduler{Policy: specs.SchedFIFO} },
		want: `config.json: process.scheduler.priority: must be between 1 and 99 for SCHED_FIFO, got 0`},
	{name: "sched OTHER priority", mutate: func(s *specs.Spec) { s.Process.Scheduler = &specs.Scheduler{Policy: specs.SchedOther, Priority: 5} },
		want: `config.json: process.scheduler.priority: must be 0 for SCHED_OTHER, got 5`},
	{name: "sched runtime without deadline policy", mutate: func(s *specs.Spec) {
		s.Process.Scheduler = &specs.Scheduler{Policy: specs.SchedOther, Runtime: 5000}
	}, want: `config.json: process.scheduler: runtime, deadline and period apply to SCHED_DEADLINE only, not SCHED_OTHER`},
	{name: "sched reclaim without deadline", mutate: func(s *specs.Spec) {
		s.Process.Scheduler = &specs.Scheduler{Policy: specs.SchedBatch, Flags: []specs.LinuxSchedulerFlag{specs.SchedFlagReclaim}}
	}, want: `config.json: process.scheduler.flags: SCHED_FLAG_RECLAIM and SCHED_FLAG_DL_OVERRUN apply to SCHED_DEADLINE only`},
	{name: "sched deadline runtime small", mutate: func(s *specs.Spec) {
		s.Process.Scheduler = &specs.Scheduler{Policy: specs.SchedDeadline, Runtime: 100, Deadline: 1000}
	}, want: `config.json: process.scheduler.runtime: must be at least 1024 (ns) for SCHED_DEADLINE, got 100`},
	{name: "sched deadline below runtime", mutate: func(s *specs.Spec) {
		s.Process.Scheduler = &specs.Scheduler{Policy: specs.SchedDeadline, Runtime: 20000, Deadline: 10000}
	}, want: `config.json: process.scheduler.deadline: must not be below runtime (20000), got 10000`},
	{name: "sched period below deadline", mutate: func(s *specs.Spec) {
		s.Process.Scheduler = &specs.Scheduler{Policy: specs.SchedDeadline, Runtime: 10000, Deadline: 20000, Period: 15000}
	}, want: `config.json: process.scheduler.period: must not be below deadline (20000), got 15000`},
	{name: "ioprio class", mutate: func(s *specs.Spec) { s.Process.IOPriority = &specs.LinuxIOPriority{Class: "IOPRIO_CLASS_X"} },
		want: `config.json: process.ioPriority.class: unknown I/O priority class "IOPRIO_CLASS_X"`},
	{name: "ioprio level", mutate: func(s *specs.Spec) {
		s.Process.IOPriority = &specs.LinuxIOPriority{Class: specs.IOPRIO_CLASS_BE, Priority: 8}
	}, want: `config.json: process.ioPriority.priority: must be between 0 and 7, got 8`},
	{name: "exec affinity syntax", mutate: func(s *specs.Spec) { s.Process.ExecCPUAffinity = &specs.CPUAffinity{Final: "0-3,x"} },
		want: `config.json: process.execCPUAffinity.final: "x" is not a number or range`},
	{name: "exec affinity backwards", mutate: func(s *specs.Spec) { s.Process.ExecCPUAffinity = &specs.CPUAffinity{Initial: "3-1"} },
		want: `config.json: process.execCPUAffinity.initial: range "3-1" is backwards`},
	{name: "exec affinity too big", mutate: func(s *specs.Spec) { s.Process.ExecCPUAffinity = &specs.CPUAffinity{Initial: "9000"} },
		want: `config.json: process.execCPUAffinity.initial: 9000 is above 8191`},

	// hostname, domainname
	{name: "hostname without uts", mutate: func(s *specs.Spec) { s.Hostname = "box" },
		want: `config.json: hostname: setting the hostname needs a UTS namespace in linux.namespaces`},
	{name: "domainname without uts", mutate: func(s *specs.Spec) { s.Domainname = "example.org" },
		want: `config.json: domainname: setting the domainname needs a UTS namespace in linux.namespaces`},

	// namespaces, id mappings, time offsets
	{name: "namespace unknown", mutate: func(s *specs.Spec) { s.Linux.Namespaces = ns(specs.MountNamespace, "foo") },
		want: `config.json: linux.namespaces[1].type: unknown namespace type "foo"`},
	{name: "namespace duplicate", mutate: func(s *specs.Spec) {
		s.Linux.Namespaces = ns(specs.MountNamespace, specs.PIDNamespace, specs.PIDNamespace)
	}, want: `config.json: linux.namespaces[2].type: duplicate namespace type "pid" (also linux.namespaces[1])`},
	{name: "namespace relative path", mutate: func(s *specs.Spec) {
		s.Linux.Namespaces = append(s.Linux.Namespaces, specs.LinuxNamespace{Type: specs.NetworkNamespace, Path: "run/netns/a"})
	}, want: `config.json: linux.namespaces[1].path: must be an absolute path, got "run/netns/a"`},
	{name: "userns without uid mappings", mutate: func(s *specs.Spec) { s.Linux.Namespaces = userNs },
		want: `config.json: linux.uidMappings: a new user namespace needs uid mappings`},
	{name: "userns without gid mappings", mutate: func(s *specs.Spec) { s.Linux.Namespaces, s.Linux.UIDMappings = userNs, userNS },
		want: `config.json: linux.gidMappings: a new user namespace needs gid mappings`},
	{name: "mappings without userns", mutate: func(s *specs.Spec) { s.Linux.UIDMappings = userNS },
		want: `config.json: linux.uidMappings: given, but linux.namespaces has no user namespace`},
	{name: "gid mappings without userns", mutate: func(s *specs.Spec) { s.Linux.GIDMappings = userNS },
		want: `config.json: linux.gidMappings: given, but linux.namespaces has no user namespace`},
	{name: "mappings with joined userns", mutate: func(s *specs.Spec) {
		s.Linux.Namespaces = []specs.LinuxNamespace{{Type: specs.MountNamespace}, {Type: specs.UserNamespace, Path: "/proc/9/ns/user"}}
		s.Linux.UIDMappings = userNS
	}, want: `config.json: linux.uidMappings: given alone with a joined user namespace (/proc/9/ns/user): give both uid and gid mappings, the namespace's own, or neither`},
	{name: "mapping size 0", mutate: func(s *specs.Spec) {
		s.Linux.Namespaces, s.Linux.UIDMappings = userNs, userNS
		s.Linux.GIDMappings = []specs.LinuxIDMapping{{ContainerID: 0, HostID: 1, Size: 0}}
	}, want: `config.json: linux.gidMappings[0].size: must not be 0`},
	{name: "mapping overflow", mutate: func(s *specs.Spec) {
		s.Linux.Namespaces, s.Linux.GIDMappings = userNs, userNS
		s.Linux.UIDMappings = []specs.LinuxIDMapping{{ContainerID: 0, HostID: 4294967295, Size: 2}}
	}, want: `config.json: linux.uidMappings[0]: hostID 4294967295 + size 2 is past the last id`},
	{name: "rootless without userns", rootless: true, mutate: func(s *specs.Spec) {},
		want: `config.json: linux.namespaces: a rootless container needs a user namespace`},
	{name: "timeOffsets without timens", mutate: func(s *specs.Spec) {
		s.Linux.TimeOffsets = map[string]specs.LinuxTimeOffset{"monotonic": {Secs: 1}}
	}, want: `config.json: linux.timeOffsets: needs a new time namespace in linux.namespaces`},
	{name: "timeOffsets with joined timens", mutate: func(s *specs.Spec) {
		s.Linux.Namespaces = []specs.LinuxNamespace{{Type: specs.MountNamespace}, {Type: specs.TimeNamespace, Path: "/proc/9/ns/time"}}
		s.Linux.TimeOffsets = map[string]specs.LinuxTimeOffset{"monotonic": {Secs: 1}}
	}, want: `config.json: linux.timeOffsets: needs a new time namespace in linux.namespaces`},
	{name: "timeOffsets unknown clock", mutate: func(s *specs.Spec) {
		s.Linux.Namespaces = ns(specs.MountNamespace, specs.TimeNamespace)
		s.Linux.TimeOffsets = map[string]specs.LinuxTimeOffset{"realtime": {Secs: 1}}
	}, want: `config.json: linux.timeOffsets["realtime"]: unknown clock: only "monotonic" and "boottime" can be offset`},
	{name: "timeOffsets nanosecs", mutate: func(s *specs.Spec) {
		s.Linux.Namespaces = ns(specs.MountNamespace, specs.TimeNamespace)
		s.Linux.TimeOffsets = map[string]specs.LinuxTimeOffset{"boottime": {Nanosecs: 1e9}}
	}, want: `config.json: linux.timeOffsets["boottime"].nanosecs: must be below 1000000000, got 1000000000`},

	// mounts
	{name: "mount destination empty", mutate: func(s *specs.Spec) {
		s.Mounts = []specs.Mount{{Destination: "/proc", Type: "proc", Source: "proc"}, {Type: "tmpfs"}}
	}, want: `config.json: mounts[1].destination: required`},
	{name: "mount bind source missing", mutate: func(s *specs.Spec) {
		s.Mounts = []specs.Mount{{Destination: "/data", Source: "/nope", Options: []string{"bind"}}}
	}, want: `config.json: mounts[0].source: bind source /nope: file does not exist`},
	{name: "mount bind source below the rootfs not made by an earlier mount", mutate: func(s *specs.Spec) {
		s.Mounts = []specs.Mount{{Destination: "/mnt", Source: "/data", Options: []string{"bind"}},
			{Destination: "/x", Source: "/b/rootfs/other/x", Options: []string{"bind"}}}
	}, want: `config.json: mounts[1].source: bind source /b/rootfs/other/x: file does not exist`},
	{name: "mount bind relative source missing", mutate: func(s *specs.Spec) {
		s.Mounts = []specs.Mount{{Destination: "/data", Type: "bind", Source: "nope"}}
	}, want: `config.json: mounts[0].source: bind source /b/nope: file does not exist`},
	{name: "mount bind source empty", mutate: func(s *specs.Spec) {
		s.Mounts = []specs.Mount{{Destination: "/data", Options: []string{"rbind"}}}
	}, want: `config.json: mounts[0].source: required for a bind mount`},
	{name: "mount type missing", mutate: func(s *specs.Spec) {
		s.Mounts = []specs.Mount{{Destination: "/data", Source: "x"}}
	}, want: `config.json: mounts[0].type: required for a mount that is not a bind mount (no "bind" or "rbind" option)`},
	{name: "mount rro without mount_setattr", host: func(h *fakeHost) { h.noSetattr = true }, mutate: func(s *specs.Spec) {
		s.Mounts = []specs.Mount{{Destination: "/proc", Type: "proc", Source: "proc"}, {Destination: "/a", Type: "proc", Source: "proc"},
			{Destination: "/b", Type: "proc", Source: "proc"}, {Destination: "/data", Source: "/data", Options: []string{"rbind", "rro"}}}
	}, want: `config.json: mounts[3].options[1]: "rro" needs mount_setattr(2) (Linux 5.12), which this kernel lacks`},
	{name: "mount idmap without userns", mutate: func(s *specs.Spec) {
		s.Mounts = []specs.Mount{{Destination: "/data", Source: "/data", Options: []string{"rbind", "idmap"}}}
	}, want: `config.json: mounts[0].options: idmap without uidMappings and gidMappings needs a user namespace to take them from`},
	{name: "mount idmap on tmpfs", mutate: func(s *specs.Spec) {
		s.Mounts = []specs.Mount{{Destination: "/tmp", Type: "tmpfs", Source: "tmpfs", Options: []string{"idmap"}}}
	}, want: `config.json: mounts[0].options: only bind mounts can be idmapped by berth (type "tmpfs")`},
	{name: "mount uidMappings without gidMappings", mutate: func(s *specs.Spec) {
		s.Mounts = []specs.Mount{{Destination: "/data", Source: "/data", Options: []string{"rbind", "ridmap"}, UIDMappings: userNS}}
	}, want: `config.json: mounts[0].gidMappings: required with uidMappings`},
	{name: "mount mapping size 0", mutate: func(s *specs.Spec) {
		s.Mounts = []specs.Mount{{Destination: "/data", Source: "/data", Options: []string{"bind", "idmap"},
			UIDMappings: userNS, GIDMappings: []specs.LinuxIDMapping{{Size: 0}}}}
	}, want: `config.json: mounts[0].gidMappings[0].size: must not be 0`},
	{name: "mount idmap without mount_setattr", host: func(h *fakeHost) { h.noSetattr = true }, mutate: func(s *specs.Spec) {
		s.Mounts = []specs.Mount{{Destination: "/data", Source: "/data", Options: []string{"bind", "idmap"}, UIDMappings: userNS, GIDMappings: userNS}}
	}, want: `config.json: mounts[0].options[1]: "idmap" needs mount_setattr(2) (Linux 5.12), which this kernel lacks`},
	{name: "mount unmapped gid in userns", mutate: func(s *specs.Spec) {
		s.Linux.Namespaces, s.Linux.UIDMappings = userNs, userNS
		s.Linux.GIDMappings = []specs.LinuxIDMapping{{ContainerID: 0, HostID: 1000, Size: 1}}
		s.Mounts = []specs.Mount{{Destination: "/dev/pts", Type: "devpts", Source: "devpts", Options: []string{"newinstance", "gid=5"}}}
	}, want: `config.json: mounts[0].options: gid=5 is not mapped in the user namespace (linux.gidMappings)`},
	{name: "mount unmapped uid in userns", mutate: func(s *specs.Spec) {
		s.Linux.Namespaces, s.Linux.GIDMappings = userNs, userNS
		s.Linux.UIDMappings = []specs.LinuxIDMapping{{ContainerID: 0, HostID: 1000, Size: 1}}
		s.Mounts = []specs.Mount{{Destination: "/tmp", Type: "tmpfs", Source: "tmpfs", Options: []string{"uid=1000"}}}
	}, want: `config.json: mounts[0].options: uid=1000 is not mapped in the user namespace (linux.uidMappings)`},

	// paths
	{name: "rootfsPropagation unknown", mutate: func(s *specs.Spec) { s.Linux.RootfsPropagation = "rshare" },
		want: `config.json: linux.rootfsPropagation: unknown propagation "rshare" (shared, slave, private, unbindable or their r* forms)`},
	{name: "maskedPaths relative", mutate: func(s *specs.Spec) { s.Linux.MaskedPaths = []string{"/proc/kcore", "proc/keys"} },
		want: `config.json: linux.maskedPaths[1]: must be an absolute path, got "proc/keys"`},
	{name: "readonlyPaths relative", mutate: func(s *specs.Spec) { s.Linux.ReadonlyPaths = []string{"sys"} },
		want: `config.json: linux.readonlyPaths[0]: must be an absolute path, got "sys"`},

	// devices
	{name: "device type invalid", mutate: func(s *specs.Spec) {
		s.Linux.Devices = []specs.LinuxDevice{{Path: "/dev/fuse", Type: "c", Major: 10, Minor: 229}, {Path: "/dev/x", Type: "x", Major: 1, Minor: 1}}
	}, want: `config.json: linux.devices[1].type: invalid device type "x" (c, b, u or p)`},
	{name: "device path relative", mutate: func(s *specs.Spec) {
		s.Linux.Devices = []specs.LinuxDevice{{Path: "dev/fuse", Type: "c", Major: 10, Minor: 229}}
	}, want: `config.json: linux.devices[0].path: must be an absolute path, got "dev/fuse"`},
	{name: "device path /dev", mutate: func(s *specs.Spec) {
		s.Linux.Devices = []specs.LinuxDevice{{Path: "/dev/", Type: "c", Major: 10, Minor: 229}}
	}, want: `config.json: linux.devices[0].path: /dev cannot be a device`},
	{name: "device no numbers", mutate: func(s *specs.Spec) {
		s.Linux.Devices = []specs.LinuxDevice{{Path: "/dev/fuse", Type: "c"}}
	}, want: `config.json: linux.devices[0]: major and minor are required for type "c"`},
	{name: "device major negative", mutate: func(s *specs.Spec) {
		s.Linux.Devices = []specs.LinuxDevice{{Path: "/dev/fuse", Type: "b", Major: -1, Minor: 1}}
	}, want: `config.json: linux.devices[0].major: must be between 0 and 4095, got -1`},
	{name: "device minor too big", mutate: func(s *specs.Spec) {
		s.Linux.Devices = []specs.LinuxDevice{{Path: "/dev/fuse", Type: "u", Major: 1, Minor: 1 << 20}}
	}, want: `config.json: linux.devices[0].minor: must be between 0 and 1048575, got 1048576`},
	{name: "device duplicate", mutate: func(s *specs.Spec) {
		s.Linux.Devices = []specs.LinuxDevice{{Path: "/dev/fuse", Type: "c", Major: 10, Minor: 229}, {Path: "/dev//fuse", Type: "c", Major: 10, Minor: 229}}
	}, want: `config.json: linux.devices[1].path: duplicate device /dev/fuse (also linux.devices[0])`},
	{name: "device missing on host in userns", mutate: func(s *specs.Spec) {
		s.Linux.Namespaces, s.Linux.UIDMappings, s.Linux.GIDMappings = userNs, userNS, userNS
		s.Linux.Devices = []specs.LinuxDevice{{Path: "/dev/kvm", Type: "c", Major: 10, Minor: 232}}
	}, want: `config.json: linux.devices[0].path: in a user namespace devices are bound from the host, and the host's /dev/kvm: file does not exist`},
	{name: "device wrong type on host when rootless", rootless: true, mutate: func(s *specs.Spec) {
		s.Linux.Namespaces, s.Linux.UIDMappings, s.Linux.GIDMappings = userNs, userNS, userNS
		s.Linux.Devices = []specs.LinuxDevice{{Path: "/dev/sda", Type: "c", Major: 8, Minor: 0}}
	}, want: `config.json: linux.devices[0].path: in a user namespace devices are bound from the host, and the host's /dev/sda is not a character device`},

	// sysctl
	{name: "sysctl not namespaced", mutate: func(s *specs.Spec) { s.Linux.Sysctl = map[string]string{"vm.swappiness": "1"} },
		want: `config.json: linux.sysctl["vm.swappiness"]: not a namespaced sysctl: it would change the host`},
	{name: "sysctl ipc without ipcns", mutate: func(s *specs.Spec) { s.Linux.Sysctl = map[string]string{"kernel.msgmax": "1"} },
		want: `config.json: linux.sysctl["kernel.msgmax"]: needs its own ipc namespace in linux.namespaces`},
	{name: "sysctl mqueue without ipcns", mutate: func(s *specs.Spec) { s.Linux.Sysctl = map[string]string{"fs.mqueue.msg_max": "1"} },
		want: `config.json: linux.sysctl["fs.mqueue.msg_max"]: needs its own ipc namespace in linux.namespaces`},
	{name: "sysctl net without netns", mutate: func(s *specs.Spec) { s.Linux.Sysctl = map[string]string{"net.core.somaxconn": "1"} },
		want: `config.json: linux.sysctl["net.core.somaxconn"]: needs its own network namespace in linux.namespaces`},
	{name: "sysctl net slash form without netns", mutate: func(s *specs.Spec) { s.Linux.Sysctl = map[string]string{"net/ipv4/ip_forward": "1"} },
		want: `config.json: linux.sysctl["net/ipv4/ip_forward"]: needs its own network namespace in linux.namespaces`},
	{name: "sysctl net in host netns", mutate: func(s *specs.Spec) {
		s.Linux.Namespaces = []specs.LinuxNamespace{{Type: specs.MountNamespace}, {Type: specs.NetworkNamespace, Path: "/proc/1/ns/net"}}
		s.Linux.Sysctl = map[string]string{"net.ipv4.ip_forward": "1"}
	}, want: `config.json: linux.sysctl["net.ipv4.ip_forward"]: the network namespace /proc/1/ns/net is the host's`},
	{name: "sysctl hostname", mutate: func(s *specs.Spec) {
		s.Linux.Namespaces = append(s.Linux.Namespaces, specs.LinuxNamespace{Type: specs.UTSNamespace})
		s.Linux.Sysctl = map[string]string{"kernel.hostname": "x"}
	}, want: `config.json: linux.sysctl["kernel.hostname"]: not allowed: set the hostname with the config's hostname field`},
	{name: "sysctl domainname without uts", mutate: func(s *specs.Spec) { s.Linux.Sysctl = map[string]string{"kernel.domainname": "x"} },
		want: `config.json: linux.sysctl["kernel.domainname"]: needs its own uts namespace in linux.namespaces`},
	{name: "sysctl user without userns", mutate: func(s *specs.Spec) { s.Linux.Sysctl = map[string]string{"user.max_user_namespaces": "0"} },
		want: `config.json: linux.sysctl["user.max_user_namespaces"]: needs its own user namespace in linux.namespaces`},
	{name: "sysctl kernel other", mutate: func(s *specs.Spec) {
		s.Linux.Namespaces = ns(specs.MountNamespace, specs.IPCNamespace, specs.UTSNamespace)
		s.Linux.Sysctl = map[string]string{"kernel.pid_max": "1"}
	}, want: `config.json: linux.sysctl["kernel.pid_max"]: not a namespaced sysctl: it would change the host`},
	{name: "sysctl empty name", mutate: func(s *specs.Spec) { s.Linux.Sysctl = map[string]string{"": "1"} },
		want: `config.json: linux.sysctl[""]: not a sysctl name`},

	// personality, memory policy
	{name: "personality domain", mutate: func(s *specs.Spec) { s.Linux.Personality = &specs.LinuxPersonality{Domain: "FOO"} },
		want: `config.json: linux.personality.domain: unknown domain "FOO" (LINUX or LINUX32)`},
	{name: "personality flags", mutate: func(s *specs.Spec) {
		s.Linux.Personality = &specs.LinuxPersonality{Domain: "LINUX", Flags: []specs.LinuxPersonalityFlag{"ADDR_NO_RANDOMIZE"}}
	}, want: `config.json: linux.personality.flags[0]: unknown flag "ADDR_NO_RANDOMIZE": the spec defines none`},
	{name: "mempolicy mode", mutate: func(s *specs.Spec) { s.Linux.MemoryPolicy = &specs.LinuxMemoryPolicy{Mode: "MPOL_X"} },
		want: `config.json: linux.memoryPolicy.mode: invalid memory policy mode "MPOL_X"`},
	{name: "mempolicy bind without nodes", mutate: func(s *specs.Spec) { s.Linux.MemoryPolicy = &specs.LinuxMemoryPolicy{Mode: specs.MpolBind} },
		want: `config.json: linux.memoryPolicy.nodes: MPOL_BIND needs at least one node`},
	{name: "mempolicy default with nodes", mutate: func(s *specs.Spec) {
		s.Linux.MemoryPolicy = &specs.LinuxMemoryPolicy{Mode: specs.MpolDefault, Nodes: "0-7"}
	}, want: `config.json: linux.memoryPolicy.nodes: the MPOL_DEFAULT mode requires 0 nodes but got 8`},
	{name: "mempolicy local with flags", mutate: func(s *specs.Spec) {
		s.Linux.MemoryPolicy = &specs.LinuxMemoryPolicy{Mode: specs.MpolLocal, Flags: []specs.MemoryPolicyFlagType{specs.MpolFStaticNodes}}
	}, want: `config.json: linux.memoryPolicy.flags[0]: MPOL_LOCAL takes no flags`},
	{name: "mempolicy flag unknown", mutate: func(s *specs.Spec) {
		s.Linux.MemoryPolicy = &specs.LinuxMemoryPolicy{Mode: specs.MpolBind, Nodes: "0", Flags: []specs.MemoryPolicyFlagType{"MPOL_F_X"}}
	}, want: `config.json: linux.memoryPolicy.flags[0]: invalid memory policy flag "MPOL_F_X"`},
	{name: "mempolicy static and relative", mutate: func(s *specs.Spec) {
		s.Linux.MemoryPolicy = &specs.LinuxMemoryPolicy{Mode: specs.MpolInterleave, Nodes: "0-1",
			Flags: []specs.MemoryPolicyFlagType{specs.MpolFStaticNodes, specs.MpolFRelativeNodes}}
	}, want: `config.json: linux.memoryPolicy.flags: MPOL_F_STATIC_NODES and MPOL_F_RELATIVE_NODES exclude each other`},
	{name: "mempolicy nodes syntax", mutate: func(s *specs.Spec) {
		s.Linux.MemoryPolicy = &specs.LinuxMemoryPolicy{Mode: specs.MpolBind, Nodes: "0,,1"}
	}, want: `config.json: linux.memoryPolicy.nodes: invalid memory policy nodes: "" is not a number or range`},
	{name: "mempolicy node too big", mutate: func(s *specs.Spec) {
		s.Linux.MemoryPolicy = &specs.LinuxMemoryPolicy{Mode: specs.MpolBind, Nodes: "1024"}
	}, want: `config.json: linux.memoryPolicy.nodes: invalid memory policy nodes: 1024 is above 1023`},

	// hooks
	{name: "hook relative path", mutate: func(s *specs.Spec) {
		s.Hooks = &specs.Hooks{CreateRuntime: []specs.Hook{{Path: "/bin/true"}, {Path: "true"}}}
	}, want: `config.json: hooks.createRuntime[1].path: must be an absolute path, got "true"`},
	{name: "hook timeout zero", mutate: func(s *specs.Spec) {
		s.Hooks = &specs.Hooks{Poststop: []specs.Hook{{Path: "/bin/true", Timeout: ptr(0)}}}
	}, want: `config.json: hooks.poststop[0].timeout: must be greater than zero, got 0`},
	{name: "hook timeout negative", mutate: func(s *specs.Spec) {
		s.Hooks = &specs.Hooks{Prestart: []specs.Hook{{Path: "/bin/true", Timeout: ptr(-5)}}}
	}, want: `config.json: hooks.prestart[0].timeout: must be greater than zero, got -5`},
}

func TestConvertInvalid(t *testing.T) {
	for _, tc := range invalidCases {
		t.Run(tc.name, func(t *testing.T) {
			s := baseSpec()
			tc.mutate(s)
			h := newFakeHost()
			if tc.host != nil {
				tc.host(h)
			}
			p, _, err := Convert(s, "/b", Options{Host: h, Rootless: tc.rootless})
			if err == nil {
				t.Fatalf("no error; want %s (plan %+v)", tc.want, p)
			}
			if err.Error() != tc.want {
				t.Errorf("error\n got: %s\nwant: %s", err, tc.want)
			}
			if p != nil {
				t.Errorf("a plan came with the error")
			}
		})
	}
}

func TestConfigErrorIsConfigError(t *testing.T) {
	_, _, err := Convert(baseSpec(), "/nope", Options{Host: newFakeHost()})
	if _, ok := err.(*ConfigError); !ok {
		t.Fatalf("got %T %v, want *ConfigError", err, err)
	}
}
