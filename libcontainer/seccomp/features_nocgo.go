//go:build !cgo

package seccomp

// ArchNames are the architectures the embedded compiler's libseccomp
// knows, as it listed them at build time (see info.go), sorted.
func ArchNames() []string {
	_, archs := parseInfo(helperInfo)
	return archs
}
