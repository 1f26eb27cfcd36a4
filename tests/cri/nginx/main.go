// Command nginx is the CRI lane's web server image (tests/cri): critest
// looks for a process named nginx, waits for /var/run/nginx.pid and
// fetches a page over the pod's network. It serves one page on the port
// given as its first argument (80 by default; more are ignored: the lane
// passes "master process", the title critest looks for in nginx's command
// line), after saying its name on stdout.
package main

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
)

func main() {
	port := "80"
	if len(os.Args) > 1 {
		port = os.Args[1]
	}
	if err := os.MkdirAll("/var/run", 0o755); err == nil {
		_ = os.WriteFile("/var/run/nginx.pid", []byte(strconv.Itoa(os.Getpid())+"\n"), 0o644)
	}
	name := filepath.Base(os.Args[0])
	fmt.Printf("%s serving on port %s\n", name, port)
	http.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprintf(w, "<html><body>%s: berth CRI lane</body></html>\n", name)
	})
	if err := http.ListenAndServe(":"+port, nil); err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", name, err)
		os.Exit(1)
	}
}
