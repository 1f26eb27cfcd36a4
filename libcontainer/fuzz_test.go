package libcontainer

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/berth-oci/berth/specconv"
)

// The plan the parent sends must always be one the init decodes, to what
// was encoded: FuzzPlanEncoding converts fuzzed config.json bytes, encodes
// the plan, walks the TLV stream in Go (framing, tags, lengths, strings),
// and decodes it with the init's own decoder (nsexec/c/plan.c, built into
// nsexec/c/fuzz/plan_dump), comparing its dump with the plan. The C
// decoder is fuzzed on raw bytes by nsexec/c/fuzz/run.sh (libFuzzer).

// fuzzHost is a host where every path exists as a directory (devices as
// character devices), SELinux and AppArmor are off.
type fuzzHost struct{}

func (fuzzHost) CapLastCap() (int, error) { return 40, nil }
func (fuzzHost) SELinuxEnabled() bool     { return false }
func (fuzzHost) AppArmorEnabled() bool    { return false }
func (fuzzHost) MountSetattr() bool       { return true }
func (fuzzHost) FileType(path string) (fs.FileMode, error) {
	if strings.HasPrefix(path, "/dev/") {
		return fs.ModeDevice | fs.ModeCharDevice, nil
	}
	return fs.ModeDir, nil
}
func (fuzzHost) EvalSymlinks(path string) (string, error) { return filepath.Clean(path), nil }
func (fuzzHost) IsHostNamespace(string, specs.LinuxNamespaceType) (bool, error) {
	return false, nil
}

var (
	planDumpOnce sync.Once
	planDumpBin  string
	planDumpErr  error
)

// planDump builds nsexec/c/fuzz/plan_dump once per version of the
// decoder's sources, in /tmp/berth-plan-dump-<hash> (renamed into place:
// fuzz workers and parallel runs share it). A build error fails the test.
func planDump(t testing.TB) string {
	t.Helper()
	planDumpOnce.Do(func() { planDumpBin, planDumpErr = buildPlanDump() })
	if planDumpErr != nil {
		// not a skip: a decoder that does not build is a broken init
		t.Fatal(planDumpErr)
	}
	return planDumpBin
}

func buildPlanDump() (string, error) {
	cc, err := exec.LookPath("cc")
	if err != nil {
		return "", fmt.Errorf("no C compiler (cc) to build the init's decoder: %w", err)
	}
	srcs := []string{"../nsexec/c/fuzz/plan_dump.c", "../nsexec/c/fuzz/plan_free.h", "../nsexec/c/plan.c",
		"../nsexec/c/plan.h", "../nsexec/c/protocol.h"}
	h := sha256.New()
	for _, f := range srcs {
		data, err := os.ReadFile(f)
		if err != nil {
			return "", err
		}
		h.Write(data)
	}
	dir := filepath.Join(os.TempDir(), "berth-plan-dump-"+hex.EncodeToString(h.Sum(nil)[:8]))
	bin := filepath.Join(dir, "plan_dump")
	if _, err := os.Stat(bin); err == nil {
		return bin, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	tmp := fmt.Sprintf("%s.%d", bin, os.Getpid())
	out, err := exec.Command(cc, "-O1", "-Wall", "-Wextra", "-Werror", "-o", tmp, srcs[0], srcs[2]).CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("build plan_dump: %v: %s", err, out)
	}
	return bin, os.Rename(tmp, bin)
}

// nestedTags are the top-level tags whose value is a TLV stream.
var nestedTags = map[uint16]bool{
	tNSJoin: true, tMount: true, tDevice: true, tDevSymlink: true, tSysctl: true,
	tCaps: true, tRlimit: true, tHook: true, tScheduler: true, tMemPolicy: true,
}

// stringTags are the top-level tags whose value is a string.
var stringTags = map[uint16]bool{
	tTimensOffsets: true, tRootfs: true, tMasked: true, tReadonly: true, tHostname: true,
	tDomainname: true, tArg: true, tEnv: true, tCwd: true, tExecLabel: true, tAppArmor: true,
}

