package main

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"github.com/urfave/cli"
)

var updateCommand = cli.Command{
	Name:      "update",
	Usage:     "change the resource limits of a container",
	ArgsUsage: "<container-id>",
	Description: `Changes the limits of a created, running or paused container's cgroup and
records them. Values are checked before anything is written: a value the
cgroup cannot take is refused naming the field, and the cgroup is left as it
was. As with runc, a flag given 0 leaves its value as it is, -1 means
unlimited, and byte counts take binary units (512k, 100m, 1.5g, 1GiB).

--resources takes a JSON linux.resources object (runtime-spec) from a file,
or from the standard input with '-'; it cannot be combined with the other
flags. Fields left out are not changed:

{
  "memory": {"limit": 0, "reservation": 0, "swap": 0},
  "cpu": {"shares": 0, "quota": 0, "burst": 0, "period": 0,
          "realtimeRuntime": 0, "realtimePeriod": 0, "cpus": "", "mems": ""},
  "blockIO": {"weight": 0},
  "pids": {"limit": 0}
}`,
	OnUsageError: oneLineUsage,
	Flags: []cli.Flag{
		cli.StringFlag{Name: "resources, r", Usage: "JSON file with the new linux.resources ('-': read it from the standard input)"},
		cli.StringFlag{Name: "blkio-weight", Usage: "block I/O weight, 10 to 1000"},
		cli.StringFlag{Name: "cpu-period", Usage: "length of one CFS bandwidth period, in microseconds"},
		cli.StringFlag{Name: "cpu-quota", Usage: "CPU time the cgroup may use per period, in microseconds (-1: no cap)"},
		cli.StringFlag{Name: "cpu-burst", Usage: "unused quota of earlier periods the cgroup may spend on top of its quota, in microseconds"},
		cli.StringFlag{Name: "cpu-share, cpu-shares", Usage: "CPU weight against sibling cgroups (cpu.shares scale)"},
		cli.StringFlag{Name: "cpu-rt-period", Usage: "length of one real-time scheduling period, in microseconds"},
		cli.StringFlag{Name: "cpu-rt-runtime", Usage: "real-time CPU time the cgroup may use per real-time period, in microseconds"},
		cli.StringFlag{Name: "cpu-idle", Usage: "1 gives the cgroup the SCHED_IDLE policy, 0 the normal one"},
		cli.StringFlag{Name: "cpuset-cpus", Usage: "CPUs the container may run on, as a list such as 0-2,5"},
		cli.StringFlag{Name: "cpuset-mems", Usage: "NUMA nodes the container may allocate memory from, as a list"},
		cli.StringFlag{Name: "memory", Usage: "memory limit: bytes or a size such as 512m (-1: no limit)"},
		cli.StringFlag{Name: "memory-reservation", Usage: "soft memory limit, which reclaim aims at under pressure (a size as for --memory)"},
		cli.StringFlag{Name: "memory-swap", Usage: "limit of memory and swap together (-1: swap without a limit)"},
		cli.StringFlag{Name: "kernel-memory", Usage: "cgroup v1 kernel memory limit: no longer enforced by Linux, do not use"},
		cli.StringFlag{Name: "kernel-memory-tcp", Usage: "cgroup v1 limit of TCP buffer memory: obsolete, do not use"},
		cli.StringFlag{Name: "pids-limit", Usage: "how many processes and threads the container may hold at once (-1: no limit)"},
		cli.StringFlag{Name: "l3-cache-schema", Usage: "Intel RDT L3 cache allocation (berth has no Intel RDT support)"},
		cli.StringFlag{Name: "mem-bw-schema", Usage: "Intel RDT memory bandwidth allocation (berth has no Intel RDT support)"},
	},
	Action: func(ctx *cli.Context) error {
		if err := checkArgs(ctx, 1, 1); err != nil {
			return err
		}
		for _, f := range []string{"l3-cache-schema", "mem-bw-schema"} {
			if ctx.IsSet(f) {
				return fmt.Errorf("update: --%s: Intel RDT (linux.intelRdt) is not supported by berth", f)
			}
		}
		r, err := updateResources(ctx)
		if err != nil {
			return err
		}
		c, err := getContainer(ctx)
		if err != nil {
			return err
		}
		warnings, err := c.Update(r)
		for _, w := range warnings {
			warn(w)
		}
		return err
	},
}

// resourceFlags are update's flags that set a resource.
var resourceFlags = []string{"blkio-weight", "cpu-period", "cpu-quota", "cpu-burst", "cpu-share",
	"cpu-rt-period", "cpu-rt-runtime", "cpu-idle", "cpuset-cpus", "cpuset-mems", "memory",
	"memory-reservation", "memory-swap", "kernel-memory", "kernel-memory-tcp", "pids-limit"}

// updateResources reads --resources, or builds the resources from the
// flags: only what is given is set.
func updateResources(ctx *cli.Context) (*specs.LinuxResources, error) {
	if path := ctx.String("resources"); path != "" {
		for _, f := range resourceFlags {
			if ctx.IsSet(f) {
				return nil, fmt.Errorf("update: --resources and --%s cannot be combined: put the value in the file", f)
			}
		}
		return readResources(path)
	}
	u := &resourceUpdate{ctx: ctx, r: &specs.LinuxResources{
		Memory: &specs.LinuxMemory{}, CPU: &specs.LinuxCPU{}, Pids: &specs.LinuxPids{}, BlockIO: &specs.LinuxBlockIO{},
	}}
	u.memoryFlags()
	u.cpuFlags()
	u.otherFlags()
	if u.err != nil {
		return nil, u.err
	}
	return u.r, nil
}

