package specconv

import "github.com/opencontainers/selinux/go-selinux/label"

// labelMounts gives the filesystems made for the container (tmpfs, devpts,
// mqueue) the SELinux context of linux.mountLabel, with the context=
// mount option as runc does; binds keep the labels of their source. An
// empty label (none given, or SELinux off) changes nothing.
func labelMounts(mounts []Mount, mountLabel string) {
	if mountLabel == "" {
		return
	}
	for i := range mounts {
		m := &mounts[i]
		if m.Kind == MountFS && (m.Type == "tmpfs" || m.Type == "devpts" || m.Type == "mqueue") {
			m.Data = label.FormatMountLabel(m.Data, mountLabel)
		}
	}
}
