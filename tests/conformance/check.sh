#!/bin/bash
# check.sh BERTH: the conformance lane of `make test`. Builds the
# runtime-tools suite (cached), runs all of it against BERTH, prints the
# summary, and fails on a regression against expected.tsv, which gives per
# test the status expected on this host and the number of assertions that
# pass today:
#   - a test expected "ok" that is not ok;
#   - a test that passes fewer assertions than expected.tsv pins (also a
#     test expected to fail: it may not lose what passes today);
#   - a test the suite has that expected.tsv does not list, or the reverse.
# The other tests fail on this host for the reasons expected.tsv gives
# (host limitations, test bugs, deliberate choices; "racy": either way);
# one of them passing, or a test passing more assertions, is reported as
# news, not an error.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
[ $# -eq 1 ] || { echo "usage: $0 /path/to/berth" >&2; exit 2; }
berth=$(readlink -f "$1")
"$here/build.sh"
out=${CONF_OUT:-/tmp/conformance-results}
name=${CONF_NAME:-berth-check}
CONF_NAME=$name CONF_OUT=$out "$here/run.sh" "$berth"
res=$out/results-$name.tsv

regressions=0
regression() {
	echo "check.sh: REGRESSION: $1 (logs: $out/logs/$name/$test.*)" >&2
	regressions=$((regressions + 1))
}
while IFS=$'\t' read -r test want pinned reason; do
	case $test in '' | '#'* | test) continue ;; esac
	got='' passed=0
	read -r got passed < <(awk -F'\t' -v t="$test" '$1 == t { print $5, $2 }' "$res") || true
	if [ -z "$got" ]; then
		regression "$test did not run"
	elif [ "$want" = ok ] && [ "$got" != ok ]; then
		regression "$test is $got, expected ok"
	elif [ "$passed" -lt "$pinned" ]; then
		regression "$test ($got) passes $passed assertions, expected.tsv pins $pinned"
	elif [ "$want" = racy ]; then
		: # passes or not from run to run; only its pinned assertions count
	elif [ "$want" != ok ] && [ "$got" = ok ]; then
		echo "check.sh: $test now passes (expected $want: $reason): update expected.tsv" >&2
	elif [ "$passed" -gt "$pinned" ]; then
		echo "check.sh: $test passes $passed assertions, more than the $pinned pinned: update expected.tsv" >&2
	fi
done <"$here/expected.tsv"
while IFS=$'\t' read -r test _; do
	case $test in test) continue ;; esac
	awk -F'\t' -v t="$test" '$1 == t { f = 1 } END { exit !f }' "$here/expected.tsv" ||
		regression "$test is not in expected.tsv"
done <"$res"
if [ $regressions -gt 0 ]; then
	echo "check.sh: $regressions regression(s)" >&2
	exit 1
fi
echo "check.sh: no regression against expected.tsv"
