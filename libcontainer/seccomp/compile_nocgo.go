//go:build !cgo

package seccomp

import (
	"bytes"
	"compress/gzip"
	_ "embed"
	"fmt"
	"io"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// berth without cgo compiles profiles with the compiler helper (./compiler,
// linked with libseccomp), which `make` builds and this file embeds,
// gzipped (3.4 MB become 1.5 MB of berth's binary; compress/gzip is
// linked anyway), with its info. Until they are built, `go build` stops on
// a directive below naming this file: compile_nocgo.go, run make.
//
//go:generate make -C ../.. libcontainer/seccomp/compiler/berth-seccomp.gz libcontainer/seccomp/compiler/berth-seccomp.info
//go:embed compiler/berth-seccomp.gz
var helperGzip []byte

//go:embed compiler/berth-seccomp.info
var helperInfo string

// LibseccompVersion is the version of the embedded compiler's libseccomp,
// as "major.minor.micro". It decides which syscall names are known.
func LibseccompVersion() string {
	v, _ := parseInfo(helperInfo)
	return v
}

// Compile validates a profile and compiles it to a Program, with the
// warnings a person should see, by running the embedded compiler (the
// cgo build's Compile, in a process of its own). A nil profile compiles
// to a nil Program. CompileCached runs this only on a cache miss.
func Compile(s *specs.LinuxSeccomp) (*Program, []string, error) {
	if s == nil {
		return nil, nil, nil
	}
	if err := Validate(s); err != nil {
		return nil, nil, err
	}
	program, err := helperBinary()
	if err != nil {
		return nil, nil, fmt.Errorf("%s: the embedded seccomp compiler: %w", field, err)
	}
	return compileWith(program, s)
}

// helperBinary is the embedded compiler, uncompressed.
func helperBinary() ([]byte, error) {
	z, err := gzip.NewReader(bytes.NewReader(helperGzip))
	if err != nil {
		return nil, err
	}
	return io.ReadAll(z)
}
