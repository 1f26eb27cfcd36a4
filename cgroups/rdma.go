package cgroups

import (
	"sort"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

const rdmaField = "linux.resources.rdma"

// validateRdma checks device names and that each entry sets a limit.
func validateRdma(r map[string]specs.LinuxRdma) error {
	for dev, l := range r {
		f := rdmaField + "[" + dev + "]"
		if dev == "" || strings.ContainsAny(dev, " \t\n=") {
			return fieldErr(f, "%q is not an RDMA device name", dev)
		}
		if l.HcaHandles == nil && l.HcaObjects == nil {
			return fieldErr(f, "sets neither hcaHandles nor hcaObjects")
		}
	}
	return nil
}

// rdmaWrites maps each device to one rdma.max line, the same format in v1
// and v2; devices in name order.
func rdmaWrites(r map[string]specs.LinuxRdma, ctrl string, p *plan) {
	devs := make([]string, 0, len(r))
	for d := range r {
		devs = append(devs, d)
	}
	sort.Strings(devs)
	for _, d := range devs {
		l := r[d]
		v := d
		if l.HcaHandles != nil {
			v += " hca_handle=" + utoa(uint64(*l.HcaHandles))
		}
		if l.HcaObjects != nil {
			v += " hca_object=" + utoa(uint64(*l.HcaObjects))
		}
		p.add(fileWrite{ctrl: ctrl, file: "rdma.max", value: v, field: rdmaField + "[" + d + "]"})
	}
}
