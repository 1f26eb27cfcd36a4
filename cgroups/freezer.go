package cgroups

import (
	"fmt"
	"strings"
	"time"
)

// freezeTimeout bounds how long Freeze waits for the kernel.
const freezeTimeout = 10 * time.Second

// poller sleeps with a growing delay until a deadline.
type poller struct {
	delay    time.Duration
	deadline time.Time
}

func newPoller(timeout time.Duration) *poller {
	return &poller{delay: time.Millisecond, deadline: time.Now().Add(timeout)}
}

// wait sleeps once; false when the time is up.
func (p *poller) wait() bool {
	if time.Now().After(p.deadline) {
		return false
	}
	time.Sleep(p.delay)
	p.delay = min(2*p.delay, 20*time.Millisecond)
	return true
}

// v1 freezer: freezer.state takes THAWED or FROZEN and reads FREEZING
// while tasks are still being stopped.

func freezeV1(dir string) error {
	if !fileExists(dir, "freezer.state") {
		return fmt.Errorf("cgroups: freeze: no freezer.state in %s", dir)
	}
	p := newPoller(freezeTimeout)
	for i := 0; ; i++ {
		// a task stuck in the kernel can keep the cgroup FREEZING: write
		// FROZEN again now and then, which retries the stragglers
		if i%10 == 0 {
			if err := writeFile(dir, "freezer.state", Frozen); err != nil {
				return fmt.Errorf("cgroups: freeze %s: %w", dir, err)
			}
		}
		st, err := readFile(dir, "freezer.state")
		if err != nil {
			return fmt.Errorf("cgroups: freeze %s: %w", dir, err)
		}
		if st == Frozen {
			return nil
		}
		if !p.wait() {
			_ = writeFile(dir, "freezer.state", Thawed)
			return fmt.Errorf("cgroups: freeze %s: still %s after %v; thawed it again", dir, st, freezeTimeout)
		}
	}
}

func thawV1(dir string) error {
	if err := writeFile(dir, "freezer.state", Thawed); err != nil {
		return fmt.Errorf("cgroups: thaw %s: %w", dir, err)
	}
	return nil
}

func stateV1(dir string) (string, error) {
	st, err := readFile(dir, "freezer.state")
	if err != nil {
		return "", fmt.Errorf("cgroups: freezer state of %s: %w", dir, err)
	}
	return strings.TrimSpace(st), nil
}

// v2 freezer (Linux 5.2+): cgroup.freeze takes 0 or 1; cgroup.events
// says "frozen 1" once every task is stopped.

func freezeV2(dir string) error {
	if err := setFreezeV2(dir, "1"); err != nil {
		return err
	}
	p := newPoller(freezeTimeout)
	for {
		frozen, err := frozenV2(dir)
		if err != nil {
			return err
		}
		if frozen {
			return nil
		}
		if !p.wait() {
			_ = writeFile(dir, "cgroup.freeze", "0")
			return fmt.Errorf("cgroups: freeze %s: not frozen after %v; thawed it again", dir, freezeTimeout)
		}
	}
}

func thawV2(dir string) error { return setFreezeV2(dir, "0") }

func setFreezeV2(dir, v string) error {
	if !fileExists(dir, "cgroup.freeze") {
		return fmt.Errorf("cgroups: no cgroup.freeze in %s (the cgroup v2 freezer needs Linux 5.2)", dir)
	}
	if err := writeFile(dir, "cgroup.freeze", v); err != nil {
		return fmt.Errorf("cgroups: write %s to %s/cgroup.freeze: %w", v, dir, err)
	}
	return nil
}

// frozenV2 reads "frozen" from cgroup.events.
func frozenV2(dir string) (bool, error) {
	ev, err := readKeyed(dir, "cgroup.events")
	if err != nil {
		return false, fmt.Errorf("cgroups: read %s/cgroup.events: %w", dir, err)
	}
	return ev["frozen"] == 1, nil
}

func stateV2(dir string) (string, error) {
	want, err := readFile(dir, "cgroup.freeze")
	if err != nil {
		return "", fmt.Errorf("cgroups: freezer state of %s: %w", dir, err)
	}
	if strings.TrimSpace(want) == "0" {
		return Thawed, nil
	}
	frozen, err := frozenV2(dir)
	if err != nil {
		return "", err
	}
	if frozen {
		return Frozen, nil
	}
	return Freezing, nil
}
