package main

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// events is a `go test -json` stream: package a passes one test, skips
// one for a listed reason (after a log line), one for an unlisted reason,
// and one without a reason; package b ran no test; package c has no test
// files.
const events = `{"Action":"run","Package":"a","Test":"TestOK"}
{"Action":"pass","Package":"a","Test":"TestOK"}
{"Action":"run","Package":"a","Test":"TestHost"}
{"Action":"output","Package":"a","Test":"TestHost","Output":"    x_test.go:10: looking at the host\n"}
{"Action":"output","Package":"a","Test":"TestHost","Output":"    x_test.go:11: skip: host limitation: no rdma\n"}
{"Action":"output","Package":"a","Test":"TestHost","Output":"        controller\n"}
{"Action":"output","Package":"a","Test":"TestHost","Output":"--- SKIP: TestHost (0.00s)\n"}
{"Action":"skip","Package":"a","Test":"TestHost"}
{"Action":"output","Package":"a","Test":"TestTool","Output":"    x_test.go:20: no C compiler\n"}
{"Action":"skip","Package":"a","Test":"TestTool"}
{"Action":"skip","Package":"a","Test":"TestSilent"}
{"Action":"pass","Package":"a"}
{"Action":"output","Package":"b","Output":"ok  \tb\t0.01s [no tests to run]\n"}
{"Action":"pass","Package":"b"}
{"Action":"skip","Package":"c"}
`

func TestVerdict(t *testing.T) {
	allowFile := filepath.Join(t.TempDir(), "allow")
	if err := os.WriteFile(allowFile, []byte("# a comment\n\nno-rdma  ^skip: host limitation: no rdma controller$\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	allow, err := loadAllow(allowFile)
	if err != nil {
		t.Fatal(err)
	}
	l := &lane{allow: allow, min: 2, out: io.Discard}
	if err := l.read(strings.NewReader(events)); err != nil {
		t.Fatal(err)
	}
	got := strings.Join(l.verdict(nil), "\n")
	want := strings.Join([]string{
		`UNEXPECTED SKIP TestTool (a): "no C compiler" names no host limitation of the allow-list`,
		`UNEXPECTED SKIP TestSilent (a): "" names no host limitation of the allow-list`,
		"package b ran no test",
		"1 tests ran, fewer than the 2 expected",
	}, "\n")
	if got != want {
		t.Errorf("verdict:\n%s\nwant:\n%s", got, want)
	}
	if s := l.skips[0]; s.limit != "no-rdma" || s.reason != "skip: host limitation: no rdma controller" {
		t.Errorf("the allowed skip: %+v", s)
	}
}

func TestLoadAllowRefuses(t *testing.T) {
	for _, bad := range []string{"name-only\n", "bad-pattern ([\n"} {
		f := filepath.Join(t.TempDir(), "allow")
		if err := os.WriteFile(f, []byte(bad), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := loadAllow(f); err == nil || !strings.Contains(err.Error(), f+":1:") {
			t.Errorf("%q: %v", bad, err)
		}
	}
}

// TestEmptyOK: with -empty-ok a package that ran no test (package b of
// events) is said in the report, not failed; the other problems stay.
func TestEmptyOK(t *testing.T) {
	var out strings.Builder
	l := &lane{emptyOK: true, out: &out}
	if err := l.read(strings.NewReader(events)); err != nil {
		t.Fatal(err)
	}
	problems := l.verdict(nil)
	for _, p := range problems {
		if strings.Contains(p, "ran no test") {
			t.Errorf("with -empty-ok: %q", p)
		}
	}
	if len(problems) != 3 { // the three skips without an allowed reason
		t.Errorf("problems: %q", problems)
	}
	l.report(problems)
	if !strings.Contains(out.String(), "package b ran no test (none matched, or all skipped): allowed here") {
		t.Errorf("the report does not say that b ran no test:\n%s", out.String())
	}
}
