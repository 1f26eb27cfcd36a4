#!/bin/bash
# Fuzzes the init's plan decoder (nsexec/c/plan.c) with libFuzzer for
# $1 seconds (default 20), starting from the seed corpus beside this
# script: plans the Go encoder made (libcontainer's TestPlanSeeds and
# TestPlanRoundTrip, whose plans hold every tag, write
# them with BERTH_WRITE_PLAN_SEEDS=dir). A crash leaves its input in
# /tmp/berth-planfuzz-crash-* and fails.
set -euo pipefail
cd "$(dirname "$0")"
secs=${1:-20}
if ! command -v clang >/dev/null; then
	if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
		echo "fuzz: installing clang for the libFuzzer harness"
		apt-get install -y -q clang >/dev/null 2>&1 ||
			{ apt-get update -q >/dev/null && apt-get install -y -q clang >/dev/null; }
	else
		echo "fuzz: clang is needed for the libFuzzer harness (apt-get install clang)" >&2
		exit 1
	fi
fi
work=$(mktemp -d /tmp/berth-planfuzz-XXXXXX)
trap 'rm -rf "$work"' EXIT
clang -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
	-o "$work/plan_fuzz" plan_fuzz.c ../plan.c
mkdir "$work/corpus"
# leaks are not the question (the init never frees its plan; plan_free
# keeps the harness's memory flat)
ASAN_OPTIONS=detect_leaks=0 "$work/plan_fuzz" -max_total_time="$secs" -print_final_stats=1 \
	-artifact_prefix=/tmp/berth-planfuzz-crash- "$work/corpus" corpus 2>"$work/log" ||
	{ tail -40 "$work/log"; exit 1; }
grep -E '^stat::(number_of_executed_units|new_units_added)' "$work/log" | sed 's/^stat::/fuzz: plan.c: /'
