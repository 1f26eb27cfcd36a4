#!/bin/bash
# Run the opencontainers/runtime-tools validation suite against a
# runc-compatible runtime. Must run as root; build the suite first (build.sh).
#
#   run.sh RUNTIME [filter]
#
# RUNTIME  path (or $PATH name) of a runc-compatible binary or wrapper script.
# filter   optional extended regex; only tests whose name matches are run.
#
# Env knobs:
#   CONF_SUITE    built suite dir (default: $BERTH_CACHE/runtime-tools,
#                 BERTH_CACHE defaulting to /var/cache/berth)
#   CONF_OUT      where results-NAME.tsv, summary-NAME.txt and logs/NAME/ go
#                 (default /tmp/conformance-results)
#   CONF_NAME     results name               (default: basename of RUNTIME)
#   CONF_TIMEOUT  per-test timeout, seconds  (default 120)
#   CONF_ROOT     1: pass "--root /tmp/conf-NAME/state" to the runtime so its
#                 state is private to this run (default 1); 0: runtime default.
#   CONF_SKIP     extended regex of tests to leave out (default: none)
#
# Output: $CONF_OUT/results-NAME.tsv with columns
#   test  passed  failed  skipped  status  secs
# status: ok (ran to completion, no failed assertion), fail (ran to completion,
# >=1 "not ok"), crash (non-zero exit / no or short TAP plan / Bail out),
# timeout (killed after CONF_TIMEOUT). "not ok ... # TODO" counts as skipped.
# Verdicts given outside TAP assertions (hook tests' "1..0" + error YAML,
# *_fail tests' exit status, crash, timeout) add one implicit assertion;
# see the comment at the verdict code below.
# Per-test TAP (.tap), stderr (.err) and runtime invocations (.calls) are kept
# in $CONF_OUT/logs/NAME/. Last line printed (and written to summary-NAME.txt):
#   tests: N, fully passing: P, assertions: passed X failed Y skipped Z
set -u

