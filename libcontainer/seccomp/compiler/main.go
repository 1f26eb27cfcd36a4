//go:build cgo

// Command berth-seccomp compiles seccomp profiles for berth. berth itself
// is pure Go (no cgo start-up in every command); this helper links
// libseccomp, is embedded in berth (libcontainer/seccomp/compile_nocgo.go)
// and runs from a sealed memfd, only when a profile is not in berth's
// cache of compiled programs.
//
//	berth-seccomp compile   a profile (linux.seccomp as JSON) on stdin;
//	                        the program and its warnings (JSON) on stdout
//	berth-seccomp info      the libseccomp version and the architectures
//	                        it knows (`make` embeds this beside the helper)
//
// An error is one line on stderr, with exit status 1.
package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/berth-oci/berth/libcontainer/seccomp"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, strings.ReplaceAll(err.Error(), "\n", " "))
		os.Exit(1)
	}
}

func run(args []string) error {
	if len(args) != 1 {
		return errors.New("berth-seccomp: usage: berth-seccomp compile|info")
	}
	switch args[0] {
	case "compile":
		return compile(os.Stdin, os.Stdout)
	case "info":
		_, err := io.WriteString(os.Stdout, seccomp.Info())
		return err
	}
	return fmt.Errorf("berth-seccomp: unknown mode %q (compile or info)", args[0])
}

// compile reads one profile from in and writes what seccomp.Compile
// returns for it to out. Its errors name the profile's field, as
// Compile's do.
func compile(in io.Reader, out io.Writer) error {
	b, err := io.ReadAll(in)
	if err != nil {
		return fmt.Errorf("berth-seccomp: read the profile: %w", err)
	}
	var s specs.LinuxSeccomp
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("berth-seccomp: decode the profile: %w", err)
	}
	p, warnings, err := seccomp.Compile(&s)
	if err != nil {
		return err
	}
	j, err := seccomp.MarshalCompiled(p, warnings)
	if err != nil {
		return fmt.Errorf("berth-seccomp: encode the program: %w", err)
	}
	if _, err := out.Write(j); err != nil {
		return fmt.Errorf("berth-seccomp: write the program: %w", err)
	}
	return nil
}
