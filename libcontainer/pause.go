package libcontainer

import (
	"fmt"

	"github.com/berth-oci/berth/cgroups"
)

// Pause freezes every process of a running container (the v1 freezer or
// cgroup v2's cgroup.freeze); its status is then paused.
func (c *Container) Pause() error {
	d, err := c.lock()
	if err != nil {
		return err
	}
	defer d.unlock()
	if st := c.Status(); st != Running {
		return statusError(c.state.ID, "pause", st)
	}
	cg, err := c.freezer("pause")
	if err != nil {
		return err
	}
	if err := cg.Freeze(); err != nil {
		return fmt.Errorf("pause container %s: %w", c.state.ID, err)
	}
	return nil
}

// Resume thaws a paused container.
func (c *Container) Resume() error {
	d, err := c.lock()
	if err != nil {
		return err
	}
	defer d.unlock()
	if st := c.Status(); st != Paused {
		return fmt.Errorf("cannot resume container %s: it is %s, not paused", c.state.ID, st)
	}
	cg, err := c.freezer("resume")
	if err != nil {
		return err
	}
	if err := cg.Thaw(); err != nil {
		return fmt.Errorf("resume container %s: %w", c.state.ID, err)
	}
	return nil
}

// freezer is the container's cgroup manager, for op on its freezer.
func (c *Container) freezer(op string) (cgroups.Manager, error) {
	cg, err := c.cgroup()
	if err != nil {
		return nil, fmt.Errorf("%s container %s: %w", op, c.state.ID, err)
	}
	if cg == nil {
		return nil, fmt.Errorf("cannot %s container %s: it has no cgroup", op, c.state.ID)
	}
	return cg, nil
}

// thawIfFrozen thaws the container's cgroup when it is frozen: a process
// killed in a v1 frozen cgroup dies only once thawed.
func (c *Container) thawIfFrozen() error {
	cg, err := c.cgroup()
	if err != nil || cg == nil || !cg.Exists() {
		return err
	}
	st, err := cg.FreezerState()
	if err != nil || st == cgroups.Thawed {
		return nil // no freezer: nothing can be frozen
	}
	if err := cg.Thaw(); err != nil {
		return fmt.Errorf("container %s: thaw after SIGKILL: %w", c.state.ID, err)
	}
	return nil
}