if [ $# -lt 1 ] || [ $# -gt 2 ]; then
	awk 'NR > 1 && !/^#/ { exit } NR > 1 { sub(/^# ?/, ""); print }' "$0"
	exit 2
fi
[ "$(id -u)" = 0 ] || { echo "run.sh: must run as root" >&2; exit 2; }

SUITE=${CONF_SUITE:-${BERTH_CACHE:-/var/cache/berth}/runtime-tools}
FILTER=${2:-}
TIMEOUT=${CONF_TIMEOUT:-120}
USE_ROOT=${CONF_ROOT:-1}
OUT=${CONF_OUT:-/tmp/conformance-results}
SKIP=${CONF_SKIP:-}

RT=$(command -v -- "$1") || { echo "run.sh: runtime not found: $1" >&2; exit 2; }
RT=$(cd "$(dirname "$RT")" && pwd)/$(basename "$RT")
NAME=${CONF_NAME:-$(basename "$RT")}
case $NAME in */* | "" | .*) echo "run.sh: bad name $NAME" >&2; exit 2 ;; esac

case $(uname -m) in x86_64) ARCH=amd64 ;; aarch64) ARCH=arm64 ;; i?86) ARCH=386 ;; *) ARCH=$(uname -m) ;; esac
for f in runtimetest "rootfs-$ARCH.tar.gz"; do
	[ -e "$SUITE/$f" ] || { echo "run.sh: $SUITE/$f missing; run build.sh (or set CONF_SUITE)" >&2; exit 2; }
done

# The cgroup tests use fixed cgroup paths (/cgrouptest, testdir/cgrouptest/...),
# so two suite runs on one host would interfere: serialize them.
exec 9>/tmp/conf-suite.lock
if ! flock -n 9; then
	echo "run.sh: another run holds /tmp/conf-suite.lock; waiting" >&2
	flock 9
fi

WORK=/tmp/conf-$NAME
mkdir -p "$OUT" && OUT=$(cd "$OUT" && pwd)
LOGS=$OUT/logs/$NAME
TSV=$OUT/results-$NAME.tsv

# --- per-run scratch: bundles (TMPDIR), runtime state, wrapper --------------
unmount_under() { # lazily unmount anything mounted below $1 (deepest first)
	awk -v p="$1/" 'index($5, p) == 1 { print $5 }' /proc/self/mountinfo |
		sort -r | while read -r m; do umount -l "$m" 2>/dev/null; done
}
if [ -d "$WORK" ]; then
	unmount_under "$WORK"
	if awk -v p="$WORK/" 'index($5, p) == 1 { f = 1 } END { exit !f }' /proc/self/mountinfo; then
		echo "run.sh: mounts remain under $WORK; refusing to reuse it" >&2; exit 2
	fi
	rm -rf --one-file-system "$WORK"
fi
mkdir -p "$WORK/tmp" "$WORK/state"
rm -rf "$LOGS"; mkdir -p "$LOGS"

ROOTARG=
[ "$USE_ROOT" = 1 ] && ROOTARG="--root $(printf %q "$WORK/state")"
cat >"$WORK/rt" <<EOF
#!/bin/sh
# conformance wrapper: log the call, then run the real runtime
printf '%s\n' "\$*" >>$(printf %q "$WORK/calls")
exec $(printf %q "$RT") $ROOTARG "\$@"
EOF
chmod +x "$WORK/rt"

# cgroup dirs the cgroup tests create (/cgrouptest, <own cgroup>/testdir/...):
# remember which existed before so cleanup only removes ones we caused.
cg_dirs() {
	find /sys/fs/cgroup -mindepth 2 -maxdepth 8 -type d \
		\( -name cgrouptest -o -name testdir -o -path '*/cgrouptest/*' \) 2>/dev/null | sort
}
cg_dirs >"$WORK/cg-before"

cleanup_test() { # $1: calls file of this test; prints "containers cgroups"
	local id ids n=0 c=0 st pid d
	ids=$(awk '$1 == "create" { print $NF }' "$1" | sort -u)
	# containers created by this test that still exist: kill + delete by id
	for id in $ids; do
		st=$(timeout 20 "$WORK/rt" state "$id" 2>/dev/null) || continue
		n=$((n + 1))
		pid=$(printf '%s' "$st" | sed -n 's/.*"pid"[[:space:]]*:[[:space:]]*\([0-9][0-9]*\).*/\1/p' | head -1)
		timeout 20 "$WORK/rt" kill "$id" KILL >/dev/null 2>&1
		sleep 0.2
		timeout 20 "$WORK/rt" delete --force "$id" >/dev/null 2>&1 ||
			timeout 20 "$WORK/rt" delete "$id" >/dev/null 2>&1
		# runtime could not kill its own container: kill that container's pid
		# (taken from its state) directly
		if [ -n "$pid" ] && [ "$pid" -gt 1 ] && kill -0 "$pid" 2>/dev/null &&
			timeout 20 "$WORK/rt" state "$id" >/dev/null 2>&1; then
			echo "run.sh: container $id (pid $pid) survived kill/delete; SIGKILL" >&2
			kill -9 "$pid" 2>/dev/null
		fi
	done
	# leftover cgroups (rmdir only succeeds on empty ones): those the cgroup
	# tests created during this run, and those named after this test's
	# container ids (runtimes' default cgroup path ends in /<id>) that the
	# runtime did not remove on delete
	local byid=()
	for id in $ids; do
		case $id in -* | *[!A-Za-z0-9_.-]*) continue ;; esac # not a plain name
		byid+=(-o -name "$id")
	done
	while read -r d; do
		rmdir "$d" 2>/dev/null && c=$((c + 1))
	done < <(find /sys/fs/cgroup -mindepth 2 -maxdepth 8 -type d \( -false "${byid[@]}" \) 2>/dev/null | sort -r)
	cg_dirs | comm -13 "$WORK/cg-before" - | sort -r | while read -r d; do
		rmdir "$d" 2>/dev/null
	done
	unmount_under "$WORK/tmp"
	echo "$n $c"
}

# interrupted: still remove the current test's containers
trap 'echo "run.sh: interrupted; cleaning up" >&2; cleanup_test "$WORK/calls" >/dev/null; exit 130' INT TERM HUP

