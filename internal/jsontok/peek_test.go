package jsontok

import (
	"encoding/json"
	"testing"
)

// peekAll reads data as readAll does with a Peek before each Next (or
// NextString when it tells a String): Peek tells the kind Next reads (0
// only where Next fails), changes nothing Next reads, and UnquoteLast is
// Unquote.
func peekAll(t *testing.T, data []byte) bool {
	var r Reader
	r.Reset(data)
	plain := NewReader(data)
	for {
		peeked := r.Peek()
		var kind Kind
		var tok []byte
		var err error
		if peeked == String { // as the generated decoder reads it
			kind = String
			if tok, err = r.NextString(); err != nil {
				kind = 0
			}
		} else {
			kind, tok, err = r.Next()
		}
		wantKind, wantTok, wantErr := plain.Next()
		if kind != wantKind || string(tok) != string(wantTok) || err != wantErr {
			t.Fatalf("%q: after Peek, Next = %c %q %v; without, %c %q %v", data, kind, tok, err, wantKind, wantTok, wantErr)
		}
		if err != nil {
			// Peek tells a kind from the first byte: Next may refuse the rest
			valid := err == ErrEnd && r.End()
			if valid && peeked != 0 {
				t.Fatalf("%q: Peek %c at the document's end", data, peeked)
			}
			return valid
		}
		if peeked != kind {
			t.Fatalf("%q: Peek %c, Next %c %q", data, peeked, kind, tok)
		}
		if kind == String && r.UnquoteLast(tok) != Unquote(tok) {
			t.Fatalf("%q: UnquoteLast(%q) = %q, Unquote %q", data, tok, r.UnquoteLast(tok), Unquote(tok))
		}
	}
}

func checkPeek(t *testing.T, d []byte) {
	if got, want := peekAll(t, d), json.Valid(d); got != want {
		t.Errorf("%q: read whole with Peek %v, json.Valid %v", d, got, want)
	}
}

func TestPeek(t *testing.T) {
	for _, d := range documents {
		checkPeek(t, []byte(d))
	}
	long := `{"a long name, longer than eight bytes":["and a long value \" with escapes \\ in it é€😀 past eight", "plain ascii, more than eight"]}`
	for i := range len(long) {
		checkPeek(t, []byte(long[:i]))
		checkPeek(t, []byte(long[:i]+"\x01"+long[i:]))
	}
}

func FuzzPeek(f *testing.F) {
	for _, d := range documents {
		f.Add([]byte(d))
	}
	f.Fuzz(checkPeek)
}

// ParseInt and ParseUint accept what encoding/json decodes into an
// integer of the width, and give its value.
func TestParseIntWidths(t *testing.T) {
	nums := []string{"0", "-0", "1", "-1", "127", "128", "-128", "-129", "255", "256", "32767", "32768",
		"65535", "65536", "2147483647", "2147483648", "-2147483649", "4294967295", "4294967296",
		"9223372036854775807", "9223372036854775808", "-9223372036854775808", "-9223372036854775809",
		"18446744073709551615", "18446744073709551616", "1.0", "1e2", "-1.5"}
	for _, s := range nums {
		for _, bits := range []int{8, 16, 32, 64} {
			n, ok := ParseInt([]byte(s), bits)
			want, wantOK := unmarshalInt(s, bits)
			if ok != wantOK || (ok && n != want) {
				t.Errorf("ParseInt(%s, %d) = %d, %v; encoding/json %d, %v", s, bits, n, ok, want, wantOK)
			}
			u, ok := ParseUint([]byte(s), bits)
			wantU, wantOK := unmarshalUint(s, bits)
			if ok != wantOK || (ok && u != wantU) {
				t.Errorf("ParseUint(%s, %d) = %d, %v; encoding/json %d, %v", s, bits, u, ok, wantU, wantOK)
			}
		}
	}
}

// decoded is what encoding/json decodes s into a T, and whether it does.
func decoded[T any](s string) (T, bool) {
	var v T
	err := json.Unmarshal([]byte(s), &v)
	return v, err == nil
}

func unmarshalInt(s string, bits int) (int64, bool) {
	switch bits {
	case 8:
		v, ok := decoded[int8](s)
		return int64(v), ok
	case 16:
		v, ok := decoded[int16](s)
		return int64(v), ok
	case 32:
		v, ok := decoded[int32](s)
		return int64(v), ok
	}
	return decoded[int64](s)
}

func unmarshalUint(s string, bits int) (uint64, bool) {
	switch bits {
	case 8:
		v, ok := decoded[uint8](s)
		return uint64(v), ok
	case 16:
		v, ok := decoded[uint16](s)
		return uint64(v), ok
	case 32:
		v, ok := decoded[uint32](s)
		return uint64(v), ok
	}
	return decoded[uint64](s)
}
