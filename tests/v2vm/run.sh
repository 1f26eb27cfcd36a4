#!/bin/bash
# run.sh 'COMMAND' [SHARE_DIR]
# run.sh --accel | --probe-accel
#
# Boot a throw-away qemu guest whose only cgroup hierarchy is cgroup v2
# (cgroup_no_v1=all; cgroup2 at /sys/fs/cgroup, every controller enabled in
# the root's cgroup.subtree_control), run COMMAND there as root with bash,
# stream its stdout+stderr (both on stdout), and exit with its exit code.
#
# Guest filesystem: the host's / read-only (9p) under a tmpfs overlay, so
# host binaries (runc, go, bash, ...) are at the same paths and every write
# is discarded at power-off; fresh tmpfs on /tmp and /run.  SHARE_DIR
# (default: $PWD unless that is /) is mounted read-write at the same path:
# the only place where results survive.  COMMAND starts in $PWD, else in
# SHARE_DIR.  The guest has no network.
#
# The guest gets the caller's PATH, HOME and GO*/CGO_* variables, so a Go
# toolchain on the host works there (read-only: have modules downloaded).
#
# --accel        print what V2VM_ACCEL=auto uses here (kvm or tcg): the
#                answer cached in $V2VM_DIR/accel, probed if missing/stale
# --probe-accel  forget that answer and probe again
#
# Env knobs (defaults in brackets):
#   V2VM_DIR      [${BERTH_CACHE:-/var/cache/berth}/v2vm] kernel,
#                 initramfs; built by build.sh on first use
#   V2VM_ACCEL    [auto] kvm | tcg | auto (kvm if the cached probe said it
#                 boots, else tcg)
#   V2VM_MEM      [2048] guest RAM in MiB
#   V2VM_SMP      [host CPUs, at most 4] vCPUs
#   V2VM_TIMEOUT  [1800] seconds before the guest is killed (exit 124)
#   V2VM_ENV      [] words exported in the guest before COMMAND: NAME=VALUE,
#                 or NAME to pass the host's value
#   V2VM_ROOT     [host] host | minimal (tmpfs root holding only busybox)
#   V2VM_TIMING   [] 1: print accel, wall time and guest uptime on stderr
#   V2VM_DEBUG    [] 1: copy the guest's kernel console to stderr
#   V2VM_APPEND   [] extra kernel command-line words
#   V2VM_DISK     [16] MiB of an empty scratch disk, /dev/vda in the guest
#                 (block I/O tests need a block device); 0: none
#
# Exit codes: COMMAND's; 2 usage; 124 timeout; 125 build, boot or guest
# failure (no exit code came back); 130 interrupted.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
SELF=$HERE/$(basename "$0")
VMDIR=${V2VM_DIR:-${BERTH_CACHE:-/var/cache/berth}/v2vm}
export V2VM_DIR=$VMDIR
say() { echo "v2vm: $*" >&2; }