// readResources decodes a linux.resources object from path, or stdin
// for "-". Unknown fields are refused.
func readResources(path string) (*specs.LinuxResources, error) {
	var in io.Reader = os.Stdin
	name := "the standard input"
	if path != "-" {
		f, err := os.Open(path)
		if err != nil {
			return nil, fmt.Errorf("update: --resources: %w", err)
		}
		defer f.Close()
		in, name = f, path
	}
	dec := json.NewDecoder(in)
	dec.DisallowUnknownFields()
	var r specs.LinuxResources
	if err := dec.Decode(&r); err != nil {
		return nil, fmt.Errorf("update: --resources %s: %w", name, err)
	}
	return &r, nil
}

// resourceUpdate builds resources from update's flags, keeping the first
// parse error.
type resourceUpdate struct {
	ctx *cli.Context
	r   *specs.LinuxResources
	err error
}

func (u *resourceUpdate) fail(flag, val string, why error) {
	if u.err == nil {
		u.err = fmt.Errorf("update: --%s %q: %v", flag, val, why)
	}
}

func (u *resourceUpdate) memoryFlags() {
	m := u.r.Memory
	for _, f := range []struct {
		name string
		dst  **int64
	}{{"memory", &m.Limit}, {"memory-reservation", &m.Reservation}, {"memory-swap", &m.Swap},
		//lint:ignore SA1019 runc's --kernel-memory sets it; the cgroups package warns it is not enforced
		{"kernel-memory", &m.Kernel}, {"kernel-memory-tcp", &m.KernelTCP}} {
		val := u.ctx.String(f.name)
		if val == "" {
			continue
		}
		v, err := parseBytes(val)
		if err != nil {
			u.fail(f.name, val, err)
			continue
		}
		if v != 0 {
			*f.dst = &v
		}
	}
}

func (u *resourceUpdate) cpuFlags() {
	c := u.r.CPU
	for _, f := range []struct {
		name string
		dst  **uint64
		zero bool // 0 is a value, not "unchanged"
	}{{"cpu-share", &c.Shares, false}, {"cpu-period", &c.Period, false},
		{"cpu-rt-period", &c.RealtimePeriod, false}, {"cpu-burst", &c.Burst, true}} {
		if val := u.ctx.String(f.name); val != "" {
			v, err := strconv.ParseUint(val, 10, 64)
			if err != nil {
				u.fail(f.name, val, err)
			} else if v != 0 || f.zero {
				*f.dst = &v
			}
		}
	}
	for _, f := range []struct {
		name string
		dst  **int64
	}{{"cpu-quota", &c.Quota}, {"cpu-rt-runtime", &c.RealtimeRuntime}, {"cpu-idle", &c.Idle}} {
		if val := u.ctx.String(f.name); val != "" {
			v, err := strconv.ParseInt(val, 10, 64)
			switch {
			case err != nil:
				u.fail(f.name, val, err)
			case f.name == "cpu-quota" && v < 0:
				v = -1 // any negative quota is "no limit", as the kernel takes it
				*f.dst = &v
			case v != 0 || f.name == "cpu-idle":
				*f.dst = &v
			}
		}
	}
	c.Cpus, c.Mems = u.ctx.String("cpuset-cpus"), u.ctx.String("cpuset-mems")
}

func (u *resourceUpdate) otherFlags() {
	if val := u.ctx.String("pids-limit"); val != "" {
		// as runc: 0 leaves the limit as it is, a negative number lifts it
		v, err := strconv.ParseInt(val, 10, 64)
		if err != nil {
			u.fail("pids-limit", val, err)
		} else if v != 0 {
			v = max(v, -1)
			u.r.Pids.Limit = &v
		}
	}
	if val := u.ctx.String("blkio-weight"); val != "" {
		w, err := strconv.ParseUint(val, 10, 16)
		if err != nil {
			u.fail("blkio-weight", val, fmt.Errorf("not a weight in 10..1000"))
		} else if w != 0 {
			v := uint16(w)
			u.r.BlockIO.Weight = &v
		}
	}
}

// sizeRE is compiled on first use: a package-level regexp would be
// compiled at every start of berth, whatever the command.
var sizeRE = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^(?i)(\d+(?:\.\d+)?) ?([kmgtp])?i?b?$`)
})

// parseBytes parses a byte count as runc's update does: -1 for unlimited,
// or a number with an optional binary unit (k, m, g, t, p; "kb", "KiB",
// "1.5g" and "100 MB" are accepted, all powers of 1024).
func parseBytes(s string) (int64, error) {
	if s == "-1" {
		return -1, nil
	}
	m := sizeRE().FindStringSubmatch(s)
	if m == nil {
		return 0, fmt.Errorf("invalid size: use bytes, a number with a unit (k, m, g, t, p) or -1 for unlimited")
	}
	n, err := strconv.ParseFloat(m[1], 64)
	if err != nil {
		return 0, fmt.Errorf("invalid size: %w", err)
	}
	if m[2] != "" {
		n *= math.Pow(1024, float64(1+strings.Index("kmgtp", strings.ToLower(m[2]))))
	}
	if n >= math.MaxInt64 {
		return 0, fmt.Errorf("invalid size: too large")
	}
	return int64(n), nil
}
