#!/bin/bash
# run.sh 'COMMAND' [SHARE_DIR]
#
# Boot a throw-away qemu guest whose PID 1 is systemd (the host's systemd
# on an overlay root, pure cgroup v2, the v2vm lane's Debian kernel), run
# COMMAND with bash in sdvm-job.service (Delegate=yes, after basic.target
# and D-Bus), print its output (stdout and stderr merged) and exit with
# its code. The guest powers itself off when COMMAND ends.
#
# Safety: a booting systemd runs systemd-tmpfiles, whose `D /tmp` rule
# empties /tmp; through a read-write share that would empty the host's
# /tmp. So (README.md tells the whole story):
#  * the host's / is shared read-only (qemu readonly=on, mounted ro) as the
#    lower layer of an overlay whose upper layer is a guest tmpfs; the guest
#    gets fresh tmpfs on /tmp, /var/tmp and /run;
#  * every tmpfiles.d config is emptied and the tmpfiles units are masked
#    in the overlay (guest/init);
#  * the only read-write share is SHARE_DIR, which must be a fresh dir
#    directly under $SDVM_HOME/jobs (default: one made and removed here);
#    the job unit mounts it after boot at the same path;
#  * host-side files live under $SDVM_HOME only (never /tmp);
#  * tmpguard.sh notes the host's /tmp entries (names, inodes) before the
#    boot and puts a canary file there; after it, the canary must be there
#    unchanged and most entries of before too, or the run exits 126.
#
# Env: SDVM_HOME [${BERTH_CACHE:-/var/cache/berth}/systemdvm]: cache, runs,
#      jobs; SDVM_TIMEOUT [600] s; SDVM_MEM [2048] MiB; SDVM_SMP [host CPUs,
#      at most 4]; SDVM_APPEND (kernel args); SDVM_MASK (more units to
#      mask); SDVM_ENV (words exported in the guest: NAME=VALUE, or NAME
#      for the host's value); V2VM_ACCEL (kvm, tcg, auto: see ../v2vm).
# Exit: COMMAND's code; 2 usage; 124 timeout; 125 build, boot or guest
#       failure; 126 SAFETY: the host's /tmp looks changed or the canary
#       is gone (checked after everything else); 130 interrupted.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
SDVM=${SDVM_HOME:-${BERTH_CACHE:-/var/cache/berth}/systemdvm}
say() { echo "systemdvm: $*" >&2; }
if [ $# -lt 1 ] || [ $# -gt 2 ] || [ -z "$1" ]; then echo "usage: $0 'COMMAND' [SHARE_DIR]" >&2; exit 2; fi
[ "$(id -u)" = 0 ] || { say "needs root"; exit 2; }
CMD=$1
export TMPDIR=$SDVM/scratch # host-side tools: never /tmp
export LC_ALL=C
umask 022
mkdir -p "$TMPDIR" "$SDVM/runs" "$SDVM/jobs" "$SDVM/cache" || exit 125
SDVM=$(cd "$SDVM" && pwd -P)
case $SDVM/ in /tmp/* | /var/tmp/* | /run/* | /dev/shm/*)
	say "SDVM_HOME must not be under /tmp, /var/tmp, /run or /dev/shm (tmpfiles rules cover them): $SDVM"
	exit 2
	;;
esac
TS=$(date +%s.%N)

# --- the share: a dir directly under $SDVM/jobs, or a fresh one --------------------
OWNJOB=
if [ $# -eq 2 ]; then
	JOB=$(cd "$2" 2>/dev/null && pwd -P) || { say "no such dir: $2"; exit 2; }
	case $JOB in "$SDVM"/jobs/*/*) JOB= ;; "$SDVM"/jobs/?*) ;; *) JOB= ;; esac
	[ -n "$JOB" ] || { say "SHARE_DIR must be a dir directly under $SDVM/jobs: $2"; exit 2; }
