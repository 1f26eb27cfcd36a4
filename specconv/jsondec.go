package specconv

import (
	"encoding/json"
	"maps"
	"slices"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	specs "github.com/opencontainers/runtime-spec/specs-go"
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
	data  []byte
	off   int
	depth int
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

// maxJSONDepth is encoding/json's nesting limit ("exceeded max depth").
const maxJSONDepth = 10000

// ws passes white space.
func (d *specDecoder) ws() {
	for d.off < len(d.data) {
		switch d.data[d.off] {
		case ' ', '\t', '\n', '\r':
			d.off++
		default:
			return
		}
	}
}

// peek is the next byte after white space, 0 at the end or after a
// syntax error.
func (d *specDecoder) peek() byte {
	d.ws()
	if d.syntax || d.off >= len(d.data) {
		d.syntax = true
		return 0
	}
	return d.data[d.off]
}

// open enters the array or object whose first byte is next.
func (d *specDecoder) open() {
	d.off++
	if d.depth++; d.depth > maxJSONDepth {
		d.syntax = true
	}
}

// next tells whether the array or object entered has an element i: it
// passes the ',' before any but the first, and the closing end.
func (d *specDecoder) next(end byte, i int) bool {
	c := d.peek()
	if d.syntax {
		return false
	}
	if c == end {
		d.off++
		d.depth--
		return false
	}
	if i > 0 {
		if c != ',' {
			d.syntax = true
			return false
		}
		d.off++
	}
	return true
}

// name reads an object's member name and its ':'; end is the offset just
// past the name.
func (d *specDecoder) name() (name string, end int) {
	if d.peek() != '"' {
		d.syntax = true
		return "", 0
	}
	name = d.str()
	end = d.off
	if d.peek() != ':' {
		d.syntax = true
		return "", 0
	}
	d.off++
	return name, end
}

// str reads a string, the next byte being its '"', and decodes it as
// encoding/json does: escapes, surrogate pairs, and U+FFFD for a lone
// surrogate and for each byte of invalid UTF-8.
func (d *specDecoder) str() string {
	start := d.off + 1
	i := start
	for ; i < len(d.data); i++ {
		c := d.data[i]
		if c == '"' {
			d.off = i + 1
			return string(d.data[start:i])
		}
		if c == '\\' || c < 0x20 || c >= utf8.RuneSelf {
			break
		}
	}
	var b strings.Builder
	b.Write(d.data[start:i])
	for i < len(d.data) {
		c := d.data[i]
		switch {
		case c == '"':
			d.off = i + 1
			return b.String()
		case c < 0x20:
			d.syntax = true
			return ""
		case c == '\\':
			n := d.escape(&b, i)
			if n == 0 {
				d.syntax = true
				return ""
			}
			i += n
		case c < utf8.RuneSelf:
			b.WriteByte(c)
			i++
		default:
			r, size := utf8.DecodeRune(d.data[i:])
			b.WriteRune(r)
			i += size
		}
	}
	d.syntax = true
	return ""
}

// escape decodes the escape at data[i] ('\\') into b and gives its length,
// 0 when it is not JSON.
func (d *specDecoder) escape(b *strings.Builder, i int) int {
	if i+1 >= len(d.data) {
		return 0
	}
	switch c := d.data[i+1]; c {
	case '"', '\\', '/':
		b.WriteByte(c)
	case 'b':
		b.WriteByte('\b')
	case 'f':
		b.WriteByte('\f')
	case 'n':
		b.WriteByte('\n')
	case 'r':
		b.WriteByte('\r')
	case 't':
		b.WriteByte('\t')
	case 'u':
		r, ok := hex4(d.data[i+2:])
		if !ok {
			return 0
		}
		if utf16.IsSurrogate(r) {
			if len(d.data) >= i+8 && d.data[i+6] == '\\' && d.data[i+7] == 'u' {
				if r2, ok := hex4(d.data[i+8:]); ok {
					if dec := utf16.DecodeRune(r, r2); dec != utf8.RuneError {
						b.WriteRune(dec)
						return 12
					}
				}
			}
			r = utf8.RuneError
		}
		b.WriteRune(r)
		return 6
	default:
		return 0
	}
	return 2
}

// hex4 reads the 4 hexadecimal digits of a \u escape.
func hex4(s []byte) (rune, bool) {
	if len(s) < 4 {
		return 0, false
	}
	var r rune
	for _, c := range s[:4] {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c = c - 'a' + 10
		case 'A' <= c && c <= 'F':
			c = c - 'A' + 10
		default:
			return 0, false
		}
		r = r*16 + rune(c)
	}
	return r, true
}

