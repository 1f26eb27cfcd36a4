package specconv

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/berth-oci/berth/specconv/internal/decgen"
)

// The generated decoder (specdec_gen.go) must decode as encoding/json plus
// the reflection walker did (jsonref_test.go): the same Spec or Process,
// the same error text, the same warnings. These tests compare the two on
// the repository's configs, on variants of them made value by value, on
// edge cases of JSON, and, fuzzing, on any input.

// TestGeneratedDecoderFresh fails when specdec_gen.go is not what
// `go generate ./specconv` writes now (the runtime-spec or the generator
// changed).
func TestGeneratedDecoderFresh(t *testing.T) {
	want, err := decgen.Generate()
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile("specdec_gen.go")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatal("specdec_gen.go is stale: run `go generate ./specconv` and commit it")
	}
}

// diffDecode decodes data as a Spec and as a Process with both decoders
// and reports any difference.
func diffDecode(t *testing.T, data []byte) {
	t.Helper()
	diffDecodeInto(t, data, func() any { return new(specs.Spec) })
	diffDecodeInto(t, data, func() any { return new(specs.Process) })
}

func diffDecodeInto(t *testing.T, data []byte, mk func() any) {
	t.Helper()
	got, want := mk(), mk()
	cg, cw := newChecker(Options{Host: newFakeHost()}), newChecker(Options{Host: newFakeHost()})
	errGot, errWant := cg.decode(data, got, ""), cw.refDecode(data, want, "")
	if errText(errGot) != errText(errWant) {
		t.Fatalf("%T from %q:\nerror  %v\nwanted %v", got, data, errGot, errWant)
	}
	if !reflect.DeepEqual(cg.warnings, cw.warnings) {
		t.Fatalf("%T from %q:\nwarnings  %q\nwanted    %q", got, data, cg.warnings, cw.warnings)
	}
	if errGot == nil && !reflect.DeepEqual(got, want) {
		g, _ := json.Marshal(got)
		w, _ := json.Marshal(want)
		t.Fatalf("%T from %q:\ndecoded  %s\nwanted   %s\n(%#v\nvs %#v)", got, data, g, w, got, want)
	}
	if s, ok := got.(*specs.Spec); ok && errGot == nil {
		diffEncode(t, s)
	}
}

// diffEncode compares AppendSpec with json.Marshal on s.
func diffEncode(t *testing.T, s *specs.Spec) {
	t.Helper()
	got, errGot := AppendSpec(nil, s)
	want, errWant := json.Marshal(s)
	if errText(errGot) != errText(errWant) || errGot == nil && !bytes.Equal(got, want) {
		t.Fatalf("encoding:\n got %s (%v)\nwant %s (%v)", got, errGot, want, errWant)
	}
}

func errText(err error) string {
	if err == nil {
		return "<nil>"
	}
	return err.Error()
}

// repoConfigs are the configs of the repository: Example (what `berth
// spec` writes), the tests' base spec, a Docker-sized one
// (testdata/docker-config.json) and the fuzzers' corpus.
func repoConfigs(t testing.TB) [][]byte {
	var out [][]byte
	for _, s := range []*specs.Spec{Example(), baseSpec()} {
		b, err := json.MarshalIndent(s, "", "\t")
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, b)
	}
	docker, err := os.ReadFile("testdata/docker-config.json")
	if err != nil {
		t.Fatal(err)
	}
	out = append(out, docker)
	corpus, _ := filepath.Glob("testdata/fuzz/*/*")
	for _, name := range corpus {
		b, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		// go test fuzz v1 \n []byte("...")
		_, lit, ok := strings.Cut(string(b), "[]byte(")
		if !ok {
			continue
		}
		var s string
		if err := json.Unmarshal([]byte(strings.TrimSuffix(strings.TrimSpace(lit), ")")), &s); err == nil {
			out = append(out, []byte(s))
		}
	}
	return out
}

func TestDecodeRepoConfigs(t *testing.T) {
	for _, data := range repoConfigs(t) {
		diffDecode(t, data)
	}
}