else
	JOB=$(mktemp -d "$SDVM/jobs/run.XXXXXX") || exit 125
	OWNJOB=1
	trap 'rm -rf "$JOB"' EXIT # until the boot's cleanup takes over
fi
CTL=$JOB/.sdvm # the runner's files in the share: out.log, rc, status
mkdir "$CTL" || { say "$CTL exists: a share serves one run"; exit 2; }

# --- the kernel (the v2vm lane's cache, built if stale) and our initramfs tree ------
# (v2vm's run.sh --accel builds its cache when missing or stale, then says
# which accelerator boots here)
ACCEL=${V2VM_ACCEL:-auto}
[ "$ACCEL" = auto ] && { ACCEL=$("$REPO/tests/v2vm/run.sh" --accel) || { say "v2vm build failed"; exit 125; }; }
# shellcheck disable=SC2054 # qemu option values contain commas
case $ACCEL in
kvm) ACC=(-accel kvm -cpu host,-arch-capabilities) ;;
tcg) ACC=(-accel tcg,thread=multi,tb-size=256 -cpu max) ;;
*) say "V2VM_ACCEL must be kvm, tcg or auto"; exit 2 ;;
esac
exec 9>"$SDVM/.lock" # one guest at a time (and no rebuild under a running one)
flock -w 1800 9 || { say "another run holds $SDVM/.lock"; exit 125; }
C=$SDVM/cache
if [ ! -f "$C/vmlinux" ] || [ ! -d "$C/ir" ] ||
	[ "$(cat "$C/SOURCES.sha256" 2>/dev/null)" != "$("$HERE/build.sh" --sources-sum)" ]; then
	say "building $C"
	"$HERE/build.sh" >&2 || { say "build failed"; exit 125; }
fi

ID=$(date -u +%Y%m%dT%H%M%SZ)-$$
RUN=$SDVM/runs/$ID
mkdir "$RUN" || exit 125
# runs of earlier calls: keep the last 10
find "$SDVM/runs" -mindepth 1 -maxdepth 1 -type d | sort | head -n -10 | xargs -r rm -rf

# the per-run initramfs: the tree + /sdvm/{cmd,env,share,mask}
mkdir "$RUN/ir"
cp -a "$C/ir/." "$RUN/ir/"
mkdir "$RUN/ir/sdvm"
printf '%s\n' "$CMD" >"$RUN/ir/sdvm/cmd"
echo "$JOB" >"$RUN/ir/sdvm/share"
echo "${SDVM_MASK:-}" >"$RUN/ir/sdvm/mask"
CANARY=/tmp/.berth-systemdvm-canary-$ID # tmpguard.sh makes it: its name is the run dir's
{
	printf 'export PATH=%q\n' "$PATH:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
	printf 'export SDVM_CANARY=%q SDVM_SHARE=%q\n' "$CANARY" "$JOB"
	for kv in ${SDVM_ENV:-}; do
		case $kv in
		*=*) printf 'export %q\n' "$kv" ;;
		*) [ -n "${!kv+x}" ] && printf 'export %q\n' "$kv=${!kv}" ;;
		esac
	done
} >"$RUN/ir/sdvm/env"
(cd "$RUN/ir" && find . | busybox cpio -o -H newc -R 0:0 2>/dev/null | gzip -1) >"$RUN/initrd.img" || exit 125
rm -rf "$RUN/ir"

