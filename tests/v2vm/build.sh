#!/bin/bash
# build.sh -- build the v2vm kernel + initramfs into $V2VM_DIR.
#
# Installs what the host lacks (qemu-system-x86, busybox-static, xz-utils,
# zstd) with apt-get; the guest kernel is Debian's own linux-image package,
# fetched with `apt-get download` and unpacked with `dpkg -x` (never
# installed on the host).  Then probes which accelerator boots (see
# run.sh, V2VM_ACCEL=auto).  Safe to run again: the kernel is
# downloaded once; the initramfs is always rebuilt.
#
#   V2VM_DIR   output dir (default ${BERTH_CACHE:-/var/cache/berth}/v2vm)
#   V2VM_KPKG  kernel package (default: what linux-image-amd64 depends on)
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
VMDIR=${V2VM_DIR:-${BERTH_CACHE:-/var/cache/berth}/v2vm}
export DEBIAN_FRONTEND=noninteractive
APT=(apt-get -q -o DPkg::Lock::Timeout=600)
log() { echo "v2vm-build: $*" >&2; }
TMPS=()
trap 'rm -rf "${TMPS[@]}"' EXIT

mkdir -p "$VMDIR"
VMDIR=$(cd "$VMDIR" && pwd -P)
# one build at a time per VM dir (run.sh may start one too)
exec 9>"$VMDIR/.build.lock"
flock 9

# --- host tools ------------------------------------------------------------
APT_UPDATED=
apt_update() {
	[ -n "$APT_UPDATED" ] && return 0
	log "apt-get update"
	"${APT[@]}" update -qq >&2
	APT_UPDATED=1
}
installed() { dpkg-query -W -f='${Status}\n' "$1" 2>/dev/null | grep -q 'install ok installed'; }
need=()
for p in qemu-system-x86 busybox-static xz-utils zstd; do
	installed "$p" || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
	log "installing ${need[*]}"
	"${APT[@]}" install -y -qq --no-install-recommends "${need[@]}" >&2 || {
		apt_update
		"${APT[@]}" install -y -qq --no-install-recommends "${need[@]}" >&2
	}
fi
BB=/bin/busybox

