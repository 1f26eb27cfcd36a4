package specconv

import specs "github.com/opencontainers/runtime-spec/specs-go"

// ContainerWide are the settings of linux that every process of the
// container runs with: an exec'd process gets them too, as runc's does.
type ContainerWide struct {
	Personality  *uint32
	MemoryPolicy *MemoryPolicy
}

// ResolveContainerWide resolves linux.personality and linux.memoryPolicy
// for a process that joins the container, with the checks of create.
func ResolveContainerWide(pers *specs.LinuxPersonality, mp *specs.LinuxMemoryPolicy, opts Options) (ContainerWide, error) {
	c := newChecker(opts)
	var w ContainerWide
	var err error
	if w.Personality, err = c.convertPersonality(pers); err != nil {
		return w, err
	}
	w.MemoryPolicy, err = c.convertMemoryPolicy(mp)
	return w, err
}