APPEND="console=ttyS0 loglevel=4 panic=-1 rdinit=/init cgroup_no_v1=all"
APPEND+=" systemd.unified_cgroup_hierarchy=1 systemd.unit=sdvm.target systemd.show_status=1"
APPEND+=" fstab=no systemd.gpt_auto=0 systemd.firstboot=0"
APPEND+=" mitigations=off tsc=reliable no_timer_check random.trust_cpu=on"
APPEND+=" i8042.noaux i8042.nokbd nowatchdog"
# TCG runs the guest TSC at the host rate; skip the flaky PIT calibration
KHZ=$(awk '/^cpu MHz/{printf "%d", $4 * 1000; exit}' /proc/cpuinfo)
[ -n "$KHZ" ] && [ "$ACCEL" = tcg ] && APPEND+=" tsc_early_khz=$KHZ"
APPEND+=" ${SDVM_APPEND:-}"
NCPU=$(nproc 2>/dev/null || echo 2)
V9=security_model=passthrough,multidevs=remap
# shellcheck disable=SC2054 # qemu option values contain commas
Q=(qemu-system-x86_64 "${ACC[@]}" -M q35 -m "${SDVM_MEM:-2048}" -smp "${SDVM_SMP:-$((NCPU > 4 ? 4 : NCPU))}"
	-nodefaults -no-user-config -display none -vga none -nic none -no-reboot
	-kernel "$C/vmlinux" -initrd "$RUN/initrd.img" -append "$APPEND"
	-serial "file:$RUN/console.log"
	-device virtio-rng-pci
	-fsdev "local,id=hostroot,path=/,readonly=on,$V9"
	-device virtio-9p-pci,fsdev=hostroot,mount_tag=hostroot
	-fsdev "local,id=sdvmjob,path=${JOB//,/,,},security_model=none"
	-device virtio-9p-pci,fsdev=sdvmjob,mount_tag=sdvmjob)
printf '%q ' "${Q[@]}" >"$RUN/qemu.cmd"

# --- the host's /tmp before the boot: its entries, a canary (tmpguard.sh) ---------
QPID='' TPID=''
# shellcheck disable=SC2317 # run by the EXIT trap
cleanup() {
	[ -n "$QPID" ] && kill "$QPID" 2>/dev/null && wait "$QPID" 2>/dev/null
	[ -n "$TPID" ] && kill "$TPID" 2>/dev/null && wait "$TPID" 2>/dev/null
	rm -f "$RUN/initrd.img" "$CANARY"
	[ -n "$OWNJOB" ] && rm -rf "$JOB"
}
trap cleanup EXIT
trap 'say interrupted; exit 130' INT TERM HUP
"$HERE/tmpguard.sh" before "$RUN" /tmp >/dev/null || { say "cannot note the host's /tmp"; exit 125; }

# --- boot; the job's output streams from the share --------------------------------
: >"$CTL/out.log"
: >"$RUN/console.log"
T0=$(date +%s.%N)
timeout -k 10 "${SDVM_TIMEOUT:-600}" "${Q[@]}" </dev/null >"$RUN/qemu.log" 2>&1 &
QPID=$!
tail -n +1 -f --pid="$QPID" "$CTL/out.log" &
TPID=$!
wait "$QPID"
QRC=$?
QPID=
wait "$TPID"
TPID=
T1=$(date +%s.%N)

RC=$(cat "$CTL/rc" 2>/dev/null)
if [ -z "$RC" ]; then
	if [ "$QRC" = 124 ] || [ "$QRC" = 137 ]; then
		say "guest killed after ${SDVM_TIMEOUT:-600}s (SDVM_TIMEOUT)"
		RC=124
	else
		RC=125
	fi
	say "no exit code came back (qemu rc=$QRC); console tail:"
	tail -n 40 "$RUN/console.log" | tr -d '\r' >&2
fi
ws() { awk "BEGIN{printf \"%.1f\", $2 - $1}"; }
{
	echo "accel=$ACCEL qemu_rc=$QRC rc=$RC call_s=$(ws "$TS" "$(date +%s.%N)") qemu_s=$(ws "$T0" "$T1")"
	cat "$CTL/status" 2>/dev/null
} >"$RUN/timing.txt"
say "$(head -n 1 "$RUN/timing.txt"); $(grep -E '^(job_start_uptime|job_end_uptime|failed_units)=' "$RUN/timing.txt" | tr '\n' ' ')"

# --- SAFETY: the host's /tmp after the boot ----------------------------------------
"$HERE/tmpguard.sh" after "$RUN" /tmp || RC=126
say "run dir: $RUN"
exit "$RC"
