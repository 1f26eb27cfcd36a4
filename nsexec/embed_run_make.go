package nsexec

import _ "embed"

// initBinary is the init, nsexec/berth-init, which `make` builds from the
// C files here (`go generate ./nsexec` runs that make target). Until it
// is built, `go build` stops on the directive below with a line naming
// this file: embed_run_make.go, run make.
//
//go:generate make -C .. nsexec/berth-init
//go:embed berth-init
var initBinary []byte
