package libcontainer

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/berth-oci/berth/cgroups"
	"github.com/berth-oci/berth/internal/fdio"
)

// The state store: <root>/<id>/ holds state.json (written atomically:
// temp file, then rename) and the exec fifo. A command on a container
// holds an flock on its directory, so commands on one container run one at
// a time and different containers never wait on each other.

const (
	stateFile = "state.json"
	fifoName  = "exec.fifo"
)

// Status is a container's status as the runtime-spec names it.
type Status string

// The statuses of runtime-spec's state, plus paused as runc reports it.
const (
	Creating Status = "creating"
	Created  Status = "created"
	Running  Status = "running"
	Paused   Status = "paused"
	Stopped  Status = "stopped"
)

// State is what berth keeps of a container between commands.
type State struct {
	ID     string `json:"id"`
	Bundle string `json:"bundle"`
	Rootfs string `json:"rootfs"`
	// Status is Creating until create finished, Created after; the live
	// status is derived from the process and the exec fifo.
	Status  Status    `json:"status"`
	Created time.Time `json:"created"`
	Owner   string    `json:"owner"`
	// InitPid is the host pid of the container's process, InitStartTime
	// its start time (field 22 of /proc/PID/stat): a pid is trusted only
	// while both match.
	InitPid       int    `json:"init_pid"`
	InitStartTime uint64 `json:"init_start_time"`
	// Cgroup is the cgroup manager's record.
	Cgroup *cgroups.State `json:"cgroup,omitempty"`
	// Rootless is --rootless as it was at create.
	Rootless bool `json:"rootless,omitempty"`
	// RootfsMountBefore is, for a container without a mount namespace of
	// its own, the id of the mount at the rootfs before create: the
	// container's mounts stack above it until delete.
	RootfsMountBefore uint64 `json:"rootfs_mount_before,omitempty"`
	// Config is config.json as it was at create: later edits of the
	// bundle do not affect the container. It comes last (JSON follows
	// the field order): a damaged record keeps what delete needs before
	// it (see salvage).
	Config *specs.Spec `json:"config"`
}

// ValidateID checks a container id: no slash, not "." or "..", and only
// the characters runc allows.
func ValidateID(id string) error {
	if id == "" {
		return errors.New("container id must not be empty")
	}
	if id == "." || id == ".." || !idChars(id) || len(id) > 1024 {
		return fmt.Errorf("invalid container id %q: use letters, digits and _+-. only (not \".\" or \"..\")", id)
	}
	return nil
}

// stateDir is one container's directory, locked while open.
type stateDir struct {
	path string
	lock *os.File
}

// createStateDir makes <root>/<id> for a new container and locks it; it
// fails if the id is taken.
func createStateDir(root, id string) (*stateDir, error) {
	if err := os.MkdirAll(root, 0o711); err != nil {
		return nil, fmt.Errorf("state root %s: %w", root, err)
	}
	dir := filepath.Join(root, id)
	if err := os.Mkdir(dir, 0o711); err != nil {
		if errors.Is(err, os.ErrExist) {
			return nil, fmt.Errorf("container with id %q already exists", id)
		}
		return nil, fmt.Errorf("state dir %s: %w", dir, err)
	}
	d, err := lockStateDir(dir, unix.LOCK_EX)
	if err != nil {
		os.Remove(dir)
		return nil, err
	}
	return d, nil
}

// NotExistError says a container id is unknown; errors.Is(err,
// os.ErrNotExist) holds for it.
type NotExistError struct{ ID string }

func (e *NotExistError) Error() string { return fmt.Sprintf("container %q does not exist", e.ID) }

// Is makes a NotExistError match os.ErrNotExist.
func (e *NotExistError) Is(target error) bool { return target == os.ErrNotExist }

// noRecordError says a container's directory has no state.json: its
// create was killed before the first record. errors.Is(err,
// os.ErrNotExist) holds for it.
type noRecordError string

func (e noRecordError) Error() string {
	return fmt.Sprintf("container %s has no state: its create was interrupted before the first record (delete --force removes it)", string(e))
}

// Is makes a noRecordError match os.ErrNotExist.
func (e noRecordError) Is(target error) bool { return target == os.ErrNotExist }

// openStateDir locks the directory of an existing container.
func openStateDir(root, id string) (*stateDir, error) {
	return openStateDirAs(root, id, unix.LOCK_EX)
}

// openStateDirAs is openStateDir with a lock of the given kind: an exec
// takes a shared one (execs do not wait on each other), the commands that
// change the container an exclusive one.
func openStateDirAs(root, id string, how int) (*stateDir, error) {
	dir := filepath.Join(root, id)
	d, err := lockStateDir(dir, how)
	if errors.Is(err, os.ErrNotExist) {
		return nil, &NotExistError{ID: id}
	}
	return d, err
}

// lockStateDir opens dir and locks it (how: LOCK_EX or LOCK_SH). The
// lock is taken on the open directory, so it is checked to still be the
// one at dir: a delete may
// remove the directory between the open and the lock, and a create of the
// same id make a new one there, whose record this lock would not cover.
// Then the new directory is locked instead, and a removed one with none
// in its place is an os.ErrNotExist.
func lockStateDir(dir string, how int) (*stateDir, error) {
	for {
		f, err := fdio.OpenFile(dir, unix.O_RDONLY|unix.O_DIRECTORY, 0)
		if err != nil {
			return nil, err
		}
		if err := unix.Flock(int(f.Fd()), how); err != nil {
			f.Close()
			return nil, fmt.Errorf("lock %s: %w", dir, err)
		}
		same, err := sameDir(f, dir)
		if err == nil && same {
			return &stateDir{path: dir, lock: f}, nil
		}
		f.Close()
		if err != nil {
			return nil, err
		}
	}
}

