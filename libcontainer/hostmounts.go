package libcontainer

import (
	"fmt"

	"golang.org/x/sys/unix"
)

// A container without a mount namespace of its own has its mounts made in
// berth's namespace, below a private bind of the rootfs on itself (see
// nsexec/c/rootfs.c). The mount id found at the rootfs before create is
// kept; whatever stacks on it later is the container's and is detached,
// with everything below it, when the container is destroyed.

// mountID is the id of the mount at path (the topmost one when path is a
// mount point).
func mountID(path string) (uint64, error) {
	var st unix.Statx_t
	if err := unix.Statx(unix.AT_FDCWD, path, unix.AT_SYMLINK_NOFOLLOW, unix.STATX_MNT_ID, &st); err != nil {
		return 0, fmt.Errorf("statx %s: %w", path, err)
	}
	if st.Mask&unix.STATX_MNT_ID == 0 {
		return 0, fmt.Errorf("statx %s: no mount id (Linux 5.8+)", path)
	}
	return st.Mnt_id, nil
}

// detachHostMounts detaches the container's bind of the rootfs, if it is
// still there on top of the mount that was there before create.
func detachHostMounts(rootfs string, before uint64) error {
	if before == 0 {
		return nil
	}
	id, err := mountID(rootfs)
	if err != nil || id == before {
		return err
	}
	if err := unix.Unmount(rootfs, unix.MNT_DETACH); err != nil {
		return fmt.Errorf("detach the container's mounts at %s: %w", rootfs, err)
	}
	return nil
}
