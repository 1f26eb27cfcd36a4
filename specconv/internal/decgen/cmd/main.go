// Command cmd writes specconv/specdec_gen.go (see package decgen); run by
// `go generate ./specconv`.
package main

import (
	"fmt"
	"os"

	"github.com/berth-oci/berth/specconv/internal/decgen"
)

func main() {
	src, err := decgen.Generate()
	if err == nil {
		err = os.WriteFile("specdec_gen.go", src, 0o644)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
