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
// An interrupted create may have left its init waiting.
func (c *Container) stopAll(st Status) error {
	live := st != Stopped || c.interrupted()
	if !live && c.state.Cgroup == nil {
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
	} else if live {
		if err := c.killInit(unix.SIGKILL); err != nil && !errors.Is(err, errProcessGone) {
			return fmt.Errorf("delete container %s: %w", c.state.ID, err)
		}
	}
	if !live {
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

// RemoveLeftover removes a state directory whose state cannot be read:
// one without state.json (a create killed before its first record, which
// it writes before acquiring anything), and with force one whose
// state.json is corrupt (berth writes it atomically: something else
// damaged it), whose processes and cgroup it cannot know. It works under
// the container's lock and leaves a directory whose state is readable.
func RemoveLeftover(root, id string, force bool, warn func(string)) error {
	if err := ValidateID(id); err != nil {
		return err
	}
	d, err := openStateDir(root, id)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	defer d.unlock()
	_, _, _, err = d.load()
	switch {
	case err == nil:
		return nil
	case errors.Is(err, os.ErrNotExist):
	case !force:
		return fmt.Errorf("%w (delete --force removes it)", err)
	default:
		warn(fmt.Sprintf("%v: removing %s and what the readable part names", err, d.path))
		if err := releaseSalvaged(root, d); err != nil {
			return err
		}
	}
	return d.remove()
}

// releaseSalvaged stops the processes and removes the cgroup that the
// readable part of a damaged state names.
func releaseSalvaged(root string, d *stateDir) error {
	data, err := os.ReadFile(d.file(stateFile))
	if err != nil {
		return fmt.Errorf("read state of %s: %w", filepath.Base(d.path), err)
	}
	s := salvage(data)
	if s == nil {
		return nil
	}
	c := &Container{root: root, state: *s}
	st := Stopped
	if initAlive(s.InitPid, s.InitStartTime) {
		st = Running
	}
	if err := c.stopAll(st); err != nil {
		return err
	}
	return c.destroyCgroup()
}
