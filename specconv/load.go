package specconv

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/berth-oci/berth/internal/fdio"
)

// Load reads <bundle>/config.json, once, and converts it (see Convert).
// The bundle path's symlinks are resolved first. Unknown JSON fields are
// warnings, not errors.
func Load(bundle string, opts Options) (*Plan, []string, error) {
	c := newChecker(opts)
	abs, err := filepath.Abs(bundle)
	if err == nil {
		abs, err = c.host.EvalSymlinks(abs)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("bundle %s: %w", bundle, unwrapPathError(err))
	}
	data, err := fdio.ReadFile(filepath.Join(abs, "config.json"))
	if err != nil {
		return nil, nil, fmt.Errorf("bundle %s: %w", abs, err)
	}
	var spec specs.Spec
	if err := c.decode(data, &spec, ""); err != nil {
		return nil, c.warnings, err
	}
	plan, warnings, err := Convert(&spec, abs, opts)
	return plan, append(c.warnings, warnings...), err
}

// LoadProcess reads a process.json (`berth exec --process`) and resolves
// it (see ResolveProcess); its fields are named from its top ("args").
// data, when not nil, is the file's content the caller has read already
// (a pipe or fifo can be read only once).
func LoadProcess(path string, data []byte, opts Options) (Process, []string, error) {
	if opts.File == "" {
		opts.File = filepath.Base(path)
	}
	c := newChecker(opts)
	if data == nil {
		var err error
		if data, err = os.ReadFile(path); err != nil {
			return Process{}, nil, err
		}
	}
	var p specs.Process
	if err := c.decode(data, &p, ""); err != nil {
		return Process{}, c.warnings, err
	}
	out, err := c.resolveProcess("", &p)
	return out, c.warnings, err
}

// decode unmarshals data into v (a pointer); a JSON error becomes a
// ConfigError with the line and the field path; each unknown field is a
// warning.
func (c *checker) decode(data []byte, v any, root string) error {
	if err := json.Unmarshal(data, v); err != nil {
		return c.jsonError(data, err, reflect.TypeOf(v).Elem(), root)
	}
	w := newJSONWalker(data)
	w.unknown = func(path string, off int64) {
		c.warnings = append(c.warnings, (&ConfigError{File: c.file, Line: lineAt(data, off),
			Field: path, Msg: "unknown field, ignored"}).Error())
	}
	w.nul = func(path string, off int64) error {
		return &ConfigError{File: c.file, Line: lineAt(data, off), Field: path,
			Msg: `a NUL byte (\u0000) cannot be passed to the container`}
	}
	return w.value(root, reflect.TypeOf(v).Elem())
}

// jsonError turns encoding/json's errors into one line naming the line
// and, for a value of the wrong type, the field.
func (c *checker) jsonError(data []byte, err error, t reflect.Type, root string) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return &ConfigError{File: c.file, Line: lineAt(data, syn.Offset), Msg: "invalid JSON: " + syn.Error()}
	case errors.As(err, &typ):
		w := newJSONWalker(data)
		w.at = typ.Offset
		_ = w.value(root, t)
		path := w.found
		if path == "" {
			path = typ.Field
		}
		return &ConfigError{File: c.file, Line: lineAt(data, typ.Offset), Field: path,
			Msg: "expected " + describeType(typ.Type) + ", got " + typ.Value}
	}
	return &ConfigError{File: c.file, Msg: "invalid JSON: " + err.Error()}
}

// lineAt is the 1-based line of the byte before offset (encoding/json's
// offsets point just past the value in question).
func lineAt(data []byte, offset int64) int {
	if offset > int64(len(data)) {
		offset = int64(len(data))
	}
	if offset > 0 {
		offset--
	}
	return bytes.Count(data[:offset], []byte{'\n'}) + 1
}
