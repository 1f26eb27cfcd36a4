package integration

// What a container's mount namespace holds, seen from the host.

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"unsafe"

	"golang.org/x/sys/unix"
)

// nsMounts lists the mount ids of every mount in the mount namespace of
// pid, with listmount(2) from the namespace's own root: mounts a
// chrooted process cannot see in its mountinfo included. Listing another
// namespace needs Linux 6.11; an older kernel skips the test.
func nsMounts(t *testing.T, pid int) []uint64 {
	t.Helper()
	ns, err := os.Open(fmt.Sprintf("/proc/%d/ns/mnt", pid))
	if err != nil {
		t.Fatal(err)
	}
	defer ns.Close()
	nsID, err := unix.IoctlGetUint64(int(ns.Fd()), unix.NS_GET_MNTNS_ID)
	if err != nil {
		skipOldKernel(t, err)
		t.Fatalf("NS_GET_MNTNS_ID of pid %d: %v", pid, err)
	}
	// struct mnt_id_req; mnt_id LSMT_ROOT: from the namespace's root
	req := struct {
		size, spare      uint32
		mntID, param, ns uint64
	}{size: unix.MNT_ID_REQ_SIZE_VER1, mntID: ^uint64(0), ns: nsID}
	ids := make([]uint64, 4096)
	n, _, errno := unix.Syscall6(unix.SYS_LISTMOUNT, uintptr(unsafe.Pointer(&req)),
		uintptr(unsafe.Pointer(&ids[0])), uintptr(len(ids)), 0, 0, 0)
	if errno != 0 {
		skipOldKernel(t, errno)
		t.Fatalf("listmount in the mount namespace of pid %d: %v", pid, errno)
	}
	return ids[:n]
}

// skipOldKernel skips when err says the kernel lacks the call.
func skipOldKernel(t *testing.T, err error) {
	t.Helper()
	if errors.Is(err, unix.ENOSYS) || errors.Is(err, unix.ENOTTY) || errors.Is(err, unix.EINVAL) {
		t.Skipf("host limitation: no listmount(2) of another mount namespace (Linux 6.11): %v", err)
	}
}

// mountinfoLines are the lines of pid's mountinfo: the mounts its
// process can reach from its root.
func mountinfoLines(t *testing.T, pid int) []string {
	t.Helper()
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/mountinfo", pid))
	if err != nil {
		t.Fatal(err)
	}
	return strings.Split(strings.TrimSpace(string(data)), "\n")
}
