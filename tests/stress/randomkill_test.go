package stress

import (
	"math/rand/v2"
	"os/exec"
	"syscall"
	"testing"
	"time"
)

// TestRandomKill is issue 13's report: creates SIGKILLed after a random
// 10-90 ms, each followed by `delete --force`, then nothing may be left
// (Debian's runc 1.1.5 leaks 12-14 cgroup directories a round). Each
// round is 20 creates; 20 rounds.
func TestRandomKill(t *testing.T) {
	e := newEnv(t)
	b := e.newBundle("sleep", "1000")
	killed := 0
	for round := 1; round <= 20; round++ {
		for i := 0; i < 20; i++ {
			id := e.id()
			cmd := exec.Command(e.bin, "--root", e.root, "create", "--bundle", b.dir, id)
			if err := startCmd(cmd); err != nil {
				t.Fatal(err)
			}
			counts.commands.Add(1)
			time.Sleep(time.Duration(10+rand.IntN(81)) * time.Millisecond)
			cmd.Process.Signal(syscall.SIGKILL)
			waitCmd(cmd)
			if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
				killed++
			}
			if r := e.berth("delete", "--force", id); r.code != 0 {
				t.Errorf("round %d: delete --force %s: %s", round, id, r)
			}
		}
		e.assertNoLeaks("random-kill round " + itoa(round))
	}
	note("random-kill: 20 rounds x 20 creates, %d killed mid-create (the rest had finished)", killed)
}
