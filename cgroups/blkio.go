package cgroups

import (
	"fmt"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

const blkioField = "linux.resources.blockIO"

// Weight bounds of the v1 blkio controller (CFQ and BFQ).
const (
	minBlkioWeight = 10
	maxBlkioWeight = 1000
)

// validateBlockIO checks weights (0 means "not set", as in runc) and
// device numbers.
func validateBlockIO(b *specs.LinuxBlockIO) error {
	if b == nil {
		return nil
	}
	if err := checkWeight(blkioField+".weight", b.Weight); err != nil {
		return err
	}
	if err := checkWeight(blkioField+".leafWeight", b.LeafWeight); err != nil {
		return err
	}
	for i, d := range b.WeightDevice {
		f := fmt.Sprintf("%s.weightDevice[%d]", blkioField, i)
		if err := checkBlockDevice(f, d.LinuxBlockIODevice); err != nil {
			return err
		}
		if err := checkWeight(f+".weight", d.Weight); err != nil {
			return err
		}
		if err := checkWeight(f+".leafWeight", d.LeafWeight); err != nil {
			return err
		}
	}
	for _, t := range throttles(b) {
		for i, d := range t.devs {
			if err := checkBlockDevice(fmt.Sprintf("%s.%s[%d]", blkioField, t.name, i), d.LinuxBlockIODevice); err != nil {
				return err
			}
		}
	}
	return nil
}

func checkWeight(field string, w *uint16) error {
	if w != nil && *w != 0 && (*w < minBlkioWeight || *w > maxBlkioWeight) {
		return fieldErr(field, "%d is outside %d..%d", *w, minBlkioWeight, maxBlkioWeight)
	}
	return nil
}

func checkBlockDevice(field string, d specs.LinuxBlockIODevice) error {
	if d.Major < 0 || d.Minor < 0 || d.Major > 1<<32-1 || d.Minor > 1<<32-1 {
		return fieldErr(field, "%d:%d is not a device number", d.Major, d.Minor)
	}
	return nil
}

// throttle is one of the four throttle lists with its names in the spec,
// in v1 and in v2's io.max.
type throttle struct {
	name  string // spec field
	v1    string // v1 file
	v2key string // io.max key
	devs  []specs.LinuxThrottleDevice
}

func throttles(b *specs.LinuxBlockIO) []throttle {
	return []throttle{
		{"throttleReadBpsDevice", "blkio.throttle.read_bps_device", "rbps", b.ThrottleReadBpsDevice},
		{"throttleWriteBpsDevice", "blkio.throttle.write_bps_device", "wbps", b.ThrottleWriteBpsDevice},
		{"throttleReadIOPSDevice", "blkio.throttle.read_iops_device", "riops", b.ThrottleReadIOPSDevice},
		{"throttleWriteIOPSDevice", "blkio.throttle.write_iops_device", "wiops", b.ThrottleWriteIOPSDevice},
	}
}

func devNum(d specs.LinuxBlockIODevice) string { return fmt.Sprintf("%d:%d", d.Major, d.Minor) }

// v1BlockIO maps blockIO to the v1 blkio controller. Weights go to the
// CFQ files (blkio.weight) or, when only BFQ is there, blkio.bfq.weight.
func v1BlockIO(b *specs.LinuxBlockIO, p *plan) {
	if b == nil {
		return
	}
	const c = "blkio"
	if b.Weight != nil && *b.Weight != 0 {
		v := utoa(uint64(*b.Weight))
		p.add(fileWrite{ctrl: c, file: "blkio.weight", value: v, field: blkioField + ".weight",
			alt: &fileWrite{ctrl: c, file: "blkio.bfq.weight", value: v, field: blkioField + ".weight"}})
	}
	if b.LeafWeight != nil && *b.LeafWeight != 0 {
		p.add(fileWrite{ctrl: c, file: "blkio.leaf_weight", value: utoa(uint64(*b.LeafWeight)), field: blkioField + ".leafWeight"})
	}
	for i, d := range b.WeightDevice {
		f := fmt.Sprintf("%s.weightDevice[%d]", blkioField, i)
		if d.Weight != nil && *d.Weight != 0 {
			v := fmt.Sprintf("%s %d", devNum(d.LinuxBlockIODevice), *d.Weight)
			p.add(fileWrite{ctrl: c, file: "blkio.weight_device", value: v, field: f + ".weight",
				alt: &fileWrite{ctrl: c, file: "blkio.bfq.weight_device", value: v, field: f + ".weight"}})
		}
		if d.LeafWeight != nil && *d.LeafWeight != 0 {
			v := fmt.Sprintf("%s %d", devNum(d.LinuxBlockIODevice), *d.LeafWeight)
			p.add(fileWrite{ctrl: c, file: "blkio.leaf_weight_device", value: v, field: f + ".leafWeight"})
		}
	}
	for _, t := range throttles(b) {
		for i, d := range t.devs {
			p.add(fileWrite{ctrl: c, file: t.v1, value: fmt.Sprintf("%s %d", devNum(d.LinuxBlockIODevice), d.Rate),
				field: fmt.Sprintf("%s.%s[%d]", blkioField, t.name, i)})
		}
	}
}

// ioWeight converts a blkio weight (10..1000) to io.weight (1..10000),
// the formula runc and crun use.
func ioWeight(w uint16) uint64 { return 1 + (uint64(w)-10)*9999/990 }

// v2BlockIO maps blockIO to the v2 io controller: weights to io.bfq.weight
// (same scale as v1) or, without BFQ, io.weight (converted); throttles to
// io.max. Leaf weights have no v2 equivalent: a warning.
func v2BlockIO(b *specs.LinuxBlockIO, p *plan) {
	if b == nil {
		return
	}
	if b.Weight != nil && *b.Weight != 0 {
		p.add(fileWrite{file: "io.bfq.weight", value: utoa(uint64(*b.Weight)), field: blkioField + ".weight",
			alt: &fileWrite{file: "io.weight", value: utoa(ioWeight(*b.Weight)), field: blkioField + ".weight"}})
	}
	if b.LeafWeight != nil && *b.LeafWeight != 0 {
		p.warn(blkioField+".leafWeight", "ignored: cgroup v2 has no leaf weight")
	}
	for i, d := range b.WeightDevice {
		f := fmt.Sprintf("%s.weightDevice[%d]", blkioField, i)
		if d.Weight != nil && *d.Weight != 0 {
			dev := devNum(d.LinuxBlockIODevice)
			p.add(fileWrite{file: "io.bfq.weight", value: fmt.Sprintf("%s %d", dev, *d.Weight), field: f + ".weight",
				alt: &fileWrite{file: "io.weight", value: fmt.Sprintf("%s %d", dev, ioWeight(*d.Weight)), field: f + ".weight"}})
		}
		if d.LeafWeight != nil && *d.LeafWeight != 0 {
			p.warn(f+".leafWeight", "ignored: cgroup v2 has no leaf weight")
		}
	}
	for _, t := range throttles(b) {
		for i, d := range t.devs {
			rate := "max"
			if d.Rate != 0 {
				rate = utoa(d.Rate)
			}
			p.add(fileWrite{file: "io.max", value: fmt.Sprintf("%s %s=%s", devNum(d.LinuxBlockIODevice), t.v2key, rate),
				field: fmt.Sprintf("%s.%s[%d]", blkioField, t.name, i)})
		}
	}
}
