package libcontainer

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/berth-oci/berth/specconv"
)

// The Go <-> C round trip of the plan. nsexec/c/fuzz/plan_dump decodes a
// plan with the init's own decoder and prints every field of its struct
// plan, one "name value" line each; the functions below print the same
// lines from what the parent encoded, and checkRoundTrip compares the two
// field by field. TestPlanRoundTrip encodes a plan with every field set to
// a distinctive value, and fails when protocol.h has a tag (or a nested
// record) that the plan, the encoder or plan_dump leaves out.

// dump is plan_dump's text format written from Go: numbers in decimal,
// strings quoted with '"', '\' and bytes outside printable ASCII as \xNN,
// "none" for a missing string or optional number, bytes as LEN:HEX.
type dump struct{ lines []string }

func (d *dump) add(name, value string) { d.lines = append(d.lines, name+" "+value) }

func (d *dump) num(name string, v int64) { d.add(name, strconv.FormatInt(v, 10)) }

func (d *dump) unum(name string, v uint64) { d.add(name, strconv.FormatUint(v, 10)) }

func (d *dump) flag(name string, on bool) {
	if on {
		d.add(name, "1")
	} else {
		d.add(name, "0")
	}
}

func (d *dump) str(name, s string) { d.add(name, quoteDump(s)) }

// optStr prints s, or none when it is empty (the encoder leaves it out).
func (d *dump) optStr(name, s string) {
	if s == "" {
		d.add(name, "none")
	} else {
		d.str(name, s)
	}
}

func (d *dump) strPtr(name string, s *string) {
	if s == nil {
		d.add(name, "none")
	} else {
		d.str(name, *s)
	}
}

func (d *dump) opt(name string, v int64, set bool) {
	if set {
		d.num(name, v)
	} else {
		d.add(name, "none")
	}
}

func (d *dump) bytes(name string, b []byte, set bool) {
	if set {
		d.add(name, fmt.Sprintf("%d:%s", len(b), hex.EncodeToString(b)))
	} else {
		d.add(name, "none")
	}
}

func (d *dump) strs(prefix string, ss []string) {
	for i, s := range ss {
		d.str(fmt.Sprintf("%s[%d]", prefix, i), s)
	}
}

