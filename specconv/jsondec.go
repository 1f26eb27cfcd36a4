package specconv

import (
	"encoding/json"
	"maps"
	"slices"
	"strconv"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/berth-oci/berth/internal/jsontok"
)

// specDecoder reads config.json (or process.json) in one pass over its
// bytes and fills the runtime-spec's structs through the code generated
// into specdec_gen.go (see internal/decgen), without reflection. It
// decodes as encoding/json's json.Unmarshal does (member names matched
// exactly, then ignoring case; last duplicate wins, into what the earlier
// one left; null clears pointers, slices and maps and leaves other values
// alone; numbers parsed by strconv into each width) and reports, with the
// value's path ("mounts[3].options[0]"), what json.Unmarshal and
// specconv's former reflection walk (jsonref_test.go) reported:
//
//   - a syntax error anywhere: its text is encoding/json's own (see
//     syntaxError), and it wins over everything else;
//   - else the first value of the wrong type, in document order;
//   - else the first string or member name holding a NUL byte;
//   - and the unknown members met before it, as warnings.
type specDecoder struct {
	// r reads the tokens (its Peek chooses what to decode).
	r jsontok.Reader
	// peeked is the kind of the next token, 0 until peek tells it.
	peeked jsontok.Kind
	data   []byte
	// syntax: the bytes are not JSON; decoding stops.
	syntax bool
	// mismatch is the first value of the wrong type.
	mismatch *ConfigError
	// nul is the first string holding a NUL byte.
	nul *ConfigError
	// warnings are the unknown members before nul.
	warnings []string
	file     string
}

// init makes d decode data (d is not copied after: its reader points
// into itself).
func (d *specDecoder) init(data []byte, file string) {
	d.r.Reset(data)
	d.data, d.file = data, file
}

// jpath is the path of a value, built into a string ("mounts[3].options")
// only for a message.
type jpath struct {
	parent *jpath
	// name is a member's name or a map's key, or the root's path.
	name  string
	index int
	// kind is 0 for the root, '.' for a member, 'k' for a map's key, 'i'
	// for an array's element.
	kind byte
}

func (p *jpath) String() string {
	return string(p.appendTo(nil))
}

// appendTo writes the path as field, key and index do (copying the names:
// a path on the stack stays there).
func (p *jpath) appendTo(b []byte) []byte {
	switch p.kind {
	case '.':
		b = p.parent.appendTo(b)
		if len(b) > 0 {
			b = append(b, '.')
		}
		return append(b, p.name...)
	case 'k':
		b = append(p.parent.appendTo(b), '[')
		return append(strconv.AppendQuote(b, p.name), ']')
	case 'i':
		b = append(p.parent.appendTo(b), '[')
		return append(strconv.AppendInt(b, int64(p.index), 10), ']')
	}
	return append(b, p.name...)
}

// peek is the kind of the next token, 0 at the end, where none may start
// or after a syntax error.
func (d *specDecoder) peek() jsontok.Kind {
	if d.peeked == 0 {
		d.peekNext()
	}
	return d.peeked
}

//go:noinline (peek is inlined, its rarer half not)
func (d *specDecoder) peekNext() {
	if d.syntax {
		return
	}
	if d.peeked = d.r.Peek(); d.peeked == 0 {
		d.syntax = true
	}
}

// read reads the next token, which peek told (there was no syntax error
// before it); kind 0 for a syntax error.
func (d *specDecoder) read() (jsontok.Kind, []byte) {
	d.peeked = 0
	k, tok, err := d.r.Next()
	if err != nil {
		d.syntax = true
	}
	return k, tok
}

// offset is the offset just past the last token read.
func (d *specDecoder) offset() int64 { return d.r.Offset() }

// next tells whether the array or object entered has another element;
// at its end it reads the ']' or '}'.
func (d *specDecoder) next() bool {
	switch d.peek() {
	case 0:
		return false
	case jsontok.ArrayEnd, jsontok.ObjectEnd:
		d.read()
		return false
	}
	return true
}

// name reads an object's member name; end is the offset just past it.
func (d *specDecoder) name() (name string, end int64) {
	if d.peek() != jsontok.String {
		d.syntax = true
		return "", 0
	}
	return d.str(), d.offset()
}

// str reads the string peek told: "" for a syntax error.
func (d *specDecoder) str() string {
	d.peeked = 0
	tok, err := d.r.NextString()
	if err != nil {
		d.syntax = true
		return ""
	}
	return d.r.UnquoteLast(tok)
}

// skipRest passes the rest of a value whose first token was k.
func (d *specDecoder) skipRest(k jsontok.Kind) {
	if !d.syntax && d.r.Skip(k) != nil {
		d.syntax = true
	}
}

// wrong records a value of the wrong type at path (want: the Go type in
// JSON's words) and passes it. encoding/json's offset of an array or
// object is just past its '[' or '{', of a scalar just past it.
func (d *specDecoder) wrong(path *jpath, want string) {
	k, _ := d.read()
	var got string
	switch k {
	case 0:
		return
	case jsontok.ArrayStart, jsontok.ObjectStart:
		got = "array"
		if k == jsontok.ObjectStart {
			got = "object"
		}
		d.mismatchAt(d.offset(), path.String(), want, got)
		d.skipRest(k)
		return
	case jsontok.String:
		got = "string"
	case jsontok.True, jsontok.False:
		got = "bool"
	default:
		got = "number"
	}
	d.mismatchAt(d.offset(), path.String(), want, got)
}

