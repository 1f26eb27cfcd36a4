// Package nsexec holds the container init: a small static C program (the
// *.c files here, built by `make` into berth-init) embedded in the berth
// binary. The init runs from a sealed memfd, so a container never maps
// the berth binary and cannot write to what it runs.
package nsexec

import (
	"os"

	"github.com/berth-oci/berth/internal/memfd"
)

// Size is the size of the embedded init in bytes.
func Size() int { return len(initBinary) }

// OpenInit returns a sealed, executable memfd holding the init (see
// memfd.Sealed), so no process, the container's included, can change
// what the fd runs.
func OpenInit() (*os.File, error) {
	return memfd.Sealed("berth-init", initBinary)
}