usage() {
	echo "usage: $0 'COMMAND' [SHARE_DIR]   |   $0 --accel | --probe-accel" >&2
	exit 2
}
PROBE=
case ${1:-} in
--accel | --probe-accel) [ $# -eq 1 ] || usage; PROBE=$1 ;;
-h | --help) sed -n '2,/^set -u/p' "$SELF" | sed '$d; s/^# \{0,1\}//' >&2; exit 0 ;;
'') usage ;;
esac
[ $# -le 2 ] || usage

# --- build on first use, or when the scripts that make the guest changed ---------
if [ -z "${V2VM_IN_BUILD:-}" ] && { [ ! -f "$VMDIR/initramfs.cpio.gz" ] || [ ! -f "$VMDIR/vmlinuz" ] ||
	[ "$(cat "$VMDIR/SCRIPTS.sha256" 2>/dev/null)" != \
		"$(cat "$HERE/build.sh" "$HERE/init.sh" "$HERE/stage2.sh" | sha256sum)" ]; }; then
	say "building the VM in $VMDIR"
	"$HERE/build.sh" >&2 || { say "build failed"; exit 125; }
fi

# --- accelerator ----------------------------------------------------------------
# The cached probe is keyed on what decides the answer: the host kernel,
# /dev/kvm, qemu and the guest kernel.
accel_key() {
	printf '%s|%s|%s|%s' "$(uname -r)" "$([ -c /dev/kvm ] && echo kvm)" \
		"$(qemu-system-x86_64 --version 2>/dev/null | head -1)" \
		"$(sed -n 's/^kernel_version=//p' "$VMDIR/BUILD-INFO" 2>/dev/null)"
}
probe_accel() {
	local key ans=tcg why t0 rc
	key=$(accel_key)
	exec 8>"$VMDIR/.accel.lock"
	flock 8
	if [ -f "$VMDIR/accel" ] && [ "$(sed -n 2p "$VMDIR/accel")" = "$key" ]; then
		sed -n 1p "$VMDIR/accel"
		return
	fi
	if [ ! -c /dev/kvm ]; then
		why="no /dev/kvm"
	elif [ ! -r /dev/kvm ] || [ ! -w /dev/kvm ]; then
		why="/dev/kvm not usable by $(id -un)"
	elif [ -d /sys/module/kvm_pvm ] && ! grep -qw -m1 'vmx\|svm' /proc/cpuinfo; then
		# PVM (a nested host without VT-x/AMD-V) runs only PVM-enabled guest
		# kernels; Debian's stops with "KVM internal error ... emulation
		# failure" after minutes at a crawl
		why="/dev/kvm is kvm_pvm (no VT-x/AMD-V), which cannot run a stock kernel"
	else
		# a working KVM boots and runs `true` in a second or two; one slower
		# than a TCG boot is of no use
		t0=$(date +%s)
		V2VM_ACCEL=kvm V2VM_TIMEOUT=${V2VM_PROBE_TIMEOUT:-20} V2VM_TIMING='' V2VM_DEBUG='' \
			"$SELF" true "$VMDIR" >/dev/null 2>"$VMDIR/accel.probe.log"
		rc=$?
		if [ $rc = 0 ]; then
			ans=kvm why="kvm booted and ran a command in $(($(date +%s) - t0))s"
		else
			why="kvm probe failed (rc=$rc, see $VMDIR/accel.probe.log)"
		fi
	fi
	printf '%s\n%s\n%s\n' "$ans" "$key" "$why ($(date -u +%FT%TZ))" >"$VMDIR/accel"
	say "accel probe: $ans: $why"
	echo "$ans"
}
if [ -n "$PROBE" ]; then
	[ "$PROBE" = --probe-accel ] && rm -f "$VMDIR/accel"
	probe_accel
	exit 0
fi
ACCEL=${V2VM_ACCEL:-auto}
[ "$ACCEL" = auto ] && ACCEL=$(probe_accel)
# shellcheck disable=SC2054 # qemu option values contain commas
case $ACCEL in
kvm) ACC=(-accel kvm -cpu host,-arch-capabilities) ;;
tcg) ACC=(-accel tcg,thread=multi,tb-size=256 -cpu max) ;;
*) say "V2VM_ACCEL must be kvm, tcg or auto"; exit 2 ;;
esac

# --- arguments and the job dir ---------------------------------------------------
CMD=$1
if [ $# -eq 2 ]; then
	SHARE=$(cd "$2" 2>/dev/null && pwd -P) || { say "no such dir: $2"; exit 2; }
	[ "$SHARE" = / ] && { say "SHARE_DIR must not be /"; exit 2; }
else
	SHARE=$(pwd -P)
	[ "$SHARE" = / ] && SHARE=
fi
MEM=${V2VM_MEM:-2048}
NCPU=$(nproc 2>/dev/null || echo 2)
SMP=${V2VM_SMP:-$((NCPU > 4 ? 4 : NCPU))}
TIMEOUT=${V2VM_TIMEOUT:-1800}

JOB=$(mktemp -d "${TMPDIR:-/tmp}/v2vm-job.XXXXXX") || exit 125
DISKDEV=()
if [ "${V2VM_DISK:-16}" != 0 ]; then
	truncate -s "${V2VM_DISK:-16}M" "$JOB/disk.img" || exit 125
	DISKDEV=(-drive "file=${JOB//,/,,}/disk.img,if=virtio,format=raw,cache=unsafe")
fi
QPID='' TAILPID='' CATPID=''
# shellcheck disable=SC2317 # run by the EXIT trap
cleanup() {
	[ -n "$QPID" ] && kill "$QPID" 2>/dev/null && wait "$QPID" 2>/dev/null
	# with qemu gone, closing fd 7 lets cat drain the FIFO and see EOF
	exec 7>&-
	[ -n "$CATPID" ] && wait "$CATPID" 2>/dev/null
	[ -n "$TAILPID" ] && kill "$TAILPID" 2>/dev/null
	rm -rf "$JOB"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

printf '%s\n' "$CMD" >"$JOB/cmd"
{
	printf 'V2VM_SHARE=%q\n' "$SHARE"
	printf 'V2VM_CWD=%q\n' "$PWD"
	printf 'V2VM_ROOT=%q\n' "${V2VM_ROOT:-host}"
	printf 'V2VM_PATH=%q\n' "$PATH"
	printf 'V2VM_HOME=%q\n' "${HOME:-/root}"
} >"$JOB/env"
for kv in $(compgen -e | grep -E '^C?GO[A-Z0-9_]*$') ${V2VM_ENV:-}; do
	case $kv in
	*=*) printf 'export %q\n' "$kv" ;;
	*) [ -n "${!kv+x}" ] && printf 'export %q\n' "$kv=${!kv}" ;;
	esac
