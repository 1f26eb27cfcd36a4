//go:build !cgo

package seccomp

// Enabled is false: a build without cgo compiles no profile.
const Enabled = false

// ArchNames is nil ("unknown"): there is no libseccomp to ask.
func ArchNames() []string { return nil }
