package specconv

import (
	"os"
	"reflect"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// validCase is a config Convert must accept: check looks at the Plan,
// warnings are the exact warnings (none when nil).
type validCase struct {
	name     string
	mutate   func(s *specs.Spec)
	host     func(h *fakeHost)
	opts     Options
	check    func(t *testing.T, p *Plan)
	warnings []string
}

// eq fails the test when got and want differ.
func eq(t *testing.T, what string, got, want any) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s:\n got: %#v\nwant: %#v", what, got, want)
	}
}

// mountsOf returns a mutate that sets the mounts.
func mountsOf(m ...specs.Mount) func(s *specs.Spec) {
	return func(s *specs.Spec) { s.Mounts = m }
}

// withUserNS gives s a new user namespace mapping 100000-165535 to 0.
func withUserNS(s *specs.Spec) {
	s.Linux.Namespaces = append(s.Linux.Namespaces, specs.LinuxNamespace{Type: specs.UserNamespace})
	s.Linux.UIDMappings, s.Linux.GIDMappings = userNS, userNS
}

var defaultLinks = []Symlink{
	{"/proc/self/fd", "/dev/fd"}, {"/proc/self/fd/0", "/dev/stdin"}, {"/proc/self/fd/1", "/dev/stdout"},
	{"/proc/self/fd/2", "/dev/stderr"}, {"pts/ptmx", "/dev/ptmx"},
}

