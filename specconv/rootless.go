package specconv

import (
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// checkRootless: without root on the host a container needs a user
// namespace (runc: "rootless container requires user namespaces"),
// unless berth is already root of one (Options.InUserNS).
func (c *checker) checkRootless(st *convertState) error {
	if c.opts.Rootless && !c.opts.InUserNS && !st.ns.has(specs.UserNamespace) {
		return c.errorf("linux.namespaces", "a rootless container needs a user namespace")
	}
	return nil
}

// checkMountIDs: in a new user namespace, the uid= and gid= options of a
// mount must name ids mapped in it (runc checks this for rootless
// containers; the kernel refuses unmapped ids with EINVAL in any case,
// e.g. devpts gid=5).
func (c *checker) checkMountIDs(st *convertState) error {
	if !st.ns.isNew(specs.UserNamespace) {
		return nil
	}
	for _, m := range st.plan.Mounts {
		for _, id := range mountDataIDs(m.Data, "uid=") {
			if !mapped(st.plan.UIDMappings, id) {
				return c.errorf(field(m.Origin, "options"), "uid=%d is not mapped in the user namespace (linux.uidMappings)", id)
			}
		}
		for _, id := range mountDataIDs(m.Data, "gid=") {
			if !mapped(st.plan.GIDMappings, id) {
				return c.errorf(field(m.Origin, "options"), "gid=%d is not mapped in the user namespace (linux.gidMappings)", id)
			}
		}
	}
	return nil
}

// mapped reports whether a container id falls in one of the mappings.
func mapped(maps []specs.LinuxIDMapping, id uint64) bool {
	for _, m := range maps {
		if id >= uint64(m.ContainerID) && id < uint64(m.ContainerID)+uint64(m.Size) {
			return true
		}
	}
	return false
}