// literal reads a number, true, false or null (the next byte its first)
// and gives its bytes.
func (d *specDecoder) literal() []byte {
	start := d.off
	switch d.data[d.off] {
	case 't':
		d.word("true")
	case 'f':
		d.word("false")
	case 'n':
		d.word("null")
	default:
		d.number()
	}
	return d.data[start:d.off]
}

func (d *specDecoder) word(w string) {
	if len(d.data)-d.off < len(w) || string(d.data[d.off:d.off+len(w)]) != w {
		d.syntax = true
		return
	}
	d.off += len(w)
}

// number reads -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?
func (d *specDecoder) number() {
	if d.at('-') {
		d.off++
	}
	switch {
	case d.at('0'):
		d.off++
	case d.off < len(d.data) && '1' <= d.data[d.off] && d.data[d.off] <= '9':
		d.digits()
	default:
		d.syntax = true
		return
	}
	if d.at('.') {
		d.off++
		if !d.digits() {
			return
		}
	}
	if d.at('e') || d.at('E') {
		d.off++
		if d.at('+') || d.at('-') {
			d.off++
		}
		d.digits()
	}
}

func (d *specDecoder) at(c byte) bool { return d.off < len(d.data) && d.data[d.off] == c }

// digits reads one or more digits.
func (d *specDecoder) digits() bool {
	start := d.off
	for d.off < len(d.data) && '0' <= d.data[d.off] && d.data[d.off] <= '9' {
		d.off++
	}
	if d.off == start {
		d.syntax = true
		return false
	}
	return true
}

// wrong records a value of the wrong type at path (want: the Go type in
// JSON's words) and passes it. encoding/json's offset of an array or
// object is just past its '[' or '{', of a scalar just past it.
func (d *specDecoder) wrong(path *jpath, want string) {
	var got string
	switch d.data[d.off] {
	case '[', '{':
		got = "array"
		if d.data[d.off] == '{' {
			got = "object"
		}
		d.mismatchAt(d.off+1, path.String(), want, got)
		d.pass()
		return
	case '"':
		got = "string"
		d.str()
	case 't', 'f':
		got = "bool"
		d.literal()
	default:
		got = "number"
		d.literal()
	}
	d.mismatchAt(d.off, path.String(), want, got)
}

func (d *specDecoder) mismatchAt(off int, path, want, got string) {
	if d.mismatch == nil && !d.syntax {
		d.mismatch = &ConfigError{File: d.file, Line: lineAt(d.data, int64(off)), Field: path,
			Msg: "expected " + want + ", got " + got}
	}
}

// checkNUL refuses a string holding a NUL byte (the init's strings end at
// the first NUL); end is the offset just past it.
func (d *specDecoder) checkNUL(path *jpath, s string, end int) {
	if d.nul == nil && strings.IndexByte(s, 0) >= 0 {
		d.nulAt(path.String(), s, end)
	}
}

func (d *specDecoder) nulAt(path, s string, end int) {
	if d.nul == nil && strings.IndexByte(s, 0) >= 0 {
		d.nul = &ConfigError{File: d.file, Line: lineAt(d.data, int64(end)), Field: path,
			Msg: `a NUL byte (\u0000) cannot be passed to the container`}
	}
}

// unknown warns of a member the type has no field for.
func (d *specDecoder) unknown(path *jpath, end int) {
	if d.nul == nil {
		d.warnings = append(d.warnings, (&ConfigError{File: d.file, Line: lineAt(d.data, int64(end)),
			Field: path.String(), Msg: "unknown field, ignored"}).Error())
	}
}

// isNull passes a null, the next value.
func (d *specDecoder) isNull() bool {
	if d.peek() == 'n' {
		d.word("null")
		return !d.syntax
	}
	return false
}

// skip passes a value nothing decodes into, checking its strings for NUL
// (path is built: the value is rare, an unknown member's).
func (d *specDecoder) skip(path string) {
	switch d.peek() {
	case 0:
	case '"':
		d.nulAt(path, d.str(), d.off)
	case '[':
		d.open()
		for i := 0; d.next(']', i); i++ {
			d.skip(index(path, i))
		}
	case '{':
		d.open()
		for i := 0; d.next('}', i); i++ {
			name, end := d.name()
			d.nulAt(field(path, name), name, end)
			d.skip(field(path, name))
		}
	default:
		d.literal()
	}
}

