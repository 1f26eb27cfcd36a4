package stress

import (
	"os"
	"slices"
	"strings"
	"testing"
)

// TestSoak runs `run` lifecycles (run deletes the container, as `run --rm` elsewhere) in a row (200; 2000 with
// STRESS=full) and checks that the test's fds, mounts and cgroups are
// as they were (the leak check) and that berth's peak RSS over the last
// hundred runs is within 10 % of the first hundred's: their mean against
// the first hundred's largest, because a run's peak RSS is mostly pages
// of the binary, which the page cache's folios map in steps (a first
// hundred ranging 19.3..24.5 MiB, then 24.5 flat, seen on a CI run).
func TestSoak(t *testing.T) {
	e := newEnv(t)
	b := e.newBundle("true")
	n := 200
	if full {
		n = 2000
	}
	// warm up: berth's peak RSS counts the pages of its binary that
	// faults map, and a fault maps its neighbours too only where they are
	// in the page cache; until the whole binary is cached the first runs
	// look smaller (measured: +7..11 % over 2000 runs without this)
	if _, err := os.ReadFile(berthBin); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 50; i++ {
		e.must("run", "--bundle", b.dir, e.id())
	}
	before := hostCounts()
	rss := make([]int64, n)
	for i := range rss {
		r := e.berth("run", "--bundle", b.dir, e.id())
		if r.code != 0 {
			t.Fatalf("run %d: %s", i, r)
		}
		rss[i] = r.maxRSS
	}
	e.assertNoLeaks("after the soak")
	after := hostCounts()
	first, last := rss[:100], rss[n-100:]
	if mean(last) > slices.Max(first)*11/10 {
		t.Errorf("berth's peak RSS grew: first hundred %s, last hundred %s", describe(first), describe(last))
	}
	note("soak: %d run lifecycles; berth peak RSS first hundred %s, last hundred %s; host-wide (other users included) fds %d->%d, mounts %d->%d, cgroup dirs %d->%d",
		n, describe(first), describe(last), before.fds, after.fds, before.mounts, after.mounts, before.cgroups, after.cgroups)
}

type host struct{ fds, mounts, cgroups int }

// hostCounts counts this process's fds, the host's mounts and every
// cgroup directory: reported, not asserted (other users of the host
// change them); the leak check asserts on what is the test's own.
func hostCounts() host {
	var h host
	fds, _ := os.ReadDir("/proc/self/fd")
	h.fds = len(fds)
	mi, _ := os.ReadFile("/proc/self/mountinfo")
	h.mounts = strings.Count(string(mi), "\n")
	h.cgroups = len(cgroupDirs(""))
	return h
}

func mean(v []int64) int64 {
	var s int64
	for _, x := range v {
		s += x
	}
	return s / int64(len(v))
}

// describe gives the mean and range of peak RSS values in KiB.
func describe(v []int64) string {
	return itoa(int(mean(v))) + " KiB (" + itoa(int(slices.Min(v))) + ".." + itoa(int(slices.Max(v))) + ")"
}
