package integration

// Issue 4: OOM kills and their events, events --stats and --interval,
// ps and ps --format json.

import (
	"encoding/json"
	"fmt"
	"os"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// TestCgroupsOOM: a process that allocates past memory.limit is killed;
// `events` reports the oom and ends when the container stops; delete
// removes every cgroup dir.
func TestCgroupsOOM(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.cgBundle("sh", "-c", "while [ ! -e /tmp/go ]; do sleep 0.02; done; exec dd if=/dev/zero of=/dev/null bs=64M count=1")
	b.res().Memory = &specs.LinuxMemory{Limit: cgI64(16 << 20), Swap: cgI64(16 << 20)}
	b.spec.Mounts = append(b.spec.Mounts, specs.Mount{Destination: "/tmp", Type: "tmpfs", Source: "tmpfs"})
	c := e.cgStart(b)
	ev := e.cgEventsReady(c)
	c.exec("touch", "/tmp/go")
	if code := ev.wait(t); code != 0 {
		t.Fatalf("events exited %d: %s", code, ev.err.String())
	}
	if n := cgCountOOM(t, ev.out.String(), c.id); n != 1 {
		t.Errorf("events printed %d oom events, want 1: %q", n, ev.out.String())
	}
	e.waitStatus(c.id, "stopped")
	if n := c.oomKills(); n < 1 {
		t.Errorf("oom_kill count %d, want at least 1", n)
	}
	c.delete()
}

// cgEventsReady starts `events --interval 20ms` and waits for its first
// stats event: its OOM watch is set up from then on.
func (e *env) cgEventsReady(c *cgContainer) *cgProc {
	e.t.Helper()
	ev := e.cgBackground("events", "--interval", "20ms", c.id)
	deadline := time.Now().Add(20 * time.Second)
	for !strings.Contains(ev.out.String(), "\n") {
		if time.Now().After(deadline) {
			e.t.Fatalf("events printed nothing: %q", ev.err.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	return ev
}

// cgCountOOM counts the oom events of id in events output; every line
// must be a stats or an oom event of id in runc's shape.
func cgCountOOM(t *testing.T, out, id string) int {
	t.Helper()
	n := 0
	oom := fmt.Sprintf(`{"type":"oom","id":"%s"}`, id)
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		switch {
		case l == oom:
			n++
		case strings.HasPrefix(l, `{"type":"stats","id":"`+id+`","data":{`):
		default:
			t.Errorf("unexpected events line %q", l)
		}
	}
	return n
}

// oomKills reads the oom_kill count of the container's memory cgroup.
func (c *cgContainer) oomKills() int {
	c.e.t.Helper()
	k := cgKnob{"memory", "memory.oom_control", "memory.events"}
	for _, l := range strings.Split(c.host(k), "\n") {
		if f := strings.Fields(l); len(f) == 2 && f[0] == "oom_kill" {
			return cgAtoi(c.e.t, f[1])
		}
	}
	c.e.t.Fatalf("no oom_kill in %s", k.hostPath(c.path))
	return 0
}

// TestCgroupsOOMChild: the OOM killer kills a child; the container keeps
// running, `events` reports the oom and goes on until the container
// stops.
func TestCgroupsOOMChild(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.cgBundle("sh", "-c", "while [ ! -e /tmp/go ]; do sleep 0.02; done; dd if=/dev/zero of=/dev/null bs=64M count=1; echo dd done; sleep 1000")
	b.res().Memory = &specs.LinuxMemory{Limit: cgI64(16 << 20), Swap: cgI64(16 << 20)}
	b.spec.Mounts = append(b.spec.Mounts, specs.Mount{Destination: "/tmp", Type: "tmpfs", Source: "tmpfs"})
	c := e.cgStart(b)
	ev := e.cgEventsReady(c)
	c.exec("touch", "/tmp/go")
	c.waitOutput("dd done")
	if st := c.status(); st != "running" {
		t.Fatalf("container is %s after its child was OOM-killed", st)
	}
	e.must("kill", c.id, "KILL")
	if code := ev.wait(t); code != 0 {
		t.Fatalf("events exited %d: %s", code, ev.err.String())
	}
	if n := cgCountOOM(t, ev.out.String(), c.id); n != 1 {
		t.Errorf("events printed %d oom events, want 1: %q", n, ev.out.String())
	}
	c.delete()
}

// statsKeys are the keys of runc 1.1's stats data, in its order.
var statsKeys = []string{"cpu", "cpuset", "memory", "pids", "blkio", "hugetlb", "intel_rdt", "network_interfaces"}

func TestCgroupsEventsStats(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.cgBundle("sleep", "1000")
	b.res().Memory = &specs.LinuxMemory{Limit: cgI64(64 << 20)}
	b.res().Pids = &specs.LinuxPids{Limit: cgI64(50)}
	c := e.cgStart(b)

	out := e.must("events", "--stats", c.id)
	if strings.Count(out, "\n") != 1 || !strings.HasSuffix(out, "}\n") {
		t.Fatalf("events --stats printed not one JSON line: %q", out)
	}
	var ev struct {
		Type string                     `json:"type"`
		ID   string                     `json:"id"`
		Data map[string]json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal([]byte(out), &ev); err != nil {
		t.Fatal(err)
	}
	if ev.Type != "stats" || ev.ID != c.id {
		t.Errorf("type %q id %q, want stats %q", ev.Type, ev.ID, c.id)
	}
	// the keys in runc's order: the raw text has them so
	pos := -1
	for _, k := range statsKeys {
		if _, ok := ev.Data[k]; !ok {
			t.Errorf("stats data has no %q", k)
		}
		i := strings.Index(out, `"`+k+`":`)
		if i < pos {
			t.Errorf("%q is out of runc's order in %s", k, out)
		}
		pos = i
	}
	if len(ev.Data) != len(statsKeys) {
		t.Errorf("stats data keys %v, want %v", cgKeys(ev.Data), statsKeys)
	}
	if s := string(ev.Data["intel_rdt"]); s != "{}" {
		t.Errorf("intel_rdt %s, want {}", s)
	}
	if s := string(ev.Data["network_interfaces"]); s != "null" {
		t.Errorf("network_interfaces %s, want null", s)
	}
	var st struct {
		CPU struct {
			Usage struct {
				Total uint64 `json:"total"`
			} `json:"usage"`
		} `json:"cpu"`
		Memory struct {
			Usage struct {
				Limit uint64 `json:"limit"`
				Usage uint64 `json:"usage"`
			} `json:"usage"`
		} `json:"memory"`
		Pids struct {
			Current uint64 `json:"current"`
			Limit   uint64 `json:"limit"`
		} `json:"pids"`
	}
	data, _ := json.Marshal(ev.Data)
	json.Unmarshal(data, &st)
	if st.Memory.Usage.Limit != 64<<20 || st.Memory.Usage.Usage == 0 {
		t.Errorf("memory usage %+v, want limit %d and some usage", st.Memory.Usage, 64<<20)
	}
	if st.Pids.Current != 1 || st.Pids.Limit != 50 {
		t.Errorf("pids %+v, want current 1, limit 50", st.Pids)
	}
	if st.CPU.Usage.Total == 0 {
		t.Error("cpu usage total is 0")
	}

	// --interval streams stats until the container stops
	p := e.cgBackground("events", "--interval", "50ms", c.id)
	deadline := time.Now().Add(20 * time.Second)
	for strings.Count(p.out.String(), "\n") < 2 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	e.must("kill", c.id, "KILL")
	if code := p.wait(t); code != 0 {
		t.Fatalf("events --interval exited %d: %s", code, p.err.String())
	}
	evs := cgEvents(t, p.out.String())
	if len(evs) < 2 {
		t.Fatalf("events --interval 50ms printed %d events, want 2 or more", len(evs))
	}
	for _, ev := range evs {
		if ev["type"] != "stats" || ev["id"] != c.id || ev["data"] == nil {
			t.Errorf("event %v, want stats of %s", ev, c.id)
		}
	}
	e.waitStatus(c.id, "stopped")
	cgFails(t, e.berth("events", "--stats", c.id), c.id, "not running")
	cgFails(t, e.berth("events", c.id), c.id, "not running")
	c.delete()
}

func cgKeys(m map[string]json.RawMessage) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func TestCgroupsPs(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.cgBundle("sh", "-c", "sleep 1000 & sleep 1000 & echo ready; wait")
	c := e.cgStart(b)
	c.waitOutput("ready")
	want := c.procs()
	if len(want) != 3 {
		t.Fatalf("cgroup.procs %v, want 3 processes", want)
	}

	js := e.must("ps", "--format", "json", c.id)
	strs := make([]string, len(want))
	for i, p := range want {
		strs[i] = strconv.Itoa(p)
	}
	if exp := "[" + strings.Join(strs, ",") + "]\n"; js != exp {
		t.Errorf("ps --format json printed %q, want %q", js, exp)
	}
	if js2 := e.must("ps", "-f", "json", c.id); js2 != js {
		t.Errorf("ps -f json printed %q, want %q", js2, js)
	}

	table := strings.Split(strings.TrimSuffix(e.must("ps", c.id), "\n"), "\n")
	if len(table) != 4 || !strings.Contains(table[0], "PID") || !strings.Contains(table[0], "CMD") {
		t.Fatalf("ps printed %q, want ps -ef's header and 3 lines", table)
	}
	var got []int
	for _, l := range table[1:] {
		got = append(got, cgAtoi(t, strings.Fields(l)[1]))
	}
	sort.Ints(got)
	if !reflect.DeepEqual(got, want) {
		t.Errorf("ps lists pids %v, want %v", got, want)
	}

	// ps options pass through, flags after the id included
	lines := strings.Split(strings.TrimSpace(e.must("ps", c.id, "-o", "pid,comm")), "\n")
	if len(lines) != 4 || strings.Fields(lines[0])[0] != "PID" {
		t.Fatalf("ps -o pid,comm printed %q", lines)
	}
	comms := map[string]int{}
	for _, l := range lines[1:] {
		comms[strings.Fields(l)[1]]++
	}
	if comms["sh"] != 1 || comms["sleep"] != 2 {
		t.Errorf("ps -o pid,comm: commands %v, want sh and 2 sleep", comms)
	}
	cgFails(t, e.berth("ps", "--format", "xml", c.id), "--format")
	cgFails(t, e.berth("ps", c.id, "-o", "comm"), "PID")

	e.must("kill", c.id, "KILL")
	e.waitStatus(c.id, "stopped")
	if js := e.must("ps", "--format", "json", c.id); js != "null\n" {
		t.Errorf("ps --format json of a stopped container printed %q, want runc's %q", js, "null\n")
	}
	c.delete()
}

// procs lists the pids in the container's cgroup on the host, sorted.
func (c *cgContainer) procs() []int {
	c.e.t.Helper()
	k := cgKnob{"pids", "cgroup.procs", "cgroup.procs"}
	data, err := os.ReadFile(k.hostPath(c.path))
	if err != nil {
		c.e.t.Fatal(err)
	}
	var out []int
	for _, f := range strings.Fields(string(data)) {
		out = append(out, cgAtoi(c.e.t, f))
	}
	sort.Ints(out)
	return out
}
