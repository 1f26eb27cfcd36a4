package specconv

import (
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// capabilityNumbers are the capabilities of capabilities(7) by name.
var capabilityNumbers = map[string]int{
	"CAP_CHOWN":              unix.CAP_CHOWN,
	"CAP_DAC_OVERRIDE":       unix.CAP_DAC_OVERRIDE,
	"CAP_DAC_READ_SEARCH":    unix.CAP_DAC_READ_SEARCH,
	"CAP_FOWNER":             unix.CAP_FOWNER,
	"CAP_FSETID":             unix.CAP_FSETID,
	"CAP_KILL":               unix.CAP_KILL,
	"CAP_SETGID":             unix.CAP_SETGID,
	"CAP_SETUID":             unix.CAP_SETUID,
	"CAP_SETPCAP":            unix.CAP_SETPCAP,
	"CAP_LINUX_IMMUTABLE":    unix.CAP_LINUX_IMMUTABLE,
	"CAP_NET_BIND_SERVICE":   unix.CAP_NET_BIND_SERVICE,
	"CAP_NET_BROADCAST":      unix.CAP_NET_BROADCAST,
	"CAP_NET_ADMIN":          unix.CAP_NET_ADMIN,
	"CAP_NET_RAW":            unix.CAP_NET_RAW,
	"CAP_IPC_LOCK":           unix.CAP_IPC_LOCK,
	"CAP_IPC_OWNER":          unix.CAP_IPC_OWNER,
	"CAP_SYS_MODULE":         unix.CAP_SYS_MODULE,
	"CAP_SYS_RAWIO":          unix.CAP_SYS_RAWIO,
	"CAP_SYS_CHROOT":         unix.CAP_SYS_CHROOT,
	"CAP_SYS_PTRACE":         unix.CAP_SYS_PTRACE,
	"CAP_SYS_PACCT":          unix.CAP_SYS_PACCT,
	"CAP_SYS_ADMIN":          unix.CAP_SYS_ADMIN,
	"CAP_SYS_BOOT":           unix.CAP_SYS_BOOT,
	"CAP_SYS_NICE":           unix.CAP_SYS_NICE,
	"CAP_SYS_RESOURCE":       unix.CAP_SYS_RESOURCE,
	"CAP_SYS_TIME":           unix.CAP_SYS_TIME,
	"CAP_SYS_TTY_CONFIG":     unix.CAP_SYS_TTY_CONFIG,
	"CAP_MKNOD":              unix.CAP_MKNOD,
	"CAP_LEASE":              unix.CAP_LEASE,
	"CAP_AUDIT_WRITE":        unix.CAP_AUDIT_WRITE,
	"CAP_AUDIT_CONTROL":      unix.CAP_AUDIT_CONTROL,
	"CAP_SETFCAP":            unix.CAP_SETFCAP,
	"CAP_MAC_OVERRIDE":       unix.CAP_MAC_OVERRIDE,
	"CAP_MAC_ADMIN":          unix.CAP_MAC_ADMIN,
	"CAP_SYSLOG":             unix.CAP_SYSLOG,
	"CAP_WAKE_ALARM":         unix.CAP_WAKE_ALARM,
	"CAP_BLOCK_SUSPEND":      unix.CAP_BLOCK_SUSPEND,
	"CAP_AUDIT_READ":         unix.CAP_AUDIT_READ,
	"CAP_PERFMON":            unix.CAP_PERFMON,
	"CAP_BPF":                unix.CAP_BPF,
	"CAP_CHECKPOINT_RESTORE": unix.CAP_CHECKPOINT_RESTORE,
}

// capNames is capabilityNumbers inverted, for warnings.
var capNames = func() map[int]string {
	m := make(map[int]string, len(capabilityNumbers))
	for n, v := range capabilityNumbers {
		m[v] = n
	}
	return m
}()

// convertCapabilities turns the five sets into masks. A name berth does
// not know, or the running kernel lacks, is skipped with a warning: the
// spec says an unknown capability SHOULD NOT fail the container (runc
// warns and skips too). Ambient capabilities not both permitted and inheritable, and
// effective ones not permitted, cannot be raised: they are dropped with a
// warning (runc 1.1's default spec has ambient without inheritable).
func (c *checker) convertCapabilities(path string, caps *specs.LinuxCapabilities) (*Capabilities, error) {
	if caps == nil {
		return nil, nil
	}
	last, err := c.host.CapLastCap()
	if err != nil {
		return nil, c.errorf(path, "cannot read the kernel's last capability: %v", err)
	}
	var out Capabilities
	for _, s := range []capSet{
		{"bounding", caps.Bounding, &out.Bounding},
		{"effective", caps.Effective, &out.Effective},
		{"inheritable", caps.Inheritable, &out.Inheritable},
		{"permitted", caps.Permitted, &out.Permitted},
		{"ambient", caps.Ambient, &out.Ambient},
	} {
		*s.mask = c.capMask(field(path, s.name), s.names, last)
	}
	c.dropUnraisable(path, &out)
	return &out, nil
}

// capSet is one of the five sets: its name, the config's list, its mask.
type capSet struct {
	name  string
	names []string
	mask  *uint64
}

// capMask is the mask of one set.
func (c *checker) capMask(path string, names []string, last int) uint64 {
	var mask uint64
	for i, n := range names {
		v, ok := capabilityNumbers[n]
		if !ok {
			c.warnf(index(path, i), "unknown capability %q: skipped", n)
			continue
		}
		if v > last {
			c.warnf(index(path, i), "%s is not known to the running kernel (last capability %d): skipped", n, last)
			continue
		}
		mask |= 1 << uint(v)
	}
	return mask
}

// dropUnraisable removes what the kernel would refuse to set.
func (c *checker) dropUnraisable(path string, caps *Capabilities) {
	if bad := caps.Ambient &^ (caps.Inheritable & caps.Permitted); bad != 0 {
		// one warning per capability, in the words runc's tests look for
		for v := 0; v < 64; v++ {
			if bad&(1<<uint(v)) != 0 {
				c.warnf(field(path, "ambient"), "can't raise ambient capability %s: not both inheritable and permitted", capNames[v])
			}
		}
		caps.Ambient &^= bad
	}
	if bad := caps.Effective &^ caps.Permitted; bad != 0 {
		c.warnf(field(path, "effective"), "%s not permitted: dropped", capList(bad))
		caps.Effective &^= bad
	}
}

// capList names the capabilities of a mask: "CAP_KILL, CAP_CHOWN".
func capList(mask uint64) string {
	s := ""
	for v := 0; v < 64; v++ {
		if mask&(1<<uint(v)) == 0 {
			continue
		}
		if s != "" {
			s += ", "
		}
		s += capNames[v]
	}
	return s
}
