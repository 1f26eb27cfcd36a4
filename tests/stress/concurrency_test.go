package stress

import (
	"encoding/json"
	"math/rand/v2"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

// TestConcurrency runs containers through create, start, exec, pause,
// resume, update, kill and delete with 8 workers in a random
// interleaving: each worker takes containers in turn and, between the
// steps of its own, commands a random container of another worker.
// Every command succeeds or fails with a one-line error; `list`, run
// throughout, is always consistent; nothing is left at the end.
func TestConcurrency(t *testing.T) {
	e := newEnv(t)
	b := e.newBundle("sleep", "1000")
	n := 40
	if full {
		n = 200
	}
	var live sync.Map // id -> struct{}
	ids := make(chan string, n)
	for i := 0; i < n; i++ {
		ids <- e.id()
	}
	close(ids)
	var failed atomic.Int64
	ops := []func(id string) result{
		func(id string) result { return e.berth("exec", id, "true") },
		func(id string) result { return e.berth("pause", id) },
		func(id string) result { return e.berth("resume", id) },
		func(id string) result { return e.berth("update", "--pids-limit", "100", id) },
		func(id string) result { return e.berth("state", id) },
		func(id string) result { return e.berth("kill", id, "CONT") },
	}
	random := func(self string) string {
		var picked string
		k := 0
		live.Range(func(key, _ any) bool {
			if key != self && rand.IntN(k+1) == 0 {
				picked = key.(string)
			}
			k++
			return true
		})
		return picked
	}
	try := func(what string, r result) {
		if r.code != 0 {
			failed.Add(1)
			e.clearError(r, what)
		}
	}
	stopList := make(chan struct{})
	lists := make(chan int)
	go func() { lists <- e.checkList(stopList) }()
	var wg sync.WaitGroup
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for id := range ids {
				if r := e.berth("create", "--bundle", b.dir, id); r.code != 0 {
					t.Errorf("create %s: %s", id, r)
					continue
				}
				live.Store(id, struct{}{})
				try("start", e.berth("start", id))
				for s := 0; s < 2+rand.IntN(5); s++ {
					try("own op", ops[rand.IntN(len(ops))](id))
					if other := random(id); other != "" {
						try("op on another container", ops[rand.IntN(len(ops))](other))
					}
				}
				try("kill", e.berth("kill", id, "KILL"))
				live.Delete(id)
				if r := e.berth("delete", "--force", id); r.code != 0 {
					t.Errorf("delete --force %s: %s", id, r)
				}
			}
		}()
	}
	wg.Wait()
	close(stopList)
	nl := <-lists
	note("concurrency: %d containers, 8 workers, %d commands failed with a clear error (a race the test makes on purpose), %d consistent lists", n, failed.Load(), nl)
}

// checkList runs `list --format json` until stop and checks every
// answer: valid JSON, one entry per id, a known status, a pid exactly
// when the container is live. It returns how many lists it checked.
func (e *env) checkList(stop chan struct{}) int {
	k := 0
	for {
		select {
		case <-stop:
			return k
		default:
		}
		r := e.berth("list", "--format", "json")
		k++
		if r.code != 0 {
			e.t.Errorf("list: %s", r)
			continue
		}
		var entries []ociState
		if err := json.Unmarshal([]byte(r.stdout), &entries); err != nil && strings.TrimSpace(r.stdout) != "null" {
			e.t.Errorf("list: %v: %s", err, r)
			continue
		}
		seen := make(map[string]bool)
		for _, s := range entries {
			switch {
			case seen[s.ID]:
				e.t.Errorf("list: %s twice: %s", s.ID, r.stdout)
			case !strings.HasPrefix(s.ID, e.prefix):
				e.t.Errorf("list: unknown container %s", s.ID)
			case s.Status == "stopped" && s.Pid != 0, s.Status != "stopped" && s.Pid <= 0:
				e.t.Errorf("list: %s is %s with pid %d", s.ID, s.Status, s.Pid)
			case s.Status != "created" && s.Status != "running" && s.Status != "paused" && s.Status != "stopped":
				e.t.Errorf("list: %s has status %q", s.ID, s.Status)
			}
			seen[s.ID] = true
		}
	}
}