func (d *specDecoder) mismatchAt(off int64, path, want, got string) {
	if d.mismatch == nil && !d.syntax {
		d.mismatch = &ConfigError{File: d.file, Line: lineAt(d.data, off), Field: path,
			Msg: "expected " + want + ", got " + got}
	}
}

// checkNUL refuses a string holding a NUL byte (the init's strings end at
// the first NUL); end is the offset just past it.
func (d *specDecoder) checkNUL(path *jpath, s string, end int64) {
	if d.nul == nil && strings.IndexByte(s, 0) >= 0 {
		d.nulAt(path.String(), s, end)
	}
}

func (d *specDecoder) nulAt(path, s string, end int64) {
	if d.nul == nil && strings.IndexByte(s, 0) >= 0 {
		d.nul = &ConfigError{File: d.file, Line: lineAt(d.data, end), Field: path,
			Msg: `a NUL byte (\u0000) cannot be passed to the container`}
	}
}

// unknown warns of a member the type has no field for.
func (d *specDecoder) unknown(path *jpath, end int64) {
	if d.nul == nil {
		d.warnings = append(d.warnings, (&ConfigError{File: d.file, Line: lineAt(d.data, end),
			Field: path.String(), Msg: "unknown field, ignored"}).Error())
	}
}

// isNull passes a null, the next value.
func (d *specDecoder) isNull() bool {
	if d.peek() == jsontok.Null {
		d.read()
		return !d.syntax
	}
	return false
}

// skip passes a value nothing decodes into, checking its strings for NUL
// (path is built: the value is rare, an unknown member's).
func (d *specDecoder) skip(path string) {
	switch d.peek() {
	case 0:
	case jsontok.String:
		d.nulAt(path, d.str(), d.offset())
	case jsontok.ArrayStart:
		d.read()
		for i := 0; d.next(); i++ {
			d.skip(index(path, i))
		}
	case jsontok.ObjectStart:
		d.read()
		for d.next() {
			name, end := d.name()
			d.nulAt(field(path, name), name, end)
			d.skip(field(path, name))
		}
	default:
		d.read()
	}
}

// unknownMember passes a member a struct has no field for.
func (d *specDecoder) unknownMember(path *jpath, name string, end int64) {
	d.unknown(path, end)
	d.checkNUL(path, name, end)
	d.skip(path.String())
}

// foldMatch finds name among a struct's JSON names ignoring case, as
// encoding/json does after no exact match: the first that matches.
func foldMatch(name string, names []string) int {
	for i, n := range names {
		if strings.EqualFold(name, n) {
			return i
		}
	}
	return -1
}

// object enters an object decoded into a struct or map at path: open is
// false for null (null true) and for another type (recorded, passed).
func (d *specDecoder) object(path *jpath, want string) (open, null bool) {
	return d.enter(jsontok.ObjectStart, path, want)
}

// array enters an array decoded into a slice, as object does.
func (d *specDecoder) array(path *jpath, want string) (open, null bool) {
	return d.enter(jsontok.ArrayStart, path, want)
}

func (d *specDecoder) enter(k jsontok.Kind, path *jpath, want string) (open, null bool) {
	switch d.peek() {
	case k:
		d.read()
		return !d.syntax, false
	case jsontok.Null:
		d.read()
		return false, !d.syntax
	case 0:
	default:
		d.wrong(path, want)
	}
	return false, false
}

// strings decodes an array of strings into *v as the generated code does
// a slice (see decgen): into the elements already there, growing it one
// at a time, truncating it at the end; [] gives an empty slice, null nil.
func (d *specDecoder) strings(path *jpath, want string, v *[]string) {
	open, null := d.array(path, want)
	if null {
		*v = nil
	}
	if !open {
		return
	}
	s, i := *v, 0
	for ; d.next(); i++ {
		if i >= cap(s) {
			s = append(s, "")
		}
		if i >= len(s) {
			s = s[:i+1]
		}
		if str, ok := d.string(&jpath{parent: path, index: i, kind: 'i'}, "string"); ok {
			s[i] = str
		}
	}
	if i < len(s) {
		s = s[:i]
	}
	if i == 0 {
		s = make([]string, 0)
	}
	*v = s
}

// stringMap decodes an object of strings into *v as the generated code
// does a map: into the map there, each value decoded into "".
func (d *specDecoder) stringMap(path *jpath, want string, v *map[string]string) {
	open, null := d.object(path, want)
	if null {
		*v = nil
	}
	if !open {
		return
	}
	if *v == nil {
		*v = make(map[string]string)
	}
	for d.next() {
		k := d.mapKey(path)
		str, _ := d.string(&jpath{parent: path, name: k, kind: 'k'}, "string")
		(*v)[k] = str
	}
}

