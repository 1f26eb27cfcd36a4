package seccomp

import "strings"

// The compiler helper's `info` (see ./compiler and Info), which `make`
// embeds in the pure-Go berth beside the helper: what the helper's
// libseccomp is, known at build time, so that no command runs the helper
// to learn it. Two lines:
//
//	libseccomp 2.5.4
//	archs SCMP_ARCH_AARCH64 SCMP_ARCH_ARM ...

// parseInfo returns the version and the architectures of an info text;
// empty and nil for what it lacks.
func parseInfo(info string) (version string, archs []string) {
	for line := range strings.Lines(info) {
		key, value, _ := strings.Cut(strings.TrimSpace(line), " ")
		switch key {
		case "libseccomp":
			version = value
		case "archs":
			archs = strings.Fields(value)
		}
	}
	return version, archs
}
