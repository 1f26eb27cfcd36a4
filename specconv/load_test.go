package specconv

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// writeBundle makes a bundle with a rootfs and the given config.json.
func writeBundle(t *testing.T, config string) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "rootfs"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "config.json"), []byte(config), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

const minimalJSON = `{
	"ociVersion": "1.0.2-dev",
	"root": {"path": "rootfs"},
	"process": {
		"args": ["sh"],
		"cwd": "/"
	},
	"linux": {"namespaces": [{"type": "mount"}]}
}`

func TestLoadJSONErrors(t *testing.T) {
	cases := []struct{ name, json, want string }{
		{"args a string", `{
	"ociVersion": "1.3.0",
	"process": {
		"args": "sh"
	}
}`, `config.json: line 4: process.args: expected array of strings, got string`},
		{"negative uid", `{"ociVersion": "1.3.0",
 "process": {"user": {"uid": -1}}}`, `config.json: line 2: process.user.uid: expected uint32, got number -1`},
		{"option a number", `{
 "mounts": [
  {"destination": "/a"},
  {"destination": "/b", "options": ["ro",
     1]}
 ]
}`, `config.json: line 5: mounts[1].options[1]: expected string, got number`},
		{"process an array", `{"process": []}`, `config.json: line 1: process: expected object, got array`},
		{"sysctl value a number", `{"linux": {"sysctl": {"net.ipv4.ip_forward": 1}}}`,
			`config.json: line 1: linux.sysctl["net.ipv4.ip_forward"]: expected string, got number`},
		{"float oomScoreAdj", `{"process": {"oomScoreAdj": 1.5}}`, `config.json: line 1: process.oomScoreAdj: expected integer, got number 1.5`},
		{"terminal a string", `{"process": {"terminal": "yes"}}`, `config.json: line 1: process.terminal: expected boolean, got string`},
		{"top level an array", `[]`, `config.json: line 1: expected object, got array`},
		{"syntax error", "{\n \"process\": {\"args\": [\"a\",}}\n", `config.json: line 2: invalid JSON: invalid character '}' looking for beginning of value`},
		{"truncated", "{\n \"process\": {", `config.json: line 2: invalid JSON: unexpected end of JSON input`},
		{"empty", "", `config.json: line 1: invalid JSON: unexpected end of JSON input`},
		{"convert error after load", strings.Replace(minimalJSON, `["sh"]`, `[]`, 1), `config.json: process.args: must not be empty`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := Load(writeBundle(t, tc.json), Options{})
			if err == nil || err.Error() != tc.want {
				t.Errorf("error\n got: %v\nwant: %s", err, tc.want)
			}
		})
	}
}

func TestLoadUnknownFields(t *testing.T) {
	config := `{
	"ociVersion": "1.3.0",
	"root": {"path": "rootfs", "readOnly": true},
	"process": {"args": ["sh"], "cwd": "/", "colour": "blue",
		"user": {"uid": 0, "gid": 0, "nick": {"deep": [1]}}},
	"mounts": [{"destination": "/proc", "type": "proc", "source": "proc", "flags": 1}],
	"linux": {"namespaces": [{"type": "mount"}], "sysctl": {}, "future": {}},
	"extension": 1
}`
	p, warnings, err := Load(writeBundle(t, config), Options{})
	if err != nil {
		t.Fatal(err)
	}
	eq(t, "readOnly matched like encoding/json", p.RootReadonly, true)
	eq(t, "warnings", warnings, []string{
		"config.json: line 4: process.colour: unknown field, ignored",
		"config.json: line 5: process.user.nick: unknown field, ignored",
		"config.json: line 6: mounts[0].flags: unknown field, ignored",
		"config.json: line 7: linux.future: unknown field, ignored",
		"config.json: line 8: extension: unknown field, ignored",
	})
}

func TestLoadResolvesBundleSymlink(t *testing.T) {
	dir := writeBundle(t, minimalJSON)
	link := filepath.Join(t.TempDir(), "link")
	if err := os.Symlink(dir, link); err != nil {
		t.Fatal(err)
	}
	p, warnings, err := Load(link, Options{})
	if err != nil {
		t.Fatal(err)
	}
	real, _ := filepath.EvalSymlinks(dir)
	eq(t, "bundle", p.Bundle, real)
	eq(t, "rootfs", p.Rootfs, filepath.Join(real, "rootfs"))
	eq(t, "warnings", warnings, []string(nil))
}

func TestLoadMissingBundle(t *testing.T) {
	_, _, err := Load("/nonexistent/bundle", Options{})
	eq(t, "error", err.Error(), "bundle /nonexistent/bundle: no such file or directory")
}

func TestLoadProcess(t *testing.T) {
	path := filepath.Join(t.TempDir(), "process.json")
	os.WriteFile(path, []byte(`{"args": ["ls"], "cwd": "/tmp", "env": ["A"], "x": 1}`), 0o644)
	_, warnings, err := LoadProcess(path, nil, Options{Host: newFakeHost()})
	eq(t, "error", err.Error(), `process.json: env[0]: "A" is not of the form KEY=VALUE`)
	eq(t, "warnings", warnings, []string{"process.json: line 1: x: unknown field, ignored"})

	os.WriteFile(path, []byte(`{"args": ["ls"], "cwd": "/tmp", "user": {"uid": 7, "gid": 8}}`), 0o644)
	p, _, err := LoadProcess(path, nil, Options{Host: newFakeHost()})
	if err != nil {
		t.Fatal(err)
	}
	eq(t, "uid", p.UID, uint32(7))

	os.WriteFile(path, []byte(`{"args": "ls"}`), 0o644)
	_, _, err = LoadProcess(path, nil, Options{Host: newFakeHost()})
	eq(t, "error", err.Error(), `process.json: line 1: args: expected array of strings, got string`)
}

func TestResolveProcess(t *testing.T) {
	p, warnings, err := ResolveProcess(baseSpec().Process, Options{Host: newFakeHost()})
	if err != nil {
		t.Fatal(err)
	}
	eq(t, "args", p.Args, []string{"sh"})
	eq(t, "warnings", warnings, []string(nil))
	_, _, err = ResolveProcess(nil, Options{Host: newFakeHost(), File: "exec"})
	eq(t, "error", err.Error(), "exec: process: required")
}

// TestLoadRoundTrip writes Example() as `berth spec` would and loads it.
func TestLoadRoundTrip(t *testing.T) {
	b, err := json.MarshalIndent(Example(), "", "\t")
	if err != nil {
		t.Fatal(err)
	}
	_, warnings, err := Load(writeBundle(t, string(b)), Options{})
	if err != nil {
		t.Fatal(err)
	}
	eq(t, "warnings", warnings, []string(nil))
}