// walkPlan checks the framing of a TLV stream: every record fits, its
// reserved half-word is zero, top-level tags are known, strings end in
// their only NUL, nested streams are well formed themselves.
func walkPlan(b []byte, top bool) error {
	for len(b) > 0 {
		if len(b) < 8 {
			return fmt.Errorf("%d bytes left, less than a record header", len(b))
		}
		tag, zero := binary.LittleEndian.Uint16(b), binary.LittleEndian.Uint16(b[2:])
		n := binary.LittleEndian.Uint32(b[4:])
		if zero != 0 || uint64(n) > uint64(len(b)-8) {
			return fmt.Errorf("record %d: reserved %d, length %d of %d", tag, zero, n, len(b)-8)
		}
		v := b[8 : 8+n]
		switch {
		case top && (tag == 0 || tag > tCPUAffinityReset):
			return fmt.Errorf("unknown tag %d", tag)
		case top && stringTags[tag]:
			if n == 0 || bytes.IndexByte(v, 0) != int(n)-1 {
				return fmt.Errorf("record %d: %q is not a string", tag, v)
			}
		case top && nestedTags[tag]:
			if err := walkPlan(v, false); err != nil {
				return fmt.Errorf("in record %d: %w", tag, err)
			}
		}
		b = b[8+n:]
	}
	return nil
}

// fuzzFDs are fd numbers for everything the plan refers to.
func fuzzFDs(p *specconv.Plan) initFDs {
	fds := noFDs()
	fds.fifo = 3
	if p.Process.Terminal {
		fds.console = 4
	}
	for i, ns := range p.Namespaces {
		if ns.Path != "" {
			fds.joins = append(fds.joins, nsJoin{flag: ns.Flag, fd: 10 + i})
		}
	}
	for _, m := range p.Mounts {
		for len(fds.trees) <= m.TreeIndex && m.Kind == specconv.MountTree {
			fds.trees = append(fds.trees, 30+len(fds.trees))
		}
	}
	return fds
}

// checkEncoding finishes and encodes p and checks it against the Go walk
// and, field by field, the C decoder.
func checkEncoding(t *testing.T, p *specconv.Plan) []byte {
	t.Helper()
	ip := finishCreatePlan(p, createFacts{}, fuzzFDs(p), nil)
	plan := ip.encode()
	if err := walkPlan(plan, true); err != nil {
		t.Fatalf("the encoded plan is malformed: %v", err)
	}
	if len(plan)+4 > maxFrame {
		return plan // the parent refuses to send it
	}
	checkRoundTrip(t, plan, ip.dump())
	return plan
}

// seedConfigs are config.json documents for the seed corpora.
func seedConfigs(t testing.TB) [][]byte {
	t.Helper()
	ex := specconv.Example()
	ex.Root.Path = "rootfs"
	ex.Process.Args = []string{"sh", "-c", "echo hi"}
	ex.Hostname = "box"
	ex.Linux.Sysctl = map[string]string{"net.ipv4.ip_forward": "1"}
	ex.Linux.Devices = []specs.LinuxDevice{{Path: "/dev/fuse", Type: "c", Major: 10, Minor: 229}}
	ex.Process.Rlimits = []specs.POSIXRlimit{{Type: "RLIMIT_NOFILE", Soft: 1024, Hard: 2048}}
	ex.Process.User.AdditionalGids = []uint32{10, 20}
	ex.Hooks = &specs.Hooks{
		CreateContainer: []specs.Hook{{Path: "/bin/true", Args: []string{"true", "x"}, Env: []string{"A=1"}}},
		StartContainer:  []specs.Hook{{Path: "/bin/true"}},
	}
	ex.Mounts = append(ex.Mounts,
		specs.Mount{Destination: "/data", Source: "/srv/data", Type: "bind", Options: []string{"rbind", "ro", "nosuid"}},
		specs.Mount{Destination: "/run", Type: "tmpfs", Source: "tmpfs", Options: []string{"size=64k", "mode=755"}})
	var out [][]byte
	for _, s := range []*specs.Spec{specconv.Example(), ex} {
		s.Root.Path = "rootfs"
		data, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, data)
	}
	return out
}

// convertFuzzed parses and converts config.json bytes; nil if refused.
func convertFuzzed(data []byte) *specconv.Plan {
	var spec specs.Spec
	if json.Unmarshal(data, &spec) != nil {
		return nil
	}
	p, _, err := specconv.Convert(&spec, "/b", specconv.Options{Host: fuzzHost{}})
	if err != nil {
		return nil
	}
	return p
}

