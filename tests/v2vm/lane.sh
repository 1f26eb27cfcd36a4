#!/bin/bash
# lane.sh [ITEM...] -- the cgroup v2 test lane.
#
# Builds test binaries on the host (compiling under TCG is slow), boots
# one pure-cgroup-v2 guest with run.sh, runs every item there, prints
# each result and a closing "lane: N passed, N failed, N skipped" line,
# and exits 1 if anything failed (125 if the guest itself failed).
#
# Items, in order:
#   1. what each tests/v2vm/lane.d/*.sh adds (sourced on the host, with
#      lane_test / lane_cmd below and $REPO, $LANE_BIN at hand): the
#      cgroups package's test binary first (10-cgroups.sh);
#   2. the ITEM arguments, then the words of $BERTH_LANE_EXTRA. An item
#      is a Go test binary (a file named *.test: run in its own directory),
#      a directory (every *.test in it, then every executable *.sh), or
#      else a shell command run with bash in $REPO (passes when it exits 0).
#
#   lane_test NAME BINARY [RUN_DIR [ARGS...]]   a Go test binary
#   lane_cmd  NAME 'COMMAND'                    a shell command
#
# A Go test binary runs through test2json and tests/skipcheck (built here):
# it fails on a failed test, on a skip tests/skips.allow does not name, on
# running no test, and on fewer tests run than LANE_MIN (set in the hook's
# call: LANE_MIN=40 lane_test ...; the tests that ran, subtests included).
# LANE_EMPTY_OK=1 lane_test ... lets an item run no test at all (it says so).
#
# Env: LANE_OUT (default a temp dir, removed unless kept) holds the
# binaries and the guest's logs (LANE_KEEP=1 keeps it);
# LANE_TIMEOUT (seconds per item, default 300); the V2VM_* knobs of run.sh
# (V2VM_TIMEOUT defaults to 900 here).  Needs root.
#
# Another VM lane reuses this one (tests/systemdvm/lane.sh) through
# LANE_NAME (the closing line's name, default "lane"), LANE_VM (the
# runner: 'COMMAND' SHARE_DIR, default run.sh here), LANE_HOOKS (the
# hooks' dir, default lane.d here) and LANE_OUT_PARENT (where the temp
# dir goes).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
T0=$(date +%s.%N)
LANE_NAME=${LANE_NAME:-lane}
LANE_VM=${LANE_VM:-$HERE/run.sh}
LANE_HOOKS=${LANE_HOOKS:-$HERE/lane.d}
say() { echo "$LANE_NAME: $*" >&2; }
[ "$(id -u)" = 0 ] || { say "needs root (qemu, cgroups)"; exit 2; }
command -v go >/dev/null || { say "go is not on PATH"; exit 2; }

