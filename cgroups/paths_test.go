package cgroups

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/moby/sys/mountinfo"
)

func TestDetectMode(t *testing.T) {
	fs := func(root, unified int64) func(string) (int64, error) {
		return func(p string) (int64, error) {
			v := map[string]int64{cgroupRoot: root, hybridUnified: unified}[p]
			if v == 0 {
				return 0, errors.New("ENOENT")
			}
			return v, nil
		}
	}
	cases := []struct {
		root, unified int64
		want          Mode
	}{
		{cgroup2Magic, 0, Unified},
		{tmpfsMagic, cgroup2Magic, Hybrid},
		{tmpfsMagic, 0, Legacy},
		{tmpfsMagic, tmpfsMagic, Legacy},
		{0, 0, Unavailable},
		{0x12345, 0, Unavailable},
	}
	for _, tc := range cases {
		if got := detectMode(fs(tc.root, tc.unified)); got != tc.want {
			t.Errorf("detectMode(root %#x, unified %#x) = %s, want %s", tc.root, tc.unified, got, tc.want)
		}
	}
}

func TestModeText(t *testing.T) {
	for _, m := range []Mode{Unavailable, Legacy, Hybrid, Unified} {
		b, _ := m.MarshalText()
		var back Mode
		if err := back.UnmarshalText(b); err != nil || back != m {
			t.Errorf("%s: round trip gave %s, %v", m, back, err)
		}
	}
	var m Mode
	if err := m.UnmarshalText([]byte("v3")); err == nil {
		t.Error("UnmarshalText(v3) succeeded")
	}
}

const hybridProcCgroup = `9:name=systemd:/
8:pids:/
4:memory:/process_api/abc
2:cpu,cpuacct:/user
0::/init.scope
`

func hybridMounts() []*mountinfo.Info {
	m := func(point, root, fstype, opts string) *mountinfo.Info {
		return &mountinfo.Info{Mountpoint: point, Root: root, FSType: fstype, VFSOptions: opts}
	}
	return []*mountinfo.Info{
		m("/sys/fs/cgroup/cpu,cpuacct", "/", "cgroup", "rw,cpu,cpuacct"),
		m("/sys/fs/cgroup/memory", "/", "cgroup", "rw,memory"),
		m("/sys/fs/cgroup/pids", "/", "cgroup", "rw,pids"),
		m("/sys/fs/cgroup/systemd", "/", "cgroup", "rw,xattr,name=systemd"),
		m("/sys/fs/cgroup/perf_event", "/", "cgroup", "rw,perf_event"),
		m("/sys/fs/cgroup/unified", "/", "cgroup2", "rw,nsdelegate"),
	}
}

func TestParseProcCgroup(t *testing.T) {
	own, err := parseProcCgroup(strings.NewReader(hybridProcCgroup + "garbage\n"))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"name=systemd": "/", "pids": "/", "memory": "/process_api/abc", "cpu": "/user", "cpuacct": "/user", "": "/init.scope"}
	if !reflect.DeepEqual(own, want) {
		t.Errorf("got %v, want %v", own, want)
	}
}

func TestResolvePaths(t *testing.T) {
	own, _ := parseProcCgroup(strings.NewReader(hybridProcCgroup))
	hybrid := buildLayout(Hybrid, hybridMounts(), own)
	unifiedMounts := []*mountinfo.Info{{Mountpoint: "/sys/fs/cgroup", Root: "/", FSType: "cgroup2"}}
	unified := buildLayout(Unified, unifiedMounts, map[string]string{"": "/user.slice/session-1.scope"})
	unifiedRoot := buildLayout(Unified, unifiedMounts, map[string]string{"": "/"})
	// in a cgroup namespace the mount's root is the namespace's root
	nsMounts := []*mountinfo.Info{{Mountpoint: "/sys/fs/cgroup/memory", Root: "/docker/x", FSType: "cgroup", VFSOptions: "rw,memory"}}
	ns := buildLayout(Legacy, nsMounts, map[string]string{"memory": "/docker/x/inner"})
	cases := []struct {
		name  string
		l     *layout
		inner string
		want  map[string]string
	}{
		{"hybrid absolute", hybrid, "/a/b", map[string]string{
			"cpu": "/sys/fs/cgroup/cpu,cpuacct/a/b", "cpuacct": "/sys/fs/cgroup/cpu,cpuacct/a/b",
			"memory": "/sys/fs/cgroup/memory/a/b", "pids": "/sys/fs/cgroup/pids/a/b", "perf_event": "/sys/fs/cgroup/perf_event/a/b",
			"name=systemd": "/sys/fs/cgroup/systemd/a/b", "": "/sys/fs/cgroup/unified/a/b"}},
		{"hybrid relative: own cgroup per hierarchy, cgroup2 from the root", hybrid, "a/b", map[string]string{
			"cpu": "/sys/fs/cgroup/cpu,cpuacct/user/a/b", "cpuacct": "/sys/fs/cgroup/cpu,cpuacct/user/a/b",
			"memory": "/sys/fs/cgroup/memory/process_api/abc/a/b", "pids": "/sys/fs/cgroup/pids/a/b",
			"perf_event": "/sys/fs/cgroup/perf_event/a/b", "name=systemd": "/sys/fs/cgroup/systemd/a/b",
			"": "/sys/fs/cgroup/unified/a/b"}},
		{"unified relative: parent of own cgroup", unified, "c1", map[string]string{"": "/sys/fs/cgroup/user.slice/c1"}},
		{"unified absolute", unified, "/x/c1", map[string]string{"": "/sys/fs/cgroup/x/c1"}},
		{"unified relative from the root", unifiedRoot, "c1", map[string]string{"": "/sys/fs/cgroup/c1"}},
		{"cgroup namespace", ns, "c1", map[string]string{"memory": "/sys/fs/cgroup/memory/inner/c1"}},
	}
	for _, tc := range cases {
		got, err := resolvePaths(tc.l, tc.inner)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s:\n got  %v\n want %v", tc.name, got, tc.want)
		}
	}
	if _, err := resolvePaths(&layout{}, "x"); err == nil {
		t.Error("resolvePaths with no hierarchy succeeded")
	}
}

func TestInnerPath(t *testing.T) {
	cases := []struct {
		cfg  Config
		want string
	}{
		{Config{ID: "abc"}, "abc"},
		{Config{Path: "/a//b/"}, "/a/b"},
		{Config{Path: "a/./b", ID: "x"}, "a/b"},
		{Config{Path: "/a/..", ID: "x"}, "error"},
		{Config{Path: "..."}, "..."},
		{Config{}, "error"},
	}
	for _, tc := range cases {
		got, err := innerPath(tc.cfg)
		if err != nil {
			got = "error"
		}
		if got != tc.want {
			t.Errorf("innerPath(%+v) = %q (%v), want %q", tc.cfg, got, err, tc.want)
		}
	}
}