// TestDecodeVariants changes each value of the repository's configs in
// turn (another type, null, out of range, a duplicate member, a name in
// another case, an unknown member, a NUL) and compares the decoders on
// each variant.
func TestDecodeVariants(t *testing.T) {
	n := 0
	// every node of Example and the base spec, every 8th of the Docker one
	// (it has 1 400 nodes)
	strides := []int{1, 1, 8}
	for c, data := range repoConfigs(t)[:3] {
		root, err := parseTree(data)
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; ; i += strides[c] {
			vs := variants(root, i)
			if vs == nil {
				break
			}
			for _, v := range vs {
				diffDecode(t, v)
				n++
			}
		}
	}
	t.Logf("%d variants", n)
}

// A tree is a JSON document kept in order, to write it back changed.
type tree struct {
	raw  string // a scalar, as written
	kind byte   // '{', '[' or 0
	keys []string
	vals []*tree
}

func parseTree(data []byte) (*tree, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	return parseNode(dec)
}

func parseNode(dec *json.Decoder) (*tree, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch tok := tok.(type) {
	case json.Delim:
		n := &tree{kind: byte(tok)}
		for dec.More() {
			if n.kind == '{' {
				k, err := dec.Token()
				if err != nil {
					return nil, err
				}
				n.keys = append(n.keys, k.(string))
			}
			v, err := parseNode(dec)
			if err != nil {
				return nil, err
			}
			n.vals = append(n.vals, v)
		}
		_, err := dec.Token()
		return n, err
	default:
		b, err := json.Marshal(tok)
		return &tree{raw: string(b)}, err
	}
}

// replacements are what a value is replaced with.
var replacements = []string{
	`null`, `"x"`, `"a\u0000b"`, `"\ud83d\ude00\ud800\u00e9\/"`, "\"\xff\xc3(\"", `0`, `-1`, `1.5`, `1e2`, `-0`,
	`255`, `256`, `65536`, `4294967295`, `4294967296`, `2147483648`, `-2147483649`,
	`9223372036854775808`, `18446744073709551616`, `1e400`, `true`, `[]`, `{}`, `["x", 1]`,
	`{"x": 1, "X": [null]}`, `[null]`, `[{}]`,
}

// variants writes the variants of root that change its node i (in
// document order); nil when there is no node i.
func variants(root *tree, i int) [][]byte {
	var out [][]byte
	found := false
	for _, r := range replacements {
		count := 0
		var b strings.Builder
		write(&b, root, &count, i, func(b *strings.Builder, n *tree) { b.WriteString(r) })
		if count <= i {
			return nil
		}
		found = true
		out = append(out, []byte(b.String()))
	}
	for _, mutate := range []func(b *strings.Builder, n *tree){
		func(b *strings.Builder, n *tree) { // a name in other case, a duplicate, an unknown member
			if n.kind != '{' || len(n.keys) == 0 {
				b.WriteString(`{"Unknown": 1}`)
				return
			}
			c := *n
			c.keys = append([]string{strings.ToUpper(n.keys[0])}, n.keys[1:]...)
			c.keys = append(c.keys, n.keys[0], n.keys[0], "zz")
			c.vals = append(append([]*tree{}, n.vals...), &tree{raw: "null"}, n.vals[0], &tree{raw: `"\u0000"`})
			writePlain(b, &c)
		},
		func(b *strings.Builder, n *tree) { // the array shortened, then longer again, merging
			if n.kind != '[' || len(n.vals) == 0 {
				b.WriteString(`[]`)
				return
			}
			b.WriteString(`[`)
			writePlain(b, n.vals[0])
			b.WriteString(`]`)
		},
	} {
		count := 0
		var b strings.Builder
		write(&b, root, &count, i, mutate)
		out = append(out, []byte(b.String()))
		// and the same member twice, the first changed: merging
		if found && root.kind == '{' {
			var b2 strings.Builder
			count = 0
			c := *root
			c.keys = append(append([]string{}, root.keys...), root.keys...)
			c.vals = append(append([]*tree{}, root.vals...), root.vals...)
			write(&b2, &c, &count, i, mutate)
			out = append(out, []byte(b2.String()))
		}
	}
	return out
}

