package libcontainer

import (
	"errors"
	"fmt"
	"time"

	"golang.org/x/sys/unix"

	"github.com/berth-oci/berth/cgroups"
)

// Event is one JSON line `berth events` prints. Kind is "stats", with
// an EventStats as Data, or "oom", without Data. The keys are those
// engines read from runc's events.
type Event struct {
	Kind        string `json:"type"`
	ContainerID string `json:"id"`
	Data        any    `json:"data,omitempty"`
}

// EventStats is a stats event's data: the cgroup's Snapshot, then two
// keys that do not come from cgroups but that readers of runc's events
// expect. berth has no Intel RDT support: intel_rdt is always {}. runc
// lists network interfaces only for networks it set up itself, which an
// OCI bundle cannot ask for, so network_interfaces is null with runc too.
type EventStats struct {
	*cgroups.Snapshot
	IntelRDT struct{} `json:"intel_rdt"`
	Networks []any    `json:"network_interfaces"`
}

// Stats reads the statistics of a container that is not stopped.
func (c *Container) Stats() (*EventStats, error) {
	cg, err := c.liveCgroup()
	if err != nil {
		return nil, err
	}
	return c.readStats(cg)
}

func (c *Container) readStats(cg cgroups.Manager) (*EventStats, error) {
	s, err := cg.Stats()
	if err != nil {
		return nil, fmt.Errorf("stats of container %s: %w", c.state.ID, err)
	}
	return &EventStats{Snapshot: s}, nil
}

// liveCgroup is the cgroup manager of a container that has not stopped.
func (c *Container) liveCgroup() (cgroups.Manager, error) {
	if st := c.Status(); st == Stopped || st == Creating {
		return nil, fmt.Errorf("container %s is not running", c.state.ID)
	}
	cg, err := c.cgroup()
	if err != nil {
		return nil, fmt.Errorf("container %s: %w", c.state.ID, err)
	}
	if cg == nil {
		return nil, fmt.Errorf("container %s has no cgroup", c.state.ID)
	}
	return cg, nil
}

// Events reports the container's events to emit until its process
// exits: an "oom" event each time the OOM killer acts in its cgroup, and
// a "stats" event every interval. A stats read that fails is passed to
// warn and the stream goes on; an error from emit ends it.
func (c *Container) Events(interval time.Duration, emit func(*Event) error, warn func(string)) error {
	if interval <= 0 {
		return fmt.Errorf("events: --interval %s: a stats interval is a duration above zero", interval)
	}
	cg, err := c.liveCgroup()
	if err != nil {
		return err
	}
	pidfd, err := openPidfd(c.state.InitPid, c.state.InitStartTime)
	if errors.Is(err, errProcessGone) {
		return fmt.Errorf("container %s is not running", c.state.ID)
	}
	if err != nil {
		return fmt.Errorf("events of container %s: %w", c.state.ID, err)
	}
	defer unix.Close(pidfd)
	oom, err := watchOOM(cg)
	if err != nil {
		return fmt.Errorf("events of container %s: %w", c.state.ID, err)
	}
	defer oom.close()
	s := &eventStream{c: c, cg: cg, oom: oom, pidfd: pidfd, emit: emit, warn: warn}
	return s.run(interval)
}

// eventStream is one `events` loop: it polls the container's pidfd and
// the OOM watch, and reads stats when the interval is up.
type eventStream struct {
	c     *Container
	cg    cgroups.Manager
	oom   *oomWatch
	pidfd int
	emit  func(*Event) error
	warn  func(string)
}

func (s *eventStream) run(interval time.Duration) error {
	next := time.Now().Add(interval)
	for {
		fds := []unix.PollFd{{Fd: int32(s.pidfd), Events: unix.POLLIN}}
		if s.oom.fd >= 0 {
			fds = append(fds, unix.PollFd{Fd: int32(s.oom.fd), Events: unix.POLLIN})
		}
		_, err := unix.Poll(fds, s.timeout(next))
		if err != nil && err != unix.EINTR {
			return fmt.Errorf("events of container %s: poll: %w", s.c.state.ID, err)
		}
		// OOM first: the kill that ended the container is reported
		if err := s.checkOOM(len(fds) > 1 && fds[1].Revents != 0); err != nil {
			return err
		}
		if fds[0].Revents != 0 {
			return s.checkOOM(true)
		}
		if !time.Now().Before(next) {
			if err := s.stats(); err != nil {
				return err
			}
			next = next.Add(interval)
			if now := time.Now(); next.Before(now) {
				next = now.Add(interval) // a slow read: do not catch up
			}
		}
	}
}

// timeout is how long poll may wait: until the next stats, and at most
// oomPollInterval when OOM kills are polled for.
func (s *eventStream) timeout(next time.Time) int {
	d := time.Until(next)
	if s.oom.fd < 0 {
		d = min(d, oomPollInterval)
	}
	return max(int(d.Milliseconds()), 0) + 1
}

func (s *eventStream) checkOOM(ready bool) error {
	if !s.oom.fired(ready) {
		return nil
	}
	return s.emit(&Event{Kind: "oom", ContainerID: s.c.state.ID})
}

func (s *eventStream) stats() error {
	st, err := s.c.readStats(s.cg)
	if err != nil {
		s.warn(err.Error())
		return nil
	}
	return s.emit(&Event{Kind: "stats", ContainerID: s.c.state.ID, Data: st})
}
