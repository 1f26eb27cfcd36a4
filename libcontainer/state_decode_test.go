package libcontainer

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/berth-oci/berth/cgroups"
	"github.com/berth-oci/berth/specconv"
)

// The hand-written record decoder must give exactly what encoding/json
// gives. These tests decode records both ways and compare them deeply
// (nil and empty apart, pointers by what they point at).

// agree checks data both ways: decodeLifecycle and decodeExec must give
// what encoding/json gives (the value, or the same error); mustDecode:
// and by hand, without falling back.
func agree(t *testing.T, name string, data []byte, mustDecode bool) {
	t.Helper()
	lifecycle := func(data []byte, id string) (*State, *LifecycleConfig, error) {
		s, c, _, err := decodeLifecycle(data, id)
		return s, c, err
	}
	lifecycleJSON := func(data []byte, id string) (*State, *LifecycleConfig, error) {
		s, c, _, err := decodeLifecycleJSON(data, id)
		return s, c, err
	}
	agreeWith(t, name, data, mustDecode, decodeRecord, lifecycle, lifecycleJSON)
}

func agreeExec(t *testing.T, name string, data []byte, mustDecode bool) {
	t.Helper()
	agreeWith(t, name+" (exec)", data, mustDecode, decodeExecRecord, decodeExec, decodeExecJSON)
}

func agreeWith[C any](t *testing.T, name string, data []byte, mustDecode bool,
	byHand func([]byte) (*State, C, error), decode, byJSON func([]byte, string) (*State, C, error)) {
	t.Helper()
	want, wantCfg, wantErr := byJSON(data, "c1")
	s, cfg, err := byHand(data)
	if err != nil {
		if mustDecode {
			t.Errorf("%s: the decoder gave up (%v), encoding/json: %v\n%s", name, err, wantErr, data)
		}
		s, cfg, err = decode(data, "c1")
		if fmt.Sprint(err) != fmt.Sprint(wantErr) {
			t.Errorf("%s: error %v, encoding/json's %v", name, err, wantErr)
		}
	} else if wantErr != nil {
		t.Errorf("%s: decoded by hand, encoding/json refuses it: %v\n%s", name, wantErr, data)
		return
	}
	if !reflect.DeepEqual(s, want) {
		t.Errorf("%s: state\n%#v\nencoding/json:\n%#v", name, s, want)
	}
	if !reflect.DeepEqual(cfg, wantCfg) {
		t.Errorf("%s: config\n%#v\nencoding/json:\n%#v", name, cfg, wantCfg)
	}
}

func u32p(n uint32) *uint32 { return &n }

func intp(n int) *int       { return &n }
func int64p(n int64) *int64 { return &n }

