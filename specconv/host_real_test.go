package specconv

import (
	"io/fs"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func TestRealHost(t *testing.T) {
	h := RealHost()
	last, err := h.CapLastCap()
	if err != nil || last < 30 || last > 63 {
		t.Errorf("cap_last_cap = %d, %v", last, err)
	}
	if typ, err := h.FileType("/"); err != nil || typ != fs.ModeDir {
		t.Errorf("FileType(/) = %v, %v", typ, err)
	}
	if typ, err := h.FileType("/dev/null"); err != nil || typ != fs.ModeDevice|fs.ModeCharDevice {
		t.Errorf("FileType(/dev/null) = %v, %v", typ, err)
	}
	if own, err := h.IsHostNamespace("/proc/self/ns/net", specs.NetworkNamespace); err != nil || !own {
		t.Errorf("IsHostNamespace(own net) = %v, %v", own, err)
	}
	if own, err := h.IsHostNamespace("/proc/self/ns/ipc", specs.NetworkNamespace); err != nil || own {
		t.Errorf("IsHostNamespace(ipc as net) = %v, %v", own, err)
	}
	t.Logf("selinux %v apparmor %v mount_setattr %v", h.SELinuxEnabled(), h.AppArmorEnabled(), h.MountSetattr())
}
