// Package stress drives the built berth binary through crashes at every
// step, random kills, concurrent commands, exhausted resources, stdio
// abuse and a soak, and checks after each that nothing is left: state
// dirs, cgroups in every mounted hierarchy, mounts, processes, fds.
//
// BERTH names the binary (default ../../berth), BERTH_CRASHTEST the one
// built with the berth_crashtest tag (default ../../berth-crashtest).
// STRESS=quick (default) runs a subset of a few minutes; STRESS=full the
// issue's counts (20 random-kill rounds, 200 concurrent containers, 2000
// soak lifecycles).
package stress

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"golang.org/x/sys/unix"
)

var (
	berthBin, crashBin string
	full               = os.Getenv("STRESS") == "full"
)

// counts are what the lane did, printed at the end.
var counts struct {
	containers, commands, leaks atomic.Int64
	mu                          sync.Mutex
	faults                      map[string]int // crash step -> times berth was killed there
	notes                       []string
}

func note(format string, args ...any) {
	counts.mu.Lock()
	counts.notes = append(counts.notes, fmt.Sprintf(format, args...))
	counts.mu.Unlock()
}

func fault(step string) {
	counts.mu.Lock()
	if counts.faults == nil {
		counts.faults = make(map[string]int)
	}
	counts.faults[step]++
	counts.mu.Unlock()
}

func TestMain(m *testing.M) {
	berthBin = binary("BERTH", "../../berth")
	crashBin = binary("BERTH_CRASHTEST", "../../berth-crashtest")
	if os.Geteuid() != 0 {
		fmt.Fprintln(os.Stderr, "stress: skipped: host limitation: these tests need root")
		os.Exit(0)
	}
	// orphans of the berth commands (a killed create's init) come to this
	// process, where the leak checks see them
	if err := unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); err != nil {
		fmt.Fprintln(os.Stderr, "stress: PR_SET_CHILD_SUBREAPER:", err)
		os.Exit(2)
	}
	// no transparent huge pages for berth (inherited across fork and
	// exec): whether the kernel finds a free huge page for the heap
	// depends on the host's memory, and would move berth's peak RSS by
	// up to 2 MiB from one run to the next (TestSoak compares them)
	if err := unix.Prctl(unix.PR_SET_THP_DISABLE, 1, 0, 0, 0); err != nil {
		fmt.Fprintln(os.Stderr, "stress: PR_SET_THP_DISABLE:", err)
	}
	stop := startReaper()
	code := m.Run()
	stop()
	printCounts()
	os.Exit(code)
}

func binary(env, def string) string {
	p := os.Getenv(env)
	if p == "" {
		p = def
	}
	abs, err := filepath.Abs(p)
	if err == nil {
		p = abs
	}
	if _, err := os.Stat(p); err != nil {
		fmt.Fprintf(os.Stderr, "stress: no binary at %s (run make berth berth-crashtest, or set %s)\n", p, env)
		os.Exit(2)
	}
	return p
}

func printCounts() {
	mode := "quick"
	if full {
		mode = "full"
	}
	fmt.Printf("stress (%s): %d containers, %d berth commands, %d leaks found\n",
		mode, counts.containers.Load(), counts.commands.Load(), counts.leaks.Load())
	var steps []string
	for s := range counts.faults {
		steps = append(steps, s)
	}
	sort.Strings(steps)
	total := 0
	for _, s := range steps {
		total += counts.faults[s]
	}
	fmt.Printf("stress: %d faults injected at %d steps:\n", total, len(steps))
	for _, s := range steps {
		fmt.Printf("  %4d  %s\n", counts.faults[s], s)
	}
	for _, n := range counts.notes {
		fmt.Println("stress: " + strings.TrimSpace(n))
	}
}
