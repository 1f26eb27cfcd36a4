package cgroups

import (
	"fmt"
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"

	"github.com/berth-oci/berth/internal/fdio"
)

// Entry is how a new, single-threaded process enters the cgroup without
// paying for a migration. Writing a pid to cgroup.procs takes the
// kernel's global threadgroup lock for writing, and a writer waits a full
// RCU grace period (10-20 ms) unless another migration happened just
// before. Two ways avoid it:
//   - the cgroup2 directory (Unified and Hybrid): clone3 with
//     CLONE_INTO_CGROUP, which takes that lock only for reading;
//   - each v1 hierarchy: the process writes "0" to the hierarchy's `tasks`
//     file itself; a thread moving itself skips the global lock, and a
//     single-threaded process moves whole.
type Entry struct {
	// CloneFD is an O_PATH fd of the cgroup2 directory, -1 for none.
	CloneFD int
	// Tasks are the v1 hierarchies' `tasks` files, open for writing.
	Tasks []*os.File
}

// Close releases the entry's fds (the new process has its copies).
func (e *Entry) Close() {
	if e.CloneFD >= 0 {
		unix.Close(e.CloneFD)
		e.CloneFD = -1
	}
	for _, f := range e.Tasks {
		f.Close()
	}
	e.Tasks = nil
}

// A cgroup2 directory that Create did not make (it existed before, or
// systemd made it) is entered through its cgroup.procs instead, as a v1
// hierarchy is: kernel 6.18 SIGKILLs a child that clone3 puts with
// CLONE_INTO_CGROUP into a cgroup whose cgroup.kill was ever written (the
// child's kill sequence is taken from the parent's cgroup), so a reused
// cgroup would kill the init before it runs.

// made tells whether Create made dir.
func (b *base) made(dir string) bool {
	for _, d := range b.created {
		if d == dir {
			return true
		}
	}
	return false
}

// entryFile is the file through which a process moves itself into the
// hierarchy k: a v1 hierarchy's tasks, the cgroup2 directory's
// cgroup.procs.
func entryFile(k string) string {
	if k == "" {
		return "cgroup.procs"
	}
	return "tasks"
}

// openEntry opens the entry of every hierarchy of b.
func (b *base) openEntry() (Entry, error) {
	e := Entry{CloneFD: -1}
	for _, k := range b.keys() {
		dir := b.paths[k]
		if k == "" && b.made(dir) {
			fd, err := unix.Open(dir, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
			if err != nil {
				e.Close()
				return Entry{CloneFD: -1}, fmt.Errorf("cgroups: open %s: %w", dir, err)
			}
			e.CloneFD = fd
			continue
		}
		f, err := fdio.OpenFile(filepath.Join(dir, entryFile(k)), unix.O_WRONLY, 0)
		if err != nil {
			if b.rootless && isErrno(err, unix.EACCES, unix.EPERM, unix.EROFS) {
				b.warn(fmt.Sprintf("cgroups: rootless: cannot join %s: %v", dir, err))
				continue
			}
			e.Close()
			return Entry{CloneFD: -1}, fmt.Errorf("cgroups: open %s/tasks: %w", dir, err)
		}
		e.Tasks = append(e.Tasks, f)
	}
	return e, nil
}

// OpenEntry opens the v1 `tasks` files (and the cgroup2 directory on a
// hybrid host).
func (m *v1Manager) OpenEntry() (Entry, error) { return m.openEntry() }

// OpenEntry opens the cgroup directory for CLONE_INTO_CGROUP.
func (m *v2Manager) OpenEntry() (Entry, error) { return m.openEntry() }
