//go:build cgo

package seccomp

import (
	"errors"
	"slices"
	"strings"

	libseccomp "github.com/seccomp/libseccomp-golang"
	"golang.org/x/sys/unix"
)

// ArchNames are the architectures a profile may list that the linked
// libseccomp knows, sorted: those it adds to a filter, or refuses only
// for a byte order other than the native one (EDOM).
func ArchNames() []string {
	var out []string
	for name, a := range scmpArchs {
		f, err := libseccomp.NewFilter(libseccomp.ActAllow)
		if err != nil {
			return nil
		}
		err = f.AddArch(a)
		f.Release()
		if err == nil || errors.Is(err, unix.EDOM) {
			out = append(out, string(name))
		}
	}
	slices.Sort(out)
	return out
}

// Info is the compiler helper's `info`: the libseccomp version and
// ArchNames (see info.go).
func Info() string {
	return "libseccomp " + LibseccompVersion() + "\narchs " + strings.Join(ArchNames(), " ") + "\n"
}
