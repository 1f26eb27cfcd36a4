package libcontainer

import (
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/berth-oci/berth/cgroups"
	"github.com/berth-oci/berth/specconv"
)

// The runtime decisions of the finished plan, each from the fact it
// depends on.

// examplePlan converts specconv's example with edit applied.
func examplePlan(t *testing.T, rootless bool, edit func(*specs.Spec)) *specconv.Plan {
	t.Helper()
	s := specconv.Example()
	s.Root.Path = "rootfs"
	if edit != nil {
		edit(s)
	}
	p, _, err := specconv.Convert(s, "/b", specconv.Options{Host: fuzzHost{}, Rootless: rootless})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestFinishCreatePlanDecisions(t *testing.T) {
	umask := uint32(0o077)
	userns := func(s *specs.Spec) {
		s.Linux.Namespaces = append(s.Linux.Namespaces, specs.LinuxNamespace{Type: specs.UserNamespace})
		s.Linux.UIDMappings = []specs.LinuxIDMapping{{ContainerID: 0, HostID: 1000, Size: 1}}
		s.Linux.GIDMappings = []specs.LinuxIDMapping{{ContainerID: 0, HostID: 1000, Size: 10}}
	}
	for _, tc := range []struct {
		name      string
		rootless  bool
		edit      func(*specs.Spec)
		facts     createFacts
		setgroups bool
		keyring   string
		umask     uint32
		userns    bool
	}{
		{name: "defaults", facts: createFacts{id: "a", newKeyring: true}, setgroups: true, keyring: "_ses.a", umask: 0o022},
		{name: "no new keyring, own umask", facts: createFacts{id: "a"},
			edit: func(s *specs.Spec) { s.Process.User.Umask = &umask }, setgroups: true, umask: 0o077},
		{name: "rootless in a new user namespace: no setgroups", rootless: true, edit: userns,
			facts: createFacts{id: "a", rootless: true}, umask: 0o022, userns: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := examplePlan(t, tc.rootless, tc.edit)
			ip := finishCreatePlan(p, tc.facts, noFDs(), nil)
			if ip.setgroups != tc.setgroups || ip.keyring != tc.keyring || ip.umask != tc.umask || ip.newUserns != tc.userns {
				t.Errorf("setgroups %v keyring %q umask %o userns %v; want %v %q %o %v",
					ip.setgroups, ip.keyring, ip.umask, ip.newUserns, tc.setgroups, tc.keyring, tc.umask, tc.userns)
			}
			if !ip.fork || ip.unshare&unix.CLONE_NEWPID == 0 || ip.unshare&unix.CLONE_NEWUSER != 0 {
				t.Errorf("the example's pid namespace: fork %v, unshare %#x", ip.fork, ip.unshare)
			}
		})
	}
}

// A "cgroup" mount becomes what shows the container its cgroup on this
// host: binds of its directories under a tmpfs on v1 and hybrid (made
// read-only last, by a remount step), a bind of its cgroup2 directory on
// v2, a new cgroup2 with a cgroup namespace.
func TestFinishCreatePlanCgroupMounts(t *testing.T) {
	hybrid := &cgroups.State{Mode: cgroups.Hybrid, Paths: map[string]string{
		"memory": "/sys/fs/cgroup/memory/c", "cpu": "/sys/fs/cgroup/cpu,cpuacct/c", "cpuacct": "/sys/fs/cgroup/cpu,cpuacct/c",
		"": "/sys/fs/cgroup/unified/c"}}
	unified := &cgroups.State{Mode: cgroups.Unified, Paths: map[string]string{"": "/sys/fs/cgroup/c"}}
	noCgroupns := func(s *specs.Spec) {
		var ns []specs.LinuxNamespace
		for _, n := range s.Linux.Namespaces {
			if n.Type != specs.CgroupNamespace {
				ns = append(ns, n)
			}
		}
		s.Linux.Namespaces = ns
	}
	type step struct {
		kind         uint32
		dest, source string
	}
	for _, tc := range []struct {
		name  string
		state *cgroups.State
		edit  func(*specs.Spec)
		want  []step
	}{
		{"hybrid", hybrid, noCgroupns, []step{
			{initMountFS, "/sys/fs/cgroup", "tmpfs"},
			{initMountBind, "/sys/fs/cgroup/cpu,cpuacct", "/sys/fs/cgroup/cpu,cpuacct/c"},
			{initMountBind, "/sys/fs/cgroup/memory", "/sys/fs/cgroup/memory/c"},
			{initMountBind, "/sys/fs/cgroup/unified", "/sys/fs/cgroup/unified/c"},
			{initMountRemount, "/sys/fs/cgroup", ""},
		}},
		{"unified", unified, noCgroupns, []step{{initMountBind, "/sys/fs/cgroup", "/sys/fs/cgroup/c"}}},
		{"unified, cgroup namespace", unified, nil, []step{{initMountFS, "/sys/fs/cgroup", "cgroup2"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := examplePlan(t, false, tc.edit)
			ip := finishCreatePlan(p, createFacts{cgroup: tc.state}, noFDs(), nil)
			var got []step
			for _, m := range ip.rootfs.mounts {
				if m.dest == "/sys/fs/cgroup" || len(m.dest) > 15 && m.dest[:15] == "/sys/fs/cgroup/" {
					got = append(got, step{m.kind, m.dest, m.source})
				}
			}
			if len(got) != len(tc.want) {
				t.Fatalf("cgroup steps %v, want %v", got, tc.want)
			}
			for i := range got {
				if got[i] != tc.want[i] {
					t.Errorf("step %d: %v, want %v", i, got[i], tc.want[i])
				}
			}
			if tc.want[len(tc.want)-1].kind == initMountRemount {
				if last := ip.rootfs.mounts[len(ip.rootfs.mounts)-1]; last.flags&unix.MS_RDONLY == 0 {
					t.Error("the tmpfs remount is not read-only")
				}
			}
		})
	}
}

// An exec forks into the container's pid or time namespace, and keeps
// setgroups unless the container is rootless in a user namespace.
func TestFinishExecPlanDecisions(t *testing.T) {
	proc := &specconv.Process{Args: []string{"sh"}}
	for _, tc := range []struct {
		facts           execFacts
		fork, setgroups bool
	}{
		{execFacts{}, false, true},
		{execFacts{namespaces: unix.CLONE_NEWPID}, true, true},
		{execFacts{namespaces: unix.CLONE_NEWTIME}, true, true},
		{execFacts{rootless: true}, false, true},
		{execFacts{rootless: true, namespaces: unix.CLONE_NEWUSER}, false, false},
	} {
		ip := finishExecPlan(proc, tc.facts, noFDs(), nil)
		if ip.fork != tc.fork || ip.setgroups != tc.setgroups || ip.umask != defaultUmask || ip.rootfs != nil {
			t.Errorf("%+v: fork %v setgroups %v umask %o rootfs %v", tc.facts, ip.fork, ip.setgroups, ip.umask, ip.rootfs)
		}
	}
}
