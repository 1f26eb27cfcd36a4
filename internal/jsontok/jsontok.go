// Package jsontok reads a JSON document token by token, without
// reflection, checking its syntax as encoding/json does: a document it
// reads to the end without an error is one that json.Valid accepts, and
// a string it decodes is what json.Unmarshal gives for it. The decoders
// built on it (specconv's walker, the state record's) are hand-written
// over these tokens.
package jsontok

import (
	"encoding/binary"
	"errors"
	"math/bits"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// Kind is the kind of a token.
type Kind byte

// The kinds of token; a member name is a String.
const (
	ObjectStart Kind = '{'
	ObjectEnd   Kind = '}'
	ArrayStart  Kind = '['
	ArrayEnd    Kind = ']'
	String      Kind = '"'
	Number      Kind = '0'
	True        Kind = 't'
	False       Kind = 'f'
	Null        Kind = 'n'
)

// ErrEnd is the error of a document that ends inside a value.
var ErrEnd = errors.New("unexpected end of JSON input")

// ErrSyntax is the error of any other malformed document. The reader
// does not say more: its callers use it where encoding/json's own
// message is given for a bad document (see the state record).
var ErrSyntax = errors.New("invalid JSON")

// maxDepth is encoding/json's limit on nested arrays and objects: a
// document nested deeper is an error to it.
const maxDepth = 10000

// what the next token must be
type want byte

const (
	wantValue      want = iota // a value (the document's, after ':', after ',' in an array)
	wantValueOrEnd             // after '['
	wantKeyOrEnd               // after '{'
	wantKey                    // after ',' in an object
	wantColon                  // after a member name: ':' then the value
	wantCommaOrEnd             // after a value inside an array or object
	wantEOF                    // after the document's value: only white space
)

// Reader reads the tokens of one JSON document.
type Reader struct {
	data  []byte
	off   int
	start int    // where the last token starts
	plain bool   // the last string read is ASCII without escapes
	open  []Kind // the arrays and objects open, innermost last
	want  want
	stack [8]Kind // open's first backing array
}

// NewReader reads data.
func NewReader(data []byte) *Reader {
	r := &Reader{data: data}
	r.open = r.stack[:0]
	return r
}

// Offset is the offset just past the last token (separators and white
// space after it are read with the next one), as json.Decoder's
// InputOffset.
func (r *Reader) Offset() int64 { return int64(r.off) }

func (r *Reader) skipSpace() {
	if r.off < len(r.data) && r.data[r.off] > ' ' {
		return
	}
	r.skipSpaces()
}

// skipSpaces is skipSpace's loop.
func (r *Reader) skipSpaces() {
	data, i := r.data, r.off
	for i < len(data) && isSpace[data[i]] {
		i++
	}
	r.off = i
}

// isSpace tells JSON's white space bytes.
var isSpace = [256]bool{' ': true, '\t': true, '\n': true, '\r': true}

// More tells whether the array or object being read has another element
// (as json.Decoder's More).
func (r *Reader) More() bool {
	r.skipSpace()
	return r.off < len(r.data) && r.data[r.off] != ']' && r.data[r.off] != '}'
}

// Next reads the next token: its kind and its bytes (a string's with
// its quotes and escapes, see Unquote). A document read whole ends in
// ErrEnd from Next after the last token when nothing but white space
// follows; End tells the two apart.
func (r *Reader) Next() (Kind, []byte, error) {
	r.skipSpace()
	if r.off >= len(r.data) {
		return 0, nil, ErrEnd
	}
	c := r.data[r.off]
	if c == '"' && r.want <= wantKey { // the most frequent token first
		tok, err := r.NextString()
		if err != nil {
			return 0, nil, err
		}
		return String, tok, nil
	}
	switch r.want {
	case wantEOF:
		return 0, nil, ErrSyntax
	case wantColon:
		if c != ':' {
			return 0, nil, ErrSyntax
		}
		r.separator()
		return r.Next()
	case wantCommaOrEnd:
		if c == ',' {
			r.separator()
			return r.Next()
		}
		return r.end(c)
	case wantKeyOrEnd:
		if c == '}' {
			return r.end(c)
		}
		fallthrough
	case wantKey:
		if c != '"' {
			return 0, nil, ErrSyntax
		}
		tok, err := r.str()
		if err != nil {
			return 0, nil, err
		}
		r.want = wantColon
		return String, tok, nil
	case wantValueOrEnd:
		if c == ']' {
			return r.end(c)
		}
	}
	return r.value(c)
}

// NextString reads the next token, a string, as Next does: Peek has
// just told a String (a value or a member name), so it does not look
// again.
func (r *Reader) NextString() ([]byte, error) {
	r.start = r.off
	tok, err := r.str()
	if err != nil {
		return nil, err
	}
	if r.want >= wantKeyOrEnd {
		r.want = wantColon
	} else {
		r.valueRead()
	}
	return tok, nil
}

// End tells whether the document was read whole: its value and nothing
// but white space after it.
func (r *Reader) End() bool {
	r.skipSpace()
	return r.want == wantEOF && r.off == len(r.data)
}

// end reads the ']' or '}' closing the innermost array or object.
func (r *Reader) end(c byte) (Kind, []byte, error) {
	top := r.open[len(r.open)-1]
	if (top == ObjectStart && c != '}') || (top == ArrayStart && c != ']') {
		return 0, nil, ErrSyntax
	}
	r.open = r.open[:len(r.open)-1]
	r.off++
	r.valueRead()
	return Kind(c), r.data[r.off-1 : r.off], nil
}

// valueRead sets what may follow a whole value.
func (r *Reader) valueRead() {
	if len(r.open) == 0 {
		r.want = wantEOF
	} else {
		r.want = wantCommaOrEnd
	}
}

// value reads the first token of a value starting with c.
func (r *Reader) value(c byte) (Kind, []byte, error) {
	start := r.off
	r.start = start
	switch {
	case c == '{' || c == '[':
		if len(r.open) >= maxDepth {
			return 0, nil, ErrSyntax
		}
		r.off++
		r.open = append(r.open, Kind(c))
		r.want = wantKeyOrEnd
		if c == '[' {
			r.want = wantValueOrEnd
		}
		return Kind(c), r.data[start:r.off], nil
	case c == '"':
		tok, err := r.str()
		if err != nil {
			return 0, nil, err
		}
		r.valueRead()
		return String, tok, nil
	case c == '-' || (c >= '0' && c <= '9'):
		if err := r.number(); err != nil {
			return 0, nil, err
		}
		r.valueRead()
		return Number, r.data[start:r.off], nil
	}
	if err := r.literal(c); err != nil {
		return 0, nil, err
	}
	r.valueRead()
	return Kind(c), r.data[start:r.off], nil
}

// literal reads true, false or null, starting with c.
func (r *Reader) literal(c byte) error {
	for _, lit := range [...]string{"true", "false", "null"} {
		if lit[0] == c {
			if len(r.data)-r.off < len(lit) {
				return r.endOr(string(r.data[r.off:]) == lit[:len(r.data)-r.off])
			}
			if string(r.data[r.off:r.off+len(lit)]) != lit {
				return ErrSyntax
			}
			r.off += len(lit)
			return nil
		}
	}
	return ErrSyntax
}

// endOr is ErrEnd for a document cut inside a token that was right so
// far, ErrSyntax for a wrong one.
func (r *Reader) endOr(rightSoFar bool) error {
	if rightSoFar {
		return ErrEnd
	}
	return ErrSyntax
}

// number reads a number: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func (r *Reader) number() error {
	if r.data[r.off] == '-' {
		r.off++
	}
	switch {
	case r.off >= len(r.data):
		return ErrEnd
	case r.data[r.off] == '0':
		r.off++
	case r.data[r.off] >= '1' && r.data[r.off] <= '9':
		r.digits()
	default:
		return ErrSyntax
	}
	if r.off < len(r.data) && r.data[r.off] == '.' {
		r.off++
		if err := r.someDigits(); err != nil {
			return err
		}
	}
	if r.off < len(r.data) && (r.data[r.off] == 'e' || r.data[r.off] == 'E') {
		r.off++
		if r.off < len(r.data) && (r.data[r.off] == '+' || r.data[r.off] == '-') {
			r.off++
		}
		return r.someDigits()
	}
	return nil
}

