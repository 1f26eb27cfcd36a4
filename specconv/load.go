package specconv

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"

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

//go:generate go run ./internal/decgen/cmd

// decode decodes data into v, a *specs.Spec or *specs.Process, through
// the generated decoder (specdec_gen.go, jsondec.go): a JSON error
// becomes a ConfigError with the line and the field path; each unknown
// field is a warning.
func (c *checker) decode(data []byte, v any, root string) error {
	d := new(specDecoder)
	d.init(data, c.file)
	path := &jpath{name: root}
	switch v := v.(type) {
	case *specs.Spec:
		d.decSpec(path, v)
	case *specs.Process:
		d.decProcess(path, v)
	default:
		panic(fmt.Sprintf("specconv: no decoder for %T", v))
	}
	d.end()
	switch {
	case d.syntax:
		return c.syntaxError(data)
	case d.mismatch != nil:
		return d.mismatch
	}
	c.warnings = append(c.warnings, d.warnings...)
	if d.nul != nil {
		return d.nul
	}
	return nil
}

// syntaxError gives encoding/json's own text for the syntax error the
// decoder met (its scanner checks the whole input before it decodes
// anything, so this costs no reflection).
func (c *checker) syntaxError(data []byte) error {
	err := json.Unmarshal(data, new(struct{}))
	var syn *json.SyntaxError
	if errors.As(err, &syn) {
		return &ConfigError{File: c.file, Line: lineAt(data, syn.Offset), Msg: "invalid JSON: " + syn.Error()}
	}
	// not reached: the decoder and encoding/json's scanner accept the same
	return &ConfigError{File: c.file, Msg: "invalid JSON"}
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