// testStates are records as create and the other commands save them
// (State with the whole config), over the variety of what they hold.
func testStates() map[string]*State {
	created := time.Date(2026, 12, 7, 15, 2, 14, 88292060, time.UTC)
	base := func() *State {
		return &State{ID: "c1", Bundle: "/run/b", Rootfs: "/run/b/rootfs", Status: Created,
			Created: created, InitPid: 5782, InitStartTime: 4225176, Config: specconv.Example()}
	}
	hybrid := &cgroups.State{Mode: cgroups.Hybrid, Paths: map[string]string{
		"": "/sys/fs/cgroup/unified/c1", "memory": "/sys/fs/cgroup/memory/c1",
		"name=systemd": "/sys/fs/cgroup/systemd/c1"},
		Created: []string{"/sys/fs/cgroup/memory/c1", "/sys/fs/cgroup/unified/c1"},
		DefaultDevices: []specs.LinuxDeviceCgroup{{Allow: false, Access: "rwm"},
			{Allow: true, Type: "c", Major: int64p(1), Minor: int64p(3), Access: "rwm"},
			{Allow: true, Type: "c", Major: int64p(136), Access: "rwm"},
			{Allow: true, Type: "b", Major: int64p(math.MaxInt64), Minor: int64p(math.MinInt64)}}}
	out := map[string]*State{}
	add := func(name string, change func(s *State)) {
		s := base()
		change(s)
		out[name] = s
	}
	add("example", func(s *State) {})
	add("hybrid", func(s *State) { s.Cgroup = hybrid })
	add("legacy", func(s *State) {
		s.Cgroup = &cgroups.State{Mode: cgroups.Legacy, Paths: map[string]string{
			"cpu": "/sys/fs/cgroup/cpu/c1", "pids": "/sys/fs/cgroup/pids/c1"}}
	})
	add("unified", func(s *State) {
		s.Cgroup = &cgroups.State{Mode: cgroups.Unified, Paths: map[string]string{"": "/sys/fs/cgroup/c1"},
			Created: []string{"/sys/fs/cgroup/c1"}}
	})
	add("systemd", func(s *State) {
		s.Cgroup = &cgroups.State{Mode: cgroups.Unified, Paths: map[string]string{"": "/sys/fs/cgroup/system.slice/berth-c1.scope"},
			Systemd: &cgroups.SystemdUnit{Name: "berth-c1.scope", Slice: "system.slice"}}
	})
	add("rootless", func(s *State) {
		s.Rootless, s.Owner = true, "1000"
		specconv.ToRootless(s.Config, 1000, 1000)
		s.Cgroup = &cgroups.State{Mode: cgroups.Unavailable, Rootless: true}
	})
	add("creating", func(s *State) { s.Status, s.InitPid, s.InitStartTime = Creating, 0, 0 })
	add("limits", func(s *State) {
		s.InitPid, s.InitStartTime, s.RootfsMountBefore = math.MaxInt, math.MaxUint64, math.MaxUint64
		s.Config.Hooks = &specs.Hooks{Poststop: []specs.Hook{{Path: "/x", Timeout: intp(math.MinInt)}}}
	})
	add("negative pid", func(s *State) { s.InitPid = -1 })
	add("zero time", func(s *State) { s.Created = time.Time{} })
	add("zone", func(s *State) { s.Created = created.In(time.FixedZone("", 2*3600+30*60)) })
	add("no config", func(s *State) { s.Config = nil })
	add("empty config", func(s *State) { s.Config = &specs.Spec{} })
	add("no process, no linux", func(s *State) { s.Config.Process, s.Config.Linux = nil, nil })
	add("terminal off", func(s *State) { s.Config.Process.Terminal = false })
	add("hooks", func(s *State) {
		h := specs.Hook{Path: "/usr/bin/hook", Args: []string{"hook", "--flag=1", ""},
			Env: []string{"A=b", "PATH=/bin"}, Timeout: intp(5)}
		s.Config.Hooks = &specs.Hooks{Prestart: []specs.Hook{h, {Path: "/bin/true"}},
			CreateRuntime: []specs.Hook{h}, CreateContainer: []specs.Hook{{Path: "/c", Timeout: intp(0)}},
			StartContainer: []specs.Hook{h}, Poststart: []specs.Hook{h}, Poststop: []specs.Hook{h, h}}
	})
	add("empty hooks", func(s *State) { s.Config.Hooks = &specs.Hooks{} })
	add("annotations", func(s *State) {
		s.Config.Annotations = map[string]string{"org.example/key": "value", "": "",
			"html <&>": "<script>&amp;</script>", "quote\"back\\slash": "tab\tnl\ncr\r\x00\x01\x1f\x7f",
			"unicode é€😀": "\u2028\u2029\ufffd", "bad utf-8 \xff": "\xc3\x28\xed\xa0\x80",
			"long": strings.Repeat("x", 300)}
	})
	add("namespaces", func(s *State) {
		s.Config.Linux.Namespaces = []specs.LinuxNamespace{{Type: "pid"}, {Type: "network", Path: "/proc/1/ns/net"},
			{Type: "mount", Path: "/run/netns/é x"}, {Type: "user", Path: "/proc/4/ns/user"}, {Type: "cgroup"}}
	})
	add("no namespaces", func(s *State) { s.Config.Linux.Namespaces = nil })
	add("whole process", func(s *State) {
		p := s.Config.Process
		p.ConsoleSize = &specs.Box{Height: 24, Width: math.MaxUint}
		p.User = specs.User{UID: math.MaxUint32, GID: 0, Umask: u32p(0o22), AdditionalGids: []uint32{0, 10, math.MaxUint32}, Username: "u"}
		p.CommandLine, p.NoNewPrivileges, p.ApparmorProfile, p.SelinuxLabel = "c l", true, "prof", "system_u:system_r:t:s0"
		p.OOMScoreAdj = intp(-1000)
		p.Scheduler = &specs.Scheduler{Policy: "SCHED_DEADLINE", Nice: math.MinInt32, Priority: math.MaxInt32,
			Flags: []specs.LinuxSchedulerFlag{"SCHED_FLAG_RESET_ON_FORK"}, Runtime: 1, Deadline: 2, Period: math.MaxUint64}
		p.IOPriority = &specs.LinuxIOPriority{Class: "IOPRIO_CLASS_RT", Priority: 7}
		p.ExecCPUAffinity = &specs.CPUAffinity{Initial: "0", Final: "0-1"}
		p.Rlimits = append(p.Rlimits, specs.POSIXRlimit{Type: "RLIMIT_CORE", Hard: math.MaxUint64})
		p.Capabilities.Ambient = []string{"CAP_KILL"}
		l := s.Config.Linux
		l.Seccomp = &specs.LinuxSeccomp{DefaultAction: "SCMP_ACT_ERRNO", Architectures: []specs.Arch{"SCMP_ARCH_X86_64"},
			Syscalls: []specs.LinuxSyscall{{Names: []string{"read", "write"}, Action: "SCMP_ACT_ALLOW"}}}
		l.Personality = &specs.LinuxPersonality{Domain: "LINUX32", Flags: []specs.LinuxPersonalityFlag{}}
		l.MemoryPolicy = &specs.LinuxMemoryPolicy{Mode: "MPOL_BIND", Nodes: "0", Flags: []specs.MemoryPolicyFlagType{"MPOL_F_STATIC_NODES"}}
		l.Resources = &specs.LinuxResources{CPU: &specs.LinuxCPU{Cpus: "0-1", Mems: "0"}}
	})
	add("empty process", func(s *State) { s.Config.Process = &specs.Process{} })
	return out
}