func (r *Reader) digits() {
	for r.off < len(r.data) && r.data[r.off] >= '0' && r.data[r.off] <= '9' {
		r.off++
	}
}

// someDigits reads one digit or more.
func (r *Reader) someDigits() error {
	start := r.off
	r.digits()
	if r.off == start {
		return r.endOr(r.off == len(r.data))
	}
	return nil
}

// str reads a string token: no control character, escapes as JSON
// has them. Its bytes are any others (invalid UTF-8 included: Unquote
// replaces it, as encoding/json does). It notes whether the string is
// plain: ASCII without escapes, its bytes its value.
func (r *Reader) str() ([]byte, error) {
	start, data, plain := r.off, r.data, true
	for i := start + 1; i < len(data); {
		// eight bytes at a time: to the first that ends the string, is
		// an escape, a control character or not ASCII
		if i+8 <= len(data) {
			w := binary.LittleEndian.Uint64(data[i:])
			m := stringSpecial(w) | w&highs
			if m == 0 {
				i += 8
				continue
			}
			i += bits.TrailingZeros64(m) / 8
		}
		c := data[i]
		if c >= utf8.RuneSelf {
			plain = false
			i++
			continue
		}
		if c >= ' ' && c != '"' && c != '\\' {
			i++
			continue
		}
		r.off = i
		switch c {
		case '"':
			r.off++
			r.plain = plain
			return data[start:r.off], nil
		case '\\':
			plain = false
			if err := r.escape(); err != nil {
				return nil, err
			}
			i = r.off
		default:
			return nil, ErrSyntax
		}
	}
	r.off = len(data)
	return nil, ErrEnd
}

