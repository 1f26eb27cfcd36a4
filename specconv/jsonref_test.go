package specconv

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"

	"github.com/berth-oci/berth/internal/jsontok"
	"github.com/berth-oci/berth/specconv/internal/jsontype"
)

// This file is the reference the generated decoder (specdec_gen.go) is
// compared with: encoding/json's json.Unmarshal into the runtime-spec's
// types, then a walk over the same bytes alongside the types by reflection
// for the unknown members, NUL bytes and the paths of type errors. It was
// specconv's decoder until the generated one replaced it (docs/performance.md,
// cut 2).

// refDecode unmarshals data into v (a pointer); a JSON error becomes a
// ConfigError with the line and the field path; each unknown field is a
// warning.
func (c *checker) refDecode(data []byte, v any, root string) error {
	if err := json.Unmarshal(data, v); err != nil {
		return c.refJSONError(data, err, reflect.TypeOf(v).Elem(), root)
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

// refJSONError turns encoding/json's errors into one line naming the line
// and, for a value of the wrong type, the field.
func (c *checker) refJSONError(data []byte, err error, t reflect.Type, root string) error {
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
			Msg: "expected " + jsontype.Describe(typ.Type) + ", got " + typ.Value}
	}
	return &ConfigError{File: c.file, Msg: "invalid JSON: " + err.Error()}
}

// jsonWalker reads a JSON document token by token alongside the Go type it
// decodes into, knowing each value's path ("mounts[3].options[0]"). It
// finds the fields the type does not have, and the path of the value at
// a byte offset, which encoding/json does not give with indexes.
type jsonWalker struct {
	dec *jsontok.Reader
	// unknown is called for each member the type has no field for.
	unknown func(path string, offset int64)
	// nul, when set, is the error of a string (or member name) holding a
	// NUL byte: the init's strings end at the first NUL.
	nul func(path string, offset int64) error
	// at is the offset to find; found the path of the value whose first
	// token ends there.
	at    int64
	found string
	// fields caches structField: arrays of objects repeat their names
	fields map[fieldKey]reflect.Type
}

type fieldKey struct {
	t    reflect.Type
	name string
}

func newJSONWalker(data []byte) *jsonWalker {
	return &jsonWalker{dec: jsontok.NewReader(data), at: -1}
}

// value walks one value at path that decodes into t (nil: unknown).
func (w *jsonWalker) value(path string, t reflect.Type) error {
	kind, tok, err := w.dec.Next()
	if err != nil {
		return err
	}
	if w.dec.Offset() == w.at && w.found == "" {
		w.found = path
	}
	if kind == jsontok.String && w.nul != nil && strings.IndexByte(jsontok.Unquote(tok), 0) >= 0 {
		return w.nul(path, w.dec.Offset())
	}
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch kind {
	case jsontok.ObjectStart:
		return w.object(path, t)
	case jsontok.ArrayStart:
		var elem reflect.Type
		if t != nil && (t.Kind() == reflect.Slice || t.Kind() == reflect.Array) {
			elem = t.Elem()
		}
		return w.array(path, elem)
	}
	return nil
}

func (w *jsonWalker) array(path string, elem reflect.Type) error {
	for i := 0; w.dec.More(); i++ {
		if err := w.value(index(path, i), elem); err != nil {
			return err
		}
	}
	_, _, err := w.dec.Next() // ']'
	return err
}

func (w *jsonWalker) object(path string, t reflect.Type) error {
	for w.dec.More() {
		_, tok, err := w.dec.Next()
		if err != nil {
			return err
		}
		name := jsontok.Unquote(tok)
		member, mt := w.member(path, name, t)
		if w.nul != nil && strings.IndexByte(name, 0) >= 0 {
			return w.nul(member, w.dec.Offset())
		}
		if err := w.value(member, mt); err != nil {
			return err
		}
	}
	_, _, err := w.dec.Next() // '}'
	return err
}

// member gives the path and type of member name of an object of type t,
// reporting a struct's unknown members.
func (w *jsonWalker) member(path, name string, t reflect.Type) (string, reflect.Type) {
	if t == nil {
		return field(path, name), nil
	}
	switch t.Kind() {
	case reflect.Map:
		return key(path, name), t.Elem()
	case reflect.Struct:
		if ft := w.structField(t, name); ft != nil {
			return field(path, name), ft
		}
		if w.unknown != nil {
			w.unknown(field(path, name), w.dec.Offset())
		}
	}
	return field(path, name), nil
}

// structField is the package's structField, remembered.
func (w *jsonWalker) structField(t reflect.Type, name string) reflect.Type {
	k := fieldKey{t, name}
	ft, ok := w.fields[k]
	if !ok {
		if w.fields == nil {
			w.fields = map[fieldKey]reflect.Type{}
		}
		ft = structField(t, name)
		w.fields[k] = ft
	}
	return ft
}

// structField finds the type of the field named name in JSON, as
// encoding/json does: the exact name first, then ignoring case, looking
// into embedded structs.
func structField(t reflect.Type, name string) reflect.Type {
	var fold reflect.Type
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if tag == "-" || !f.IsExported() {
			continue
		}
		if f.Anonymous && tag == "" && f.Type.Kind() == reflect.Struct {
			if ft := structField(f.Type, name); ft != nil {
				return ft
			}
			continue
		}
		if tag == "" {
			tag = f.Name
		}
		if tag == name {
			return f.Type
		}
		if fold == nil && strings.EqualFold(tag, name) {
			fold = f.Type
		}
	}
	return fold
}