func FuzzPlanEncoding(f *testing.F) {
	for _, s := range seedConfigs(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if p := convertFuzzed(data); p != nil {
			checkEncoding(t, p)
		}
	})
}

// TestPlanSeeds runs the seed configs through the same checks, and with
// BERTH_WRITE_PLAN_SEEDS=dir writes their encoded plans there (the seed
// corpus of the libFuzzer harness, nsexec/c/fuzz/corpus).
func TestPlanSeeds(t *testing.T) {
	dir := os.Getenv("BERTH_WRITE_PLAN_SEEDS")
	for i, s := range seedConfigs(t) {
		p := convertFuzzed(s)
		if p == nil {
			t.Fatalf("seed %d does not convert", i)
		}
		plan := checkEncoding(t, p)
		if dir != "" {
			if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("plan-%d", i)), plan, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// lsmHost is fuzzHost with SELinux and AppArmor on.
type lsmHost struct{ fuzzHost }

func (lsmHost) SELinuxEnabled() bool  { return true }
func (lsmHost) AppArmorEnabled() bool { return true }

// The LSM labels reach the init as the parent encoded them: the SELinux
// exec label (written by the init to its attr/exec) and the AppArmor
// profile (attr/apparmor/exec). On this host (no SELinux, no AppArmor)
// specconv drops the label or refuses the profile, so only this test
// carries them to the init's decoder.
func TestLabelsEncoding(t *testing.T) {
	s := specconv.Example()
	s.Root.Path = "rootfs"
	s.Process.SelinuxLabel = "system_u:system_r:container_t:s0:c1,c2"
	s.Process.ApparmorProfile = "berth-default"
	s.Linux.MountLabel = "system_u:object_r:container_file_t:s0:c1,c2"
	p, _, err := specconv.Convert(s, "/b", specconv.Options{Host: lsmHost{}})
	if err != nil {
		t.Fatal(err)
	}
	checkEncoding(t, p)
	if p.Process.SelinuxLabel == "" || p.Process.ApparmorProfile == "" {
		t.Fatalf("labels dropped: %+v", p.Process)
	}
	found := false
	for _, m := range p.Mounts {
		found = found || strings.Contains(m.Data, `context="system_u:object_r:container_file_t:s0:c1,c2"`)
	}
	if !found {
		t.Error("no mount carries the mount label")
	}
}

// FuzzInitFrames feeds bytes, as the init would send them, to the
// parent's frame reader and error decoder: whatever a broken (or
// subverted) init sends, the parent must not panic, read past a frame or
// accept one larger than maxFrame, and an error it reports stays one line.
func FuzzInitFrames(f *testing.F) {
	frameOf := func(t msgType, payload []byte) []byte {
		b := binary.LittleEndian.AppendUint32(nil, uint32(len(payload)+4))
		return append(binary.LittleEndian.AppendUint32(b, uint32(t)), payload...)
	}
	f.Add(frameOf(msgPID, []byte{1, 0, 0, 0}))
	f.Add(append(frameOf(msgHooks, nil), frameOf(msgError, append([]byte{2, 0, 0, 0}, "exec: \"sh\"\nforged line"...))...))
	f.Add(frameOf(msgReady, nil)[:5])
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, 1, 0, 0, 0})
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 1<<16 {
			return
		}
		pair, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
		if err != nil {
			t.Fatal(err)
		}
		w := os.NewFile(uintptr(pair[1]), "init")
		go func() { w.Write(data); w.Close() }()
		s := &syncSocket{f: os.NewFile(uintptr(pair[0]), "parent")}
		defer s.f.Close()
		read := 0
		for {
			fr, err := s.recv()
			if err != nil {
				if strings.Contains(err.Error(), "\n") {
					t.Fatalf("a read error of more than one line: %q", err)
				}
				return
			}
			read += 8 + len(fr.payload)
			if read > len(data) || len(fr.payload)+4 > maxFrame {
				t.Fatalf("frame of %d bytes read from %d", len(fr.payload), len(data))
			}
			if e := initError(fr.payload); strings.ContainsAny(e.Error(), "\n\r") {
				t.Fatalf("the init's error is more than one line: %q", e)
			}
		}
	})
}