// UnquoteLast is Unquote of tok, the last token Next read (a String),
// without a second pass over a plain one.
func (r *Reader) UnquoteLast(tok []byte) string {
	if r.plain {
		return string(tok[1 : len(tok)-1])
	}
	return Unquote(tok)
}

// The bytes of a word (eight bytes read little-endian) are tested at
// once: the masks below have the high bit of the first byte that
// matches set (and maybe of bytes after it: only the first is sure).
const (
	ones  = 0x0101010101010101
	highs = 0x8080808080808080
)

// bytesBelow marks the bytes of w below n (n <= 0x80).
func bytesBelow(w uint64, n byte) uint64 { return (w - ones*uint64(n)) &^ w & highs }

// bytesOf marks the bytes of w that are c.
func bytesOf(w uint64, c byte) uint64 { return bytesBelow(w^(ones*uint64(c)), 1) }

// stringSpecial marks the bytes of w that are '"', '\\' or a control
// character.
func stringSpecial(w uint64) uint64 {
	return bytesBelow(w, ' ') | bytesOf(w, '"') | bytesOf(w, '\\')
}

// escape reads an escape sequence, at its '\\'.
func (r *Reader) escape() error {
	r.off++
	if r.off >= len(r.data) {
		return ErrEnd
	}
	switch r.data[r.off] {
	case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
		r.off++
		return nil
	case 'u':
		for i := 1; i <= 4; i++ {
			if r.off+i >= len(r.data) {
				return ErrEnd
			}
			if hexDigit(r.data[r.off+i]) < 0 {
				return ErrSyntax
			}
		}
		r.off += 5
		return nil
	}
	return ErrSyntax
}

func hexDigit(c byte) rune {
	switch {
	case c >= '0' && c <= '9':
		return rune(c - '0')
	case c >= 'a' && c <= 'f':
		return rune(c - 'a' + 10)
	case c >= 'A' && c <= 'F':
		return rune(c - 'A' + 10)
	}
	return -1
}