// write writes n, calling change instead for the node numbered at.
func write(b *strings.Builder, n *tree, count *int, at int, change func(*strings.Builder, *tree)) {
	if *count == at {
		*count++
		change(b, n)
		return
	}
	*count++
	switch n.kind {
	case 0:
		b.WriteString(n.raw)
		return
	case '{':
		b.WriteString("{")
	default:
		b.WriteString("[")
	}
	for i, v := range n.vals {
		if i > 0 {
			b.WriteString(",\n")
		}
		if n.kind == '{' {
			k, _ := json.Marshal(n.keys[i])
			b.Write(k)
			b.WriteString(": ")
		}
		write(b, v, count, at, change)
	}
	if n.kind == '{' {
		b.WriteString("}")
	} else {
		b.WriteString("]")
	}
}

func writePlain(b *strings.Builder, n *tree) {
	count := 0
	write(b, n, &count, -1, nil)
}

// TestDecodeEdgeCases compares the decoders on the corners of JSON and of
// encoding/json.
func TestDecodeEdgeCases(t *testing.T) {
	deep := strings.Repeat(`[`, 9998) + strings.Repeat(`]`, 9998)
	deeper := strings.Repeat(`[`, 9999) + strings.Repeat(`]`, 9999)
	for _, s := range []string{
		// member names: exact first, then ignoring case (Unicode's simple folding)
		`{"OCIVERSION":"1"}`, `{"ociversion":"1","ociVersion":"2"}`, `{"ociVersion":"2","ociversion":"1"}`,
		`{"ociVerſion":"x"}`, `{"process":{"ARGS":["a"]}}`, `{"linux":{"sysctl":{"A":"1","a":"2"}}}`,
		"{\"oci\xffVersion\":1}",
		// duplicates: the last wins, decoded into what the first left
		`{"process":{"args":["a","b"]},"process":{"cwd":"/"}}`,
		`{"process":{"args":["a","b"]},"process":null}`,
		`{"mounts":[{"destination":"/a","type":"t"},{"destination":"/b","type":"u"}],"mounts":[{}],"mounts":[{},{}]}`,
		`{"mounts":[{"destination":"/a"}],"mounts":[]}`, `{"mounts":[{"destination":"/a"}],"mounts":[null]}`,
		`{"process":{"args":["a",null]}}`, `{"process":{"args":["a","b"]},"process":{"args":[null,null,null]}}`,
		`{"annotations":{"a":"1"},"annotations":{"b":"2"}}`, `{"annotations":{"a":"1"},"annotations":null}`,
		`{"linux":{"sysctl":{"a":null}}}`, `{"linux":{"resources":{"unified":{"a":"b","a":"c"}}}}`,
		`{"linux":{"netDevices":{"eth0":{"name":"x"},"eth0":{}}}}`,
		`{"process":{"user":{"uid":1}},"process":{"user":{"gid":2}}}`,
		`{"process":{"oomScoreAdj":1},"process":{"oomScoreAdj":null}}`,
		// empty and missing
		`{"process":{"args":[]}}`, `{"process":{}}`, `{"process":{"args":null}}`, `{}`, `null`, ` {} `,
		// numbers into each width
		`{"process":{"user":{"uid":4294967295}}}`, `{"process":{"user":{"uid":4294967296}}}`,
		`{"process":{"user":{"uid":-1}}}`, `{"process":{"user":{"uid":1.0}}}`, `{"process":{"user":{"uid":1e2}}}`,
		`{"process":{"user":{"uid":-0}}}`, `{"process":{"user":{"uid":"1"}}}`,
		`{"process":{"oomScoreAdj":9223372036854775807}}`, `{"process":{"oomScoreAdj":9223372036854775808}}`,
		`{"process":{"oomScoreAdj":-9223372036854775808}}`, `{"process":{"oomScoreAdj":-0}}`,
		`{"process":{"rlimits":[{"soft":18446744073709551615,"hard":18446744073709551616}]}}`,
		`{"linux":{"resources":{"blockIO":{"weight":65535,"weightDevice":[{"major":-1,"weight":65536}]}}}}`,
		`{"linux":{"resources":{"memory":{"limit":-9223372036854775809}}}}`,
		`{"linux":{"resources":{"cpu":{"shares":1,"cpus":1}}}}`,
		`{"process":{"consoleSize":{"height":4294967295,"width":4294967296}}}`,
		`{"linux":{"devices":[{"fileMode":4294967295,"major":1,"minor":-1}]}}`,
		// strings
		`{"hostname":"\u00e9\ud83d\ude00\/\b\f\n\r\t\"\\"}`, `{"hostname":"\ud83d"}`, `{"hostname":"\ud83dx"}`,
		`{"hostname":"\ud83d\u0041"}`, `{"hostname":"\udc00\ud83d\ude00"}`, `{"hostname":"\ud83d\ud83d\ude00"}`,
		"{\"hostname\":\"\xff\xc3(\xc0\xaf\xed\xa0\x80\"}", "{\"hostname\":\"\xf0\x9f\x98\"}",
		`{"hostname":"a\u0000"}`, `{"hostname":"\u0000","process":5}`, `{"x":1,"hostname":"a\u0000","y":2}`,
		`{"x":{"y\u0000":1}}`, `{"a\u0000":1}`, `{"linux":{"sysctl":{"k\u0000":"v"}}}`,
		`{"hostname":"\x"}`, `{"hostname":"\u12"}`, `{"hostname":"\U1234"}`, "{\"hostname\":\"\t\"}",
		// interface values (windows.credentialSpec)
		`{"windows":{"credentialSpec":{"a":[1,"x",true,false,null,{"b":1e3}]}}}`,
		`{"windows":{"credentialSpec":1e400}}`, `{"windows":{"credentialSpec":[1e400]}}`,
		`{"windows":{"credentialSpec":{"a":1}},"windows":{"credentialSpec":"s"}}`,
		`{"windows":{"credentialSpec":"a\u0000"}}`,
		// syntax, alone and after a type error
		``, ` `, `{`, `{"a":1,}`, `{"a" 1}`, `{"a":01}`, `{"a":-}`, `{"a":1.}`, `{"a":1e}`, `{"a":1e+}`,
		`{"a":tru}`, `{"a":nul}`, `{"a":nulll}`, `{} x`, `{}}`, `{'a':1}`, `{"a":NaN}`, "\ufeff{}",
		`{"process":5, x}`, `{"process":5,"hostname":"\x"}`, `{"process":[}`, `[1,]`, `{"mounts":[1 2]}`,
		`{"a":` + deep + `}`, `{"a":` + deeper + `}`, `{"process":{"args":` + deeper + `}}`,
		// top level
		`[]`, `"x"`, `1`, `true`, `{"process":[]}`, `{"process":"x"}`, `{"process":{"args":{}}}`,
	} {
		diffDecode(t, []byte(s))
	}
}

