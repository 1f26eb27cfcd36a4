// Command loadprobe loads a bundle's config.json once, as create and run
// do (specconv.Load), or with -none only starts: under callgrind the one
// minus the other is what reading, decoding and converting config.json
// costs a fresh process (docs/performance.md, cut 2).
//
//	GODEBUG=asyncpreemptoff=1 valgrind --tool=callgrind loadprobe BUNDLE
package main

import (
	"fmt"
	"os"

	"github.com/berth-oci/berth/specconv"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: loadprobe BUNDLE|-none")
		os.Exit(2)
	}
	if os.Args[1] == "-none" {
		return
	}
	if _, _, err := specconv.Load(os.Args[1], specconv.Options{}); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
