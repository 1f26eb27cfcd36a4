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
	return parseProcStat(pid, data)
}

// parseProcStat reads the state and start time from /proc/PID/stat's data.
func parseProcStat(pid int, data []byte) (procStat, error) {
	// the command name is in parentheses and may hold spaces or ')'
	i := bytes.LastIndexByte(data, ')')
	if i < 0 || i+2 >= len(data) {
		return procStat{}, fmt.Errorf("/proc/%d/stat: unexpected format", pid)
	}
	// after it, field 3 (the state) and, 19 fields on, 22 (the start
	// time); the kernel separates them by one space
	rest := data[i+2:]
	state := rest[0]
	for range 19 {
		j := bytes.IndexByte(rest, ' ')
		if j < 0 {
			return procStat{}, fmt.Errorf("/proc/%d/stat: too few fields", pid)
		}
		rest = rest[j+1:]
	}
	if j := bytes.IndexByte(rest, ' '); j >= 0 {
		rest = rest[:j]
	}
	start, err := strconv.ParseUint(string(rest), 10, 64)
	if err != nil {
		return procStat{}, fmt.Errorf("/proc/%d/stat: start time: %w", pid, err)
	}
	return procStat{state: state, startTime: start}, nil
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