// FuzzDecode compares the generated decoder with encoding/json and the
// walker on any input.
func FuzzDecode(f *testing.F) {
	fuzzSeeds(f)
	for _, data := range repoConfigs(f) {
		f.Add(data)
	}
	f.Add([]byte(`{"OCIVERSION":"1","mounts":[{"destination":"/a"}],"mounts":[{}],"process":{"args":["\ud83d"]}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		diffDecode(t, data)
	})
}

// benchConfigs are the bench's config (Example as `berth spec` writes it,
// terminal off, like bench/mkbundle.sh's) and the Docker-sized one.
func benchConfigs(b *testing.B) map[string][]byte {
	ex := Example()
	ex.Process.Terminal = false
	small, err := json.MarshalIndent(ex, "", "\t")
	if err != nil {
		b.Fatal(err)
	}
	docker, err := os.ReadFile("testdata/docker-config.json")
	if err != nil {
		b.Fatal(err)
	}
	return map[string][]byte{"bench": small, "docker": docker}
}

// BenchmarkDecode decodes each config with the generated decoder and with
// the former one (json.Unmarshal and the walker; warm: encoding/json's
// per-type decoders are built once, in the first iteration).
func BenchmarkDecode(b *testing.B) {
	for name, data := range benchConfigs(b) {
		b.Run(name+"/generated", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				var s specs.Spec
				if err := newChecker(Options{}).decode(data, &s, ""); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(name+"/reference", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				var s specs.Spec
				if err := newChecker(Options{}).refDecode(data, &s, ""); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkLoad loads a bundle with each config (read, decode, convert).
func BenchmarkLoad(b *testing.B) {
	for name, data := range benchConfigs(b) {
		b.Run(name, func(b *testing.B) {
			dir := b.TempDir()
			if err := os.Mkdir(filepath.Join(dir, "rootfs"), 0o755); err != nil {
				b.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, "config.json"), data, 0o644); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				if _, _, err := Load(dir, Options{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
