#!/bin/bash
# lane-guest.sh OUT -- lane.sh's guest side: runs the items listed in
# OUT/items (see lane.sh), logs each to OUT/logs/NAME.log, prints the
# results and "lane: N passed, N failed, N skipped"; exits 1 on a failure.
set -u
OUT=$1
TIMEOUT=${LANE_TIMEOUT:-300}
REPO=${LANE_REPO:-/}
pass=0 fail=0 skip=0
echo "guest: $(uname -r); $(cat /proc/self/cgroup); controllers: $(cat /sys/fs/cgroup/cgroup.controllers)"

# run_test NAME BIN DIR MIN EMPTY ARGS: runs a Go test binary through test2json
# and skipcheck (both in the lane's bin dir, with the allow-list), which
# write the verbose output and close with their verdict and counts:
# "skipcheck: NAME: ok|FAILED: N ran (P passed, F failed), S skipped".
# Adds those counts, prints skipcheck's lines (each skip with its reason,
# each problem); a verdict of FAILED with no failed test (an unexpected
# skip, too few tests, the binary killed) counts as one failure. EMPTY
# "empty-ok": running no test is said, not failed.
run_test() {
	local name=$1 bin=$2 dir=$3 min=$4 log=$OUT/logs/$1.log t0 rc last p f s
	local tools=$OUT/bin empty=()
	[ "$5" = empty-ok ] && empty=(-empty-ok)
	shift 5
	t0=$(date +%s.%N)
	# shellcheck disable=SC2086,SC2048 # ARGS: words
	(cd "$dir" && "$tools/skipcheck" -allow "$tools/skips.allow" -min "$min" "${empty[@]}" -name "$name" -- \
		"$tools/test2json" -t -p "$name" timeout -s KILL "$TIMEOUT" "$bin" -test.v=test2json -test.count=1 $*) </dev/null >"$log" 2>&1
	rc=$?
	echo "== $name: exit $rc in $(awk "BEGIN{printf \"%.1f\", $(date +%s.%N) - $t0}")s"
	grep '^skipcheck: ' "$log" | sed 's/^/  /'
	last=$(grep '^skipcheck: .*: [0-9]* ran (' "$log" | tail -n 1)
	read -r p f s < <(echo "$last" | sed -n 's/.*ran (\([0-9]*\) passed, \([0-9]*\) failed), \([0-9]*\) skipped$/\1 \2 \3/p')
	pass=$((pass + ${p:-0})) fail=$((fail + ${f:-0})) skip=$((skip + ${s:-0}))
	if [ $rc != 0 ] && [ "${f:-0}" = 0 ]; then
		fail=$((fail + 1))
		echo "  $name failed without a failed test; log tail:"
		tail -n 20 "$log" | sed 's/^/  | /'
	fi
}

run_cmd() { # name command
	local name=$1 log rc last t0 took
	log=$OUT/logs/$(printf '%s' "$1" | tr -c 'A-Za-z0-9._-' _).log
	t0=$(date +%s.%N)
	(cd "$REPO" && timeout -s KILL "$TIMEOUT" bash -c "$2") </dev/null >"$log" 2>&1
	rc=$?
	took=$(awk "BEGIN{printf \"%.1f\", $(date +%s.%N) - $t0}")
	if [ $rc = 0 ]; then
		pass=$((pass + 1))
		last=$(tail -n 1 "$log")
		echo "== $name: ok in ${took}s${last:+ ($last)}"
	else
		fail=$((fail + 1))
		echo "== $name: FAIL (exit $rc) in ${took}s; log tail:"
		tail -n 20 "$log" | sed 's/^/  | /'
	fi
}

while IFS=$'\t' read -r kind name a b c d e; do
	case $kind in
	test) run_test "$name" "$a" "$b" "$c" "$d" "$e" ;;
	cmd) run_cmd "$name" "$a" ;;
	esac
done <"$OUT/items"

echo "${LANE_NAME:-lane}: $pass passed, $fail failed, $skip skipped"
[ $fail = 0 ]
