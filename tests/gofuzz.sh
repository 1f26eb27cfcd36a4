#!/bin/bash
# Runs one Go fuzz target for a time: gofuzz.sh PACKAGE TARGET SECONDS.
# Fails when the target fails with an input (written to
# PACKAGE/testdata/fuzz/TARGET/). A bare "context deadline exceeded" at
# the end of the time, with no input written, is Go's own coordinator
# race (golang/go#75804, fixed in Go 1.27), not a finding: it is said and
# passes.
set -uo pipefail
pkg=$1 target=$2 secs=$3
dir=$pkg/testdata/fuzz/$target
before=$(find "$dir" -mindepth 1 -maxdepth 1 2>/dev/null | sort)
out=$(mktemp /tmp/berth-gofuzz-XXXXXX)
trap 'rm -f "$out"' EXIT
go test -run '^$' -fuzz "^$target\$" -fuzztime "${secs}s" -fuzzminimizetime 5s "$pkg" >"$out" 2>&1
rc=$?
grep -v '^fuzz: elapsed' "$out"
[ $rc = 0 ] && exit 0
after=$(find "$dir" -mindepth 1 -maxdepth 1 2>/dev/null | sort)
if [ "$before" = "$after" ] && grep -q 'context deadline exceeded' "$out"; then
	echo "fuzz: $target: no failing input; 'context deadline exceeded' is Go's fuzz coordinator race (golang/go#75804)"
	exit 0
fi
echo "fuzz: $target failed; new inputs in $dir: $(comm -13 <(echo "$before") <(echo "$after") | tr '\n' ' ')"
exit 1
