package stress

import (
	"os"
	"os/exec"
	"strconv"
	"testing"
	"time"
)

// TestPidReuse stops a container, gives its pid to another process (a
// stranger, through /proc/sys/kernel/ns_last_pid), and checks that berth
// reports the container stopped and never signals the stranger: kill,
// kill --all and delete leave it running.
func TestPidReuse(t *testing.T) {
	e := newEnv(t)
	b := e.newBundle("sleep", "1000")
	id := e.id()
	e.must("run", "-d", "--bundle", b.dir, id)
	pid := e.state(id).Pid
	e.must("kill", id, "KILL")
	e.waitStopped(id)
	stranger := takePid(t, pid)
	defer func() {
		stranger.Process.Kill()
		waitCmd(stranger)
	}()
	if st := e.state(id); st.Status != "stopped" || st.Pid != 0 {
		t.Errorf("with pid %d reused: state %+v, want stopped with pid 0", pid, st)
	}
	for _, args := range [][]string{{"kill", id, "TERM"}, {"kill", id, "KILL"}, {"kill", "--all", id, "KILL"}} {
		r := e.berth(args...)
		if r.code == 0 {
			t.Logf("berth %v: succeeded (the stranger must still run)", args)
		} else {
			e.clearError(r, "kill of a stopped container")
		}
	}
	e.must("delete", id)
	if !alive(pid) {
		t.Fatalf("the stranger with the container's old pid %d was signalled", pid)
	}
	note("pid reuse: pid %d given to a stranger; state stopped, kill/kill --all/delete left it running", pid)
}

// takePid starts `sleep` with the given pid, retrying while other
// processes of the host take it first.
func takePid(t *testing.T, pid int) *exec.Cmd {
	t.Helper()
	for i := 0; i < 200; i++ {
		if exists(pid) {
			reapOrphans()
			time.Sleep(10 * time.Millisecond)
			continue
		}
		if err := os.WriteFile("/proc/sys/kernel/ns_last_pid", []byte(strconv.Itoa(pid-1)), 0o644); err != nil {
			t.Fatalf("ns_last_pid: %v", err)
		}
		cmd := exec.Command("sleep", "1000")
		if err := startCmd(cmd); err != nil {
			t.Fatal(err)
		}
		if cmd.Process.Pid == pid {
			return cmd
		}
		cmd.Process.Kill()
		waitCmd(cmd)
	}
	t.Fatalf("could not start a process with pid %d in 200 tries", pid)
	return nil
}

func exists(pid int) bool {
	_, err := os.Stat("/proc/" + strconv.Itoa(pid))
	return err == nil
}