// pass passes a value of the wrong type (then its NULs do not matter).
func (d *specDecoder) pass() {
	switch d.peek() {
	case 0:
	case '"':
		d.str()
	case '[':
		d.open()
		for i := 0; d.next(']', i); i++ {
			d.pass()
		}
	case '{':
		d.open()
		for i := 0; d.next('}', i); i++ {
			d.name()
			d.pass()
		}
	default:
		d.literal()
	}
}

// unknownMember passes a member a struct has no field for.
func (d *specDecoder) unknownMember(path *jpath, name string, end int) {
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
	return d.enter('{', path, want)
}

// array enters an array decoded into a slice, as object does.
func (d *specDecoder) array(path *jpath, want string) (open, null bool) {
	return d.enter('[', path, want)
}

func (d *specDecoder) enter(c byte, path *jpath, want string) (open, null bool) {
	switch d.peek() {
	case c:
		d.open()
		return true, false
	case 'n':
		d.literal()
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
	for ; d.next(']', i); i++ {
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
	for i := 0; d.next('}', i); i++ {
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
	case '"':
		s := d.str()
		d.checkNUL(path, s, d.off)
		return s, !d.syntax
	case 'n':
		d.literal()
	case 0:
	default:
		d.wrong(path, want)
	}
	return "", false
}

// bool decodes true or false.
func (d *specDecoder) bool(path *jpath, want string) (bool, bool) {
	switch d.peek() {
	case 't', 'f':
		lit := d.literal()
		return !d.syntax && lit[0] == 't', !d.syntax
	case 'n':
		d.literal()
	case 0:
	default:
		d.wrong(path, want)
	}
	return false, false
}

// numberLiteral reads a number value; ok is false for null and for
// another type.
func (d *specDecoder) numberLiteral(path *jpath, want string) (string, bool) {
	switch c := d.peek(); {
	case c == '-' || ('0' <= c && c <= '9'):
		lit := d.literal()
		return string(lit), !d.syntax
	case c == 'n':
		d.literal()
	case c == 0:
	default:
		d.wrong(path, want)
	}
	return "", false
}

// int decodes an integer of bits bits.
func (d *specDecoder) int(path *jpath, want string, bits int) (int64, bool) {
	lit, ok := d.numberLiteral(path, want)
	if !ok {
		return 0, false
	}
	n, err := strconv.ParseInt(lit, 10, 64)
	if err != nil || (bits < 64 && (n < -1<<(bits-1) || n > 1<<(bits-1)-1)) {
		d.mismatchAt(d.off, path.String(), want, "number "+lit)
		return 0, false
	}
	return n, true
}

// uint decodes an unsigned integer of bits bits.
func (d *specDecoder) uint(path *jpath, want string, bits int) (uint64, bool) {
	lit, ok := d.numberLiteral(path, want)
	if !ok {
		return 0, false
	}
	n, err := strconv.ParseUint(lit, 10, 64)
	if err != nil || (bits < 64 && n > 1<<bits-1) {
		d.mismatchAt(d.off, path.String(), want, "number "+lit)
		return 0, false
	}
	return n, true
}

// any decodes a value into an interface{} as encoding/json does: objects
// as map[string]any, arrays as []any, numbers as float64. stack is
// encoding/json's path of the field (its Go names, no indexes), which
// it reports for a number out of float64's range.
func (d *specDecoder) any(path *jpath, stack string) any {
	return d.anyAt(path.String(), stack)
}

func (d *specDecoder) anyAt(path, stack string) any {
	switch c := d.peek(); c {
	case 0:
		return nil
	case '"':
		s := d.str()
		d.nulAt(path, s, d.off)
		return s
	case '[':
		d.open()
		a := make([]any, 0)
		for i := 0; d.next(']', i); i++ {
			a = append(a, d.anyAt(index(path, i), stack))
		}
		return a
	case '{':
		d.open()
		m := make(map[string]any)
		for i := 0; d.next('}', i); i++ {
			name, end := d.name()
			d.nulAt(field(path, name), name, end)
			m[name] = d.anyAt(field(path, name), stack)
		}
		return m
	}
	lit := d.literal()
	if d.syntax {
		return nil
	}
	switch lit[0] {
	case 't':
		return true
	case 'f':
		return false
	case 'n':
		return nil
	default:
		n, err := strconv.ParseFloat(string(lit), 64)
		if err != nil {
			// encoding/json's offset here is one past the number's end,
			// where no value's path is found: it names the field.
			d.mismatchAt(d.off+1, stack, "number", "number "+string(lit))
			return nil
		}
		return n
	}
}

// end checks that nothing but white space follows the top-level value.
func (d *specDecoder) end() {
	d.ws()
	if d.off < len(d.data) {
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
