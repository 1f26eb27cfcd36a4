// Package cgroups creates, limits, watches and removes a container's
// control group on cgroup v1 (Legacy), v1 with a cgroup2 hierarchy at
// /sys/fs/cgroup/unified (Hybrid), and pure cgroup v2 (Unified).
//
// # Use
//
//	cfg := cgroups.Config{Path: spec.Linux.CgroupsPath, ID: id,
//		Resources: spec.Linux.Resources, DefaultDevices: defaults}
//	m, err := cgroups.New(cfg)      // validates, resolves paths; no side effects
//	err = m.Create()                // mkdir in every hierarchy + limits; undone on error
//	fd, ok, err := m.CloneFD()      // Unified: start the init with CLONE_INTO_CGROUP
//	err = m.Join(pid)               // else (and for exec'd processes): move it in
//	err = m.Adopt(pid)              // systemd: start the unit with the spawned init
//	st := m.State()                 // persist in state.json; cgroups.Load(st) later
//	m.Set(r); m.Freeze(); m.Thaw(); m.Stats(); m.Kill(sig); m.Destroy()
//
// Validate(cfg) runs the checks of New alone. Manager.Warnings tells the
// caller what the last Create or Set could not honour (kernel memory
// limits, swappiness on v2 ...): print them, they are not errors.
//
// DetectMode reads the layout once per process: /sys/fs/cgroup is cgroup2
// (Unified), or /sys/fs/cgroup/unified is (Hybrid), or neither (Legacy).
//
// # Where the cgroup goes
//
// The inner path is linux.cgroupsPath, or the container id when it is
// empty. It must not contain "..". As runc's fs and fs2 drivers place it
// (checked against runc 1.1.5 on a Hybrid host and in a Unified VM):
//
//   - absolute ("/a/b"): <mount>/a/b in every hierarchy;
//   - relative ("a/b", and the default "<id>"): in each v1 hierarchy,
//     under this process's own cgroup of that hierarchy, read from
//     /proc/self/cgroup (so with berth in memory:/process_api/x, the
//     memory dir is /sys/fs/cgroup/memory/process_api/x/a/b while the
//     others are /sys/fs/cgroup/<ctrl>/a/b); on Unified under the parent
//     of the own cgroup (a cgroup with processes cannot delegate
//     controllers); on Hybrid the cgroup2 dir is /sys/fs/cgroup/unified/a/b.
//
// A "slice:prefix:name" path is the systemd driver's and is refused
// without Config.Systemd. With it (systemd.go), the cgroup is the one of a
// transient unit, "prefix-name.scope" under slice (see parseSystemdPath):
// Create only checks that systemd answers; Adopt(pid) starts the unit with
// the init as its process and the limits as unit properties, then the
// cgroupfs manager of the unit's cgroup applies them to the files and does
// the rest; Set changes both; Destroy stops the unit. Config.Annotations
// "org.systemd.property.NAME" are more properties of the new unit.
//
// On Hybrid the cgroup2 directory is created and joined like runc does;
// hybrid.go says why. Destroy removes only directories Create made, and a
// parent it made only while it is empty.
//
// # Resources
//
// Each resource is translated into file writes by pure functions (v1Files,
// v2Files, v1DeviceWrites) that the unit tests check table by table.
// Before any write, every file is checked to exist (feature detection),
// so a refused Set leaves the cgroup as it was; a write the kernel
// refuses then rolls back the ones before it. Files that constrain each
// other are written in the order that works (memory limit and
// memory+swap, quota and burst, real-time runtime and period, shares and
// idle): the one order, and the other if the kernel refuses it.
//
//	field                 cgroup v1                           cgroup v2
//	memory.limit          memory.limit_in_bytes               memory.max
//	memory.swap           memory.memsw.limit_in_bytes         memory.swap.max = swap - limit
//	memory.reservation    memory.soft_limit_in_bytes          memory.low
//	memory.kernel         memory.kmem.limit_in_bytes (1)      warning
//	memory.kernelTCP      memory.kmem.tcp.limit_in_bytes (1)  warning
//	memory.swappiness     memory.swappiness                   warning
//	memory.disableOOMKiller memory.oom_control                warning
//	memory.useHierarchy   memory.use_hierarchy (1)            warning if false
//	memory.checkBeforeUpdate  Set refuses a limit below memory.usage_in_bytes / memory.current
//	cpu.shares            cpu.shares                          cpu.weight = 1+((shares-2)*9999)/262142
//	cpu.quota, period     cpu.cfs_quota_us, cpu.cfs_period_us cpu.max "quota period"
//	cpu.burst             cpu.cfs_burst_us                    cpu.max.burst
//	cpu.realtime*         cpu.rt_runtime_us, cpu.rt_period_us refused
//	cpu.idle              cpu.idle                            cpu.idle
//	cpu.cpus, mems        cpuset.cpus, cpuset.mems            cpuset.cpus, cpuset.mems
//	pids.limit            pids.max (-1: max; 0 is a limit)    pids.max
//	blockIO.weight        blkio.weight | blkio.bfq.weight     io.bfq.weight | io.weight = 1+(w-10)*9999/990
//	blockIO.leafWeight    blkio.leaf_weight(_device)          warning
//	blockIO.weightDevice  blkio.weight_device | bfq           io.bfq.weight | io.weight "maj:min w"
//	blockIO.throttle*     blkio.throttle.{read,write}_{bps,iops}_device   io.max "maj:min rbps=..."
//	hugepageLimits        hugetlb.<size>.limit_in_bytes (+rsvd.) hugetlb.<size>.max (+rsvd.)
//	network.classID       net_cls.classid                     refused
//	network.priorities    net_prio.ifpriomap                  refused
//	rdma                  rdma.max                            rdma.max
//	unified               refused                             the named files, last
//	devices               devices.deny "a", then the rules    an eBPF program (BPF_F_ALLOW_MULTI)
//
// (1) a warning when the kernel lacks or ignores it. A controller the
// host does not have (net_cls on most hosts, hugetlb as v1 on a Hybrid
// host whose hugetlb is in cgroup2) is refused by Validate, naming the
// field. 0 means "not set" for byte counts, shares, quota, period and
// weights, as in runc; pids.limit 0 is a limit, as the spec says.
//
// # Devices
//
// The rules enforced are linux.resources.devices in order, then
// Config.DefaultDevices (the devices the runtime always allows), on a
// deny-everything base. On v1 that is "a" to devices.deny, then each rule
// to devices.allow or devices.deny: the kernel lists exceptions in the
// order they were added, so devices.list shows the config's allowed
// rules in the config's order. On v2 the rules compile to one
// BPF_PROG_TYPE_CGROUP_DEVICE program: for each access asked (r, w, m)
// the last matching rule that has it decides, and no match denies. Set
// with a device list attaches the new program replacing the old one
// (BPF_F_REPLACE; else attached before the old one is detached, so
// access is never wider than either). Set without a list leaves the
// rules alone.
package cgroups
