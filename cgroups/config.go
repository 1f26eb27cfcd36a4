package cgroups

import (
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// Config says where the container's cgroup goes and what it limits.
type Config struct {
	// Path is linux.cgroupsPath as written in config.json; "" places the
	// cgroup at ID, relative (see the package doc for where that lands).
	Path string
	// ID is the container id, used for the default path.
	ID string
	// Systemd asks for the systemd cgroup driver (--systemd-cgroup): the
	// cgroup is a transient unit named by a "slice:prefix:name" Path (see
	// the package doc). It needs systemd as the host's init and root.
	Systemd bool
	// Annotations are the container's; the systemd driver starts its unit
	// with the properties "org.systemd.property.NAME" ones give, as runc.
	Annotations map[string]string
	// Rootless tolerates hierarchies berth may not write to: a cgroup that
	// cannot be created or joined for lack of permission is skipped with a
	// warning, unless the resources need its controller.
	Rootless bool
	// Resources are the limits to apply on Create; nil applies none.
	Resources *specs.LinuxResources
	// DefaultDevices are the device rules the runtime always allows
	// (/dev/null, /dev/zero, ptys ...). They are enforced after
	// Resources.Devices, so that the spec's rules keep their positions in
	// v1 devices.list. With both lists empty, device
	// access is left as the parent cgroup has it.
	DefaultDevices []specs.LinuxDeviceCgroup
}

// State is what berth persists about a container's cgroup (in its
// state.json) to manage it from a later command with Load.
type State struct {
	// Mode is the host's cgroup layout when the cgroup was made.
	Mode Mode `json:"mode"`
	// Paths maps each hierarchy to the container's directory in it: the v1
	// controller name ("memory", "name=systemd"), or "" for the cgroup2
	// directory (on Unified, and on Hybrid for /sys/fs/cgroup/unified).
	Paths map[string]string `json:"paths"`
	// Created lists the directories Create made, parents before children;
	// Destroy removes exactly these, deepest first.
	Created []string `json:"created,omitempty"`
	// Rootless is Config.Rootless.
	Rootless bool `json:"rootless,omitempty"`
	// Systemd is the unit of the systemd driver (--systemd-cgroup): Load
	// gives its manager, which stops the unit on Destroy.
	Systemd *SystemdUnit `json:"systemd,omitempty"`
	// DefaultDevices is Config.DefaultDevices, kept for Set.
	DefaultDevices []specs.LinuxDeviceCgroup `json:"defaultDevices,omitempty"`
}
