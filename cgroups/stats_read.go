package cgroups

import (
	"errors"
	"io/fs"
	"math"
	"sort"
	"strconv"
	"strings"
)

// statReader reads statistics files of one directory. Files the kernel
// does not have are skipped (feature detection); the first other error
// is kept.
type statReader struct {
	dir string
	err *error
}

func (r statReader) note(err error) {
	if err != nil && !errors.Is(err, fs.ErrNotExist) && *r.err == nil {
		*r.err = err
	}
}

func (r statReader) uint(file string) uint64 {
	v, err := readUint(r.dir, file)
	r.note(err)
	return v
}

// limit reads a limit where "max" means none: reported as 0 (pids).
func (r statReader) limitOrZero(file string) uint64 {
	if v := r.uint(file); v != math.MaxUint64 {
		return v
	}
	return 0
}

func (r statReader) str(file string) string {
	s, err := readFile(r.dir, file)
	r.note(err)
	return s
}

func (r statReader) keyed(file string) map[string]uint64 {
	m, err := readKeyed(r.dir, file)
	r.note(err)
	if m == nil {
		m = map[string]uint64{}
	}
	return m
}

func (r statReader) has(file string) bool { return fileExists(r.dir, file) }

// uints reads a space-separated list of numbers (cpuacct.usage_percpu).
func (r statReader) uints(file string) []uint64 {
	var out []uint64
	for _, f := range strings.Fields(r.str(file)) {
		v, err := strconv.ParseUint(f, 10, 64)
		if err != nil {
			r.note(err)
			return nil
		}
		out = append(out, v)
	}
	return out
}

// list reads a cpu/node list file into sorted numbers.
func (r statReader) list(file string) []uint16 {
	l, err := parseCPUList(r.str(file))
	if err != nil {
		r.note(err)
		return nil
	}
	return l.sorted()
}

// psi parses a cgroup v2 pressure file; nil when the kernel has none.
func (r statReader) psi(file string) *Pressure {
	if !r.has(file) {
		return nil
	}
	s, err := readFile(r.dir, file)
	if err != nil {
		// reading pressure fails with EOPNOTSUPP when PSI is off (psi=0)
		return nil
	}
	return parsePSI(s)
}

// parsePSI parses "some avg10=0.00 avg60=0.00 avg300=0.00 total=0" lines.
func parsePSI(s string) *Pressure {
	p := &Pressure{}
	for _, line := range strings.Split(s, "\n") {
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		var d *PressureAverages
		switch f[0] {
		case "some":
			d = &p.Some
		case "full":
			d = &p.Full
		default:
			continue
		}
		for _, kv := range f[1:] {
			k, v, _ := strings.Cut(kv, "=")
			switch k {
			case "avg10":
				d.Avg10, _ = strconv.ParseFloat(v, 64)
			case "avg60":
				d.Avg60, _ = strconv.ParseFloat(v, 64)
			case "avg300":
				d.Avg300, _ = strconv.ParseFloat(v, 64)
			case "total":
				d.StalledUS, _ = strconv.ParseUint(v, 10, 64)
			}
		}
	}
	return p
}

// parseRdma parses rdma.current / rdma.max lines
// ("mlx4_0 hca_handle=2 hca_object=2000"); "max" reads as 0.
func parseRdma(s string) []RDMAUsage {
	var out []RDMAUsage
	for _, line := range strings.Split(s, "\n") {
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		e := RDMAUsage{Name: f[0]}
		for _, kv := range f[1:] {
			k, v, _ := strings.Cut(kv, "=")
			n, _ := strconv.ParseUint(v, 10, 32)
			switch k {
			case "hca_handle":
				e.Handles = uint32(n)
			case "hca_object":
				e.Objects = uint32(n)
			}
		}
		out = append(out, e)
	}
	return out
}

// hostHugeSizes lists the host's huge page sizes by cgroup file name.
func hostHugeSizes() []string {
	var out []string
	for s := range hostPageSizes() {
		out = append(out, s)
	}
	sortStrings(out)
	return out
}

func sortStrings(s []string) { sort.Strings(s) }
