package libcontainer

import (
	"encoding/json"
	"strconv"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/berth-oci/berth/internal/jsontok"
)

// The record as `berth exec` reads it (ExecConfig: the container's
// process and what every process of it runs with), decoded by hand as
// state_decode.go decodes it for the lifecycle commands, with the same
// rule: what the decoder does not read as encoding/json would is left
// to encoding/json.

// decodeExec decodes a state.json for an exec.
func decodeExec(data []byte, id string) (*State, *ExecConfig, error) {
	if s, c, err := decodeExecRecord(data); err == nil {
		return s, c, nil
	}
	return decodeExecJSON(data, id)
}

// decodeExecJSON is decodeExec by encoding/json.
func decodeExecJSON(data []byte, id string) (*State, *ExecConfig, error) {
	return recordByJSON(data, id, (*execJSON).config)
}

func decodeExecRecord(data []byte) (*State, *ExecConfig, error) {
	return recordByHand(data, execFields, (*recordDecoder).execField, (*execJSON).config)
}

var (
	execFields      = []string{"process", "annotations", "linux"}
	execLinuxFields = []string{"namespaces", "seccomp", "personality", "memoryPolicy", "resources"}
	fullProcess     = []string{"terminal", "consoleSize", "user", "args", "commandLine", "env", "cwd",
		"capabilities", "rlimits", "noNewPrivileges", "apparmorProfile", "oomScoreAdj", "scheduler",
		"selinuxLabel", "ioPriority", "execCPUAffinity"}
	boxFields         = []string{"height", "width"}
	userFields        = []string{"uid", "gid", "umask", "additionalGids", "username"}
	capabilitySets    = []string{"bounding", "effective", "inheritable", "permitted", "ambient"}
	rlimitFields      = []string{"type", "hard", "soft"}
	schedulerFields   = []string{"policy", "nice", "priority", "flags", "runtime", "deadline", "period"}
	ioPriorityFields  = []string{"class", "priority"}
	affinityFields    = []string{"initial", "final"}
	personalityFields = []string{"domain", "flags"}
	memPolicyFields   = []string{"mode", "nodes", "flags"}
	resourcesFields   = []string{"cpu"}
	cpuFields         = []string{"cpus"}
)

func (d *recordDecoder) execField(c *execJSON, i int) error {
	switch i {
	case 0:
		return d.object(fullProcess, func() { c.Process = &specs.Process{} },
			func(i int) error { return d.processField(c.Process, i) })
	case 1:
		return d.stringMap(&c.Annotations)
	}
	return d.object(execLinuxFields, func() { c.Linux = &execLinuxJSON{} },
		func(i int) error { return d.execLinuxField(c.Linux, i) })
}

func (d *recordDecoder) execLinuxField(l *execLinuxJSON, i int) error {
	switch i {
	case 0:
		return d.namespaces(&l.Namespaces)
	case 1:
		kind, _, err := d.r.Next()
		if err == nil {
			// json.RawMessage keeps its own copy, null included
			var raw []byte
			raw, err = d.r.Raw(kind)
			l.Seccomp = append(json.RawMessage{}, raw...)
		}
		return err
	case 2:
		return d.object(personalityFields, func() { l.Personality = &specs.LinuxPersonality{} }, func(i int) error {
			if i == 0 {
				return d.string((*string)(&l.Personality.Domain))
			}
			return stringsOf(d, &l.Personality.Flags)
		})
	case 3:
		return d.object(memPolicyFields, func() { l.MemoryPolicy = &specs.LinuxMemoryPolicy{} }, func(i int) error {
			p := l.MemoryPolicy
			switch i {
			case 0:
				return d.string((*string)(&p.Mode))
			case 1:
				return d.string(&p.Nodes)
			}
			return stringsOf(d, &p.Flags)
		})
	}
	return d.object(resourcesFields, func() { l.Resources = &cpusJSON{} }, func(int) error {
		return d.object(cpuFields, func() { l.Resources.CPU = &cpuJSON{} },
			func(int) error { return d.string(&l.Resources.CPU.Cpus) })
	})
}

