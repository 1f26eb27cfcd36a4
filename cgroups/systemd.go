package cgroups

import (
	"context"
	"errors"
	"fmt"
	"syscall"
	"time"

	sddbus "github.com/coreos/go-systemd/v22/dbus"
	"github.com/godbus/dbus/v5"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// jobTimeout bounds the wait for systemd to start or stop a unit (its
// JobRemoved signal).
const jobTimeout = 30 * time.Second

// sdManager is the systemd driver: systemd makes and removes the
// container's cgroup as a transient unit, and the cgroupfs manager of
// that cgroup (fs) applies the limits, reads stats, freezes and kills,
// exactly as for a cgroup berth made itself. The limits are also given to
// systemd as unit properties (systemd_props.go).
type sdManager struct {
	Manager                   // the cgroupfs manager of the unit's cgroup
	fs      *base             // its base, for the resources and what it made
	unit    SystemdUnit       // the unit
	id      string            // the container id, for the unit's description
	started bool              // the unit exists (Adopt started it, or loaded)
	extra   []sddbus.Property // from org.systemd.property.* annotations
}

// newSystemd resolves the unit of cfg and its cgroup's directories.
func newSystemd(cfg Config, si *sysInfo) (Manager, error) {
	u, err := parseSystemdPath(cfg.Path, cfg.ID)
	if err != nil {
		return nil, err
	}
	inner, _ := u.cgroupPath() // checked by parseSystemdPath
	paths, err := resolvePaths(si.layout, inner)
	if err != nil {
		return nil, err
	}
	extra, err := annotationProperties(cfg.Annotations)
	if err != nil {
		return nil, err
	}
	b := base{mode: si.mode, paths: paths, res: cfg.Resources, defaults: cfg.DefaultDevices, adopted: true}
	m := wrapSystemd(b, u, cfg.ID, false)
	m.extra = extra
	return m, nil
}

func wrapSystemd(b base, u SystemdUnit, id string, started bool) *sdManager {
	fs := newManager(b)
	var bp *base
	switch m := fs.(type) {
	case *v2Manager:
		bp = &m.base
	case *v1Manager:
		bp = &m.base
	}
	return &sdManager{Manager: fs, fs: bp, unit: u, id: id, started: started}
}

// connect opens a connection to systemd on the system bus.
func connect() (*sddbus.Conn, error) {
	// the context lives as long as the connection: go-systemd closes the
	// connection when it is done
	c, err := sddbus.NewSystemConnectionContext(context.Background())
	if err != nil {
		return nil, fmt.Errorf("--systemd-cgroup: connect to systemd over the system bus: %w", err)
	}
	return c, nil
}

// Create checks that systemd answers on the bus. The unit needs its first
// process: Adopt starts it.
func (m *sdManager) Create() error {
	c, err := connect()
	if err != nil {
		return err
	}
	c.Close()
	return nil
}

// Adopt starts the unit with pid in it (a scope gets it as PIDs; a slice
// is started, then pid moved in), waits for the start job, then makes
// what systemd did not (v1 hierarchies it does not manage) and applies
// the limits to the files. On error the unit is stopped.
func (m *sdManager) Adopt(pid int) error {
	r := roundedQuota(m.fs.res)
	props, warns, err := resourceProperties(withoutPids(r), m.fs.mode, m.fs.defaults)
	if err != nil {
		return err
	}
	props = append(append(unitProperties(m.unit, m.id, pid), props...), m.extra...)
	if err := m.start(props); err != nil {
		return err
	}
	m.started = true
	m.fs.res = r
	err = m.Manager.Create()
	if err == nil {
		err = m.Manager.Join(pid)
	}
	if err != nil {
		_ = m.Destroy()
		return err
	}
	m.fs.warn(warns...)
	return nil
}

// start starts the transient unit and waits for its job. A failed unit of
// the same name left from before is reset once, as runc does.
func (m *sdManager) start(props []sddbus.Property) error {
	c, err := connect()
	if err != nil {
		return err
	}
	defer c.Close()
	done := make(chan string, 1)
	ctx, cancel := context.WithTimeout(context.Background(), jobTimeout)
	defer cancel()
	_, err = c.StartTransientUnitContext(ctx, m.unit.Name, "replace", props, done)
	if isDBusError(err, "org.freedesktop.systemd1.UnitExists") {
		_ = c.ResetFailedUnitContext(ctx, m.unit.Name)
		_, err = c.StartTransientUnitContext(ctx, m.unit.Name, "replace", props, done)
	}
	if isDBusError(err, "org.freedesktop.systemd1.UnitExists") {
		return fmt.Errorf("--systemd-cgroup: unit %s already exists: is it another container's? (linux.cgroupsPath)", m.unit.Name)
	}
	if err != nil {
		return fmt.Errorf("--systemd-cgroup: start unit %s: %w", m.unit.Name, err)
	}
	res, err := waitJob(done)
	if err == nil && res != "done" {
		err = fmt.Errorf("systemd's start job ended %q", res)
	}
	if err != nil {
		_ = c.ResetFailedUnitContext(context.Background(), m.unit.Name)
		return fmt.Errorf("--systemd-cgroup: start unit %s: %w", m.unit.Name, err)
	}
	return nil
}

// waitJob waits for the result of a job ("done" is success), which
// go-systemd takes from systemd's JobRemoved signal.
func waitJob(done chan string) (string, error) {
	t := time.NewTimer(jobTimeout)
	defer t.Stop()
	select {
	case res := <-done:
		return res, nil
	case <-t.C:
		return "", fmt.Errorf("no answer from systemd within %s", jobTimeout)
	}
}

func isDBusError(err error, name string) bool {
	var de dbus.Error
	return errors.As(err, &de) && de.Name == name
}

// Started applies the pids limit to the unit and the files (see Manager).
func (m *sdManager) Started() error {
	if m.fs.res == nil || m.fs.res.Pids == nil {
		return nil
	}
	if _, ok := m.fs.res.Unified["pids.max"]; ok {
		return nil // a unified pids.max wins: it went with the rest
	}
	if err := m.setProperties(&specs.LinuxResources{Pids: m.fs.res.Pids}); err != nil {
		return err
	}
	return m.Manager.Started()
}

// OpenEntry: before Adopt there is no cgroup yet to enter (the init is
// started outside and Adopt moves it); after it, the cgroup's entry.
func (m *sdManager) OpenEntry() (Entry, error) {
	if !m.started {
		return Entry{CloneFD: -1}, nil
	}
	return m.Manager.OpenEntry()
}

// CloneFD: as OpenEntry.
func (m *sdManager) CloneFD() (int, bool, error) {
	if !m.started {
		return -1, false, nil
	}
	return m.Manager.CloneFD()
}

// Set validates r, checks a new memory limit against the usage, gives
// systemd the new properties (runtime: until the unit goes), then writes
// the files.
func (m *sdManager) Set(r *specs.LinuxResources) error {
	if r == nil {
		return nil
	}
	if err := validateResources(r, m.fs.host()); err != nil {
		return err
	}
	r = roundedQuota(r)
	if err := m.checkMemory(r); err != nil {
		return err
	}
	if err := m.setProperties(r); err != nil {
		return err
	}
	return m.Manager.Set(r)
}

// checkMemory refuses a memory limit below the usage before systemd
// applies it (it would OOM-kill the container).
func (m *sdManager) checkMemory(r *specs.LinuxResources) error {
	if m.fs.mode == Unified {
		return checkBeforeUpdate(r, m.fs.paths[""], "memory.current")
	}
	if dir, ok := m.fs.paths["memory"]; ok {
		return checkBeforeUpdate(r, dir, "memory.usage_in_bytes")
	}
	return nil
}

// setProperties gives systemd the properties of r. Device rules are only
// sent when r has a list (Set without one leaves them alone).
func (m *sdManager) setProperties(r *specs.LinuxResources) error {
	var defaults []specs.LinuxDeviceCgroup
	if r.Devices != nil {
		defaults = m.fs.defaults
	}
	props, warns, err := resourceProperties(r, m.fs.mode, defaults)
	if err != nil || len(props) == 0 {
		return err
	}
	c, err := connect()
	if err != nil {
		return err
	}
	defer c.Close()
	if err := c.SetUnitPropertiesContext(context.Background(), m.unit.Name, true, props...); err != nil {
		return fmt.Errorf("--systemd-cgroup: set properties of unit %s: %w", m.unit.Name, err)
	}
	m.fs.warn(warns...)
	return nil
}

// Destroy stops the unit (systemd removes its cgroup), waits for the
// job, then removes what is left: directories berth made (v1 hierarchies
// systemd does not manage) and the unit's directory if systemd left it.
func (m *sdManager) Destroy() error {
	if !m.started {
		return nil // nothing was made (the unit may be another's)
	}
	if err := m.stop(); err != nil {
		return err
	}
	if err := m.Manager.Destroy(); err != nil {
		return err
	}
	for _, d := range m.fs.dirs() {
		if err := removeTree(d); err != nil {
			return err
		}
	}
	return nil
}

// stop stops the unit; one that is not loaded is already gone.
func (m *sdManager) stop() error {
	c, err := connect()
	if err != nil {
		return err
	}
	defer c.Close()
	done := make(chan string, 1)
	_, err = c.StopUnitContext(context.Background(), m.unit.Name, "replace", done)
	if isDBusError(err, "org.freedesktop.systemd1.NoSuchUnit") {
		return nil
	}
	if err != nil {
		return fmt.Errorf("--systemd-cgroup: stop unit %s: %w", m.unit.Name, err)
	}
	// a job that ends otherwise than "done" still unloads the unit (its
	// processes are gone); a failed unit is reset so that it goes too
	_, err = waitJob(done)
	_ = c.ResetFailedUnitContext(context.Background(), m.unit.Name)
	if err != nil {
		return fmt.Errorf("--systemd-cgroup: stop unit %s: %w", m.unit.Name, err)
	}
	return nil
}

// State is the cgroupfs record plus the unit.
func (m *sdManager) State() State {
	st := m.Manager.State()
	u := m.unit
	st.Systemd = &u
	return st
}

// Kill signals the processes of the unit's cgroup; before Adopt there
// are none of ours.
func (m *sdManager) Kill(sig syscall.Signal) error {
	if !m.started {
		return nil
	}
	return m.Manager.Kill(sig)
}
