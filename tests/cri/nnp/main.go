// Command nnp is the CRI lane's no-new-privileges probe (tests/cri): the
// image installs it set-user-ID root; it prints the effective uid it runs
// with, 0 unless no_new_privs kept the set-user-ID bit from taking effect.
package main

import (
	"fmt"
	"os"
)

func main() {
	fmt.Printf("Effective uid: %d\n", os.Geteuid())
}