var validCases = []validCase{
	{name: "minimal", mutate: func(*specs.Spec) {}, check: func(t *testing.T, p *Plan) {
		eq(t, "bundle", p.Bundle, "/b")
		eq(t, "rootfs", p.Rootfs, "/b/rootfs")
		eq(t, "namespaces", p.Namespaces, []Namespace{{Type: specs.MountNamespace, Flag: unix.CLONE_NEWNS}})
		eq(t, "umask", *p.Process.Umask, uint32(0o022))
		eq(t, "capabilities", p.Process.Capabilities, (*Capabilities)(nil))
		eq(t, "setup dev", p.SetupDev, true)
		eq(t, "devices", p.Devices, defaultDevices())
		eq(t, "symlinks", p.DevSymlinks, defaultLinks)
		eq(t, "no mount ns", p.NoMountNS, false)
		eq(t, "hostname", p.Hostname, (*string)(nil))
	}},
	{name: "root absolute through a symlink, readonly", host: func(h *fakeHost) { h.links["/b/rootlink"] = "/b/rootfs" },
		mutate: func(s *specs.Spec) { s.Root = &specs.Root{Path: "/b/rootlink", Readonly: true} },
		check: func(t *testing.T, p *Plan) {
			eq(t, "rootfs", p.Rootfs, "/b/rootfs")
			eq(t, "readonly", p.RootReadonly, true)
		}},
	{name: "version with pre-release", mutate: func(s *specs.Spec) { s.Version = "1.0.2-dev" }, check: func(*testing.T, *Plan) {}},

	// process
	{name: "process", mutate: func(s *specs.Spec) {
		s.Process = &specs.Process{Args: []string{"/bin/app", "-v"}, Env: []string{"A=1", "B="}, Cwd: "/srv/../app/",
			User:            specs.User{UID: 1000, GID: 100, Umask: ptr(uint32(0o077)), AdditionalGids: []uint32{5, 6}},
			NoNewPrivileges: true, OOMScoreAdj: ptr(-500), Terminal: true, ConsoleSize: &specs.Box{Height: 25, Width: 80}}
	}, check: func(t *testing.T, p *Plan) {
		umask := uint32(0o077)
		eq(t, "process", p.Process, Process{Args: []string{"/bin/app", "-v"}, Env: []string{"A=1", "B="}, Cwd: "/app",
			UID: 1000, GID: 100, AdditionalGids: []uint32{5, 6}, Umask: &umask, NoNewPrivileges: true,
			OOMScoreAdj: ptr(-500), Terminal: true, ConsoleSize: &specs.Box{Height: 25, Width: 80}})
	}},
	{name: "env: one entry per variable, the last where it was given",
		mutate: func(s *specs.Spec) {
			s.Process.Env = []string{"ONE=two", "PATH=/bin", "ONE=", "HOME=/h", "TWO=2", "HOME="}
		},
		check: func(t *testing.T, p *Plan) {
			eq(t, "env", p.Process.Env, []string{"PATH=/bin", "ONE=", "TWO=2", "HOME="})
		}},
	{name: "consoleSize without terminal", mutate: func(s *specs.Spec) { s.Process.ConsoleSize = &specs.Box{Height: 1, Width: 1} },
		check:    func(t *testing.T, p *Plan) { eq(t, "console", p.Process.ConsoleSize, (*specs.Box)(nil)) },
		warnings: []string{"config.json: process.consoleSize: ignored: process.terminal is false"}},
	{name: "capabilities", mutate: func(s *specs.Spec) {
		s.Process.Capabilities = &specs.LinuxCapabilities{
			Bounding: []string{"CAP_CHOWN", "CAP_KILL"}, Effective: []string{"CAP_KILL"},
			Inheritable: []string{"CAP_KILL"}, Permitted: []string{"CAP_KILL", "CAP_CHOWN"}, Ambient: []string{"CAP_KILL"}}
	}, check: func(t *testing.T, p *Plan) {
		eq(t, "caps", *p.Process.Capabilities, Capabilities{Bounding: 1<<0 | 1<<5, Effective: 1 << 5,
			Inheritable: 1 << 5, Permitted: 1<<5 | 1<<0, Ambient: 1 << 5})
	}},
	{name: "empty capabilities object", mutate: func(s *specs.Spec) { s.Process.Capabilities = &specs.LinuxCapabilities{} },
		check: func(t *testing.T, p *Plan) { eq(t, "caps", p.Process.Capabilities, &Capabilities{}) }},
	{name: "capabilities the kernel lacks are skipped", host: func(h *fakeHost) { h.lastCap = 37 }, mutate: func(s *specs.Spec) {
		s.Process.Capabilities = &specs.LinuxCapabilities{Bounding: []string{"CAP_AUDIT_READ", "CAP_PERFMON", "CAP_BPF"}}
	}, check: func(t *testing.T, p *Plan) { eq(t, "bounding", p.Process.Capabilities.Bounding, uint64(1)<<37) },
		warnings: []string{
			"config.json: process.capabilities.bounding[1]: CAP_PERFMON is not known to the running kernel (last capability 37): skipped",
			"config.json: process.capabilities.bounding[2]: CAP_BPF is not known to the running kernel (last capability 37): skipped",
		}},
	{name: "no process", mutate: func(s *specs.Spec) { s.Process = nil },
		check: func(t *testing.T, p *Plan) { eq(t, "process", p.Process.Args, []string(nil)) }},
	{name: "unknown capabilities are skipped", mutate: func(s *specs.Spec) {
		s.Process.Capabilities = &specs.LinuxCapabilities{Bounding: []string{"CAP_KILL", "CAP_TEST"},
			Permitted: []string{"KILL"}, Ambient: []string{"cap_kill"}}
	}, check: func(t *testing.T, p *Plan) {
		eq(t, "caps", *p.Process.Capabilities, Capabilities{Bounding: 1 << 5})
	}, warnings: []string{
		`config.json: process.capabilities.bounding[1]: unknown capability "CAP_TEST": skipped`,
		`config.json: process.capabilities.permitted[0]: unknown capability "KILL": skipped`,
		`config.json: process.capabilities.ambient[0]: unknown capability "cap_kill": skipped`,
	}},
	{name: "ambient and effective that cannot be raised are dropped", mutate: func(s *specs.Spec) {
		s.Process.Capabilities = &specs.LinuxCapabilities{Effective: []string{"CAP_KILL", "CAP_CHOWN"},
			Permitted: []string{"CAP_KILL"}, Ambient: []string{"CAP_KILL", "CAP_NET_BIND_SERVICE"}}
	}, check: func(t *testing.T, p *Plan) {
		eq(t, "caps", *p.Process.Capabilities, Capabilities{Effective: 1 << 5, Permitted: 1 << 5})
	}, warnings: []string{
		"config.json: process.capabilities.ambient: can't raise ambient capability CAP_KILL: not both inheritable and permitted",
		"config.json: process.capabilities.ambient: can't raise ambient capability CAP_NET_BIND_SERVICE: not both inheritable and permitted",
		"config.json: process.capabilities.effective: CAP_CHOWN not permitted: dropped",
	}},
	{name: "rlimits", mutate: func(s *specs.Spec) {
		s.Process.Rlimits = []specs.POSIXRlimit{{Type: "RLIMIT_NOFILE", Soft: 1024, Hard: 4096}, {Type: "RLIMIT_CORE", Soft: 0, Hard: 0}}
	}, check: func(t *testing.T, p *Plan) {
		eq(t, "rlimits", p.Process.Rlimits, []Rlimit{{unix.RLIMIT_NOFILE, 1024, 4096, "RLIMIT_NOFILE"}, {unix.RLIMIT_CORE, 0, 0, "RLIMIT_CORE"}})
	}},
	{name: "scheduler deadline", mutate: func(s *specs.Spec) {
		s.Process.Scheduler = &specs.Scheduler{Policy: specs.SchedDeadline, Runtime: 10000, Deadline: 20000, Period: 30000,
			Flags: []specs.LinuxSchedulerFlag{specs.SchedFlagResetOnFork, specs.SchedFlagReclaim}}
	}, check: func(t *testing.T, p *Plan) {
		eq(t, "scheduler", *p.Process.Scheduler, Scheduler{Policy: 6, Flags: 3, Runtime: 10000, Deadline: 20000, Period: 30000})
	}},
	{name: "scheduler rr and batch", mutate: func(s *specs.Spec) {
		s.Process.Scheduler = &specs.Scheduler{Policy: specs.SchedRR, Priority: 50}
	}, check: func(t *testing.T, p *Plan) {
		eq(t, "scheduler", *p.Process.Scheduler, Scheduler{Policy: 2, Priority: 50})
	}},
	{name: "scheduler nice with every policy", mutate: func(s *specs.Spec) {
		s.Process.Scheduler = &specs.Scheduler{Policy: specs.SchedDeadline, Nice: 19, Runtime: 42000, Deadline: 100000, Period: 1000000}
	}, check: func(t *testing.T, p *Plan) {
		eq(t, "scheduler", *p.Process.Scheduler, Scheduler{Policy: 6, Nice: 19, Runtime: 42000, Deadline: 100000, Period: 1000000})
	}},
	{name: "scheduler nice with FIFO", mutate: func(s *specs.Spec) {
		s.Process.Scheduler = &specs.Scheduler{Policy: specs.SchedFIFO, Nice: -3, Priority: 10}
	}, check: func(t *testing.T, p *Plan) {
		eq(t, "scheduler", *p.Process.Scheduler, Scheduler{Policy: 1, Nice: -3, Priority: 10})
	}},
	{name: "scheduler nice", mutate: func(s *specs.Spec) {
		s.Process.Scheduler = &specs.Scheduler{Policy: specs.SchedBatch, Nice: -5, Flags: []specs.LinuxSchedulerFlag{specs.SchedFlagKeepParams}}
	}, check: func(t *testing.T, p *Plan) {
		eq(t, "scheduler", *p.Process.Scheduler, Scheduler{Policy: 3, Nice: -5, Flags: 0x10})
	}},
	{name: "ioPriority", mutate: func(s *specs.Spec) {
		s.Process.IOPriority = &specs.LinuxIOPriority{Class: specs.IOPRIO_CLASS_BE, Priority: 4}
	}, check: func(t *testing.T, p *Plan) {
		eq(t, "ioprio", *p.Process.IOPriority, IOPriority{Class: 2, Priority: 4})
		eq(t, "value", p.Process.IOPriority.Value(), uint32(2<<13|4))
	}},
	{name: "execCPUAffinity", mutate: func(s *specs.Spec) {
		s.Process.ExecCPUAffinity = &specs.CPUAffinity{Initial: "7", Final: "0-3, 9"}
	}, check: func(t *testing.T, p *Plan) {
		initial, final := make([]byte, 128), make([]byte, 128)
		initial[0], final[0], final[1] = 0x80, 0x0f, 0x02
		eq(t, "affinity", *p.Process.ExecCPUAffinity, CPUAffinity{Initial: initial, Final: final})
	}},
	{name: "execCPUAffinity final only", mutate: func(s *specs.Spec) { s.Process.ExecCPUAffinity = &specs.CPUAffinity{Final: "1100"} },
		check: func(t *testing.T, p *Plan) {
			a := p.Process.ExecCPUAffinity
			eq(t, "initial", a.Initial, []byte(nil))
			eq(t, "len", len(a.Final), 144)
			eq(t, "bit", a.Final[1100/8], byte(1<<(1100%8)))
		}},
	{name: "apparmor enabled", host: func(h *fakeHost) { h.apparmor = true },
		mutate: func(s *specs.Spec) { s.Process.ApparmorProfile = "acme" },
		check:  func(t *testing.T, p *Plan) { eq(t, "profile", p.Process.ApparmorProfile, "acme") }},
	{name: "selinux enabled", host: func(h *fakeHost) { h.selinux = true }, mutate: func(s *specs.Spec) {
		s.Process.SelinuxLabel = "system_u:system_r:container_t:s0:c1,c2"
		s.Linux.MountLabel = "system_u:object_r:container_file_t:s0:c1,c2"
	}, check: func(t *testing.T, p *Plan) {
		eq(t, "label", p.Process.SelinuxLabel, "system_u:system_r:container_t:s0:c1,c2")
		eq(t, "mount label", p.MountLabel, "system_u:object_r:container_file_t:s0:c1,c2")
	}},
	{name: "selinux disabled drops the labels", mutate: func(s *specs.Spec) {
		s.Process.SelinuxLabel = "system_u:system_r:container_t:s0"
		s.Linux.MountLabel = "system_u:object_r:container_file_t:s0"
	}, check: func(t *testing.T, p *Plan) {
		eq(t, "label", p.Process.SelinuxLabel, "")
		eq(t, "mount label", p.MountLabel, "")
	}, warnings: []string{
		`config.json: process.selinuxLabel: SELinux is not enabled on this system: label "system_u:system_r:container_t:s0" ignored`,
		`config.json: linux.mountLabel: SELinux is not enabled on this system: label "system_u:object_r:container_file_t:s0" ignored`,
	}},

	// hostname, namespaces
	{name: "hostname and domainname", mutate: func(s *specs.Spec) {
		s.Hostname, s.Domainname = "box", "example.org"
		s.Linux.Namespaces = ns(specs.MountNamespace, specs.UTSNamespace)
	}, check: func(t *testing.T, p *Plan) {
		eq(t, "hostname", *p.Hostname, "box")
		eq(t, "domainname", *p.Domainname, "example.org")
	}},
	{name: "hostname in a joined uts namespace", mutate: func(s *specs.Spec) {
		s.Hostname = "pod"
		s.Linux.Namespaces = append(s.Linux.Namespaces, specs.LinuxNamespace{Type: specs.UTSNamespace, Path: "/proc/9/ns/uts"})
	}, check: func(t *testing.T, p *Plan) { eq(t, "hostname", *p.Hostname, "pod") }},
	{name: "all namespaces", mutate: func(s *specs.Spec) {
		s.Linux.Namespaces = []specs.LinuxNamespace{{Type: "pid"}, {Type: "network", Path: "/run/netns/a"}, {Type: "mount"},
			{Type: "ipc"}, {Type: "uts"}, {Type: "user", Path: "/proc/9/ns/user"}, {Type: "cgroup"}, {Type: "time"}}
	}, check: func(t *testing.T, p *Plan) {
		eq(t, "namespaces", p.Namespaces, []Namespace{
			{"pid", unix.CLONE_NEWPID, ""}, {"network", unix.CLONE_NEWNET, "/run/netns/a"}, {"mount", unix.CLONE_NEWNS, ""},
			{"ipc", unix.CLONE_NEWIPC, ""}, {"uts", unix.CLONE_NEWUTS, ""}, {"user", unix.CLONE_NEWUSER, "/proc/9/ns/user"},
			{"cgroup", unix.CLONE_NEWCGROUP, ""}, {"time", unix.CLONE_NEWTIME, ""}})
		eq(t, "bind devices (joined user ns)", p.Devices[0].Bind, true)
	}},
	{name: "user namespace", mutate: withUserNS, check: func(t *testing.T, p *Plan) {
		eq(t, "uid maps", p.UIDMappings, userNS)
		eq(t, "gid maps", p.GIDMappings, userNS)
		for _, d := range p.Devices {
			eq(t, d.Path+" bind", d.Bind, true)
		}
	}},
	{name: "rootless", opts: Options{Rootless: true}, mutate: withUserNS, check: func(t *testing.T, p *Plan) {
		eq(t, "rootless", p.Rootless, true)
		eq(t, "bind", p.Devices[0].Bind, true)
	}},
	// root of a user namespace someone else made (podman's) needs no
	// user namespace of its own; devices are bound as in any rootless one
	{name: "rootless in a user namespace", opts: Options{Rootless: true, InUserNS: true}, mutate: func(*specs.Spec) {},
		check: func(t *testing.T, p *Plan) { eq(t, "bind", p.Devices[0].Bind, true) }},
	{name: "no pivot", opts: Options{NoPivot: true}, mutate: func(*specs.Spec) {},
		check: func(t *testing.T, p *Plan) { eq(t, "no pivot", p.NoPivot, true) }},
	{name: "time offsets", mutate: func(s *specs.Spec) {
		s.Linux.Namespaces = ns(specs.MountNamespace, specs.TimeNamespace)
		s.Linux.TimeOffsets = map[string]specs.LinuxTimeOffset{"boottime": {Secs: -5, Nanosecs: 7}, "monotonic": {Secs: 3600}}
	}, check: func(t *testing.T, p *Plan) { eq(t, "offsets", p.TimeOffsets, "monotonic 3600 0\nboottime -5 7\n") }},
	{name: "no mount namespace", mutate: func(s *specs.Spec) { s.Linux.Namespaces = ns(specs.PIDNamespace) },
		check: func(t *testing.T, p *Plan) {
			eq(t, "no mount ns", p.NoMountNS, true)
			eq(t, "setup dev", p.SetupDev, true)
			eq(t, "devices", len(p.Devices), 6)
		}},
	{name: "mounts without a mount namespace", mutate: func(s *specs.Spec) {
		s.Linux.Namespaces = nil
		s.Mounts = []specs.Mount{{Destination: "/proc", Type: "proc", Source: "proc"}}
	}, warnings: []string{`config.json: linux.namespaces: no mount namespace: the mounts are made in berth's own mount namespace, below the rootfs, until delete`},
		check: func(t *testing.T, p *Plan) {
			eq(t, "no mount ns", p.NoMountNS, true)
			eq(t, "mounts", len(p.Mounts), 1)
		}},
	{name: "bind mount with data options", mutate: func(s *specs.Spec) {
		s.Mounts = []specs.Mount{{Destination: "/data", Source: "/data", Options: []string{"rbind", "ro", "size=1k"}}}
	}, warnings: []string{`config.json: mounts[0].options[2]: "size=1k" has no meaning for a bind mount: ignored`},
		check: func(t *testing.T, p *Plan) { eq(t, "kind", p.Mounts[0].Kind, MountBind) }},
	{name: "no linux section", mutate: func(s *specs.Spec) { s.Linux = nil },
		check: func(t *testing.T, p *Plan) { eq(t, "no mount ns", p.NoMountNS, true) }},

	// mounts
	{name: "tmpfs mount", mutate: mountsOf(specs.Mount{Destination: "/dev", Type: "tmpfs", Source: "tmpfs",
		Options: []string{"nosuid", "strictatime", "mode=755", "size=65536k"}}),
		check: func(t *testing.T, p *Plan) {
			eq(t, "mount", p.Mounts, []Mount{{Kind: MountFS, Source: "tmpfs", Destination: "/dev", Type: "tmpfs",
				Flags: unix.MS_NOSUID | unix.MS_STRICTATIME, Data: "mode=755,size=65536k", Origin: "mounts[0]"}})
			eq(t, "setup dev", p.SetupDev, true)
		}},
	{name: "tmpcopyup on what is not a new tmpfs", mutate: mountsOf(
		specs.Mount{Destination: "/x", Type: "proc", Source: "proc", Options: []string{"tmpcopyup"}},
		specs.Mount{Destination: "/y", Type: "tmpfs", Source: "/data", Options: []string{"rbind", "tmpcopyup"}}),
		check: func(t *testing.T, p *Plan) { eq(t, "copy up", p.Mounts[0].CopyUp || p.Mounts[1].CopyUp, false) },
		warnings: []string{
			`config.json: mounts[0].options[0]: "tmpcopyup" applies to a new tmpfs only: ignored`,
			`config.json: mounts[1].options[1]: "tmpcopyup" applies to a new tmpfs only: ignored`,
		}},
	{name: "every flag option", mutate: mountsOf(specs.Mount{Destination: "/x", Type: "ext4", Source: "/dev/sda",
		Options: []string{"defaults", "ro", "nosuid", "nodev", "noexec", "sync", "dirsync", "remount", "mand", "noatime",
			"nodiratime", "relatime", "strictatime", "lazytime", "nosymfollow", "silent", "iversion"}}),
		check: func(t *testing.T, p *Plan) {
			eq(t, "flags", p.Mounts[0].Flags, uintptr(unix.MS_RDONLY|unix.MS_NOSUID|unix.MS_NODEV|unix.MS_NOEXEC|
				unix.MS_SYNCHRONOUS|unix.MS_DIRSYNC|unix.MS_REMOUNT|unix.MS_MANDLOCK|unix.MS_NOATIME|unix.MS_NODIRATIME|
				unix.MS_RELATIME|unix.MS_STRICTATIME|unix.MS_LAZYTIME|unix.MS_NOSYMFOLLOW|unix.MS_SILENT|unix.MS_I_VERSION))
			eq(t, "clear", p.Mounts[0].ClearFlags, uintptr(0))
			eq(t, "data", p.Mounts[0].Data, "")
		}},
	{name: "every clearing option", mutate: mountsOf(specs.Mount{Destination: "/x", Type: "ext4", Source: "/dev/sda",
		Options: []string{"rw", "suid", "dev", "exec", "async", "nomand", "atime", "diratime", "norelatime",
			"nostrictatime", "nolazytime", "symfollow", "loud", "noiversion"}}),
		check: func(t *testing.T, p *Plan) {
			eq(t, "flags", p.Mounts[0].Flags, uintptr(0))
			eq(t, "clear", p.Mounts[0].ClearFlags, uintptr(unix.MS_RDONLY|unix.MS_NOSUID|unix.MS_NODEV|unix.MS_NOEXEC|
				unix.MS_SYNCHRONOUS|unix.MS_MANDLOCK|unix.MS_NOATIME|unix.MS_NODIRATIME|unix.MS_RELATIME|
				unix.MS_STRICTATIME|unix.MS_LAZYTIME|unix.MS_NOSYMFOLLOW|unix.MS_SILENT|unix.MS_I_VERSION))
		}},
	{name: "later option wins", mutate: mountsOf(
		specs.Mount{Destination: "/a", Type: "tmpfs", Source: "tmpfs", Options: []string{"rw", "ro"}},
		specs.Mount{Destination: "/b", Type: "tmpfs", Source: "tmpfs", Options: []string{"ro", "rw", "size=1k", "nr_inodes=5"}}),
		check: func(t *testing.T, p *Plan) {
			eq(t, "a flags", p.Mounts[0].Flags, uintptr(unix.MS_RDONLY))
			eq(t, "a clear", p.Mounts[0].ClearFlags, uintptr(0))
			eq(t, "b flags", p.Mounts[1].Flags, uintptr(0))
			eq(t, "b clear", p.Mounts[1].ClearFlags, uintptr(unix.MS_RDONLY))
			eq(t, "b data", p.Mounts[1].Data, "size=1k,nr_inodes=5")
		}},
	{name: "rbind read-only with propagation", mutate: mountsOf(specs.Mount{Destination: "/data/", Type: "none", Source: "/data",
		Options: []string{"rbind", "ro", "nosuid", "rslave", "private"}}),
		check: func(t *testing.T, p *Plan) {
			eq(t, "mount", p.Mounts, []Mount{{Kind: MountBind, Source: "/data", Destination: "/data", Type: "none",
				Flags: unix.MS_BIND | unix.MS_REC | unix.MS_RDONLY | unix.MS_NOSUID, Remount: true,
				Propagation: []uintptr{unix.MS_SLAVE | unix.MS_REC, unix.MS_PRIVATE}, Origin: "mounts[0]"}})
		}},
	{name: "bind source made by an earlier mount", mutate: mountsOf(
		specs.Mount{Destination: "/mnt", Source: "/data", Options: []string{"rbind"}},
		specs.Mount{Destination: "/final", Source: "/b/rootfs/mnt/x/y", Options: []string{"rbind"}}),
		check: func(t *testing.T, p *Plan) {
			eq(t, "source", p.Mounts[1].Source, "/b/rootfs/mnt/x/y")
			eq(t, "file", p.Mounts[1].SourceIsFile, false)
		}},
	{name: "destination with the rootfs's host path in front", mutate: mountsOf(
		specs.Mount{Destination: "/b/rootfs/mnt/x", Type: "tmpfs", Source: "tmpfs"},
		specs.Mount{Destination: "/b/rootfs", Type: "tmpfs", Source: "tmpfs"},
		specs.Mount{Destination: "/b/rootfsother", Type: "tmpfs", Source: "tmpfs"}),
		check: func(t *testing.T, p *Plan) {
			eq(t, "dests", []string{p.Mounts[0].Destination, p.Mounts[1].Destination, p.Mounts[2].Destination},
				[]string{"/mnt/x", "/", "/b/rootfsother"})
		}},
	{name: "bind with clear-only options is remounted", mutate: mountsOf(
		specs.Mount{Destination: "/a", Source: "/data", Options: []string{"bind", "rw", "suid", "dev", "exec"}},
		specs.Mount{Destination: "/b", Source: "/data", Options: []string{"rbind", "rprivate"}}),
		check: func(t *testing.T, p *Plan) {
			eq(t, "a flags", p.Mounts[0].Flags, uintptr(unix.MS_BIND))
			eq(t, "a clear", p.Mounts[0].ClearFlags, uintptr(unix.MS_RDONLY|unix.MS_NOSUID|unix.MS_NODEV|unix.MS_NOEXEC))
			eq(t, "a remount", p.Mounts[0].Remount, true)
			eq(t, "b remount", p.Mounts[1].Remount, false)
		}},
	{name: "every propagation option", mutate: mountsOf(specs.Mount{Destination: "/x", Type: "tmpfs", Source: "tmpfs",
		Options: []string{"private", "rprivate", "shared", "rshared", "slave", "rslave", "unbindable", "runbindable"}}),
		check: func(t *testing.T, p *Plan) {
			eq(t, "propagation", p.Mounts[0].Propagation, []uintptr{unix.MS_PRIVATE, unix.MS_PRIVATE | unix.MS_REC,
				unix.MS_SHARED, unix.MS_SHARED | unix.MS_REC, unix.MS_SLAVE, unix.MS_SLAVE | unix.MS_REC,
				unix.MS_UNBINDABLE, unix.MS_UNBINDABLE | unix.MS_REC})
		}},
	{name: "bind of a file, relative source, type bind", mutate: mountsOf(
		specs.Mount{Destination: "/etc/hosts", Type: "bind", Source: "file"},
		specs.Mount{Destination: "/d", Source: "data/", Options: []string{"bind"}}),
		check: func(t *testing.T, p *Plan) {
			eq(t, "mount 0", p.Mounts[0], Mount{Kind: MountBind, Source: "/b/file", Destination: "/etc/hosts", Type: "bind",
				Flags: unix.MS_BIND, SourceIsFile: true, Origin: "mounts[0]"})
			eq(t, "mount 1 source", p.Mounts[1].Source, "/b/data")
			eq(t, "mount 1 file", p.Mounts[1].SourceIsFile, false)
		}},
	{name: "recursive attributes", mutate: mountsOf(specs.Mount{Destination: "/data", Source: "/data",
		Options: []string{"rbind", "rro", "rnosuid", "rnodev", "rnoexec", "rnodiratime", "rnosymfollow", "rnoatime"}}),
		check: func(t *testing.T, p *Plan) {
			eq(t, "set", p.Mounts[0].AttrSet, uint64(unix.MOUNT_ATTR_RDONLY|unix.MOUNT_ATTR_NOSUID|unix.MOUNT_ATTR_NODEV|
				unix.MOUNT_ATTR_NOEXEC|unix.MOUNT_ATTR_NODIRATIME|unix.MOUNT_ATTR_NOSYMFOLLOW|unix.MOUNT_ATTR_NOATIME))
			eq(t, "clr", p.Mounts[0].AttrClr, uint64(unix.MOUNT_ATTR__ATIME))
		}},
	{name: "recursive clearing attributes", mutate: mountsOf(specs.Mount{Destination: "/data", Source: "/data",
		Options: []string{"rbind", "rro", "rrw", "rsuid", "rdev", "rexec", "rdiratime", "rsymfollow", "rstrictatime"}}),
		check: func(t *testing.T, p *Plan) {
			eq(t, "set", p.Mounts[0].AttrSet, uint64(unix.MOUNT_ATTR_STRICTATIME))
			eq(t, "clr", p.Mounts[0].AttrClr, uint64(unix.MOUNT_ATTR_RDONLY|unix.MOUNT_ATTR_NOSUID|unix.MOUNT_ATTR_NODEV|
				unix.MOUNT_ATTR_NOEXEC|unix.MOUNT_ATTR_NODIRATIME|unix.MOUNT_ATTR_NOSYMFOLLOW|unix.MOUNT_ATTR__ATIME))
		}},
	{name: "recursive atime back to relatime", mutate: mountsOf(
		specs.Mount{Destination: "/a", Source: "/data", Options: []string{"rbind", "rnoatime", "ratime"}},
		specs.Mount{Destination: "/b", Source: "/data", Options: []string{"rbind", "rstrictatime", "rnostrictatime"}},
		specs.Mount{Destination: "/c", Source: "/data", Options: []string{"rbind", "rnoatime", "rrelatime"}},
		specs.Mount{Destination: "/d", Source: "/data", Options: []string{"rbind", "rnoatime", "rnorelatime"}}),
		check: func(t *testing.T, p *Plan) {
			for _, m := range p.Mounts {
				eq(t, m.Destination+" set", m.AttrSet, uint64(unix.MOUNT_ATTR_RELATIME))
				eq(t, m.Destination+" clr", m.AttrClr, uint64(unix.MOUNT_ATTR__ATIME))
			}
		}},
	{name: "idmap with the mount's mappings", mutate: mountsOf(specs.Mount{Destination: "/data", Source: "/data",
		Options: []string{"rbind", "ridmap"}, UIDMappings: userNS, GIDMappings: userNS}),
		check: func(t *testing.T, p *Plan) {
			eq(t, "idmap", p.Mounts[0].Idmap, &Idmap{UIDMappings: userNS, GIDMappings: userNS, Recursive: true})
			eq(t, "kind", p.Mounts[0].Kind, MountBind)
		}},
	{name: "idmap with the user namespace's mappings", mutate: func(s *specs.Spec) {
		withUserNS(s)
		s.Mounts = []specs.Mount{{Destination: "/data", Source: "/data", Options: []string{"bind", "idmap"}}}
	}, check: func(t *testing.T, p *Plan) {
		eq(t, "idmap", p.Mounts[0].Idmap, &Idmap{UIDMappings: userNS, GIDMappings: userNS})
	}},
	{name: "mappings without idmap option", mutate: mountsOf(specs.Mount{Destination: "/data", Source: "/data",
		Options: []string{"rbind"}, UIDMappings: userNS, GIDMappings: userNS}),
		check: func(t *testing.T, p *Plan) {
			eq(t, "idmap", p.Mounts[0].Idmap, &Idmap{UIDMappings: userNS, GIDMappings: userNS})
		}, warnings: []string{`config.json: mounts[0]: uidMappings/gidMappings without an "idmap" or "ridmap" option: taken as "idmap"`}},
	{name: "relative destination", mutate: mountsOf(specs.Mount{Destination: "tmp", Type: "tmpfs", Source: "tmpfs"}),
		check:    func(t *testing.T, p *Plan) { eq(t, "destination", p.Mounts[0].Destination, "/tmp") },
		warnings: []string{`config.json: mounts[0].destination: "tmp" is relative: taken relative to "/" (relative destinations are deprecated)`}},
	{name: "cgroup mounts stay for libcontainer", mutate: mountsOf(
		specs.Mount{Destination: "/sys/fs/cgroup", Type: "cgroup", Source: "cgroup", Options: []string{"nosuid", "noexec", "nodev", "relatime", "ro"}},
		specs.Mount{Destination: "/sys/fs/cgroup", Type: "cgroup2", Source: "cgroup2"}),
		check: func(t *testing.T, p *Plan) {
			eq(t, "v1", p.Mounts[0], Mount{Kind: MountFS, Source: "cgroup", Destination: "/sys/fs/cgroup", Type: "cgroup",
				Flags: unix.MS_NOSUID | unix.MS_NOEXEC | unix.MS_NODEV | unix.MS_RELATIME | unix.MS_RDONLY, Origin: "mounts[0]"})
			eq(t, "v2", p.Mounts[1], Mount{Kind: MountFS, Source: "cgroup2", Destination: "/sys/fs/cgroup", Type: "cgroup2", Origin: "mounts[1]"})
		}},
	{name: "dev bound from the host", mutate: func(s *specs.Spec) {
		s.Mounts = []specs.Mount{{Destination: "/dev", Source: "/dev", Options: []string{"rbind"}}}
		s.Linux.Devices = []specs.LinuxDevice{{Path: "/dev/fuse", Type: "c", Major: 10, Minor: 229}}
	}, check: func(t *testing.T, p *Plan) {
		eq(t, "setup dev", p.SetupDev, false)
		eq(t, "devices", p.Devices, []Device(nil))
		eq(t, "links", p.DevSymlinks, []Symlink(nil))
	}, warnings: []string{"config.json: linux.devices: /dev is bind-mounted from the host: the devices are not made"}},
	{name: "mapped uid and gid options in a user namespace", mutate: func(s *specs.Spec) {
		withUserNS(s)
		s.Mounts = []specs.Mount{{Destination: "/dev/pts", Type: "devpts", Source: "devpts", Options: []string{"gid=5", "uid=0"}}}
	}, check: func(t *testing.T, p *Plan) { eq(t, "data", p.Mounts[0].Data, "gid=5,uid=0") }},

	// devices
	{name: "devices", mutate: func(s *specs.Spec) {
		s.Linux.Devices = []specs.LinuxDevice{
			{Path: "/dev/null", Type: "c", Major: 1, Minor: 3, FileMode: ptr(os.FileMode(0o600)), UID: ptr(uint32(5)), GID: ptr(uint32(6))},
			{Path: "/dev/fuse", Type: "c", Major: 10, Minor: 229},
			{Path: "/dev/sda", Type: "b", Major: 8, Minor: 0, FileMode: ptr(os.FileMode(0o660))},
			{Path: "/dev/ttyX", Type: "u", Major: 4, Minor: 64},
			{Path: "/run/fifo", Type: "p"},
		}
	}, check: func(t *testing.T, p *Plan) {
		want := append(defaultDevices()[1:],
			Device{Path: "/dev/null", Type: 'c', Major: 1, Minor: 3, FileMode: 0o600, UID: 5, GID: 6},
			Device{Path: "/dev/fuse", Type: 'c', Major: 10, Minor: 229, FileMode: 0o666},
			Device{Path: "/dev/sda", Type: 'b', Major: 8, Minor: 0, FileMode: 0o660},
			Device{Path: "/dev/ttyX", Type: 'c', Major: 4, Minor: 64, FileMode: 0o666},
			Device{Path: "/run/fifo", Type: 'p', FileMode: 0o666})
		eq(t, "devices", p.Devices, want)
	}},
	{name: "device fileMode with type bits, fifo with numbers", mutate: func(s *specs.Spec) {
		s.Linux.Devices = []specs.LinuxDevice{
			{Path: "/dev/fuse", Type: "c", Major: 10, Minor: 229, FileMode: ptr(os.FileMode(0o20666))},
			{Path: "/dev/f", Type: "p", Major: 1},
		}
	}, check: func(t *testing.T, p *Plan) { eq(t, "mode", p.Devices[6].FileMode, uint32(0o666)) },
		warnings: []string{
			"config.json: linux.devices[0].fileMode: 8630 has bits besides the permissions (07777): only those are used",
			"config.json: linux.devices[1]: major and minor are ignored for a fifo (type p)",
		}},
	{name: "host with /proc/kcore", host: func(h *fakeHost) { h.files["/proc/kcore"] = reg },
		mutate: func(*specs.Spec) {}, check: func(t *testing.T, p *Plan) {
			eq(t, "links", p.DevSymlinks, append(defaultLinks[:4:4], Symlink{"/proc/kcore", "/dev/core"}, defaultLinks[4]))
		}},
	{name: "configured /dev/ptmx replaces its link", mutate: func(s *specs.Spec) {
		s.Linux.Devices = []specs.LinuxDevice{{Path: "/dev/ptmx", Type: "c", Major: 5, Minor: 2}}
	}, check: func(t *testing.T, p *Plan) { eq(t, "links", p.DevSymlinks, defaultLinks[:4]) }},

	// paths, kernel
	{name: "paths", mutate: func(s *specs.Spec) {
		s.Linux.RootfsPropagation = "rslave"
		s.Linux.MaskedPaths = []string{"/proc/kcore/", "/proc//keys", "/proc/kcore"}
		s.Linux.ReadonlyPaths = []string{"/proc/sys/.."}
	}, check: func(t *testing.T, p *Plan) {
		eq(t, "propagation", p.RootfsPropagation, uintptr(unix.MS_SLAVE|unix.MS_REC))
		eq(t, "masked", p.MaskedPaths, []string{"/proc/kcore", "/proc/keys"})
		eq(t, "readonly", p.ReadonlyPaths, []string{"/proc"})
	}},
	{name: "sysctls", mutate: func(s *specs.Spec) {
		s.Linux.Namespaces = append(ns(specs.MountNamespace, specs.NetworkNamespace, specs.IPCNamespace),
			specs.LinuxNamespace{Type: specs.UTSNamespace, Path: "/proc/9/ns/uts"})
		s.Linux.Sysctl = map[string]string{
			"net.ipv4.ip_forward": "1", "net.ipv4.conf.eth0/100.forwarding": "0", "net/ipv4/conf/eth0.200/rp_filter": "2",
			"kernel.shmmax": "8192", "fs.mqueue.msg_max": "20", "kernel.domainname": "x.org",
		}
	}, check: func(t *testing.T, p *Plan) {
		eq(t, "sysctls", p.Sysctls, []Sysctl{
			{"fs.mqueue.msg_max", "sys/fs/mqueue/msg_max", "20"},
			{"kernel.domainname", "sys/kernel/domainname", "x.org"},
			{"kernel.shmmax", "sys/kernel/shmmax", "8192"},
			{"net.ipv4.conf.eth0/100.forwarding", "sys/net/ipv4/conf/eth0.100/forwarding", "0"},
			{"net.ipv4.ip_forward", "sys/net/ipv4/ip_forward", "1"},
			{"net/ipv4/conf/eth0.200/rp_filter", "sys/net/ipv4/conf/eth0.200/rp_filter", "2"},
		})
	}},
	{name: "sysctl in a joined network namespace", mutate: func(s *specs.Spec) {
		s.Linux.Namespaces = append(s.Linux.Namespaces, specs.LinuxNamespace{Type: specs.NetworkNamespace, Path: "/run/netns/a"})
		s.Linux.Sysctl = map[string]string{"net.core.somaxconn": "256"}
	}, check: func(t *testing.T, p *Plan) { eq(t, "n", len(p.Sysctls), 1) }},
	{name: "sysctl domainname over the domainname field, user in a user namespace", mutate: func(s *specs.Spec) {
		withUserNS(s)
		s.Linux.Namespaces = append(s.Linux.Namespaces, specs.LinuxNamespace{Type: specs.UTSNamespace})
		s.Domainname = "a.org"
		s.Linux.Sysctl = map[string]string{"kernel.domainname": "b.org", "user.max_user_namespaces": "0"}
	}, check: func(t *testing.T, p *Plan) {
		eq(t, "sysctls", p.Sysctls, []Sysctl{
			{"kernel.domainname", "sys/kernel/domainname", "b.org"},
			{"user.max_user_namespaces", "sys/user/max_user_namespaces", "0"},
		})
	}, warnings: []string{`config.json: linux.sysctl["kernel.domainname"]: overrides the config's domainname "a.org"`}},
	{name: "personality", mutate: func(s *specs.Spec) { s.Linux.Personality = &specs.LinuxPersonality{Domain: "LINUX32"} },
		check: func(t *testing.T, p *Plan) { eq(t, "personality", *p.Personality, uint32(8)) }},
	{name: "personality linux", mutate: func(s *specs.Spec) { s.Linux.Personality = &specs.LinuxPersonality{Domain: "LINUX"} },
		check: func(t *testing.T, p *Plan) { eq(t, "personality", *p.Personality, uint32(0)) }},
	{name: "memory policy", mutate: func(s *specs.Spec) {
		s.Linux.MemoryPolicy = &specs.LinuxMemoryPolicy{Mode: specs.MpolInterleave, Nodes: "0-3,7",
			Flags: []specs.MemoryPolicyFlagType{specs.MpolFStaticNodes}}
	}, check: func(t *testing.T, p *Plan) {
		eq(t, "policy", *p.MemoryPolicy, MemoryPolicy{Mode: unix.MPOL_INTERLEAVE | unix.MPOL_F_STATIC_NODES,
			Nodes: []byte{0x8f, 0, 0, 0, 0, 0, 0, 0}})
	}},
	{name: "memory policy node 63 keeps the top bit clear", mutate: func(s *specs.Spec) {
		s.Linux.MemoryPolicy = &specs.LinuxMemoryPolicy{Mode: specs.MpolBind, Nodes: "63",
			Flags: []specs.MemoryPolicyFlagType{specs.MpolFNumaBalancing}}
	}, check: func(t *testing.T, p *Plan) {
		eq(t, "policy", *p.MemoryPolicy, MemoryPolicy{Mode: unix.MPOL_BIND | unix.MPOL_F_NUMA_BALANCING,
			Nodes: []byte{0, 0, 0, 0, 0, 0, 0, 0x80, 0, 0, 0, 0, 0, 0, 0, 0}})
	}},
	{name: "memory policy local and preferred", mutate: func(s *specs.Spec) {
		s.Linux.MemoryPolicy = &specs.LinuxMemoryPolicy{Mode: specs.MpolPreferred}
	}, check: func(t *testing.T, p *Plan) { eq(t, "policy", *p.MemoryPolicy, MemoryPolicy{Mode: unix.MPOL_PREFERRED}) }},

	// copied as written
	{name: "copies", mutate: func(s *specs.Spec) {
		s.Annotations = map[string]string{"a": "b"}
		s.Hooks = &specs.Hooks{Prestart: []specs.Hook{{Path: "/bin/true", Timeout: ptr(5)}}, Poststop: []specs.Hook{{Path: "/bin/false"}}}
		s.Linux.CgroupsPath = "/berth/x"
		s.Linux.Resources = &specs.LinuxResources{Pids: &specs.LinuxPids{Limit: ptr(int64(10))}}
		s.Linux.Seccomp = &specs.LinuxSeccomp{DefaultAction: specs.ActAllow}
	}, check: func(t *testing.T, p *Plan) {
		eq(t, "hooks", p.Hooks, p.Spec.Hooks)
		eq(t, "annotations", p.Spec.Annotations, map[string]string{"a": "b"})
		eq(t, "cgroups path", p.CgroupsPath, "/berth/x")
		eq(t, "resources", p.Resources, p.Spec.Linux.Resources)
		eq(t, "seccomp", p.Seccomp, p.Spec.Linux.Seccomp)
	}},
}

func TestConvertValid(t *testing.T) {
	for _, tc := range validCases {
		t.Run(tc.name, func(t *testing.T) {
			s := baseSpec()
			tc.mutate(s)
			h := newFakeHost()
			if tc.host != nil {
				tc.host(h)
			}
			opts := tc.opts
			opts.Host = h
			p, warnings, err := Convert(s, "/b", opts)
			if err != nil {
				t.Fatalf("error: %v", err)
			}
			eq(t, "warnings", warnings, tc.warnings)
			tc.check(t, p)
		})
	}
}
