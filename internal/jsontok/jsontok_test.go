package jsontok

import (
	"encoding/json"
	"strings"
	"testing"
)

// readAll reads data to its end, unquoting every string, and says
// whether it was a whole valid document.
func readAll(t *testing.T, data []byte) bool {
	r := NewReader(data)
	for {
		kind, tok, err := r.Next()
		if err != nil {
			return err == ErrEnd && r.End()
		}
		if kind == String {
			var want string
			if err := json.Unmarshal(tok, &want); err != nil {
				t.Fatalf("%q: string token %q: encoding/json: %v", data, tok, err)
			}
			if got := Unquote(tok); got != want {
				t.Fatalf("%q: Unquote(%q) = %q, encoding/json %q", data, tok, got, want)
			}
		}
	}
}

var documents = []string{
	``, ` `, `{}`, `[]`, `{"a":1}`, `{"a":1,}`, `{"a" 1}`, `{"a":}`, `{,"a":1}`,
	`[1,]`, `[,1]`, `[1 2]`, `{"a":[1,{"b":null}],"c":true,"d":false}`,
	`{"a":1}}`, `{"a":1} x`, `{"a":1} `, "\t{\"a\":\r\n1}\n", `{1:2}`, `[}`, `{]`,
	`0`, `-0`, `01`, `-`, `1.`, `1.5`, `1e`, `1e+`, `1e+5`, `1E-05`, `.5`, `+1`,
	`-01`, `18446744073709551615`, `-9223372036854775808`, `1.7976931348623157e308`,
	`tru`, `true`, `truee`, `nul`, `null`, `nulll`, `falsy`, `[true,false,null]`,
	`"`, `"a`, `"a"`, `"\"`, `"\q"`, `"\u12"`, `"\u12g4"`, `"\u00e9\n\t\b\f\r\/\\\""`,
	`"\ud83d\ude00"`, `"\ud83d"`, `"\ude00"`, `"\ud83d\u0041"`, `"\ud83dx"`, `"\u0000"`,
	"\"\x01\"", "\"\x7f\"", "\"\xff\xfe\"", "\"a\xc3\"", "\"\xed\xa0\x80\"", `"é€😀"`,
	`"\u003c\u003e\u0026\u2028"`, `{"k\u0065y":"v"}`, "{\"\xff\":1}",
}

// skipAll reads data's first token and skips the rest of its value.
func skipAll(data []byte) bool {
	r := NewReader(data)
	kind, _, err := r.Next()
	if err == nil {
		err = r.Skip(kind)
	}
	return err == nil && r.End()
}

// skipInside skips each value inside data's outer array or object.
func skipInside(data []byte) bool {
	r := NewReader(data)
	outer, _, err := r.Next()
	if err != nil {
		return false
	}
	for (outer == ObjectStart || outer == ArrayStart) && err == nil && r.More() {
		if outer == ObjectStart {
			_, _, err = r.Next() // the name
		}
		var kind Kind
		if err == nil {
			kind, _, err = r.Next()
		}
		if err == nil {
			err = r.Skip(kind)
		}
	}
	if err == nil && (outer == ObjectStart || outer == ArrayStart) {
		_, _, err = r.Next() // the end
	}
	return err == nil && r.End()
}

func checkDocument(t *testing.T, d []byte) {
	want := json.Valid(d)
	if got := readAll(t, d); got != want {
		t.Errorf("%q: read whole %v, json.Valid %v", d, got, want)
	}
	if got := skipAll(d); got != want {
		t.Errorf("%q: skipped whole %v, json.Valid %v", d, got, want)
	}
	if got := skipInside(d); got != want {
		t.Errorf("%q: skipped inside %v, json.Valid %v", d, got, want)
	}
}

func TestReaderAgreesWithEncodingJSON(t *testing.T) {
	for _, d := range documents {
		checkDocument(t, []byte(d))
	}
	long := `{"a long name, longer than eight bytes":["and a long value \" with escapes \\ in it é€😀 past eight"]}`
	for i := range len(long) {
		checkDocument(t, []byte(long[:i]))
		checkDocument(t, []byte(long[:i]+"\x01"+long[i:]))
	}
}

// encoding/json refuses arrays and objects nested more than 10000 deep.
func TestDepth(t *testing.T) {
	for _, n := range []int{9999, 10000, 10001} {
		for _, open := range []string{"[", `{"a":`} {
			d := strings.Repeat(open, n) + strings.Repeat(map[string]string{"[": "]", `{"a":`: "}"}[open], n)
			if open != "[" {
				d = strings.Repeat(open, n) + "1" + strings.Repeat("}", n)
			}
			checkDocument(t, []byte(d))
			checkDocument(t, []byte(`{"x":`+d+`}`))
		}
	}
}

func TestSkip(t *testing.T) {
	r := NewReader([]byte(`{"a":{"b":[1,{"c":[]}],"d":"x"},"e":2}`))
	r.Next() // {
	r.Next() // "a"
	kind, _, _ := r.Next()
	if err := r.Skip(kind); err != nil {
		t.Fatal(err)
	}
	if _, tok, _ := r.Next(); Unquote(tok) != "e" {
		t.Fatalf("after Skip: %q, want the member e", tok)
	}
}

func FuzzReader(f *testing.F) {
	for _, d := range documents {
		f.Add([]byte(d))
	}
	f.Fuzz(checkDocument)
}

var strs = []string{"", "plain", `"\`, "\b\f\n\r\t\x00\x01\x1f\x7f", "<a href=\"x\">&amp;</a>",
	"é€😀", "\u2028\u2029", "\xff", "a\xc3", "\xed\xa0\x80", "\ufffd", "x\u2027\u202ay"}

func TestAppendStringAsEncodingJSON(t *testing.T) {
	for _, s := range strs {
		want, _ := json.Marshal(s)
		if got := AppendString(nil, s); string(got) != string(want) {
			t.Errorf("AppendString(%q) = %s, encoding/json %s", s, got, want)
		}
	}
}

func FuzzAppendString(f *testing.F) {
	for _, s := range strs {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want, _ := json.Marshal(s)
		if got := AppendString([]byte("x"), s); string(got[1:]) != string(want) {
			t.Errorf("AppendString(%q) = %s, encoding/json %s", s, got[1:], want)
		}
	})
}

func TestRaw(t *testing.T) {
	r := NewReader([]byte(`{"a": {"b":[1, 2]} ,"c": null}`))
	r.Next() // {
	r.Next() // "a"
	kind, _, _ := r.Next()
	if raw, err := r.Raw(kind); err != nil || string(raw) != `{"b":[1, 2]}` {
		t.Fatalf("Raw: %q, %v", raw, err)
	}
	r.Next() // "c"
	kind, _, _ = r.Next()
	if raw, err := r.Raw(kind); err != nil || string(raw) != `null` {
		t.Fatalf("Raw: %q, %v", raw, err)
	}
}
