package specconv

import (
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// rlimitNumbers are the RLIMIT_* resources of getrlimit(2) by name.
var rlimitNumbers = map[string]int{
	"RLIMIT_AS":         unix.RLIMIT_AS,
	"RLIMIT_CORE":       unix.RLIMIT_CORE,
	"RLIMIT_CPU":        unix.RLIMIT_CPU,
	"RLIMIT_DATA":       unix.RLIMIT_DATA,
	"RLIMIT_FSIZE":      unix.RLIMIT_FSIZE,
	"RLIMIT_LOCKS":      unix.RLIMIT_LOCKS,
	"RLIMIT_MEMLOCK":    unix.RLIMIT_MEMLOCK,
	"RLIMIT_MSGQUEUE":   unix.RLIMIT_MSGQUEUE,
	"RLIMIT_NICE":       unix.RLIMIT_NICE,
	"RLIMIT_NOFILE":     unix.RLIMIT_NOFILE,
	"RLIMIT_NPROC":      unix.RLIMIT_NPROC,
	"RLIMIT_RSS":        unix.RLIMIT_RSS,
	"RLIMIT_RTPRIO":     unix.RLIMIT_RTPRIO,
	"RLIMIT_RTTIME":     unix.RLIMIT_RTTIME,
	"RLIMIT_SIGPENDING": unix.RLIMIT_SIGPENDING,
	"RLIMIT_STACK":      unix.RLIMIT_STACK,
}

// convertRlimits resolves process.rlimits: known names, each once, soft
// not above hard (setrlimit(2) would fail with EINVAL).
func (c *checker) convertRlimits(path string, list []specs.POSIXRlimit) ([]Rlimit, error) {
	var out []Rlimit
	seen := map[string]int{}
	for i, r := range list {
		f := index(path, i)
		n, ok := rlimitNumbers[r.Type]
		if !ok {
			return nil, c.errorf(field(f, "type"), "unknown rlimit %q", r.Type)
		}
		if j, dup := seen[r.Type]; dup {
			return nil, c.errorf(field(f, "type"), "duplicate %q (also %s)", r.Type, index(path, j))
		}
		seen[r.Type] = i
		if r.Soft > r.Hard {
			return nil, c.errorf(f, "%s: soft limit %d is above hard limit %d", r.Type, r.Soft, r.Hard)
		}
		out = append(out, Rlimit{Resource: n, Soft: r.Soft, Hard: r.Hard, Name: r.Type})
	}
	return out, nil
}
