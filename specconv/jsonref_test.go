package specconv

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"

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
	dec *jsonTokens
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
	return &jsonWalker{dec: &jsonTokens{data: data}, at: -1}
}

// jsonTokens reads the tokens of a JSON document encoding/json has already
// accepted (the walker runs after json.Unmarshal succeeded, or failed on a
// type, which it reports only for valid JSON): '{' '}' '[' ']' as
// json.Delim, strings decoded, other scalars as nil. Its offsets are
// json.Decoder's: just past the token. (json.Decoder.Token costs twice
// json.Unmarshal itself: it formats a syntax error, with strconv.Quote,
// after every scalar and then drops it.)
type jsonTokens struct {
	data []byte
	off  int
}

var errJSONEnd = errors.New("unexpected end of JSON input")

// skip passes white space and the separators ',' and ':'.
func (d *jsonTokens) skip() {
	for d.off < len(d.data) {
		switch d.data[d.off] {
		case ' ', '\t', '\n', '\r', ',', ':':
			d.off++
		default:
			return
		}
	}
}

// More tells whether the array or object has another element.
func (d *jsonTokens) More() bool {
	d.skip()
	return d.off < len(d.data) && d.data[d.off] != ']' && d.data[d.off] != '}'
}

// InputOffset is the offset just past the last token.
func (d *jsonTokens) InputOffset() int64 { return int64(d.off) }

// Token returns the next token.
func (d *jsonTokens) Token() (any, error) {
	d.skip()
	if d.off >= len(d.data) {
		return nil, errJSONEnd
	}
	switch c := d.data[d.off]; c {
	case '{', '}', '[', ']':
		d.off++
		return json.Delim(c), nil
	case '"':
		return d.str()
	}
	for d.off < len(d.data) && !strings.ContainsRune(" \t\n\r,:]}", rune(d.data[d.off])) {
		d.off++ // a number, true, false or null
	}
	return nil, nil
}

// str reads a string token; one with escapes is decoded by encoding/json.
func (d *jsonTokens) str() (any, error) {
	start, escaped := d.off, false
	for d.off++; d.off < len(d.data); d.off++ {
		switch d.data[d.off] {
		case '\\':
			escaped = true
			d.off++
		case '"':
			d.off++
			raw := d.data[start:d.off]
			if !escaped {
				return string(raw[1 : len(raw)-1]), nil
			}
			var s string
			err := json.Unmarshal(raw, &s)
			return s, err
		}
	}
	return nil, errJSONEnd
}

// value walks one value at path that decodes into t (nil: unknown).
func (w *jsonWalker) value(path string, t reflect.Type) error {
	tok, err := w.dec.Token()
	if err != nil {
		return err
	}
	if w.dec.InputOffset() == w.at && w.found == "" {
		w.found = path
	}
	if s, ok := tok.(string); ok && w.nul != nil && strings.IndexByte(s, 0) >= 0 {
		return w.nul(path, w.dec.InputOffset())
	}
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch tok {
	case json.Delim('{'):
		return w.object(path, t)
	case json.Delim('['):
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
	_, err := w.dec.Token() // ']'
	return err
}

func (w *jsonWalker) object(path string, t reflect.Type) error {
	for w.dec.More() {
		tok, err := w.dec.Token()
		if err != nil {
			return err
		}
		name, _ := tok.(string)
		member, mt := w.member(path, name, t)
		if w.nul != nil && strings.IndexByte(name, 0) >= 0 {
			return w.nul(member, w.dec.InputOffset())
		}
		if err := w.value(member, mt); err != nil {
			return err
		}
	}
	_, err := w.dec.Token() // '}'
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
			w.unknown(field(path, name), w.dec.InputOffset())
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