# --- kernel ------------------------------------------------------------------
# Debian's generic kernel: the package linux-image-amd64 depends on.  Its
# .deb is kept in $VMDIR and unpacked into a temp dir for each build.
kpkg() { apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-[0-9]/{print $2; exit}'; }
fetch_kernel() { # fetch_kernel PKG: apt-get download to $VMDIR/PKG.deb
	local dl
	dl=$(mktemp -d "$VMDIR/.dl.XXXXXX") # same file system: the mv is atomic
	TMPS+=("$dl")
	# apt-get download drops to the _apt user where it can; in a dir only
	# root can write it says so ("unsandboxed") and goes on as root
	(cd "$dl" && "${APT[@]}" download "$1" 2>&1 | grep -v unsandboxed >&2)
	ls "$dl/$1"_*.deb >/dev/null 2>&1 && mv "$dl/$1"_*.deb "$VMDIR/$1.deb"
	local rc=$?
	rm -rf "$dl"
	return $rc
}
KPKG=${V2VM_KPKG:-$(kpkg)}
[ -n "$KPKG" ] || { apt_update; KPKG=$(kpkg); }
[ -n "$KPKG" ] || { log "cannot resolve linux-image-amd64"; exit 1; }
if [ ! -f "$VMDIR/$KPKG.deb" ]; then
	log "fetching $KPKG"
	if ! fetch_kernel "$KPKG"; then
		# stale package lists: the mirror may have moved on to a newer ABI
		apt_update
		KPKG=${V2VM_KPKG:-$(kpkg)}
		log "fetching $KPKG"
		[ -f "$VMDIR/$KPKG.deb" ] || fetch_kernel "$KPKG" || { log "cannot fetch $KPKG"; exit 1; }
	fi
fi
# kernels of earlier builds: keep only this one
for f in "$VMDIR"/linux-image-*; do
	[ "$f" = "$VMDIR/$KPKG.deb" ] || rm -rf "$f"
done
KVER=${KPKG#linux-image-}
KDIR=$(mktemp -d "${TMPDIR:-/tmp}/v2vm-kernel.XXXXXX")
TMPS+=("$KDIR")
dpkg -x "$VMDIR/$KPKG.deb" "$KDIR" || { rm -f "$VMDIR/$KPKG.deb"; log "bad $KPKG.deb removed; run again"; exit 1; }
MODDIR=$KDIR/lib/modules/$KVER

# qemu boots the ELF vmlinux inside the bzImage through its PVH entry point,
# which skips real-mode setup and the in-guest decompression (about 10 s
# under TCG).  Redone only when the kernel changed.
is_elf64() { [ "$(od -An -tx1 -N5 "$1" 2>/dev/null | tr -d ' \n')" = 7f454c4602 ]; }
extract_vmlinux() {
	local magic=$1 cmd=$2 off
	# shellcheck disable=SC2013 # one number a line: words are lines
	for off in $(LC_ALL=C grep -abo "$magic" "$VMDIR/vmlinuz" 2>/dev/null | cut -d: -f1); do
		tail -c +$((off + 1)) "$VMDIR/vmlinuz" | $cmd >"$VMDIR/vmlinux.tmp" 2>/dev/null
		if is_elf64 "$VMDIR/vmlinux.tmp"; then
			mv "$VMDIR/vmlinux.tmp" "$VMDIR/vmlinux"
			return 0
		fi
	done
	return 1
}
if ! cmp -s "$KDIR/boot/vmlinuz-$KVER" "$VMDIR/vmlinuz"; then
	rm -f "$VMDIR/vmlinux" "$VMDIR/vmlinuz"
	cp "$KDIR/boot/vmlinuz-$KVER" "$VMDIR/vmlinuz.tmp" && mv "$VMDIR/vmlinuz.tmp" "$VMDIR/vmlinuz"
	extract_vmlinux $'\xfd7zXZ' 'xz -dc' ||
		extract_vmlinux $'\x28\xb5\x2f\xfd' 'zstd -dc' ||
		extract_vmlinux $'\x1f\x8b\x08' 'gzip -dc' ||
		log "note: could not extract vmlinux; qemu will boot the bzImage (slower)"
	rm -f "$VMDIR/vmlinux.tmp"
fi

# --- initramfs: static busybox, the modules, the two init scripts -----------
# Wanted modules; their dependencies are read from each module's modinfo
# ("depends=" in its .modinfo section: the .deb ships no modules.dep and
# depmod/kmod may be absent), and loaded first.
WANT="virtio_pci virtio_console virtio_rng virtio_blk 9pnet_virtio 9p overlay"
declare -A PATHOF=() SEEN=()
while read -r f; do
	n=${f##*/}; n=${n%%.ko*}; n=${n//-/_}
	PATHOF[$n]=$f
done < <(find "$MODDIR/kernel" -name '*.ko*')
kocat() {
	case $1 in
	*.ko) cat "$1" ;;
	*.ko.xz) xz -dc "$1" ;;
	*.ko.zst) zstd -qdc "$1" ;;
	*.ko.gz) gzip -dc "$1" ;;
	*) log "unknown module format: $1"; return 1 ;;
	esac
}
ORDER=()
add_mod() {
	local n=${1//-/_} d
	[ -n "${SEEN[$n]:-}" ] && return 0
	SEEN[$n]=1
	if [ -z "${PATHOF[$n]:-}" ]; then
		# built into the kernel: nothing to load
		grep -q "/\(${n}\|${n//_/-}\)\.ko\$" "$MODDIR/modules.builtin" && return 0
		log "module $n is neither a module nor built in ($KPKG)"
		exit 1
	fi
	for d in $(kocat "${PATHOF[$n]}" | tr '\0' '\n' | sed -n 's/^depends=//p' | tr , ' '); do
		add_mod "$d"
	done
	ORDER+=("$n")
}
for m in $WANT; do add_mod "$m"; done

IR=$(mktemp -d "${TMPDIR:-/tmp}/v2vm-initramfs.XXXXXX")
TMPS+=("$IR" "$VMDIR/initramfs.cpio.gz.tmp")
mkdir -p "$IR"/{bin,lib/modules,proc,sys,dev,newroot}
cp "$BB" "$IR/bin/busybox"
: >"$IR/lib/modules/order"
for n in "${ORDER[@]}"; do
	kocat "${PATHOF[$n]}" >"$IR/lib/modules/$n.ko"
	echo "$n" >>"$IR/lib/modules/order"
done
cp "$HERE/init.sh" "$IR/init"
cp "$HERE/stage2.sh" "$IR/v2vm-stage2.sh"
chmod 755 "$IR/init"
(cd "$IR" && find . | "$BB" cpio -o -H newc -R 0:0 2>/dev/null | gzip -1) >"$VMDIR/initramfs.cpio.gz.tmp"
mv "$VMDIR/initramfs.cpio.gz.tmp" "$VMDIR/initramfs.cpio.gz"
cat "$HERE/build.sh" "$HERE/init.sh" "$HERE/stage2.sh" | sha256sum >"$VMDIR/SCRIPTS.sha256"
cat >"$VMDIR/BUILD-INFO" <<EOF
kernel_package=$KPKG
kernel_version=$(dpkg-deb -f "$VMDIR/$KPKG.deb" Version)
kernel_image=$([ -f "$VMDIR/vmlinux" ] && echo "vmlinux (PVH)" || echo vmlinuz)
busybox=$("$BB" | head -1)
modules=${ORDER[*]}
qemu=$(qemu-system-x86_64 --version | head -1)
built=$(date -u +%FT%TZ)
EOF
log "built $VMDIR ($KPKG, modules: ${ORDER[*]})"

# --- accelerator: probe now (cached) rather than in the first run ---------------
flock -u 9
log "accel for V2VM_ACCEL=auto: $(V2VM_IN_BUILD=1 "$HERE/run.sh" --accel)"
