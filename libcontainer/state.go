package libcontainer

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/berth-oci/berth/cgroups"
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
	// Config is config.json as it was at create: later edits of the
	// bundle do not affect the container.
	Config *specs.Spec `json:"config"`
	// Cgroup is the cgroup manager's record.
	Cgroup *cgroups.State `json:"cgroup,omitempty"`
	// Rootless is --rootless as it was at create.
	Rootless bool `json:"rootless,omitempty"`
	// RootfsMountBefore is, for a container without a mount namespace of
	// its own, the id of the mount at the rootfs before create: the
	// container's mounts stack above it until delete.
	RootfsMountBefore uint64 `json:"rootfs_mount_before,omitempty"`
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
	d, err := lockStateDir(dir)
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

// openStateDir locks the directory of an existing container.
func openStateDir(root, id string) (*stateDir, error) {
	dir := filepath.Join(root, id)
	d, err := lockStateDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil, &NotExistError{ID: id}
	}
	return d, err
}

func lockStateDir(dir string) (*stateDir, error) {
	f, err := os.OpenFile(dir, os.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, err
	}
	if err := unix.Flock(int(f.Fd()), unix.LOCK_EX); err != nil {
		f.Close()
		return nil, fmt.Errorf("lock %s: %w", dir, err)
	}
	return &stateDir{path: dir, lock: f}, nil
}

// unlock releases the lock (the directory stays).
func (d *stateDir) unlock() {
	if d.lock != nil {
		d.lock.Close()
		d.lock = nil
	}
}

// remove deletes the directory and what is in it, then unlocks.
func (d *stateDir) remove() error {
	err := os.RemoveAll(d.path)
	d.unlock()
	if err != nil {
		return fmt.Errorf("remove state dir %s: %w", d.path, err)
	}
	return nil
}

func (d *stateDir) file(name string) string { return filepath.Join(d.path, name) }

// save writes state.json atomically (temp file, rename).
func (d *stateDir) save(s *State) error {
	data, err := json.Marshal(s)
	if err != nil {
		return fmt.Errorf("encode state: %w", err)
	}
	tmp, err := os.CreateTemp(d.path, ".state-*")
	if err != nil {
		return fmt.Errorf("write state: %w", err)
	}
	defer os.Remove(tmp.Name())
	// No fsync: the rename makes the record atomic for any process that
	// reads it, and a record that survived a power cut would describe
	// containers that did not (costs 0.5 ms a write on a disk-backed /run).
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("write state: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write state: %w", err)
	}
	if err := os.Rename(tmp.Name(), d.file(stateFile)); err != nil {
		return fmt.Errorf("write state: %w", err)
	}
	return nil
}

// load reads state.json. Of the config it decodes only what the
// lifecycle commands read (see LifecycleConfig); the rest stays raw, for
// fullConfig. encoding/json's first decoding of a type builds a decoder
// for every type it can reach: the whole runtime-spec costs about half a
// millisecond, more than the rest of `berth state`.
func (d *stateDir) load() (*State, *LifecycleConfig, json.RawMessage, error) {
	data, err := d.read()
	if err != nil {
		return nil, nil, nil, err
	}
	return decodeLifecycle(data, filepath.Base(d.path))
}

// read reads state.json.
func (d *stateDir) read() ([]byte, error) {
	data, err := os.ReadFile(d.file(stateFile))
	if err != nil {
		return nil, fmt.Errorf("read state of %s: %w", filepath.Base(d.path), err)
	}
	return data, nil
}

// readState reads the state.json of container id under its lock.
func readState(root, id string) ([]byte, error) {
	if err := ValidateID(id); err != nil {
		return nil, err
	}
	d, err := openStateDir(root, id)
	if err != nil {
		return nil, err
	}
	defer d.unlock()
	return d.read()
}

// decodeLifecycle decodes a state.json with the lifecycle part of its
// config; the whole config stays raw.
func decodeLifecycle(data []byte, id string) (*State, *LifecycleConfig, json.RawMessage, error) {
	var s struct {
		State
		Config json.RawMessage `json:"config"` // shadows State.Config
	}
	var cfg lifecycleJSON
	err := json.Unmarshal(data, &s)
	if err == nil && len(s.Config) > 0 {
		err = json.Unmarshal(s.Config, &cfg)
	}
	if err != nil {
		return nil, nil, nil, fmt.Errorf("state of %s is corrupt: %w", id, err)
	}
	return &s.State, cfg.config(), s.Config, nil
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
