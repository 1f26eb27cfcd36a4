package libcontainer

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"golang.org/x/sys/unix"
)

// killTimeout bounds the wait for a killed container to exit.
const killTimeout = 10 * time.Second

// Delete destroys a container: its processes, cgroup and state, then runs
// the poststop hooks. A created container is deleted without force, as
// runc does and containerd relies on; a running or paused one needs force.
func (c *Container) Delete(force bool, warn func(string)) error {
	d, err := c.lock()
	if err != nil {
		return err
	}
	defer d.unlock()
	st := c.Status()
	switch st {
	case Running, Paused:
		if !force {
			return fmt.Errorf("cannot delete container %s: it is %s (stop it first, or use --force)", c.state.ID, st)
		}
	case Creating:
		if !force {
			return fmt.Errorf("cannot delete container %s: it is being created (use --force)", c.state.ID)
		}
	}
	trace("delete: locked")
	if err := c.stopAll(st); err != nil {
		return err
	}
	trace("delete: processes gone")
	if err := c.destroyCgroup(); err != nil {
		return err
	}
	trace("delete: cgroup removed")
	err = inMountNS(c.base.mountNSPath(), func() error {
		return detachHostMounts(c.state.Rootfs, c.state.RootfsMountBefore)
	})
	if err != nil {
		return err
	}
	if err := d.remove(); err != nil {
		return err
	}
	if h := c.cfg.Hooks; h != nil && len(h.Poststop) > 0 {
		runHooksWarn("poststop", h.Poststop, c.hookState(Stopped), func(err error) { warn(err.Error()) })
	}
	return nil
}

// stopAll kills whatever still runs of the container and waits for it.
func (c *Container) stopAll(st Status) error {
	if st == Stopped && c.state.Cgroup == nil {
		return nil
	}
	cg, err := c.cgroup()
	if err != nil {
		return err
	}
	if cg != nil && cg.Exists() {
		if err := cg.Kill(unix.SIGKILL); err != nil {
			return fmt.Errorf("delete container %s: %w", c.state.ID, err)
		}
		if err := c.thawIfFrozen(); err != nil {
			return err
		}
	} else if st != Stopped {
		if err := c.killInit(unix.SIGKILL); err != nil && !errors.Is(err, errProcessGone) {
			return fmt.Errorf("delete container %s: %w", c.state.ID, err)
		}
	}
	if st == Stopped {
		return nil
	}
	return c.waitGone(killTimeout)
}

func (c *Container) destroyCgroup() error {
	cg, err := c.cgroup()
	if err != nil || cg == nil {
		return err
	}
	if err := cg.Destroy(); err != nil {
		return fmt.Errorf("delete container %s: %w", c.state.ID, err)
	}
	return nil
}

// RemoveLeftover removes a state directory without a readable state
// (a create killed before it wrote one).
func RemoveLeftover(root, id string) error {
	if err := ValidateID(id); err != nil {
		return err
	}
	dir := filepath.Join(root, id)
	if _, err := os.Stat(filepath.Join(dir, stateFile)); err == nil {
		return nil
	}
	return os.RemoveAll(dir)
}
