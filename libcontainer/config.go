package libcontainer

import (
	"encoding/json"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// The part of a container's config.json a command reads. state.json keeps
// the whole config, but decoding all of the runtime-spec costs
// encoding/json about half a millisecond (a decoder for every type it can
// reach), more than the rest of `berth state`. So each load decodes its
// own part, into a type that has only the fields decoded: a caller cannot
// read a field that was left out.

// ConfigBase is what every load decodes.
type ConfigBase struct {
	Annotations map[string]string
	Namespaces  []specs.LinuxNamespace
}

// LifecycleConfig is what Load decodes: what start, state, kill, delete,
// pause, ps, events and list read.
type LifecycleConfig struct {
	ConfigBase
	// Terminal is process.terminal.
	Terminal bool
	// HasProcess: the config has a process (start refuses one without).
	HasProcess bool
	Hooks      *specs.Hooks
}

// ExecConfig is what LoadForExec decodes: the container's process, which
// an exec starts from. linux.seccomp stays undecoded until an exec needs
// it (see execution.seccomp).
type ExecConfig struct {
	ConfigBase
	Process *specs.Process
	seccomp json.RawMessage
	// what every process of the container runs with (as runc's exec)
	personality  *specs.LinuxPersonality
	memoryPolicy *specs.LinuxMemoryPolicy
	cpus         string // linux.resources.cpu.cpus, for the scheduler's error
}

// hasNamespace says whether the container has its own namespace of typ
// (made or joined).
func (b *ConfigBase) hasNamespace(typ specs.LinuxNamespaceType) bool {
	for _, ns := range b.Namespaces {
		if ns.Type == typ {
			return true
		}
	}
	return false
}

// mountNSPath is the path of the mount namespace the config joins, "" for
// none (a new one, or no mount namespace).
func (b *ConfigBase) mountNSPath() string {
	for _, ns := range b.Namespaces {
		if ns.Type == specs.MountNamespace {
			return ns.Path
		}
	}
	return ""
}

// lifecycleJSON is LifecycleConfig as config.json spells it.
// (libcontainer/state_decode.go reads the same members by hand.)
type lifecycleJSON struct {
	Process     *processJSON      `json:"process,omitempty"`
	Hooks       *specs.Hooks      `json:"hooks,omitempty"`
	Annotations map[string]string `json:"annotations,omitempty"`
	Linux       *namespacesJSON   `json:"linux,omitempty"`
}

// processJSON is the part of process a lifecycle command reads.
type processJSON struct {
	Terminal bool `json:"terminal,omitempty"`
}

// namespacesJSON is the part of linux a lifecycle command reads.
type namespacesJSON struct {
	Namespaces []specs.LinuxNamespace `json:"namespaces,omitempty"`
}

func (j *lifecycleJSON) config() *LifecycleConfig {
	c := &LifecycleConfig{Hooks: j.Hooks}
	c.Annotations = j.Annotations
	if j.Process != nil {
		c.Terminal, c.HasProcess = j.Process.Terminal, true
	}
	if j.Linux != nil {
		c.Namespaces = j.Linux.Namespaces
	}
	return c
}

// lifecycleOf is the lifecycle part of a whole config.
func lifecycleOf(s *specs.Spec) *LifecycleConfig {
	c := &LifecycleConfig{}
	if s == nil {
		return c
	}
	c.Hooks, c.Annotations = s.Hooks, s.Annotations
	if s.Process != nil {
		c.Terminal, c.HasProcess = s.Process.Terminal, true
	}
	if s.Linux != nil {
		c.Namespaces = s.Linux.Namespaces
	}
	return c
}

// execJSON is ExecConfig as config.json spells it.
// (libcontainer/exec_decode.go reads the same members by hand.)
type execJSON struct {
	Process     *specs.Process    `json:"process,omitempty"`
	Annotations map[string]string `json:"annotations,omitempty"`
	Linux       *execLinuxJSON    `json:"linux,omitempty"`
}

// execLinuxJSON is the part of linux an exec reads.
type execLinuxJSON struct {
	Namespaces   []specs.LinuxNamespace   `json:"namespaces,omitempty"`
	Seccomp      json.RawMessage          `json:"seccomp,omitempty"`
	Personality  *specs.LinuxPersonality  `json:"personality,omitempty"`
	MemoryPolicy *specs.LinuxMemoryPolicy `json:"memoryPolicy,omitempty"`
	Resources    *cpusJSON                `json:"resources,omitempty"`
}

// cpusJSON is linux.resources.cpu.cpus.
type cpusJSON struct {
	CPU *cpuJSON `json:"cpu,omitempty"`
}

type cpuJSON struct {
	Cpus string `json:"cpus,omitempty"`
}

func (j *execJSON) config() *ExecConfig {
	c := &ExecConfig{Process: j.Process}
	c.Annotations = j.Annotations
	if j.Linux != nil {
		c.Namespaces, c.seccomp = j.Linux.Namespaces, j.Linux.Seccomp
		c.personality, c.memoryPolicy = j.Linux.Personality, j.Linux.MemoryPolicy
		if r := j.Linux.Resources; r != nil && r.CPU != nil {
			c.cpus = r.CPU.Cpus
		}
	}
	return c
}
