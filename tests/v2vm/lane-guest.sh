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

# go_counts LOG: add the log's test results (subtests included) to the
# counts and print failures and skips with their reason (the line before).
go_counts() {
	local log=$1 p f s
	p=$(grep -c -- '--- PASS' "$log")
	f=$(grep -c -- '--- FAIL' "$log")
	s=$(grep -c -- '--- SKIP' "$log")
	pass=$((pass + p)) fail=$((fail + f)) skip=$((skip + s))
	echo "  $p passed, $f failed, $s skipped"
	grep -B1 -- '--- SKIP' "$log" | grep -v -- '^--$' | sed 's/^ */  /'
	grep -- '--- FAIL' "$log" | sed 's/^ */  /'
}

run_test() { # name bin dir args
	local name=$1 bin=$2 dir=$3 log=$OUT/logs/$1.log t0 rc
	shift 3
	t0=$(date +%s.%N)
	# shellcheck disable=SC2086,SC2048 # ARGS: words
	(cd "$dir" && timeout -s KILL "$TIMEOUT" "$bin" -test.v -test.count=1 $*) </dev/null >"$log" 2>&1
	rc=$?
	echo "== $name: exit $rc in $(awk "BEGIN{printf \"%.1f\", $(date +%s.%N) - $t0}")s"
	go_counts "$log"
	if [ $rc != 0 ] && ! grep -q -- '--- FAIL' "$log"; then
		fail=$((fail + 1))
		echo "  $name exited $rc without a failed test; log tail:"
		tail -n 20 "$log" | sed 's/^/  | /'
	fi
}

run_cmd() { # name command
	local name=$1 log rc
	log=$OUT/logs/$(echo "$1" | tr -c 'A-Za-z0-9._-' _).log
	(cd "$REPO" && timeout -s KILL "$TIMEOUT" bash -c "$2") </dev/null >"$log" 2>&1
	rc=$?
	if [ $rc = 0 ]; then
		pass=$((pass + 1))
		echo "== $name: ok"
	else
		fail=$((fail + 1))
		echo "== $name: FAIL (exit $rc); log tail:"
		tail -n 20 "$log" | sed 's/^/  | /'
	fi
}

while IFS=$'\t' read -r kind name a b c; do
	case $kind in
	test) run_test "$name" "$a" "$b" "$c" ;;
	cmd) run_cmd "$name" "$a" ;;
	esac
done <"$OUT/items"

echo "lane: $pass passed, $fail failed, $skip skipped"
[ $fail = 0 ]
