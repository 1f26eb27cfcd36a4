// Command loadprobe loads a bundle's config.json once, as create and run
// do (specconv.Load), or with -none only starts: under callgrind the one
// minus the other is what reading, decoding and converting config.json
// costs a fresh process (docs/performance.md, cut 2). With -marshal it
// then encodes the spec as create's state record does (json.Marshal).
//
//	GODEBUG=asyncpreemptoff=1 valgrind --tool=callgrind loadprobe [-marshal] BUNDLE
package main

import (
	"encoding/json"
	"fmt"
	"os"

	"github.com/berth-oci/berth/specconv"
)

func main() {
	args := os.Args[1:]
	marshal := len(args) > 0 && args[0] == "-marshal"
	if marshal {
		args = args[1:]
	}
	if len(args) != 1 {
		fmt.Fprintln(os.Stderr, "usage: loadprobe [-marshal] BUNDLE|-none")
		os.Exit(2)
	}
	if args[0] == "-none" {
		return
	}
	plan, _, err := specconv.Load(args[0], specconv.Options{})
	if err == nil && marshal {
		_, err = json.Marshal(plan.Spec)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
