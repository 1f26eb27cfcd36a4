#!/bin/bash
# build.sh [--sources-sum] -- build the systemd guest into $SDVM_HOME/cache.
#
# The kernel and its virtio/9p/overlay modules are the v2vm lane's
# (${BERTH_CACHE:-/var/cache/berth}/v2vm, built by ../v2vm/build.sh if
# missing); this adds autofs4 and configfs (systemd wants them) from the
# same kernel .deb, the host's static busybox and guest/ into an
# initramfs tree that run.sh packs per run. systemd and dbus come from the
# host (the guest's root is the host's, read-only): apt-get installs them
# when missing. Writes only under $SDVM_HOME; temp files go to
# $SDVM_HOME/scratch, never /tmp.
#
# --sources-sum prints the checksum of what the tree is built from (run.sh
# rebuilds when it changed).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
sources_sum() { (cd "$HERE" && cat build.sh guest/init guest/job-runner.sh guest/units/*) | sha256sum; }
[ "${1:-}" = --sources-sum ] && { sources_sum; exit 0; }
SDVM=${SDVM_HOME:-${BERTH_CACHE:-/var/cache/berth}/systemdvm}
V2=${V2VM_DIR:-${BERTH_CACHE:-/var/cache/berth}/v2vm}
export TMPDIR=$SDVM/scratch
export DEBIAN_FRONTEND=noninteractive
mkdir -p "$TMPDIR" "$SDVM/cache"
C=$SDVM/cache
log() { echo "systemdvm-build: $*" >&2; }

# --- host packages: the guest runs the host's systemd and dbus-daemon -----------------
need=()
for p in systemd dbus busybox-static qemu-system-x86; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q 'install ok installed' || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
	log "installing ${need[*]}"
	apt-get -q -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${need[@]}" >&2 || {
		apt-get -q -o DPkg::Lock::Timeout=600 update -qq >&2
		apt-get -q -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${need[@]}" >&2
	}
fi
[ -f "$V2/vmlinux" ] || "$HERE/../v2vm/build.sh" >&2
KPKG=$(sed -n 's/^kernel_package=//p' "$V2/BUILD-INFO")
for f in vmlinux "$KPKG.deb" initramfs.cpio.gz; do
	[ -f "$V2/$f" ] || { log "the v2vm cache in $V2 has no $f"; exit 1; }
done

# kernel: a private copy (the v2vm cache may be rebuilt under a running guest)
cmp -s "$V2/vmlinux" "$C/vmlinux" || { cp "$V2/vmlinux" "$C/vmlinux.new" && mv "$C/vmlinux.new" "$C/vmlinux"; }
echo "$KPKG" >"$C/KERNEL"

# initramfs tree: busybox, v2vm's modules (+ autofs4, configfs), guest/
W=$(mktemp -d "$TMPDIR/build.XXXXXX")
trap 'rm -rf "$W"' EXIT
mkdir -p "$W/v2" "$W/deb" "$W/ir/bin" "$W/ir/lib/modules" "$W/ir/sdvm-guest/units" \
	"$W/ir/proc" "$W/ir/sys" "$W/ir/dev" "$W/ir/newroot"
(cd "$W/v2" && zcat "$V2/initramfs.cpio.gz" | busybox cpio -i -d 2>/dev/null)
dpkg-deb --fsys-tarfile "$V2/$KPKG.deb" |
	tar -x -C "$W/deb" --wildcards './lib/modules/*/kernel/fs/autofs/autofs4.ko*' \
		'./lib/modules/*/kernel/fs/configfs/configfs.ko*'
for f in "$W"/deb/lib/modules/*/kernel/fs/*/*.ko*; do
	n=${f##*/}
	case $f in
	*.ko.xz) xz -dc "$f" >"$W/ir/lib/modules/${n%.xz}" ;;
	*.ko.zst) zstd -qdc "$f" >"$W/ir/lib/modules/${n%.zst}" ;;
	*) cp "$f" "$W/ir/lib/modules/" ;;
	esac
done
cp "$W"/v2/lib/modules/*.ko "$W/ir/lib/modules/"
{ cat "$W/v2/lib/modules/order"; echo autofs4; echo configfs; } >"$W/ir/lib/modules/order"
while read -r m; do
	[ -f "$W/ir/lib/modules/$m.ko" ] || { log "module $m missing"; exit 1; }
done <"$W/ir/lib/modules/order"
cp /bin/busybox "$W/ir/bin/busybox"
install -m 755 "$HERE/guest/init" "$W/ir/init"
install -m 755 "$HERE/guest/job-runner.sh" "$W/ir/sdvm-guest/job-runner.sh"
install -m 644 "$HERE"/guest/units/* "$W/ir/sdvm-guest/units/"

rm -rf "$C/ir.new" && mv "$W/ir" "$C/ir.new"
rm -rf "$C/ir" && mv "$C/ir.new" "$C/ir"
sources_sum >"$C/SOURCES.sha256"
log "built $C (kernel $KPKG; modules: $(tr '\n' ' ' <"$C/ir/lib/modules/order"))"
