package specconv

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// The fuzz targets feed config.json bytes to the decoder and Convert (with
// the fake host, and through Load with the real one). Whatever the input,
// they must not panic, an error must be one line, and an accepted config
// must give a plan the init can carry out: absolute paths and no NUL in
// any string (the init's strings are NUL-terminated). Seeds: the configs
// below and testdata/fuzz/<target>/.

// fuzzSeeds are valid and nearly valid configs.
func fuzzSeeds(f *testing.F) {
	ex := Example()
	ex.Process.Args = []string{"sh"}
	full := Example()
	full.Hooks = &specs.Hooks{
		CreateContainer: []specs.Hook{{Path: "/bin/true", Args: []string{"true"}, Timeout: ptr(3)}},
		CreateRuntime:   []specs.Hook{{Path: "/bin/true"}},
	}
	full.Linux.Sysctl = map[string]string{"net.ipv4.ip_forward": "1", "kernel.msgmax": "8192"}
	full.Linux.Devices = []specs.LinuxDevice{{Path: "/dev/fuse", Type: "c", Major: 10, Minor: 229}}
	full.Linux.UIDMappings = []specs.LinuxIDMapping{{ContainerID: 0, HostID: 1000, Size: 65536}}
	full.Linux.GIDMappings = []specs.LinuxIDMapping{{ContainerID: 0, HostID: 1000, Size: 65536}}
	full.Linux.Namespaces = append(full.Linux.Namespaces, specs.LinuxNamespace{Type: specs.UserNamespace})
	full.Mounts = append(full.Mounts, specs.Mount{Destination: "/data", Source: "/data", Type: "bind", Options: []string{"rbind", "ro", "rprivate"}})
	full.Process.Rlimits = []specs.POSIXRlimit{{Type: "RLIMIT_NOFILE", Soft: 1024, Hard: 1024}}
	full.Process.OOMScoreAdj = ptr(100)
	for _, s := range []*specs.Spec{baseSpec(), ex, full} {
		data, err := json.Marshal(s)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte(`{"ociVersion":"1.3.0","root":{"path":"rootfs"},"process":{"args":["sh\u0000x"],"cwd":"/"}}`))
	f.Add([]byte(`{"ociVersion":"1.3.0","root":{"path":"rootfs"},"process":{"args":["sh"],"cwd":"/"},"mounts":[{"destination":"../x","type":"tmpfs"}]}`))
	f.Add([]byte(`{"ociVersion":"1.0.0","process":{"args":[]}}`))
	f.Add([]byte(`{"ociVersion":"1.3.0","root":{"path":"rootfs"}}`)) // no process: create takes it
	f.Add([]byte(`{`))
}

// checkResult asserts the properties every outcome must have.
func checkResult(t *testing.T, p *Plan, err error) {
	t.Helper()
	if err != nil {
		if strings.Contains(err.Error(), "\n") {
			t.Fatalf("error of more than one line: %q", err)
		}
		return
	}
	if p == nil {
		t.Fatal("no plan and no error")
	}
	if !filepath.IsAbs(p.Rootfs) {
		t.Fatalf("rootfs %q is not absolute", p.Rootfs)
	}
	for _, m := range p.Mounts {
		if !strings.HasPrefix(m.Destination, "/") {
			t.Fatalf("mount destination %q is not absolute", m.Destination)
		}
	}
	// a config without process gives a plan without one (create accepts
	// it, start refuses it); a process it has always has args
	if len(p.Process.Args) == 0 && !reflect.ValueOf(p.Process).IsZero() {
		t.Fatal("a plan whose process has no args")
	}
	noNUL(t, "plan", reflect.ValueOf(*p))
}

// noNUL fails on a string with a NUL byte anywhere in v (the original spec
// excepted: the plan is what is sent).
func noNUL(t *testing.T, path string, v reflect.Value) {
	t.Helper()
	switch v.Kind() {
	case reflect.String:
		if strings.ContainsRune(v.String(), 0) {
			t.Fatalf("%s: %q holds a NUL byte: the init cannot carry it", path, v.String())
		}
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			noNUL(t, path, v.Elem())
		}
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			if name := v.Type().Field(i).Name; name != "Spec" {
				noNUL(t, path+"."+name, v.Field(i))
			}
		}
	case reflect.Slice, reflect.Array:
		for i := 0; i < v.Len(); i++ {
			noNUL(t, path, v.Index(i))
		}
	case reflect.Map:
		for _, k := range v.MapKeys() {
			noNUL(t, path, k)
			noNUL(t, path, v.MapIndex(k))
		}
	}
}

// FuzzConvert decodes config.json bytes and converts them against the
// fake host (bundle /b).
func FuzzConvert(f *testing.F) {
	fuzzSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		opts := Options{Host: newFakeHost()}
		var spec specs.Spec
		if err := newChecker(opts).decode(data, &spec, ""); err != nil {
			checkResult(t, nil, err)
			return
		}
		p, _, err := Convert(&spec, "/b", opts)
		checkResult(t, p, err)
	})
}

// FuzzLoad writes config.json bytes into a bundle with a rootfs and loads
// it against the real host.
func FuzzLoad(f *testing.F) {
	fuzzSeeds(f)
	dir := f.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "rootfs"), 0o755); err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if err := os.WriteFile(filepath.Join(dir, "config.json"), data, 0o644); err != nil {
			t.Fatal(err)
		}
		p, _, err := Load(dir, Options{})
		checkResult(t, p, err)
	})
}

// A NUL byte in any string of config.json is refused with the field, as
// the fuzzers found: the init would have failed on it.
func TestNULRefused(t *testing.T) {
	for _, tc := range []struct{ json, want string }{
		{`{"ociVersion":"1.3.0","root":{"path":"rootfs"},"process":{"args":["sh\u0000x"],"cwd":"/"}}`,
			`config.json: line 1: process.args[0]: a NUL byte (\u0000) cannot be passed to the container`},
		{`{"ociVersion":"1.3.0","root":{"path":"rootfs"},"process":{"args":["sh"],"cwd":"/"},"linux":{"sysctl":{"net.x\u0000":"1"}}}`,
			`config.json: line 1: linux.sysctl["net.x\x00"]: a NUL byte (\u0000) cannot be passed to the container`},
	} {
		var spec specs.Spec
		err := newChecker(Options{Host: newFakeHost()}).decode([]byte(tc.json), &spec, "")
		if err == nil || err.Error() != tc.want {
			t.Errorf("got %v, want %s", err, tc.want)
		}
	}
}
