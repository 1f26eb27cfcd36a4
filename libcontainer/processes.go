package libcontainer

import (
	"fmt"
)

// Processes lists the host pids of every process in the container's
// cgroup (and the cgroups below it), sorted; nil when there are none, or
// when the cgroup is gone.
func (c *Container) Processes() ([]int, error) {
	cg, err := c.cgroup()
	if err != nil {
		return nil, fmt.Errorf("processes of container %s: %w", c.state.ID, err)
	}
	if cg == nil {
		return nil, fmt.Errorf("cannot list the processes of container %s: it has no cgroup", c.state.ID)
	}
	if !cg.Exists() {
		return nil, nil
	}
	pids, err := cg.Pids()
	if err != nil {
		return nil, fmt.Errorf("processes of container %s: %w", c.state.ID, err)
	}
	if len(pids) == 0 {
		return nil, nil
	}
	return pids, nil
}
