package libcontainer

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"

	"golang.org/x/sys/unix"

	"github.com/berth-oci/berth/internal/fdio"
)

// A pid names the container's process only while its start time matches
// the one recorded at create: pids are reused.

// procStat is what berth reads of /proc/PID/stat.
type procStat struct {
	state     byte
	startTime uint64
}

func readProcStat(pid int) (procStat, error) {
	data, err := fdio.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return procStat{}, err
	}
	// the command name is in parentheses and may hold spaces or ')'
	i := bytes.LastIndexByte(data, ')')
	if i < 0 || i+2 >= len(data) {
		return procStat{}, fmt.Errorf("/proc/%d/stat: unexpected format", pid)
	}
	fields := bytes.Fields(data[i+2:])
	// fields[0] is field 3 (state); the start time is field 22
	if len(fields) < 20 {
		return procStat{}, fmt.Errorf("/proc/%d/stat: too few fields", pid)
	}
	start, err := strconv.ParseUint(string(fields[19]), 10, 64)
	if err != nil {
		return procStat{}, fmt.Errorf("/proc/%d/stat: start time: %w", pid, err)
	}
	return procStat{state: fields[0][0], startTime: start}, nil
}

// initAlive says whether the recorded process still runs: it exists, has
// the recorded start time and is not a zombie.
func initAlive(pid int, start uint64) bool {
	if pid <= 0 {
		return false
	}
	st, err := readProcStat(pid)
	if err != nil {
		return false
	}
	return st.startTime == start && st.state != 'Z' && st.state != 'X'
}

// errProcessGone is returned when the recorded process no longer runs.
var errProcessGone = errors.New("the container's process is gone")

// openPidfd opens a pidfd of the recorded process and checks, after
// opening, that the pid still names it.
func openPidfd(pid int, start uint64) (int, error) {
	fd, err := unix.PidfdOpen(pid, 0)
	if err != nil {
		// EINVAL: the process is gone but its pid still names a process
		// group or session of others (its children, say)
		if errors.Is(err, unix.ESRCH) || errors.Is(err, unix.EINVAL) {
			return -1, errProcessGone
		}
		return -1, fmt.Errorf("pidfd_open %d: %w", pid, err)
	}
	if !initAlive(pid, start) {
		unix.Close(fd)
		return -1, errProcessGone
	}
	return fd, nil
}