// Skip reads the rest of a value whose first token was kind (nothing
// for a scalar, up to the matching end for an array or object), checking
// its syntax as Next does.
func (r *Reader) Skip(kind Kind) error {
	if kind != ObjectStart && kind != ArrayStart {
		return nil
	}
	if err := r.skipElements(kind, len(r.open)); err != nil {
		return err
	}
	r.open = r.open[:len(r.open)-1]
	r.valueRead()
	return nil
}

// skipElements reads the elements and the end of an array or object
// whose start was read, without tokens; depth is how many arrays and
// objects are open, this one included.
func (r *Reader) skipElements(kind Kind, depth int) error {
	end := byte(ArrayEnd)
	if kind == ObjectStart {
		end = byte(ObjectEnd)
	}
	if r.skipSpace(); r.off < len(r.data) && r.data[r.off] == end {
		r.off++
		return nil
	}
	for {
		if kind == ObjectStart {
			if err := r.skipName(); err != nil {
				return err
			}
		}
		if err := r.skipValue(depth); err != nil {
			return err
		}
		c, err := r.nextByte()
		if err != nil {
			return err
		}
		switch c {
		case ',':
			continue
		case end:
			return nil
		}
		return ErrSyntax
	}
}

// nextByte reads the next byte after white space.
func (r *Reader) nextByte() (byte, error) {
	r.skipSpace()
	if r.off >= len(r.data) {
		return 0, ErrEnd
	}
	r.off++
	return r.data[r.off-1], nil
}

// skipName reads a member name and its ':'.
func (r *Reader) skipName() error {
	r.skipSpace()
	if r.off >= len(r.data) {
		return ErrEnd
	}
	if r.data[r.off] != '"' {
		return ErrSyntax
	}
	if _, err := r.str(); err != nil {
		return err
	}
	c, err := r.nextByte()
	if err == nil && c != ':' {
		err = ErrSyntax
	}
	return err
}

// skipValue reads a whole value inside depth arrays and objects.
func (r *Reader) skipValue(depth int) error {
	r.skipSpace()
	if r.off >= len(r.data) {
		return ErrEnd
	}
	switch c := r.data[r.off]; {
	case c == '{' || c == '[':
		if depth >= maxDepth {
			return ErrSyntax
		}
		r.off++
		return r.skipElements(Kind(c), depth+1)
	case c == '"':
		_, err := r.str()
		return err
	case c == '-' || (c >= '0' && c <= '9'):
		return r.number()
	default:
		return r.literal(c)
	}
}

// Raw reads the rest of a value whose first token was kind, as Skip,
// and returns the value's bytes (as json.RawMessage has them).
func (r *Reader) Raw(kind Kind) ([]byte, error) {
	start := r.start
	if err := r.Skip(kind); err != nil {
		return nil, err
	}
	return r.data[start:r.off], nil
}

// Unquote decodes a string token as encoding/json does: escapes
// replaced, a \u escape of half a surrogate pair and each byte of
// invalid UTF-8 made U+FFFD. tok must be a token Next read.
func Unquote(tok []byte) string {
	s := tok[1 : len(tok)-1]
	if i := plainPrefix(s); i == len(s) {
		return string(s)
	}
	b := make([]byte, 0, len(s)+utf8.UTFMax)
	for len(s) > 0 {
		i := plainPrefix(s)
		b, s = append(b, s[:i]...), s[i:]
		if len(s) == 0 {
			break
		}
		if s[0] != '\\' { // the first byte of invalid UTF-8
			b = utf8.AppendRune(b, utf8.RuneError)
			s = s[1:]
			continue
		}
		var n int
		b, n = unescape(b, s)
		s = s[n:]
	}
	return string(b)
}

// plainPrefix is the length of s's start that needs no decoding: no
// escape, valid UTF-8.
func plainPrefix(s []byte) int {
	i := 0
	for i < len(s) {
		// eight bytes at a time: to the first escape or non-ASCII byte
		if i+8 <= len(s) {
			w := binary.LittleEndian.Uint64(s[i:])
			m := w&highs | bytesOf(w, '\\')
			if m == 0 {
				i += 8
				continue
			}
			i += bits.TrailingZeros64(m) / 8
		}
		c := s[i]
		if c == '\\' {
			return i
		}
		if c < utf8.RuneSelf {
			i++
			continue
		}
		r, n := utf8.DecodeRune(s[i:])
		if r == utf8.RuneError && n == 1 {
			return i
		}
		i += n
	}
	return i
}

