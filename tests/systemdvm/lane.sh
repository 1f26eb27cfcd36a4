#!/bin/bash
# lane.sh [ITEM...] -- the systemd lane: berth's systemd cgroup driver
# tested where systemd is PID 1 (issue 15).
#
# The cgroup v2 lane's lane.sh (../v2vm/lane.sh: the host build of the
# test binaries, test2json and tests/skipcheck, the items, the counts) with
# this directory's runner (run.sh: one guest booting the host's systemd,
# with the safety measures of README.md) and hooks (lane.d/): the sanity
# and safety checks (checks.sh), then every package's TestSystemd* tests
# against the host-built ./berth. ITEM arguments and $BERTH_LANE_EXTRA add
# commands or test binaries, as in ../v2vm/lane.sh. Prints each result and
# "systemd lane: N passed, N failed, N skipped"; exits non-zero on a
# failure, 125 when the guest failed, 126 when the host's /tmp looks
# changed after the boot (the lane's own safety check).
#
# Env: LANE_KEEP=1 keeps the lane's dir ($SDVM_HOME/jobs/.lane.*: the
# binaries, the guest's logs); LANE_TIMEOUT (s per item, default 300);
# SDVM_* (run.sh; SDVM_TIMEOUT defaults to 600). Needs root.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
SDVM=${SDVM_HOME:-${BERTH_CACHE:-/var/cache/berth}/systemdvm}
# The guest sees the host's / read-only, but not its /tmp, /var/tmp or
# /run (fresh tmpfs there), and it never gets such a dir read-write (its
# systemd-tmpfiles would empty it). A checkout there (a CI clone) is
# copied where the guest sees it, read-only, and the lane runs from the
# copy; only the job's dir is shared read-write, as always.
case $REPO/ in /tmp/* | /var/tmp/* | /run/* | /dev/shm/*)
	mkdir -p "$SDVM/stage"
	copy=$(mktemp -d "$SDVM/stage/repo.XXXXXX")
	trap 'rm -rf "$copy"' EXIT
	echo "systemd lane: the guest cannot see the checkout $REPO; running from a copy in $copy" >&2
	cp -a "$REPO/." "$copy/"
	rc=0
	"$copy/tests/systemdvm/lane.sh" "$@" || rc=$?
	exit "$rc"
	;;
esac
mkdir -p "$SDVM/jobs"
export LANE_NAME="systemd lane" LANE_VM=$HERE/run.sh LANE_HOOKS=$HERE/lane.d LANE_OUT_PARENT=$SDVM/jobs
export SDVM_TIMEOUT=${SDVM_TIMEOUT:-600}
exec "$REPO/tests/v2vm/lane.sh" "$@"
