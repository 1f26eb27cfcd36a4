package libcontainer

import (
	"fmt"
	"os"
	"runtime"

	"golang.org/x/sys/unix"
)

// A container without a new mount namespace (none, or one joined by path)
// has its mounts made in that namespace, below a private bind of the
// rootfs on itself (see nsexec/c/rootfs.c). The mount id found at the
// rootfs before create is kept; whatever stacks on it later is the
// container's and is detached, with everything below it, when the
// container is destroyed.

// inMountNS runs fn in the mount namespace at nsPath ("" for berth's
// own), on a thread of its own that is thrown away afterwards.
func inMountNS(nsPath string, fn func() error) error {
	if nsPath == "" {
		return fn()
	}
	ns, err := os.Open(nsPath)
	if err != nil {
		if os.IsNotExist(err) {
			return nil // the namespace is gone, and its mounts with it
		}
		return fmt.Errorf("mount namespace %s: %w", nsPath, err)
	}
	defer ns.Close()
	return inJoinedMountNS(ns, fn)
}

// inJoinedMountNS runs fn in the mount namespace open at ns, on a thread
// with a filesystem context of its own (setns refuses a shared one) that
// is thrown away afterwards.
func inJoinedMountNS(ns *os.File, fn func() error) error {
	errc := make(chan error, 1)
	go func() {
		// the thread never returns to the Go scheduler: it is not
		// unlocked, so it exits with the goroutine
		runtime.LockOSThread()
		if err := unix.Unshare(unix.CLONE_FS); err != nil {
			errc <- fmt.Errorf("unshare fs: %w", err)
			return
		}
		if err := unix.Setns(int(ns.Fd()), unix.CLONE_NEWNS); err != nil {
			errc <- fmt.Errorf("join mount namespace %s: %w", ns.Name(), err)
			return
		}
		errc <- fn()
	}()
	return <-errc
}

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
