#!/bin/busybox sh
# shellcheck shell=dash
# v2vm stage-1 init (PID 1 from the initramfs built by build.sh).
# Loads the modules, builds the guest root, mounts a pure cgroup v2
# hierarchy, then switch_root's into it and runs /.v2vm/v2vm-stage2.sh.
#
# Guest root = the host's / (9p tag "hostroot", exported read-only by qemu)
# under an overlayfs whose upper layer is a tmpfs, so the guest can write
# anywhere and nothing reaches the host.  The job dir (tag "job") and the
# share dir (tag "share", optional) are the only host paths the guest can
# write to.
B=/bin/busybox
$B mkdir -p /proc /sys /dev /newroot /lower /rw /job
$B mount -t proc proc /proc
$B mount -t sysfs sysfs /sys
$B mount -t devtmpfs devtmpfs /dev
$B --install -s /bin
export PATH=/bin

die() {
	echo "v2vm-init: $*" >/dev/ttyS0
	for p in /sys/class/virtio-ports/*; do
		[ "$(cat "$p/name" 2>/dev/null)" = v2vm.out ] && echo "v2vm-init: $*" >"/dev/${p##*/}"
	done
	echo 125 >/job/rc 2>/dev/null
	sync
	reboot -f
}

echo "v2vm-init: start" >/dev/kmsg
while read -r m; do
	insmod "/lib/modules/$m.ko" || echo "v2vm-init: insmod $m failed" >/dev/ttyS0
done </lib/modules/order

echo "v2vm-init: modules loaded" >/dev/kmsg
O9P="trans=virtio,version=9p2000.L,msize=262144"
mount -t 9p -o "$O9P,cache=none" job /job || die "cannot mount job dir"
# shellcheck source=/dev/null # V2VM_* settings written by run.sh
. /job/env

if [ "${V2VM_ROOT:-host}" = host ]; then
	mount -t 9p -o "$O9P,ro,cache=loose" hostroot /lower || die "cannot mount hostroot"
	mount -t tmpfs -o mode=755 rw /rw
	mkdir -p /rw/upper /rw/work
	mount -t overlay -o lowerdir=/lower,upperdir=/rw/upper,workdir=/rw/work overlay /newroot ||
		die "cannot mount overlay root"
else
	# minimal root: a tmpfs holding only busybox (no host files at all)
	mount -t tmpfs -o mode=755 rw /newroot
	mkdir -p /newroot/bin /newroot/proc /newroot/sys /newroot/dev /newroot/tmp /newroot/run /newroot/etc
	cp /bin/busybox /newroot/bin/busybox
	/bin/busybox --install -s /newroot/bin 2>/dev/null ||
		for a in $(busybox --list); do ln -sf busybox "/newroot/bin/$a"; done
	echo "root:x:0:0:root:/root:/bin/sh" >/newroot/etc/passwd
	echo "root:x:0:" >/newroot/etc/group
fi

echo "v2vm-init: root ready" >/dev/kmsg
R=/newroot
mkdir -p $R/.v2vm $R/proc $R/sys $R/dev $R/tmp $R/run
cp /bin/busybox /v2vm-stage2.sh $R/.v2vm/
mount --move /proc $R/proc
mount --move /sys $R/sys
mount --move /dev $R/dev
mount -t tmpfs -o mode=1777,nosuid,nodev tmpfs $R/tmp
mount -t tmpfs -o mode=755,nosuid,nodev tmpfs $R/run
mkdir -p $R/run/v2vm-job $R/run/lock
mount --move /job $R/run/v2vm-job || die "cannot move job dir"
if [ -n "${V2VM_SHARE:-}" ]; then
	mkdir -p "$R$V2VM_SHARE"
	mount -t 9p -o "$O9P,cache=mmap" share "$R$V2VM_SHARE" || die "cannot mount share at $V2VM_SHARE"
fi

# pure cgroup v2 (kernel booted with cgroup_no_v1=all), mounted the way
# systemd mounts it
mount -t cgroup2 -o nsdelegate,memory_recursiveprot cgroup2 $R/sys/fs/cgroup 2>/dev/null ||
	mount -t cgroup2 -o nsdelegate cgroup2 $R/sys/fs/cgroup || die "cannot mount cgroup2"

echo "v2vm-init: switch_root" >/dev/kmsg
exec switch_root $R /.v2vm/busybox sh /.v2vm/v2vm-stage2.sh