func quoteDump(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c > 0x7e || c == '"' || c == '\\' {
			fmt.Fprintf(&b, "\\x%02x", c)
		} else {
			b.WriteByte(c)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// dump is what plan_dump prints for ip.encode(): every field of the
// finished plan, with the init's value for what is not encoded.
func (ip *initPlan) dump() []string {
	var d dump
	d.unum("mode", uint64(ip.mode))
	ip.dumpNamespaces(&d)
	ip.rootfs.dump(&d, ip.pathWalk)
	ip.dumpContainer(&d)
	ip.dumpProcess(&d)
	return d.lines
}

func (ip *initPlan) dumpNamespaces(d *dump) {
	for i, j := range ip.joins {
		d.unum(fmt.Sprintf("ns_join[%d].flag", i), uint64(j.flag))
		d.num(fmt.Sprintf("ns_join[%d].fd", i), int64(j.fd))
	}
	d.unum("unshare", uint64(ip.unshare))
	d.flag("new_userns", ip.newUserns)
	d.optStr("timens_offsets", ip.timeOffsets)
	d.flag("fork", ip.fork)
	d.num("ns_pidfd", int64(ip.pidfd))
	if ip.pidfd >= 0 {
		d.unum("ns_pidfd_flags", uint64(ip.pidFlags))
	} else {
		d.unum("ns_pidfd_flags", 0)
	}
	for i, fd := range ip.tasks {
		d.num(fmt.Sprintf("cgroup_tasks[%d]", i), int64(fd))
	}
}

// dump prints the rootfs fields; r is nil for an exec.
func (r *initRootfs) dump(d *dump, pathWalk bool) {
	if r == nil {
		d.add("rootfs", "none")
		r = &initRootfs{}
	} else {
		d.str("rootfs", r.path)
	}
	d.flag("root_readonly", r.readonly)
	d.unum("root_propagation", uint64(r.propagation))
	d.flag("no_pivot", r.noPivot)
	d.flag("no_mountns", r.noMountNS)
	d.flag("path_walk", pathWalk)
	for i := range r.mounts {
		r.mounts[i].dump(d, fmt.Sprintf("mount[%d]", i))
	}
	for i, fd := range r.trees {
		d.num(fmt.Sprintf("tree_fd[%d]", i), int64(fd))
	}
	d.flag("setup_dev", r.setupDev)
	for i, dev := range r.devices {
		n := fmt.Sprintf("device[%d]", i)
		d.str(n+".path", dev.Path)
		d.unum(n+".type", uint64(dev.Type))
		d.unum(n+".major", uint64(uint32(dev.Major)))
		d.unum(n+".minor", uint64(uint32(dev.Minor)))
		d.unum(n+".mode", uint64(dev.FileMode))
		d.unum(n+".uid", uint64(dev.UID))
		d.unum(n+".gid", uint64(dev.GID))
		d.flag(n+".bind", dev.Bind)
	}
	for i, l := range r.symlinks {
		d.str(fmt.Sprintf("dev_symlink[%d].target", i), l.Target)
		d.str(fmt.Sprintf("dev_symlink[%d].path", i), l.Path)
	}
	d.strs("masked", r.masked)
	d.strs("readonly", r.readonlyP)
}

func (m *initMount) dump(d *dump, n string) {
	d.unum(n+".kind", uint64(m.kind))
	d.optStr(n+".source", m.source)
	d.str(n+".dest", m.dest)
	d.optStr(n+".fstype", m.fstype)
	d.unum(n+".flags", uint64(m.flags))
	d.unum(n+".clr_flags", uint64(m.clearFlags))
	d.optStr(n+".data", m.data)
	for j, pr := range m.propagation {
		d.unum(fmt.Sprintf("%s.propagation[%d]", n, j), uint64(pr))
	}
	d.unum(n+".attr_set", m.attrSet)
	d.unum(n+".attr_clr", m.attrClr)
	d.flag(n+".file", m.file)
	d.flag(n+".remount", m.remount)
	d.flag(n+".copyup", m.copyUp)
	d.flag(n+".cloned", m.cloned)
	d.num(n+".tree", int64(m.tree))
	d.optStr(n+".origin", m.origin)
}

// dumpContainer prints the container's own settings (none for an exec).
func (ip *initPlan) dumpContainer(d *dump) {
	d.optStr("session_keyring", ip.keyring)
	d.strPtr("hostname", ip.hostname)
	d.strPtr("domainname", ip.domainname)
	for i, s := range ip.sysctls {
		d.str(fmt.Sprintf("sysctl[%d].path", i), s.Path)
		d.str(fmt.Sprintf("sysctl[%d].value", i), s.Value)
	}
	var pers int64
	if ip.personality != nil {
		pers = int64(*ip.personality)
	}
	d.opt("personality", pers, ip.personality != nil)
	mp := ip.memPolicy
	d.flag("mempolicy", mp != nil)
	if mp == nil {
		mp = &specconv.MemoryPolicy{}
	}
	d.unum("mempolicy_mode", uint64(mp.Mode))
	d.bytes("mempolicy_nodes", mp.Nodes, len(mp.Nodes) > 0)
	d.num("fifo_fd", int64(ip.fifo))
	for i := range ip.hooks {
		ip.hooks[i].dump(d, fmt.Sprintf("hook[%d]", i))
	}
}

func (h *initHook) dump(d *dump, n string) {
	d.unum(n+".kind", uint64(h.kind))
	d.str(n+".path", h.Path)
	d.strs(n+".arg", h.Args)
	d.strs(n+".env", h.Env)
	var timeout uint64
	if h.Timeout != nil {
		timeout = uint64(uint32(*h.Timeout))
	}
	d.unum(n+".timeout", timeout)
}

// dumpProcess prints the process's fields.
func (ip *initPlan) dumpProcess(d *dump) {
	p := ip.proc
	d.strs("arg", p.Args)
	d.strs("env", p.Env)
	d.optStr("cwd", p.Cwd)
	ip.dumpIdentity(d)
	ip.dumpLimits(d)
	d.flag("terminal", ip.console >= 0)
	d.num("console_fd", int64(ip.console))
	d.flag("console_no_onlcr", ip.consoleNoONLCR)
	var height, width uint64
	if s := p.ConsoleSize; s != nil && ip.console >= 0 {
		height, width = uint64(uint32(s.Height)), uint64(uint32(s.Width))
	}
	d.unum("console_height", height)
	d.unum("console_width", width)
	d.num("preserve_fds", int64(ip.preserve))
	f := ip.seccomp
	if f == nil {
		f = &initFilter{}
	}
	d.bytes("seccomp", f.insns, ip.seccomp != nil)
	d.unum("seccomp_flags", uint64(f.flags))
	d.flag("seccomp_notify", f.notify)
}

func (ip *initPlan) dumpIdentity(d *dump) {
	p := ip.proc
	d.unum("uid", uint64(p.UID))
	d.unum("gid", uint64(p.GID))
	for i, g := range p.AdditionalGids {
		d.unum(fmt.Sprintf("additional_gid[%d]", i), uint64(g))
	}
	d.flag("setgroups", ip.setgroups)
	d.opt("umask", int64(ip.umask), true)
	c := p.Capabilities
	d.flag("caps", c != nil)
	if c == nil {
		c = &specconv.Capabilities{}
	}
	d.unum("cap_bounding", c.Bounding)
	d.unum("cap_effective", c.Effective)
	d.unum("cap_inheritable", c.Inheritable)
	d.unum("cap_permitted", c.Permitted)
	d.unum("cap_ambient", c.Ambient)
	d.flag("no_new_privs", p.NoNewPrivileges)
	d.optStr("exec_label", p.SelinuxLabel)
	d.optStr("apparmor", p.ApparmorProfile)
}

func (ip *initPlan) dumpLimits(d *dump) {
	p := ip.proc
	for i, r := range p.Rlimits {
		n := fmt.Sprintf("rlimit[%d]", i)
		d.unum(n+".type", uint64(uint32(r.Resource)))
		d.unum(n+".soft", r.Soft)
		d.unum(n+".hard", r.Hard)
	}
	var oom int64
	if p.OOMScoreAdj != nil {
		oom = int64(int32(*p.OOMScoreAdj))
	}
	d.opt("oom_score_adj", oom, p.OOMScoreAdj != nil)
	s := p.Scheduler
	d.flag("scheduler", s != nil)
	if s == nil {
		s = &specconv.Scheduler{}
	}
	d.unum("sched_policy", uint64(s.Policy))
	d.unum("sched_flags", s.Flags)
	d.num("sched_nice", int64(s.Nice))
	d.unum("sched_priority", uint64(s.Priority))
	d.unum("sched_runtime", s.Runtime)
	d.unum("sched_deadline", s.Deadline)
	d.unum("sched_period", s.Period)
	d.flag("sched_with_cpus", ip.schedWithCPUs && p.Scheduler != nil)
	var io int64
	if p.IOPriority != nil {
		io = int64(uint32(p.IOPriority.Class<<13 | p.IOPriority.Priority))
	}
	d.opt("ioprio", io, p.IOPriority != nil)
	d.bytes("cpu_affinity", ip.finalCPUs, ip.finalCPUs != nil)
	d.flag("cpu_affinity_reset", ip.resetCPUs)
}

// decodeInC runs plan through the init's decoder and returns its dump.
func decodeInC(t testing.TB, plan []byte) []string {
	t.Helper()
	cmd := exec.Command(planDump(t))
	cmd.Stdin = bytes.NewReader(plan)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("the init's decoder refused the plan: %v: %s", err, out)
	}
	return strings.Split(strings.TrimSuffix(string(out), "\n"), "\n")
}

// checkRoundTrip compares the init's dump of plan with want, field by field.
func checkRoundTrip(t testing.TB, plan []byte, want []string) []string {
	t.Helper()
	got := decodeInC(t, plan)
	g, w := dumpFields(got), dumpFields(want)
	var diffs []string
	for name, wv := range w {
		switch gv, ok := g[name]; {
		case !ok:
			diffs = append(diffs, fmt.Sprintf("%s: the init decoded nothing, the parent encoded %s", name, wv))
		case gv != wv:
			diffs = append(diffs, fmt.Sprintf("%s: the init decoded %s, the parent encoded %s", name, gv, wv))
		}
	}
	for name, gv := range g {
		if _, ok := w[name]; !ok {
			diffs = append(diffs, fmt.Sprintf("%s: the init decoded %s, the parent encoded nothing", name, gv))
		}
	}
	if len(diffs) > 0 {
		sort.Strings(diffs)
		t.Fatalf("the plan does not survive the round trip:\n%s", strings.Join(diffs, "\n"))
	}
	return got
}

// dumpFields maps the name of each dump line to its value.
func dumpFields(lines []string) map[string]string {
	m := make(map[string]string, len(lines))
	for _, l := range lines {
		name, value, _ := strings.Cut(l, " ")
		m[name] = value
	}
	return m
}

// everyFieldPlan is a config's plan with every field the encoder writes
// set to a distinctive value (no zero, no empty string, strings that need
// quoting), and the fds of everything it refers to.
func everyFieldPlan() (*specconv.Plan, initFDs) {
	personality, umask, oom, timeout := uint32(8), uint32(0o027), -500, 7
	host, domain := "box", "example.org"
	p := &specconv.Plan{
		Rootfs: "/bundle/root fs", RootReadonly: true, RootfsPropagation: unix.MS_SLAVE | unix.MS_REC,
		NoPivot: true, NoMountNS: true,
		Namespaces: []specconv.Namespace{
			{Type: specs.UserNamespace, Flag: unix.CLONE_NEWUSER}, {Type: specs.PIDNamespace, Flag: unix.CLONE_NEWPID},
			{Type: specs.NetworkNamespace, Flag: unix.CLONE_NEWNET, Path: "/proc/77/ns/net"},
			{Type: specs.UTSNamespace, Flag: unix.CLONE_NEWUTS}, {Type: specs.TimeNamespace, Flag: unix.CLONE_NEWTIME},
		},
		TimeOffsets: "monotonic 7 0\nboottime 8 0\n",
		Mounts: []specconv.Mount{
			{Kind: specconv.MountFS, Source: "tmpfs-src", Destination: "/run/x", Type: "tmpfs",
				Flags: unix.MS_NOSUID | unix.MS_NODEV, ClearFlags: unix.MS_RDONLY, Data: "size=64k,mode=1777",
				Propagation: []uintptr{unix.MS_PRIVATE, unix.MS_SHARED | unix.MS_REC},
				AttrSet:     unix.MOUNT_ATTR_NOSUID | unix.MOUNT_ATTR_RDONLY, AttrClr: unix.MOUNT_ATTR_NOEXEC, CopyUp: true, Origin: "mounts[0]"},
			{Kind: specconv.MountBind, Source: "/srv/data file", Destination: "/data",
				Flags: unix.MS_BIND | unix.MS_REC | unix.MS_RDONLY, SourceIsFile: true, Remount: true, Origin: "mounts[1]"},
			{Kind: specconv.MountTree, Source: "/srv/idmapped", Destination: "/idm", TreeIndex: 1, Origin: "mounts[2]"},
			{Kind: specconv.MountSymlink, Source: "cpu,cpuacct", Destination: "/sys/fs/cgroup/cpu"},
		},
		SetupDev: true,
		Devices: []specconv.Device{
			{Path: "/dev/fuse", Type: 'c', Major: 10, Minor: 229, FileMode: 0o620, UID: 5, GID: 6},
			{Path: "/dev/sda", Type: 'b', Major: 8, Minor: 3, FileMode: 0o660, UID: 7, GID: 9, Bind: true},
		},
		DevSymlinks:   []specconv.Symlink{{Target: "/proc/self/fd", Path: "/dev/fd"}},
		MaskedPaths:   []string{"/proc/kcore", `/proc/a "quoted" path`},
		ReadonlyPaths: []string{"/proc/sys"},
		Hostname:      &host, Domainname: &domain,
		Sysctls:      []specconv.Sysctl{{Key: "net.ipv4.ip_forward", Path: "sys/net/ipv4/ip_forward", Value: "1"}},
		Personality:  &personality,
		MemoryPolicy: &specconv.MemoryPolicy{Mode: 3 | 1<<15, Nodes: []byte{3, 0, 0, 0, 0, 0, 0, 0}},
		Resources:    &specs.LinuxResources{CPU: &specs.LinuxCPU{Cpus: "0-1"}},
		Process: specconv.Process{
			Args: []string{"/bin/sh", "-c", "echo \"hi\"\n\tdone \u00fc"}, Env: []string{"PATH=/bin", `X=a\b`},
			Cwd: "/work dir", UID: 1001, GID: 1002, AdditionalGids: []uint32{1003, 1004}, Umask: &umask,
			Capabilities: &specconv.Capabilities{Bounding: 0x3ff, Effective: 0x1ff, Inheritable: 0x7,
				Permitted: 0x2ff, Ambient: 0x3},
			Rlimits:         []specconv.Rlimit{{Resource: unix.RLIMIT_NOFILE, Soft: 1024, Hard: 4096, Name: "RLIMIT_NOFILE"}},
			NoNewPrivileges: true, OOMScoreAdj: &oom, Terminal: true, ConsoleSize: &specs.Box{Height: 40, Width: 120},
			Scheduler: &specconv.Scheduler{Policy: 6, Flags: 1, Nice: -7, Priority: 9, Runtime: 10000,
				Deadline: 20000, Period: 30000},
			IOPriority:      &specconv.IOPriority{Class: 2, Priority: 5},
			ApparmorProfile: "berth-default", SelinuxLabel: "system_u:system_r:container_t:s0:c1,c2",
			ExecCPUAffinity: &specconv.CPUAffinity{Initial: []byte{3, 0, 0, 0, 0, 0, 0, 0},
				Final: []byte{12, 0, 0, 0, 0, 0, 0, 0}},
		},
		Hooks: &specs.Hooks{
			CreateContainer: []specs.Hook{{Path: "/bin/true", Args: []string{"true", "create"}, Env: []string{"A=1"},
				Timeout: &timeout}},
			StartContainer: []specs.Hook{{Path: "/bin/start hook", Args: []string{"s"}, Env: []string{"B=2"}}},
		},
	}
	fds := initFDs{
		preserve: 2, fifo: 3, console: 4, pidfd: -1,
		joins: []nsJoin{{flag: unix.CLONE_NEWNET, fd: 10}},
		trees: []int{30, 31},
		tasks: []int{12, 13},
	}
	return p, fds
}

// TestPlanRoundTrip encodes the every-field plan as a create and as an
// exec, decodes both with the init's decoder and compares every field.
func TestPlanRoundTrip(t *testing.T) {
	p, fds := everyFieldPlan()
	filter := &initFilter{insns: []byte{6, 0, 0, 0, 0, 0, 0xff, 0x7f, 0x15, 0, 1, 0, 59, 0, 0, 0}, flags: 2, notify: true}
	ip := finishCreatePlan(p, createFacts{id: "box", newKeyring: true, pathWalk: true, proxyTTY: true}, fds, filter)
	// a mount kind of the init's own (cgroup mounts remount their tmpfs)
	ip.rootfs.mounts = append(ip.rootfs.mounts, initMount{kind: initMountRemount, dest: "/sys/fs/cgroup",
		flags: unix.MS_RDONLY | unix.MS_NOEXEC, tree: -1, origin: "mounts[9]"})
	// a bind whose source the parent clones (the plan has no mount
	// namespace of its own, so finishCreatePlan decided against it)
	ip.rootfs.mounts[1].cloned = true
	create := ip.encode()
	created := checkRoundTrip(t, create, ip.dump())
	execFDs := fds
	execFDs.pidfd, execFDs.pidFlags = 11, unix.CLONE_NEWNS|unix.CLONE_NEWPID|unix.CLONE_NEWNET
	xp := finishExecPlan(&p.Process, execFacts{namespaces: unix.CLONE_NEWPID, pathWalk: true,
		wide: specconv.ContainerWide{Personality: p.Personality, MemoryPolicy: p.MemoryPolicy}}, execFDs, filter)
	exec := xp.encode()
	execed := checkRoundTrip(t, exec, xp.dump())
	checkTagsCovered(t, [][]byte{create, exec}, append(created, execed...))
	// seeds for the libFuzzer harness that hold every tag (see TestPlanSeeds)
	if dir := os.Getenv("BERTH_WRITE_PLAN_SEEDS"); dir != "" {
		for name, plan := range map[string][]byte{"plan-every-create": create, "plan-every-exec": exec} {
			if err := os.WriteFile(filepath.Join(dir, name), plan, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// nestedEnums names, for each nested record, the first tag of its enum in
// protocol.h.
var nestedEnums = map[uint16]string{
	tNSJoin: "T_NS_FLAG", tMount: "T_M_KIND", tDevice: "T_D_PATH", tDevSymlink: "T_L_TARGET",
	tSysctl: "T_S_PATH", tCaps: "T_C_BOUNDING", tRlimit: "T_R_TYPE", tHook: "T_H_KIND",
	tScheduler: "T_SCHED_POLICY", tMemPolicy: "T_MP_MODE",
}

// tagFields names the plan_dump fields (indices dropped) each tag of
// protocol.h decodes into.
var tagFields = map[string][]string{
	"T_MODE": {"mode"}, "T_NS_JOIN": {"ns_join.flag"}, "T_UNSHARE": {"unshare"}, "T_NEW_USERNS": {"new_userns"},
	"T_TIMENS_OFFSETS": {"timens_offsets"}, "T_FORK": {"fork"}, "T_ROOTFS": {"rootfs"},
	"T_ROOT_READONLY": {"root_readonly"}, "T_ROOT_PROPAGATION": {"root_propagation"}, "T_NO_PIVOT": {"no_pivot"},
	"T_MOUNT": {"mount.kind"}, "T_SETUP_DEV": {"setup_dev"}, "T_DEVICE": {"device.path"},
	"T_DEV_SYMLINK": {"dev_symlink.path"}, "T_MASKED": {"masked"}, "T_READONLY": {"readonly"},
	"T_HOSTNAME": {"hostname"}, "T_DOMAINNAME": {"domainname"}, "T_SYSCTL": {"sysctl.path"},
	"T_PERSONALITY": {"personality"}, "T_ARG": {"arg"}, "T_ENV": {"env"}, "T_CWD": {"cwd"}, "T_UID": {"uid"},
	"T_GID": {"gid"}, "T_ADDITIONAL_GID": {"additional_gid"}, "T_SETGROUPS": {"setgroups"}, "T_UMASK": {"umask"},
	"T_CAPS": {"caps"}, "T_RLIMIT": {"rlimit.type"}, "T_NO_NEW_PRIVS": {"no_new_privs"},
	"T_OOM_SCORE_ADJ": {"oom_score_adj"}, "T_TERMINAL": {"terminal"}, "T_CONSOLE_FD": {"console_fd"},
	"T_CONSOLE_SIZE": {"console_height", "console_width"}, "T_FIFO_FD": {"fifo_fd"},
	"T_PRESERVE_FDS": {"preserve_fds"}, "T_HOOK": {"hook.kind"}, "T_SCHEDULER": {"scheduler"},
	"T_IOPRIO": {"ioprio"}, "T_SECCOMP": {"seccomp"}, "T_SECCOMP_FLAGS": {"seccomp_flags"},
	"T_SECCOMP_NOTIFY": {"seccomp_notify"}, "T_EXEC_LABEL": {"exec_label"}, "T_APPARMOR": {"apparmor"},
	"T_CPU_AFFINITY": {"cpu_affinity"}, "T_NS_PIDFD": {"ns_pidfd"}, "T_NS_PIDFD_FLAGS": {"ns_pidfd_flags"},
	"T_TREE_FD": {"tree_fd"}, "T_MEMPOLICY": {"mempolicy"}, "T_NO_MOUNTNS": {"no_mountns"},
	"T_CGROUP_TASKS": {"cgroup_tasks"}, "T_PATH_WALK": {"path_walk"}, "T_SESSION_KEYRING": {"session_keyring"},
	"T_CPU_AFFINITY_RESET": {"cpu_affinity_reset"}, "T_CONSOLE_NO_ONLCR": {"console_no_onlcr"},

	"T_NS_FLAG": {"ns_join.flag"}, "T_NS_FD": {"ns_join.fd"},
	"T_M_KIND": {"mount.kind"}, "T_M_SOURCE": {"mount.source"}, "T_M_DEST": {"mount.dest"},
	"T_M_FSTYPE": {"mount.fstype"}, "T_M_FLAGS": {"mount.flags"}, "T_M_CLR_FLAGS": {"mount.clr_flags"},
	"T_M_DATA": {"mount.data"}, "T_M_PROPAGATION": {"mount.propagation"}, "T_M_ATTR_SET": {"mount.attr_set"},
	"T_M_ATTR_CLR": {"mount.attr_clr"}, "T_M_FILE": {"mount.file"}, "T_M_TREE": {"mount.tree"},
	"T_M_ORIGIN": {"mount.origin"}, "T_M_REMOUNT": {"mount.remount"},
	"T_M_COPYUP": {"mount.copyup"}, "T_M_CLONED": {"mount.cloned"},
	"T_D_PATH": {"device.path"}, "T_D_TYPE": {"device.type"}, "T_D_MAJOR": {"device.major"},
	"T_D_MINOR": {"device.minor"}, "T_D_MODE": {"device.mode"}, "T_D_UID": {"device.uid"},
	"T_D_GID": {"device.gid"}, "T_D_BIND": {"device.bind"},
	"T_L_TARGET": {"dev_symlink.target"}, "T_L_PATH": {"dev_symlink.path"},
	"T_S_PATH": {"sysctl.path"}, "T_S_VALUE": {"sysctl.value"},
	"T_C_BOUNDING": {"cap_bounding"}, "T_C_EFFECTIVE": {"cap_effective"}, "T_C_INHERITABLE": {"cap_inheritable"},
	"T_C_PERMITTED": {"cap_permitted"}, "T_C_AMBIENT": {"cap_ambient"},
	"T_R_TYPE": {"rlimit.type"}, "T_R_SOFT": {"rlimit.soft"}, "T_R_HARD": {"rlimit.hard"},
	"T_H_KIND": {"hook.kind"}, "T_H_PATH": {"hook.path"}, "T_H_ARG": {"hook.arg"}, "T_H_ENV": {"hook.env"},
	"T_H_TIMEOUT":    {"hook.timeout"},
	"T_SCHED_POLICY": {"sched_policy"}, "T_SCHED_FLAGS": {"sched_flags"}, "T_SCHED_NICE": {"sched_nice"},
	"T_SCHED_PRIORITY": {"sched_priority"}, "T_SCHED_RUNTIME": {"sched_runtime"},
	"T_SCHED_DEADLINE": {"sched_deadline"}, "T_SCHED_PERIOD": {"sched_period"}, "T_SCHED_WITH_CPUS": {"sched_with_cpus"},
	"T_MP_MODE": {"mempolicy_mode"}, "T_MP_NODES": {"mempolicy_nodes"},
}

// checkTagsCovered fails when a tag of protocol.h is missing from the
// encoded plans, or the init's dump does not show its field with a value
// other than the default: a new tag must reach the every-field plan, the
// encoder, plan_dump and the dump written from Go.
func checkTagsCovered(t *testing.T, plans [][]byte, dumped []string) {
	h := readHeader(t)
	if n := len(regexp.MustCompile(`(?m)^enum\b`).FindAllString(h, -1)); n != 1+len(nestedEnums) {
		t.Errorf("protocol.h has %d enums of tags; the round-trip test knows %d (nestedEnums)", n, 1+len(nestedEnums))
	}
	seen := map[uint16]map[uint16]bool{} // by the enclosing record (0: top level)
	for _, plan := range plans {
		collectTags(plan, 0, seen)
	}
	set := map[string]bool{} // dump fields with a value other than the default
	for _, l := range dumped {
		name, value, _ := strings.Cut(l, " ")
		if value != "0" && value != "-1" && value != "none" {
			set[regexp.MustCompile(`\[\d+\]`).ReplaceAllString(name, "")] = true
		}
	}
	check := func(ctx uint16, first string) {
		names := enumNames(t, h, first)
		for i, name := range names {
			if name == "T_TAG_MAX" {
				continue
			}
			if !seen[ctx][uint16(i+1)] {
				t.Errorf("%s is never encoded: set its field in everyFieldPlan (or teach the encoder)", name)
			}
			fields, ok := tagFields[name]
			if !ok {
				t.Errorf("%s has no dump field in tagFields: print it in plan_dump.c and the Go dump", name)
			}
			for _, f := range fields {
				if !set[f] {
					t.Errorf("%s: the init's dump shows no set %q: print it in plan_dump.c", name, f)
				}
			}
		}
	}
	check(0, "T_MODE")
	for parent, first := range nestedEnums {
		check(parent, first)
	}
}

// collectTags records the tags of a TLV stream by their enclosing record.
func collectTags(b []byte, ctx uint16, seen map[uint16]map[uint16]bool) {
	for len(b) >= 8 {
		tag, n := uint16(b[0])|uint16(b[1])<<8, int(uint32(b[4])|uint32(b[5])<<8|uint32(b[6])<<16|uint32(b[7])<<24)
		if n > len(b)-8 {
			return
		}
		if seen[ctx] == nil {
			seen[ctx] = map[uint16]bool{}
		}
		seen[ctx][tag] = true
		if _, nested := nestedEnums[tag]; nested && ctx == 0 {
			collectTags(b[8:8+n], tag, seen)
		}
		b = b[8+n:]
	}
}
