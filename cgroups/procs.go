package cgroups

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/berth-oci/berth/internal/fdio"
)

// readPids lists the processes in dir (and, recursive, in the cgroups
// below it), sorted and without duplicates.
func readPids(dir string, recursive bool) ([]int, error) {
	seen := make(map[int]bool)
	walk := func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) && p != dir {
				return nil // a sub-cgroup removed while walking
			}
			return err
		}
		if !d.IsDir() {
			return nil
		}
		if err := addProcs(p, seen); err != nil {
			return err
		}
		if !recursive && p != dir {
			return filepath.SkipDir
		}
		return nil
	}
	if err := filepath.WalkDir(dir, walk); err != nil {
		return nil, fmt.Errorf("cgroups: list processes of %s: %w", dir, err)
	}
	pids := make([]int, 0, len(seen))
	for p := range seen {
		pids = append(pids, p)
	}
	sort.Ints(pids)
	return pids, nil
}

func addProcs(dir string, seen map[int]bool) error {
	s, err := fdio.ReadFile(filepath.Join(dir, "cgroup.procs"))
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		return err
	}
	for _, f := range strings.Fields(string(s)) {
		if p, err := strconv.Atoi(f); err == nil {
			seen[p] = true
		}
	}
	return nil
}

// signalAll sends sig to every pid; processes that exited meanwhile are
// not an error.
func signalAll(pids []int, sig syscall.Signal) error {
	for _, p := range pids {
		if err := unix.Kill(p, sig); err != nil && !errors.Is(err, unix.ESRCH) {
			return fmt.Errorf("cgroups: signal %d to pid %d: %w", sig, p, err)
		}
	}
	return nil
}

// killVia signals every process of the cgroup, with the cgroup frozen
// when a freezer is there (so nothing forks or escapes meanwhile). A
// cgroup that was frozen before stays frozen.
func killVia(m Manager, sig syscall.Signal, haveFreezer bool) error {
	thaw := false
	if haveFreezer {
		st, err := m.FreezerState()
		if err != nil {
			return err
		}
		if st == Thawed {
			if err := m.Freeze(); err != nil {
				return err
			}
			thaw = true
		}
	}
	pids, err := m.Pids()
	if err == nil {
		err = signalAll(pids, sig)
	}
	if thaw {
		if terr := m.Thaw(); err == nil {
			err = terr
		}
	}
	return err
}
