//go:build !cgo

package seccomp

import (
	"errors"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// errNoCgo is what compiling says in a build without cgo (no libseccomp).
var errNoCgo = errors.New(field + ": berth was built without cgo, so without libseccomp: seccomp profiles cannot be compiled")

// LibseccompVersion is empty: this build has no libseccomp.
func LibseccompVersion() string { return "" }

// Compile fails in a build without cgo, unless the profile is nil.
func Compile(s *specs.LinuxSeccomp) (*Program, []string, error) {
	if s == nil {
		return nil, nil, nil
	}
	if err := Validate(s); err != nil {
		return nil, nil, err
	}
	return nil, nil, errNoCgo
}
