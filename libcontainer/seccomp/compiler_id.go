package seccomp

import "runtime"

// CompilerID names what Compile emits for a given profile: the cache
// version, the libseccomp version and the architecture. A program kept
// under another id must be compiled again.
func CompilerID() string {
	return cacheVersion + " libseccomp/" + LibseccompVersion() + " " + runtime.GOARCH
}
