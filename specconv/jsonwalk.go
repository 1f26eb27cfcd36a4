package specconv

import (
	"reflect"
	"strings"

	"github.com/berth-oci/berth/internal/jsontok"
)

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

// describeType names a Go type in JSON's words: "array of strings".
func describeType(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.String:
		return "string"
	case reflect.Bool:
		return "boolean"
	case reflect.Int:
		return "integer"
	case reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return t.Kind().String()
	case reflect.Float32, reflect.Float64:
		return "number"
	case reflect.Slice, reflect.Array:
		return "array of " + plural(describeType(t.Elem()))
	case reflect.Map, reflect.Struct:
		return "object"
	}
	return "any value"
}

func plural(s string) string {
	switch {
	case strings.HasPrefix(s, "array"):
		return "arrays"
	case s == "string", s == "object", s == "boolean", s == "integer", s == "number":
		return s + "s"
	}
	return s
}