// unescape appends the character of the escape at s's start and says
// how many bytes of s it took.
func unescape(b, s []byte) ([]byte, int) {
	switch c := s[1]; c {
	case 'b':
		return append(b, '\b'), 2
	case 'f':
		return append(b, '\f'), 2
	case 'n':
		return append(b, '\n'), 2
	case 'r':
		return append(b, '\r'), 2
	case 't':
		return append(b, '\t'), 2
	case 'u':
	default: // '"', '\\', '/'
		return append(b, c), 2
	}
	r := u4(s[2:])
	if !utf16.IsSurrogate(r) {
		return utf8.AppendRune(b, r), 6
	}
	if len(s) >= 12 && s[6] == '\\' && s[7] == 'u' {
		if pair := utf16.DecodeRune(r, u4(s[8:])); pair != utf8.RuneError {
			return utf8.AppendRune(b, pair), 12
		}
	}
	return utf8.AppendRune(b, utf8.RuneError), 6
}

// u4 is the value of four hex digits (checked by the reader).
func u4(s []byte) rune {
	return hexDigit(s[0])<<12 | hexDigit(s[1])<<8 | hexDigit(s[2])<<4 | hexDigit(s[3])
}

// Reset makes r read data from its start, as NewReader does (for a
// Reader held by value in a decoder).
func (r *Reader) Reset(data []byte) {
	*r = Reader{data: data}
	r.open = r.stack[:0]
}

// separator reads the ':' or ',' at the offset, which the state wants.
func (r *Reader) separator() {
	r.off++
	switch {
	case r.want == wantColon:
		r.want = wantValue
	case r.open[len(r.open)-1] == ObjectStart:
		r.want = wantKey
	default:
		r.want = wantValue
	}
}

// Peek tells the kind of the next token without reading it: 0 at the
// end of the data and where no token may start. It reads the white
// space and the ':' or ',' before the token (Offset moves past them).
// The kind is told from the token's first byte only (Number for '-' and
// digits; True, False or Null for 't', 'f' or 'n'): Next checks the
// rest. Decoders that choose what to do by the next value's kind (null,
// or another type than the one wanted) use it.
func (r *Reader) Peek() Kind {
	r.skipSpace()
	if r.off >= len(r.data) {
		return 0
	}
	c := r.data[r.off]
	switch r.want {
	case wantValue, wantValueOrEnd, wantKeyOrEnd, wantKey:
		return kinds[c]
	case wantColon:
		if c != ':' {
			return 0
		}
	case wantCommaOrEnd:
		if c == ']' || c == '}' {
			return kinds[c]
		}
		if c != ',' {
			return 0
		}
	default: // wantEOF
		return 0
	}
	r.separator()
	r.skipSpace()
	if r.off >= len(r.data) {
		return 0
	}
	return kinds[r.data[r.off]]
}

// kinds is the kind of a token by its first byte, 0 for none.
var kinds = func() (t [256]Kind) {
	for _, c := range "{}[]\"tfn" {
		t[c] = Kind(c)
	}
	for _, c := range "-0123456789" {
		t[c] = Number
	}
	return t
}()

// ParseInt is the value of a Number token as a signed integer of bits
// bits; ok is false for a fraction, an exponent or a value out of range
// (where encoding/json reports an UnmarshalTypeError).
func ParseInt(tok []byte, bits int) (n int64, ok bool) {
	n, err := strconv.ParseInt(string(tok), 10, bits)
	return n, err == nil
}

// ParseUint is ParseInt for an unsigned integer.
func ParseUint(tok []byte, bits int) (n uint64, ok bool) {
	n, err := strconv.ParseUint(string(tok), 10, bits)
	return n, err == nil
}
