package libcontainer

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// LoadForExec reads a container's state for `berth exec`: as Load, but
// of the config only what an exec uses (the process, the namespaces, the
// annotations; the seccomp profile is kept undecoded), so Config()
// returns that part. The
// first decoding of a type costs encoding/json a decoder (and an encoder)
// for every type it can reach: the whole runtime-spec is about half a
// millisecond, the part exec needs a fraction of it.
func LoadForExec(root, id string) (*Container, error) {
	if err := ValidateID(id); err != nil {
		return nil, err
	}
	d, err := openStateDir(root, id)
	if err != nil {
		return nil, err
	}
	defer d.unlock()
	data, err := os.ReadFile(d.file(stateFile))
	if err != nil {
		return nil, fmt.Errorf("read state of %s: %w", id, err)
	}
	var s struct {
		State
		Config *execConfig `json:"config"` // shadows State.Config
	}
	if err := json.Unmarshal(data, &s); err != nil {
		return nil, fmt.Errorf("state of %s is corrupt: %w", filepath.Base(d.path), err)
	}
	st := s.State
	st.Config = s.Config.spec()
	c := &Container{root: root, state: st}
	if s.Config != nil && s.Config.Linux != nil {
		c.execSeccomp = s.Config.Linux.Seccomp
	}
	return c, nil
}

// execConfig is the part of config.json an exec reads.
type execConfig struct {
	Process     *specs.Process    `json:"process,omitempty"`
	Annotations map[string]string `json:"annotations,omitempty"`
	Linux       *struct {
		Namespaces []specs.LinuxNamespace `json:"namespaces,omitempty"`
		// Seccomp is decoded only when the exec has no compiled filter
		// kept (see execFilterFile).
		Seccomp json.RawMessage `json:"seccomp,omitempty"`
	} `json:"linux,omitempty"`
}

// spec is the part as a runtime-spec config (nil for none).
func (c *execConfig) spec() *specs.Spec {
	if c == nil {
		return nil
	}
	s := &specs.Spec{Process: c.Process, Annotations: c.Annotations}
	if c.Linux != nil {
		s.Linux = &specs.Linux{Namespaces: c.Linux.Namespaces}
	}
	return s
}