# --- test list ----------------------------------------------------------------
cd "$SUITE" || exit 2
mapfile -t TESTS < <(for t in validation/*/*.t; do basename "$t" .t; done | sort)
SEL=()
for t in "${TESTS[@]}"; do
	[ -n "$FILTER" ] && ! [[ $t =~ $FILTER ]] && continue
	[ -n "$SKIP" ] && [[ $t =~ $SKIP ]] && continue
	SEL+=("$t")
done
[ ${#SEL[@]} -gt 0 ] || { echo "run.sh: no test matches '$FILTER'" >&2; exit 2; }

printf 'test\tpassed\tfailed\tskipped\tstatus\tsecs\n' >"$TSV"
echo "# $(date -u +%FT%TZ) runtime=$RT name=$NAME suite=$(cat "$SUITE/.suite-version" 2>/dev/null || git -C "$SUITE" describe --always --tags --long 2>/dev/null || echo ?) timeout=${TIMEOUT}s root=$USE_ROOT tests=${#SEL[@]}" |
	tee "$LOGS/_run.log" >&2

T0=$(date +%s)
N=0 P=0 SX=0 SY=0 SZ=0
for t in "${SEL[@]}"; do
	: >"$WORK/calls"
	s0=$EPOCHREALTIME
	TMPDIR=$WORK/tmp RUNTIME=$WORK/rt timeout -k 10 "$TIMEOUT" \
		"./validation/$t/$t.t" >"$LOGS/$t.tap" 2>"$LOGS/$t.err" </dev/null 9>&-
	rc=$?
	secs=$(awk -v a="$s0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')
	cp "$WORK/calls" "$LOGS/$t.calls"
	read -r leaked leakedcg < <(cleanup_test "$WORK/calls")

	read -r pass fail skip count plan bail yaml < <(awk '
		/^ok [0-9]+/ || /^not ok [0-9]+/ {
			n++
			if ($0 ~ /^(not )?ok [0-9]+[^#]*# *[Tt][Oo][Dd][Oo]/) s++
			else if ($0 ~ /^ok [0-9]+[^#]*# *[Ss][Kk][Ii][Pp]/) s++
			else if ($0 ~ /^ok/) p++
			else f++
		}
		/^1\.\.[0-9]+/ && plan == "" { plan = substr($1, 4) + 0 }
		/^Bail out!/ { b = 1 }
		/^  ---$/ { y++ }
		END { printf "%d %d %d %d %s %d %d\n", p, f, s, n, (plan == "" ? -1 : plan), b, y }' "$LOGS/$t.tap")
	# Verdict. Some tests carry it outside TAP assertions; each such verdict
	# is scored as one implicit assertion so totals stay comparable:
	#  - hook/lifecycle tests (hooks, prestart, poststop, ...) print only a
	#    plan "1..0": success, or a YAML diagnostic ("error": ...) = failure;
	#  - *_fail tests print nothing and exit 0 on success, and exit 1 via
	#    util.Fatal (after the inner TAP) when the runtime wrongly accepted
	#    the bad config: rc!=0 after a complete plan = failure;
	#  - crash (test aborted: rc!=0 / no or short plan) and timeout = failure.
	note=
	if [ $rc -eq 124 ] || [ $rc -eq 137 ]; then
		status=timeout; fail=$((fail + 1))
	elif [ $rc -eq 0 ] && [ "$plan" -lt 0 ] && [ "$count" -eq 0 ] && [ ! -s "$LOGS/$t.tap" ]; then
		status=ok; pass=$((pass + 1)); note=" (silent pass)"
	elif [ $rc -eq 0 ] && [ "$plan" -eq 0 ] && [ "$count" -eq 0 ] && [ "$bail" = 0 ]; then
		if [ "$yaml" -gt 0 ]; then status=fail; fail=$((fail + 1)); note=" (error diagnostic)"
		else status=ok; pass=$((pass + 1)); fi
	elif [ $rc -ne 0 ] && [ "$plan" -gt 0 ] && [ "$plan" -eq "$count" ] && [ "$bail" = 0 ]; then
		status=fail; fail=$((fail + 1)); note=" (exit status $rc after complete TAP)"
	elif [ $rc -ne 0 ] || [ "$plan" -lt 0 ] || [ "$plan" -ne "$count" ] || [ "$bail" = 1 ]; then
		status=crash; fail=$((fail + 1)); note=" rc=$rc plan=$plan seen=$count"
	elif [ "$fail" -gt 0 ]; then status=fail
	else status=ok
	fi
	printf '%s\t%d\t%d\t%d\t%s\t%s\n' "$t" "$pass" "$fail" "$skip" "$status" "$secs" >>"$TSV"
	extra=$note
	[ "$leaked" -gt 0 ] && extra="$extra (cleaned up $leaked leftover container(s))"
	[ "$leakedcg" -gt 0 ] && extra="$extra (removed $leakedcg leftover cgroup dir(s) named after container ids)"
	printf '%-36s %-7s pass %3d fail %3d skip %3d  %5.1fs%s\n' "$t" "$status" "$pass" "$fail" "$skip" "$secs" "$extra" |
		tee -a "$LOGS/_run.log" >&2
	N=$((N + 1)); [ $status = ok ] && P=$((P + 1))
	SX=$((SX + pass)); SY=$((SY + fail)); SZ=$((SZ + skip))
done

unmount_under "$WORK"
if ! awk -v p="$WORK/" 'index($5, p) == 1 { f = 1 } END { exit !f }' /proc/self/mountinfo; then
	rm -rf --one-file-system "$WORK/tmp"
fi
summary="tests: $N, fully passing: $P, assertions: passed $SX failed $SY skipped $SZ"
echo "# $(($(date +%s) - T0))s total; results in $TSV" | tee -a "$LOGS/_run.log" >&2
echo "$summary" | tee -a "$LOGS/_run.log" | tee "$OUT/summary-$NAME.txt"
