#!/bin/bash
# check.sh BERTH: the conformance lane of `make test`. Builds the
# runtime-tools suite (cached), runs all of it against BERTH, prints the
# summary, and fails when a test that expected.tsv lists as "ok" is not
# ok (a regression). The other tests fail on this host for the reasons
# expected.tsv gives (host limitations, test bugs, deliberate choices); one
# of them passing is reported as news, not an error.
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
while IFS=$'\t' read -r test want reason; do
	case $test in '' | '#'* | test) continue ;; esac
	got=$(awk -F'\t' -v t="$test" '$1 == t { print $5 }' "$res")
	if [ "$want" = ok ] && [ "$got" != ok ]; then
		echo "check.sh: REGRESSION: $test is ${got:-missing}, expected ok (logs: $out/logs/$name/$test.*)" >&2
		regressions=$((regressions + 1))
	elif [ "$want" != ok ] && [ "$got" = ok ]; then
		echo "check.sh: $test now passes (expected $want: $reason): update expected.tsv" >&2
	fi
done <"$here/expected.tsv"
if [ $regressions -gt 0 ]; then
	echo "check.sh: $regressions regression(s)" >&2
	exit 1
fi
echo "check.sh: no regression against expected.tsv"