done >"$JOB/extra-env"

APPEND="console=ttyS0 quiet loglevel=4 panic=-1 cgroup_no_v1=all rdinit=/init"
APPEND+=" mitigations=off tsc=reliable no_timer_check random.trust_cpu=on"
APPEND+=" i8042.noaux i8042.nokbd nowatchdog ${V2VM_APPEND:-}"
# TCG's guest TSC runs at the host TSC rate; telling the guest skips the
# PIT-based calibration, which fails at random under TCG on a busy host
# (then the guest can hang with "Marking TSC unstable").
KHZ=$(awk '/^cpu MHz/{printf "%d", $4 * 1000; exit}' /proc/cpuinfo)
[ -n "$KHZ" ] && [ "$ACCEL" = tcg ] && APPEND+=" tsc_early_khz=$KHZ"

CONSOLE=$JOB/console.log
if [ -n "${V2VM_DEBUG:-}" ]; then
	: >"$CONSOLE"
	tail -n +1 -f "$CONSOLE" >&2 &
	TAILPID=$!
fi

KERNEL=$VMDIR/vmlinuz
[ -f "$VMDIR/vmlinux" ] && KERNEL=$VMDIR/vmlinux # PVH entry: no in-guest decompression
V9=security_model=passthrough,multidevs=remap
SHAREDEV=()
# shellcheck disable=SC2054
[ -n "$SHARE" ] && SHAREDEV=( # (a "," in a qemu option value is written ",,")
	-fsdev "local,id=share,path=${SHARE//,/,,},$V9"
	-device virtio-9p-pci,fsdev=share,mount_tag=share)

# The command's output: virtio-serial port -> FIFO -> cat -> our stdout.
# (qemu's stdio chardev closes the port when its stdin hits EOF, and then
# every guest write blocks; a file chardev on /dev/stdout would reopen a
# regular file with its own offset and clobber what the caller writes.)
# fd 7 keeps the FIFO open, so cat never blocks in open() and sees EOF
# only once both qemu and we have closed it.
mkfifo "$JOB/out" && exec 7<>"$JOB/out" || exit 125
cat "$JOB/out" 7>&- &
CATPID=$!
T0=$(date +%s.%N)
timeout -s TERM "$TIMEOUT" qemu-system-x86_64 "${ACC[@]}" -M q35 -m "$MEM" -smp "$SMP" \
	-nodefaults -no-user-config -display none -vga none -no-reboot \
	-kernel "$KERNEL" -initrd "$VMDIR/initramfs.cpio.gz" -append "$APPEND" \
	-serial "file:$CONSOLE" \
	-device virtio-serial-pci -chardev "file,id=out,path=${JOB//,/,,}/out" \
	-device virtserialport,chardev=out,name=v2vm.out \
	-device virtio-rng-pci \
	"${DISKDEV[@]}" \
	-fsdev "local,id=hostroot,path=/,readonly=on,$V9" \
	-device virtio-9p-pci,fsdev=hostroot,mount_tag=hostroot \
	"${SHAREDEV[@]}" \
	-fsdev "local,id=job,path=${JOB//,/,,},security_model=none" \
	-device virtio-9p-pci,fsdev=job,mount_tag=job \
	</dev/null 7>&- &
QPID=$!
wait "$QPID"
QRC=$?
QPID=
exec 7>&-
wait "$CATPID"
CATPID=
T1=$(date +%s.%N)
[ -n "$TAILPID" ] && { sleep 0.2; kill "$TAILPID" 2>/dev/null; TAILPID=; }

if [ -s "$JOB/rc" ]; then
	RC=$(cat "$JOB/rc")
elif [ "$QRC" = 124 ]; then
	say "guest killed after the ${TIMEOUT}s timeout (V2VM_TIMEOUT)"
	RC=124
else
	say "guest stopped (qemu rc=$QRC) without an exit code; console tail:"
	tail -n 30 "$CONSOLE" >&2
	RC=125
fi
if [ -n "${V2VM_TIMING:-}" ]; then
	cs=$(cat "$JOB/t_cmd_start" 2>/dev/null || echo '?')
	ce=$(cat "$JOB/t_cmd_end" 2>/dev/null || echo '?')
	say "accel=$ACCEL mem=${MEM}M smp=$SMP wall=$(awk "BEGIN{printf \"%.2f\", $T1 - $T0}")s" \
		"guest uptime: at command start ${cs}s, at its end ${ce}s; rc=$RC"
fi
exit "$RC"