# The guest sees the host's / except /tmp, /run and /dev/shm (fresh tmpfs
# there) plus one shared directory. Items run in the checkout, so a
# checkout in one of those (a CI clone in /tmp) is itself the share, and
# the lane's files go inside it.
case $REPO/ in
/tmp/* | /run/* | /dev/shm/*) SHARE=$REPO ;;
*) SHARE= ;;
esac
if [ -n "${LANE_OUT:-}" ]; then
	mkdir -p "$LANE_OUT"
	OUT=$(cd "$LANE_OUT" && pwd -P)
else
	OUT=$(mktemp -d "${LANE_OUT_PARENT:-${SHARE:-${TMPDIR:-/tmp}}}/.lane.XXXXXX")
	[ -n "${LANE_KEEP:-}" ] || trap 'rm -rf "$OUT"' EXIT
fi
SHARE=${SHARE:-$OUT}
LANE_BIN=$OUT/bin
mkdir -p "$LANE_BIN" "$OUT/logs"
: >"$OUT/items"

# items: one per line, fields separated by a tab: kind, name, then
# test: binary, run dir, the minimum of tests run, empty-ok or -, args;
# cmd: the command
lane_test() {
	local name=$1 bin=$2 dir=${3:-$(dirname "$2")} empty=empty-ok
	shift $(($# < 3 ? $# : 3))
	[ -n "${LANE_EMPTY_OK:-}" ] || empty=-
	printf 'test\t%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$bin" "$dir" "${LANE_MIN:-0}" "$empty" "$*" >>"$OUT/items"
}
lane_cmd() { printf 'cmd\t%s\t%s\n' "$1" "$2" >>"$OUT/items"; }
# guest_visible DIR: the guest sees the host's / except /tmp, /run and
# /dev/shm (fresh tmpfs there), and $OUT (the share)
guest_visible() {
	case $1/ in
	"$SHARE"/*) return 0 ;;
	/tmp/* | /run/* | /dev/shm/*) return 1 ;;
	esac
	return 0
}
# stage FILE: a path of FILE the guest can reach (copied into $OUT if needed)
stage() {
	local f
	f=$(cd "$(dirname "$1")" && pwd -P)/$(basename "$1")
	if ! guest_visible "$(dirname "$f")"; then
		mkdir -p "$OUT/extra"
		cp "$f" "$OUT/extra/" && f=$OUT/extra/$(basename "$f")
	fi
	echo "$f"
}
add_test() {
	local f dir
	f=$(stage "$1")
	dir=$(dirname "$f")
	lane_test "$(basename "$1")" "$f" "$dir"
}
add_item() {
	local it=$1 f
	if [ -d "$it" ]; then
		for f in "$it"/*.test; do [ -f "$f" ] && add_test "$f"; done
		for f in "$it"/*.sh; do [ -x "$f" ] && lane_cmd "$(basename "$f")" "$(stage "$f")"; done
	elif [ -f "$it" ] && [[ $it == *.test ]]; then
		add_test "$it"
	else
		lane_cmd "$it" "$it"
	fi
	return 0
}

# --- the checker of Go test output ---------------------------------------------------
say "building test2json and skipcheck"
(cd "$REPO" && CGO_ENABLED=0 go build -o "$LANE_BIN/test2json" cmd/test2json &&
	CGO_ENABLED=0 go build -o "$LANE_BIN/skipcheck" ./tests/skipcheck)
cp "$REPO/tests/skips.allow" "$LANE_BIN/skips.allow"

# --- 1. lane.d hooks, 2. arguments and BERTH_LANE_EXTRA ---------------------------
for hook in "$LANE_HOOKS"/*.sh; do
	[ -f "$hook" ] || continue
	say "hook $(basename "$hook")"
	# (not in an && or || list: that would switch errexit off in the hook)
	set +e
	# shellcheck source=/dev/null
	(
		set -e
		cd "$REPO"
		. "$hook"
	)
	hrc=$?
	set -e
	[ $hrc = 0 ] || { say "hook $(basename "$hook") failed (exit $hrc)"; exit 1; }
done
for it in "$@"; do add_item "$it"; done
# shellcheck disable=SC2086
for it in ${BERTH_LANE_EXTRA:-}; do add_item "$it"; done

# --- the guest side ----------------------------------------------------------------
cp "$HERE/lane-guest.sh" "$OUT/lane-guest.sh"
export V2VM_TIMEOUT=${V2VM_TIMEOUT:-900}
say "$(wc -l <"$OUT/items") item(s); booting the guest ($(basename "$(dirname "$LANE_VM")"))"
rc=0
(cd "$OUT" && "$LANE_VM" "$(printf 'LANE_TIMEOUT=%q LANE_REPO=%q LANE_NAME=%q bash %q %q' \
	"${LANE_TIMEOUT:-300}" "$REPO" "$LANE_NAME" "$OUT/lane-guest.sh" "$OUT")" "$SHARE") || rc=$?
say "took $(awk "BEGIN{printf \"%.1f\", $(date +%s.%N) - $T0}")s (host build included); logs in $OUT/logs$([ -n "${LANE_OUT:-}${LANE_KEEP:-}" ] || echo ' (removed)')"
if [ "$rc" = 126 ]; then # (the systemd runner's guard of the host's /tmp)
	echo "$LANE_NAME: FAILED: SAFETY: the host's /tmp looks changed after the boot (see above)"
elif [ "$rc" -ge 124 ]; then
	say "the guest failed ($(basename "$LANE_VM") exit $rc)"
	echo "$LANE_NAME: 0 passed, 1 failed"
fi
exit "$rc"
