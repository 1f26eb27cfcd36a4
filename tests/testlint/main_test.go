package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// source has two goroutines that may end the test (directly, and through
// a helper's helper) and three that may not (a goroutine reporting back,
// a subtest, log.Fatal).
const source = `package x

import (
	"log"
	"testing"
)

func must(t *testing.T, err error) {
	if err != nil {
		t.Fatal(err)
	}
}

type env struct{ t *testing.T }

func (e *env) run() { must(e.t, nil) }

func TestX(t *testing.T) {
	e := &env{t}
	go func() { t.Fatalf("direct") }()
	go func() { e.run() }()
	errs := make(chan error, 1)
	go func() { errs <- nil }()
	t.Run("sub", func(t *testing.T) { t.Fatal("its own goroutine") })
	go func() { log.Fatal("not a test's") }()
	must(t, <-errs)
}
`

func TestCheckDir(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "x_test.go"), []byte(source), 0o644); err != nil {
		t.Fatal(err)
	}
	found, err := checkDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Join(found, "\n")
	for _, want := range []string{"x_test.go:20:2: a goroutine calls Fatalf", "x_test.go:21:2: a goroutine calls run, which may end the test"} {
		if !strings.Contains(got, want) {
			t.Errorf("no %q in:\n%s", want, got)
		}
	}
	if len(found) != 2 {
		t.Errorf("%d findings, want 2:\n%s", len(found), got)
	}
}