func TestRecordDecoderAgreesOnSavedRecords(t *testing.T) {
	if stateFields[configField] != "config" {
		t.Fatalf("configField is %q", stateFields[configField])
	}
	n := 0
	for name, s := range testStates() {
		data, err := json.Marshal(s) // as stateDir.save writes it
		if err != nil {
			t.Fatal(err)
		}
		agree(t, name, data, true)
		agreeExec(t, name, data, true)
		indented, _ := json.MarshalIndent(s, "", "\t")
		agree(t, name+" indented", indented, true)
		agreeExec(t, name+" indented", indented, true)
		n += 2
	}
	files, _ := filepath.Glob("testdata/state/*.json")
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		agree(t, f, data, true)
		agreeExec(t, f, data, true)
		n++
	}
	if len(files) == 0 {
		t.Fatal("no record in testdata/state")
	}
	t.Logf("%d records", n)
}

// A record saved by stateDir.save loads to what was saved.
func TestSavedRecordLoads(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "c1")
	os.Mkdir(dir, 0o711)
	d := &stateDir{path: dir}
	for name, s := range testStates() {
		if err := d.save(s); err != nil {
			t.Fatal(err)
		}
		got, cfg, _, err := d.load()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		want := *s
		want.Config = nil
		if !reflect.DeepEqual(got, &want) && !(name == "zone" && got.Created.Equal(want.Created)) {
			t.Errorf("%s: loaded\n%#v\nsaved\n%#v", name, got, &want)
		}
		// json.Marshal makes invalid UTF-8 U+FFFD: those annotations
		// do not come back as they were
		if !reflect.DeepEqual(cfg, lifecycleOf(s.Config)) && name != "annotations" {
			t.Errorf("%s: config\n%#v\nsaved\n%#v", name, cfg, lifecycleOf(s.Config))
		}
	}
}