// mapKey reads the name of a map's member and checks it for NUL.
func (d *specDecoder) mapKey(path *jpath) string {
	k, end := d.name()
	d.checkNUL(&jpath{parent: path, name: k, kind: 'k'}, k, end)
	return k
}

// string decodes a string value; ok is false for null and for another
// type.
func (d *specDecoder) string(path *jpath, want string) (string, bool) {
	switch d.peek() {
	case jsontok.String:
		s := d.str()
		d.checkNUL(path, s, d.offset())
		return s, !d.syntax
	case jsontok.Null:
		d.read()
	case 0:
	default:
		d.wrong(path, want)
	}
	return "", false
}

// bool decodes true or false.
func (d *specDecoder) bool(path *jpath, want string) (bool, bool) {
	switch d.peek() {
	case jsontok.True, jsontok.False:
		k, _ := d.read()
		return k == jsontok.True, !d.syntax
	case jsontok.Null:
		d.read()
	case 0:
	default:
		d.wrong(path, want)
	}
	return false, false
}

// number reads a number value; ok is false for null and for another
// type.
func (d *specDecoder) number(path *jpath, want string) ([]byte, bool) {
	switch d.peek() {
	case jsontok.Number:
		_, tok := d.read()
		return tok, !d.syntax
	case jsontok.Null:
		d.read()
	case 0:
	default:
		d.wrong(path, want)
	}
	return nil, false
}

// int decodes an integer of bits bits.
func (d *specDecoder) int(path *jpath, want string, bits int) (int64, bool) {
	tok, ok := d.number(path, want)
	if !ok {
		return 0, false
	}
	n, ok := jsontok.ParseInt(tok, bits)
	if !ok {
		d.mismatchAt(d.offset(), path.String(), want, "number "+string(tok))
	}
	return n, ok
}

// uint decodes an unsigned integer of bits bits.
func (d *specDecoder) uint(path *jpath, want string, bits int) (uint64, bool) {
	tok, ok := d.number(path, want)
	if !ok {
		return 0, false
	}
	n, ok := jsontok.ParseUint(tok, bits)
	if !ok {
		d.mismatchAt(d.offset(), path.String(), want, "number "+string(tok))
	}
	return n, ok
}

// any decodes a value into an interface{} as encoding/json does: objects
// as map[string]any, arrays as []any, numbers as float64. stack is
// encoding/json's path of the field (its Go names, no indexes), which
// it reports for a number out of float64's range.
func (d *specDecoder) any(path *jpath, stack string) any {
	return d.anyAt(path.String(), stack)
}

func (d *specDecoder) anyAt(path, stack string) any {
	switch d.peek() {
	case 0:
		return nil
	case jsontok.String:
		s := d.str()
		d.nulAt(path, s, d.offset())
		return s
	case jsontok.ArrayStart:
		d.read()
		a := make([]any, 0)
		for i := 0; d.next(); i++ {
			a = append(a, d.anyAt(index(path, i), stack))
		}
		return a
	case jsontok.ObjectStart:
		d.read()
		m := make(map[string]any)
		for d.next() {
			name, end := d.name()
			d.nulAt(field(path, name), name, end)
			m[name] = d.anyAt(field(path, name), stack)
		}
		return m
	}
	switch k, tok := d.read(); k {
	case jsontok.True:
		return true
	case jsontok.False:
		return false
	case jsontok.Number:
		n, err := strconv.ParseFloat(string(tok), 64)
		if err != nil {
			// encoding/json's offset here is one past the number's end,
			// where no value's path is found: it names the field.
			d.mismatchAt(d.offset()+1, stack, "number", "number "+string(tok))
			return nil
		}
		return n
	}
	return nil
}

// end checks that nothing but white space follows the top-level value.
func (d *specDecoder) end() {
	if !d.syntax && !d.r.End() {
		d.syntax = true
	}
}

// specEncoder writes the runtime-spec's structs as json.Marshal does,
// through the code generated into specdec_gen.go (no reflection but for
// an interface's value: windows.credentialSpec).
type specEncoder struct {
	err error
}

// AppendSpec appends s as json.Marshal(s) writes it.
func AppendSpec(b []byte, s *specs.Spec) ([]byte, error) {
	if s == nil {
		return append(b, "null"...), nil
	}
	var e specEncoder
	b = e.encSpec(b, s)
	return b, e.err
}

// AppendDeviceCgroup appends a device rule as json.Marshal writes it (the
// state record keeps the default rules in its cgroup part).
func AppendDeviceCgroup(b []byte, d *specs.LinuxDeviceCgroup) []byte {
	var e specEncoder
	return e.encLinuxDeviceCgroup(b, d)
}

// any appends an interface's value with encoding/json.
func (e *specEncoder) any(b []byte, v any) []byte {
	raw, err := json.Marshal(v)
	if err != nil && e.err == nil {
		e.err = err
	}
	return append(b, raw...)
}

// sortedKeys are a map's keys in encoding/json's order.
func sortedKeys[K ~string, V any](m map[K]V) []K {
	return slices.Sorted(maps.Keys(m))
}
