package seccomp

import (
	"slices"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// Enabled says that berth compiles seccomp profiles: with libseccomp
// linked (a cgo build) or through the embedded compiler helper.
const Enabled = true

// What berth recognises in linux.seccomp, read from the tables Validate
// and Compile use, for `berth features`.

// ActionNames are the actions a profile may use, sorted.
func ActionNames() []string {
	return sortedNames(actionTakesErrno)
}

// OperatorNames are the argument operators a profile may use, sorted.
func OperatorNames() []string {
	return sortedNames(operators)
}

// FlagNames are the filter flags a profile may list, sorted.
func FlagNames() []string {
	return sortedNames(flagNames)
}

// SupportedFlagNames are the flags of FlagNames the running kernel
// accepts (asked as CheckKernel asks), sorted.
func SupportedFlagNames() []string {
	var out []string
	for _, n := range FlagNames() {
		bit := flagNames[specs.LinuxSeccompFlag(n)]
		if bit == FlagWaitKillableRecv {
			bit |= FlagNewListener // the kernel takes it only with a listener
		}
		if flagsAccepted(bit) {
			out = append(out, n)
		}
	}
	return out
}

func sortedNames[K ~string, V any](m map[K]V) []string {
	names := make([]string, 0, len(m))
	for k := range m {
		names = append(names, string(k))
	}
	slices.Sort(names)
	return names
}