// Records as no berth writes them: the decoder gives what encoding/json
// gives, by hand or by falling back to it.
var oddRecords = []struct {
	name   string
	data   string
	byHand bool // decoded without falling back
}{
	{"unknown fields", `{"id":"a","x":{"y":[1,2,{"z":null}]},"cgroup":{"mode":"unified","paths":{},"new":1},` +
		`"config":{"process":{"terminal":true,"args":["sh"],"extra":{}},"linux":{"namespaces":[{"type":"pid","x":1}],"seccomp":{}},` +
		`"hooks":{"prestart":[{"path":"/h","more":true}],"future":[]},"annotations":{"a":"b"}},"later":"x"}`, true},
	{"empty containers", `{"cgroup":{"paths":null,"created":[],"defaultDevices":[]},"config":{"process":{},"hooks":{"prestart":[]},` +
		`"annotations":{},"linux":{"namespaces":[]}}}`, true},
	{"nulls", `{"id":null,"created":null,"init_pid":null,"cgroup":null,"rootless":null,"config":{"process":null,` +
		`"hooks":{"prestart":[null,{"path":null,"args":null,"env":[null],"timeout":null}]},"annotations":{"a":null},` +
		`"linux":{"namespaces":[null,{"type":null}]}}}`, true},
	{"null config", `{"id":"a","config":null}`, true},
	{"escaped names", `{"\u0069d":"a","st\u0061tus":"running","config":{"\u0070rocess":{"terminal":true}}}`, true},
	{"escapes", `{"id":"\u00e9\ud83d\ude00\ud83d\"\\\/\b\f\n\r\t\u0000","bundle":"\udc00x\ud800\u0041"}`, true},
	{"name by case", `{"ID":"a"}`, false},
	{"name by unicode fold", `{"\u017ftatus":"running"}`, false},
	{"twice", `{"id":"a","id":"b"}`, false},
	{"config twice", `{"config":{"process":{"terminal":true}},"config":{"process":{}}}`, false},
	{"annotation twice", `{"config":{"annotations":{"a":"1","a":"2"}}}`, true},
	{"fraction", `{"init_pid":1.0}`, false},
	{"exponent", `{"init_start_time":1e3}`, false},
	{"too big", `{"init_start_time":18446744073709551616}`, false},
	{"negative uint", `{"rootfs_mount_before":-1}`, false},
	{"minus zero", `{"init_pid":-0,"init_start_time":0}`, true},
	{"string pid", `{"init_pid":"1"}`, false},
	{"bad mode", `{"cgroup":{"mode":"v3"}}`, false},
	{"number mode", `{"cgroup":{"mode":2}}`, false},
	{"bad time", `{"created":"yesterday"}`, false},
	{"number time", `{"created":1}`, false},
	{"array state", `[]`, false},
	{"null state", `null`, true},
	{"truncated", `{"id":"a","init_pid":12,"cgroup":{"mode":"unified","paths":{"":"/sys/fs/cgroup/a"}},"config":{"ociVersion":"1.`, false},
	{"trailing", `{"id":"a"} {}`, false},
	{"trailing space", "{\"id\":\"a\"}\n\t ", true},
	{"empty", ``, false},
	{"bad skipped", `{"config":{"mounts":[1,]}}`, false},
	{"control in skipped", "{\"config\":{\"hostname\":\"a\x01\"}}", false},
	{"wrong kind skipped ok", `{"config":{"mounts":"not an array"}}`, true},
	{"wrong kind", `{"config":{"process":[]}}`, false},
	{"bool string", `{"rootless":"true"}`, false},
	{"exec parts", `{"config":{"process":{"user":{"uid":1,"umask":null,"additionalGids":[]},"consoleSize":{"height":1},` +
		`"scheduler":{"nice":-1,"flags":null},"oomScoreAdj":null,"rlimits":[{"type":"RLIMIT_NOFILE","hard":1,"soft":1}]},` +
		`"linux":{"seccomp":null,"personality":{"domain":"LINUX"},"resources":{"cpu":{"cpus":"1","shares":2},"memory":{}}}}}`, true},
	{"exec uid too big", `{"config":{"process":{"user":{"uid":4294967296}}}}`, true},
	{"exec nice too big", `{"config":{"process":{"scheduler":{"nice":2147483648}}}}`, true},
	{"exec seccomp raw", `{"config":{"linux":{"seccomp": {"defaultAction" : "SCMP_ACT_ALLOW", "x":[1, 2]} }}}`, true},
	{"exec seccomp string", `{"config":{"linux":{"seccomp":"x"}}}`, true},
}

func TestRecordDecoderAgreesOnOddRecords(t *testing.T) {
	for _, r := range oddRecords {
		agree(t, r.name, []byte(r.data), r.byHand)
		agreeExec(t, r.name, []byte(r.data), false)
		if _, _, err := decodeRecord([]byte(r.data)); r.byHand != (err == nil) {
			t.Errorf("%s: decoded by hand: %v, want %v", r.name, err == nil, r.byHand)
		}
	}
}

// A corrupt record keeps its error: encoding/json's, in berth's words.
func TestCorruptRecordError(t *testing.T) {
	_, _, _, err := decodeLifecycle([]byte(`{"id":"a","init_pid":12,"config":{"ociVer`), "a")
	if err == nil || !strings.HasPrefix(err.Error(), "state of a is corrupt: ") {
		t.Fatalf("error %v; want state of a is corrupt: ...", err)
	}
}

func FuzzRecordDecoder(f *testing.F) {
	for _, s := range testStates() {
		data, _ := json.Marshal(s)
		f.Add(data)
	}
	for _, r := range oddRecords {
		f.Add([]byte(r.data))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		agree(t, "fuzzed", data, false)
		agreeExec(t, "fuzzed", data, false)
		if s := salvage(data); s != nil && bytes.Contains(data, []byte(`"config"`)) {
			_ = s // salvage is encoding/json's: it must only not panic
		}
	})
}