func (d *recordDecoder) processField(p *specs.Process, i int) error {
	switch i {
	case 0:
		return d.bool(&p.Terminal)
	case 1:
		return d.object(boxFields, func() { p.ConsoleSize = &specs.Box{} }, func(i int) error {
			return d.uint([]*uint{&p.ConsoleSize.Height, &p.ConsoleSize.Width}[i])
		})
	case 2:
		return d.object(userFields, nil, func(i int) error { return d.userField(&p.User, i) })
	case 3:
		return d.strings(&p.Args)
	case 4:
		return d.string(&p.CommandLine)
	case 5:
		return d.strings(&p.Env)
	case 6:
		return d.string(&p.Cwd)
	case 7:
		return d.object(capabilitySets, func() { p.Capabilities = &specs.LinuxCapabilities{} }, func(i int) error {
			c := p.Capabilities
			return d.strings([]*[]string{&c.Bounding, &c.Effective, &c.Inheritable, &c.Permitted, &c.Ambient}[i])
		})
	case 8:
		return d.rlimits(&p.Rlimits)
	case 9:
		return d.bool(&p.NoNewPrivileges)
	case 10:
		return d.string(&p.ApparmorProfile)
	case 11:
		return d.intPtr(&p.OOMScoreAdj)
	case 12:
		return d.object(schedulerFields, func() { p.Scheduler = &specs.Scheduler{} },
			func(i int) error { return d.schedulerField(p.Scheduler, i) })
	case 13:
		return d.string(&p.SelinuxLabel)
	case 14:
		return d.object(ioPriorityFields, func() { p.IOPriority = &specs.LinuxIOPriority{} }, func(i int) error {
			if i == 0 {
				return d.string((*string)(&p.IOPriority.Class))
			}
			return d.int(&p.IOPriority.Priority)
		})
	}
	return d.object(affinityFields, func() { p.ExecCPUAffinity = &specs.CPUAffinity{} }, func(i int) error {
		return d.string([]*string{&p.ExecCPUAffinity.Initial, &p.ExecCPUAffinity.Final}[i])
	})
}

func (d *recordDecoder) userField(u *specs.User, i int) error {
	switch i {
	case 0:
		return d.uint32(&u.UID)
	case 1:
		return d.uint32(&u.GID)
	case 2:
		var v uint32
		ok, err := d.unsigned(32, func(n uint64) { v = uint32(n) })
		if ok {
			u.Umask = &v
		}
		return err
	case 3:
		return d.array(func() { u.AdditionalGids = []uint32{} }, func() error {
			var g uint32
			err := d.uint32(&g)
			u.AdditionalGids = append(u.AdditionalGids, g)
			return err
		})
	}
	return d.string(&u.Username)
}

func (d *recordDecoder) rlimits(dst *[]specs.POSIXRlimit) error {
	return objects(d, dst, rlimitFields, func(r *specs.POSIXRlimit, i int) error {
		switch i {
		case 0:
			return d.string(&r.Type)
		case 1:
			return d.uint64(&r.Hard)
		}
		return d.uint64(&r.Soft)
	})
}

func (d *recordDecoder) schedulerField(s *specs.Scheduler, i int) error {
	switch i {
	case 0:
		return d.string((*string)(&s.Policy))
	case 1, 2:
		n, ok, err := d.number(32)
		if ok {
			*[]*int32{&s.Nice, &s.Priority}[i-1] = int32(n)
		}
		return err
	case 3:
		return stringsOf(d, &s.Flags)
	}
	return d.uint64([]*uint64{&s.Runtime, &s.Deadline, &s.Period}[i-4])
}

// unsigned parses an unsigned number of bits bits as encoding/json
// does, handing it to set; false for null.
func (d *recordDecoder) unsigned(bits int, set func(uint64)) (bool, error) {
	tok, ok, err := d.scalar(jsontok.Number)
	if !ok {
		return false, err
	}
	n, err := strconv.ParseUint(string(tok), 10, bits)
	if err != nil {
		return false, err
	}
	set(n)
	return true, nil
}

func (d *recordDecoder) uint32(dst *uint32) error {
	_, err := d.unsigned(32, func(n uint64) { *dst = uint32(n) })
	return err
}

func (d *recordDecoder) uint(dst *uint) error {
	_, err := d.unsigned(strconv.IntSize, func(n uint64) { *dst = uint(n) })
	return err
}
