package libcontainer

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/berth-oci/berth/cgroups"
	"github.com/berth-oci/berth/internal/fdio"
)

// Container is a container known to the state store, with the part of
// its config the lifecycle commands read (LifecycleConfig). An exec loads
// it with its own part instead (ExecContainer).
type Container struct {
	root string
	// state.Config is nil unless the whole config was decoded (create,
	// update; see fullConfig)
	state State
	base  *ConfigBase      // the part every load decodes
	cfg   *LifecycleConfig // nil when loaded for an exec
	// rawState is state.json as read, for fullConfig; nil once decoded.
	rawState []byte
}

// newContainer is the container create made, from its whole config.
func newContainer(root string, st State) *Container {
	cfg := lifecycleOf(st.Config)
	return &Container{root: root, state: st, base: &cfg.ConfigBase, cfg: cfg}
}

// Load reads a container's state. The record is replaced whole (save
// renames a new file over it), so a read without the lock sees one
// record or the next. Only a record still `creating` needs the lock: the
// create may be running, and its lock says so; reading under the lock
// waits for it (or finds it died). A missing or unreadable record is
// read again under the lock too, which gives the error.
func Load(root, id string) (*Container, error) {
	if err := ValidateID(id); err != nil {
		return nil, err
	}
	if data, err := fdio.ReadFile(filepath.Join(root, id, stateFile)); err == nil {
		if c, err := decodeContainer(root, id, data); err == nil && !c.interrupted() {
			return c, nil
		}
	}
	data, err := readState(root, id)
	if err != nil {
		return nil, err
	}
	return decodeContainer(root, id, data)
}

// decodeContainer is the container whose record is data.
func decodeContainer(root, id string, data []byte) (*Container, error) {
	st, cfg, raw, err := decodeLifecycle(data, id)
	if err != nil {
		return nil, err
	}
	return &Container{root: root, state: *st, base: &cfg.ConfigBase, cfg: cfg, rawState: raw}, nil
}

// lock locks the container's directory and re-reads its state: commands
// that change a container hold the lock throughout.
func (c *Container) lock() (*stateDir, error) {
	d, err := openStateDir(c.root, c.state.ID)
	if err != nil {
		return nil, err
	}
	st, cfg, raw, err := d.load()
	if err != nil {
		d.unlock()
		return nil, err
	}
	c.state, c.base, c.cfg, c.rawState = *st, &cfg.ConfigBase, cfg, raw
	return d, nil
}

// fullConfig decodes the whole config into state.Config: a command that
// saves the state (update) needs all of it.
func (c *Container) fullConfig() error {
	if c.rawState == nil {
		return nil
	}
	var s struct {
		Config *specs.Spec `json:"config"`
	}
	if err := json.Unmarshal(c.rawState, &s); err != nil {
		return fmt.Errorf("state of %s is corrupt: %w", c.state.ID, err)
	}
	c.state.Config, c.rawState = s.Config, nil
	return nil
}

// ID is the container's id.
func (c *Container) ID() string { return c.state.ID }

// Config is the part of config.json, as it was at create, that the
// lifecycle commands read.
func (c *Container) Config() *LifecycleConfig { return c.cfg }

// Pid is the host pid of the container's process, 0 once it stopped.
func (c *Container) Pid() int {
	if !initAlive(c.state.InitPid, c.state.InitStartTime) {
		return 0
	}
	return c.state.InitPid
}

// InitPid is the pid recorded at create, alive or not.
func (c *Container) InitPid() int { return c.state.InitPid }

// Status derives the status from the record, the process and the fifo.
func (c *Container) Status() Status {
	if c.interrupted() {
		return Stopped
	}
	if !initAlive(c.state.InitPid, c.state.InitStartTime) {
		return Stopped
	}
	if _, err := os.Lstat(c.fifoPath()); err == nil {
		return Created
	}
	if c.frozen() {
		return Paused
	}
	return Running
}

// interrupted tells whether the record is a create's that never
// finished. A create holds the container's lock from before its first
// record until its last, and the state is read under the lock: a record
// still `creating` belongs to a create that died (SIGKILL, OOM killer).
// Such a container is stopped: it never will run. What the create had
// acquired (the record lists it) is released by delete.
func (c *Container) interrupted() bool { return c.state.Status == Creating }

// stoppedBecause says, for an error, why a container counts as stopped
// ("" for another status): what became of its recorded process.
func (c *Container) stoppedBecause(st Status) string {
	if st != Stopped {
		return ""
	}
	pid := c.state.InitPid
	if c.interrupted() {
		return " (its create was interrupted)"
	}
	if pid <= 0 {
		// no create records a created container without its process
		return fmt.Sprintf(" (its record, status %q, names no process)", c.state.Status)
	}
	ps, err := readProcStat(pid)
	switch {
	case err != nil:
		return fmt.Sprintf(" (its process %d has exited)", pid)
	case ps.startTime != c.state.InitStartTime:
		return fmt.Sprintf(" (its process %d has exited: the pid is another process's now)", pid)
	case ps.state == 'Z' || ps.state == 'X':
		return fmt.Sprintf(" (its process %d has exited and is not yet reaped)", pid)
	}
	return ""
}

func (c *Container) fifoPath() string {
	return c.root + "/" + c.state.ID + "/" + fifoName
}

func (c *Container) frozen() bool {
	cg, err := c.cgroup()
	if err != nil || cg == nil {
		return false
	}
	st, err := cg.FreezerState()
	return err == nil && st == cgroups.Frozen
}

// cgroup loads the container's cgroup manager from its record.
// A rootless container may have none (every hierarchy was out of reach).
func (c *Container) cgroup() (cgroups.Manager, error) {
	if c.state.Cgroup == nil || len(c.state.Cgroup.Paths) == 0 {
		return nil, nil
	}
	return cgroups.Load(*c.state.Cgroup)
}

// OCIState is `berth state`: runc's JSON, the runtime-spec state plus
// rootfs, created and owner.
type OCIState struct {
	OCIVersion  string            `json:"ociVersion"`
	ID          string            `json:"id"`
	Pid         int               `json:"pid"`
	Status      Status            `json:"status"`
	Bundle      string            `json:"bundle"`
	Rootfs      string            `json:"rootfs"`
	Created     time.Time         `json:"created"`
	Owner       string            `json:"owner"`
	Annotations map[string]string `json:"annotations,omitempty"`
}

// State reports the container as `berth state` prints it.
func (c *Container) State() OCIState {
	st := c.Status()
	pid := c.state.InitPid
	if st == Stopped {
		pid = 0
	}
	return OCIState{
		OCIVersion:  specs.Version,
		ID:          c.state.ID,
		Pid:         pid,
		Status:      st,
		Bundle:      c.state.Bundle,
		Rootfs:      c.state.Rootfs,
		Created:     c.state.Created,
		Owner:       c.state.Owner,
		Annotations: c.base.Annotations,
	}
}

// hookState is the state given to hooks.
func (c *Container) hookState(st Status) *specs.State {
	s := c.State()
	return &specs.State{
		Version:     specs.Version,
		ID:          s.ID,
		Status:      specs.ContainerState(st),
		Pid:         s.Pid,
		Bundle:      s.Bundle,
		Annotations: s.Annotations,
	}
}

// ErrNotRunning etc. describe why an operation does not apply.
var (
	ErrNotCreated = errors.New("container is not in the created state")
	ErrStopped    = errors.New("container is stopped")
)

func statusError(id string, op string, st Status) error {
	return fmt.Errorf("cannot %s container %s: it is %s", op, id, st)
}