// sameDir says whether the directory open at f is still the one at path.
func sameDir(f *os.File, path string) (bool, error) {
	var locked, now unix.Stat_t
	if err := unix.Fstat(int(f.Fd()), &locked); err != nil {
		return false, fmt.Errorf("lock %s: %w", path, err)
	}
	if err := unix.Stat(path, &now); err != nil {
		return false, &os.PathError{Op: "lock", Path: path, Err: err}
	}
	return locked.Dev == now.Dev && locked.Ino == now.Ino, nil
}

// unlock releases the lock (the directory stays).
func (d *stateDir) unlock() {
	if d.lock != nil {
		d.lock.Close()
		d.lock = nil
	}
}

// remove deletes the directory and what is in it, then unlocks. It
// works through the lock's fd and needs no new one: a create that
// failed for lack of fds (EMFILE) still removes its directory.
func (d *stateDir) remove() error {
	err := d.removeFiles()
	if err == nil {
		err = unix.Rmdir(d.path)
	}
	if err != nil && !errors.Is(err, unix.ENOENT) {
		err = os.RemoveAll(d.path)
	}
	d.unlock()
	if err != nil {
		return fmt.Errorf("remove state dir %s: %w", d.path, err)
	}
	return nil
}

// removeFiles unlinks the directory's entries (state.json, the fifo,
// temp files) through the lock's fd.
func (d *stateDir) removeFiles() error {
	if d.lock == nil {
		return errors.New("state dir not locked")
	}
	names, err := d.lock.Readdirnames(-1)
	if err != nil {
		return err
	}
	for _, n := range names {
		if err := unix.Unlinkat(int(d.lock.Fd()), n, 0); err != nil && !errors.Is(err, unix.ENOENT) {
			return err
		}
	}
	return nil
}

func (d *stateDir) file(name string) string { return filepath.Join(d.path, name) }

// save writes state.json atomically (temp file, rename). The directory's
// lock is held (a stateDir is only made locked), so the temp file has one
// name; one a crashed writer left is truncated.
func (d *stateDir) save(s *State) error {
	data, err := encodeState(s)
	if err != nil {
		return fmt.Errorf("encode state: %w", err)
	}
	tmp := d.file(".state.tmp")
	fd, err := fdio.Open(tmp, unix.O_WRONLY|unix.O_CREAT|unix.O_TRUNC|unix.O_NOFOLLOW, 0o600)
	if err != nil {
		return fmt.Errorf("write state: %w", err)
	}
	defer unix.Unlink(tmp)
	// No fsync: the rename makes the record atomic for any process that
	// reads it, and a record that survived a power cut would describe
	// containers that did not (costs 0.5 ms a write on a disk-backed /run).
	err = fdio.WriteAll(fd, data)
	if cerr := unix.Close(fd); err == nil {
		err = cerr
	}
	if err == nil {
		err = unix.Rename(tmp, d.file(stateFile))
	}
	if err != nil {
		return fmt.Errorf("write state %s: %w", tmp, err)
	}
	return nil
}

// load reads state.json. Of the config it decodes only what the
// lifecycle commands read (see LifecycleConfig); the rest stays raw, for
// fullConfig. encoding/json's first decoding of a type builds a decoder
// for every type it can reach: the whole runtime-spec costs about half a
// millisecond, more than the rest of `berth state`.
func (d *stateDir) load() (*State, *LifecycleConfig, []byte, error) {
	data, err := d.read()
	if err != nil {
		return nil, nil, nil, err
	}
	return decodeLifecycle(data, filepath.Base(d.path))
}

// read reads state.json.
func (d *stateDir) read() ([]byte, error) {
	data, err := fdio.ReadFile(d.file(stateFile))
	if errors.Is(err, os.ErrNotExist) {
		// the lock is held: no create is writing it
		return nil, noRecordError(filepath.Base(d.path))
	}
	if err != nil {
		return nil, fmt.Errorf("read state of %s: %w", filepath.Base(d.path), err)
	}
	return data, nil
}

// readState reads the state.json of container id under a shared lock:
// readers do not wait on each other, and a command changing the
// container holds the exclusive lock while it writes.
func readState(root, id string) ([]byte, error) {
	if err := ValidateID(id); err != nil {
		return nil, err
	}
	d, err := openStateDirAs(root, id, unix.LOCK_SH)
	if err != nil {
		return nil, err
	}
	defer d.unlock()
	return d.read()
}

// salvage reads what it can of a damaged state.json: the top-level
// fields before the damage, without the config. The pid and the cgroup
// come before the config, which is most of the record, so a truncated
// record usually keeps them. nil when nothing is readable.
func salvage(data []byte) *State {
	dec := json.NewDecoder(bytes.NewReader(data))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil
	}
	fields := make(map[string]json.RawMessage)
	for dec.More() {
		t, err := dec.Token()
		key, ok := t.(string)
		var v json.RawMessage
		if err != nil || !ok || dec.Decode(&v) != nil {
			break
		}
		if key != "config" {
			fields[key] = v
		}
	}
	var s State
	if b, err := json.Marshal(fields); err != nil || json.Unmarshal(b, &s) != nil {
		return nil
	}
	return &s
}

// List returns the ids of the containers under root.
func List(root string) ([]string, error) {
	entries, err := os.ReadDir(root)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("list %s: %w", root, err)
	}
	var ids []string
	for _, e := range entries {
		if e.IsDir() && ValidateID(e.Name()) == nil {
			ids = append(ids, e.Name())
		}
	}
	return ids, nil
}
