package libcontainer

import (
	"golang.org/x/sys/unix"
)

// ExecContainer is a container loaded for `berth exec`: with the part of
// its config an exec reads (ExecConfig) rather than the lifecycle part.
// It holds the container's lock shared from the load until Exec has
// started the process (see Exec).
type ExecContainer struct {
	c   *Container // its cfg is nil: an exec reads no lifecycle field
	cfg *ExecConfig
	dir *stateDir // locked shared; nil once released
}

// LoadForExec reads a container's state for `berth exec`: as Load, but
// of the config only what an exec uses (the process, the namespaces, the
// annotations; the seccomp profile is kept undecoded), and under a shared
// lock that it keeps for Exec. The record is decoded by hand
// (exec_decode.go): encoding/json's first decoding of a type builds a
// decoder for every type it can reach, by reflection.
func LoadForExec(root, id string) (*ExecContainer, error) {
	if err := ValidateID(id); err != nil {
		return nil, err
	}
	d, err := openStateDirAs(root, id, unix.LOCK_SH)
	if err != nil {
		return nil, err
	}
	e, err := decodeForExec(d, root, id)
	if err != nil {
		d.unlock()
		return nil, err
	}
	return e, nil
}

// decodeForExec reads and decodes the record of the locked directory d.
func decodeForExec(d *stateDir, root, id string) (*ExecContainer, error) {
	data, err := d.read()
	if err != nil {
		return nil, err
	}
	s, cfg, err := decodeExec(data, id)
	if err != nil {
		return nil, err
	}
	st := *s
	st.Config = nil
	return &ExecContainer{c: &Container{root: root, state: st, base: &cfg.ConfigBase}, cfg: cfg, dir: d}, nil
}

// release lets go of the container's lock.
func (e *ExecContainer) release() {
	if e.dir != nil {
		e.dir.unlock()
		e.dir = nil
	}
}

// ID is the container's id.
func (e *ExecContainer) ID() string { return e.c.state.ID }

// Config is the part of config.json, as it was at create, that an exec
// reads.
func (e *ExecContainer) Config() *ExecConfig { return e.cfg }
