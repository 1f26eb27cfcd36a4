#!/bin/bash
# profile.sh [-c] BERTH [BERTH2]
#
# Load-independent start-up profile of berth, per command (run, create,
# start, exec, state, kill, list, delete, --version): the figures that do not
# move when other jobs share the CPU, so that a change can be measured on a
# busy host. As root; installs valgrind and strace if missing (apt-get).
#
#   instr      instructions executed by the berth process itself (valgrind
#              --tool=callgrind, children not followed: the container's init
#              and process are not counted), with GODEBUG=asyncpreemptoff=1
#              (callgrind cannot follow Go's preemption signal)
#   syscalls   system calls of berth and its children (strace -c -f; the
#              container's process included)
#   faults     minor page faults of berth and the children it reaped
#              (/usr/bin/time %R)
#   maxrss     peak RSS of the largest of them, KiB (/usr/bin/time %M)
#   inits      package init functions run, and their heap allocations
#              (GODEBUG=inittrace=1)
#
# With BERTH2 every figure is given for both binaries and as BERTH2 ÷ BERTH.
# -c also keeps the callgrind files (DIR/cg.CMD.LABEL) for callgrind_annotate.
# Output: a markdown table on stdout; raw figures in DIR (default
# /tmp/profile-results/YYYYmmdd-HHMMSS), DIR/profile.tsv.
set -u
export LC_ALL=C
PATH=$PATH:/usr/local/sbin:/usr/sbin:/sbin
HERE=$(cd "$(dirname "$0")" && pwd)
KEEP=''
[ "${1:-}" = -c ] && { KEEP=1; shift; }
if [ $# -lt 1 ] || [ $# -gt 2 ]; then sed -n '2,/^set -u/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2; exit 2; fi
die() { echo "profile.sh: $*" >&2; cleanup; exit 1; }
ST=''
cleanup() {
	local b d
	[ -n "$ST" ] || return 0
	for b in "${BINS[@]}"; do
		for d in "$ST"/root*/prof-*; do
			[ -e "$d" ] || continue
			"$b" --root "${d%/*}" delete -f "${d##*/}" >/dev/null 2>&1
		done
	done
	rm -rf "$ST"
}
# cleanup runs at the end and on a signal (not as an EXIT trap: bash runs
# that in the subshells of $(...) inside functions too)
trap 'cleanup; exit 130' INT TERM
[ "$(id -u)" = 0 ] || die "run as root"
pkgs=()
command -v valgrind >/dev/null || pkgs+=(valgrind)
command -v strace >/dev/null || pkgs+=(strace)
[ -x /usr/bin/time ] || pkgs+=(time)
if [ ${#pkgs[@]} -gt 0 ]; then
	DEBIAN_FRONTEND=noninteractive apt-get -y -q -o DPkg::Lock::Timeout=600 install --no-install-recommends "${pkgs[@]}" >/dev/null ||
		die "apt-get install ${pkgs[*]} failed"
fi
BINS=()
for b in "$@"; do
	[ -x "$b" ] || die "$b: not an executable"
	BINS+=("$(cd "$(dirname "$b")" && pwd)/$(basename "$b")")
done
OUT=${OUT:-/tmp/profile-results/$(date +%Y%m%d-%H%M%S)}
ST=$(mktemp -d /tmp/profile-state.XXXXXX)
mkdir -p "$OUT" || exit 1
if ! "$HERE/mkbundle.sh" "$ST/true" /bin/true >/dev/null 2>&1 ||
	! "$HERE/mkbundle.sh" "$ST/sleep" /bin/sleep 1000 >/dev/null 2>&1; then
	die "mkbundle.sh failed"
fi
TSV=$OUT/profile.tsv
: >"$TSV"

# measure LABEL CMD ROOT ARGS...: one call of each tool around `berth ARGS`;
# ROOT/PREP sets up what the command needs before each of the calls
measure() {
	local lab=$1 cmd=$2 b=$3 root=$4 out
	shift 4
	prep "$cmd" "$b" "$root"
	GODEBUG=asyncpreemptoff=1 valgrind --tool=callgrind --callgrind-out-file="$OUT/cg.$cmd.$lab" \
		--log-file="$OUT/vg.log" "$b" --root "$root" "$@" >/dev/null 2>&1 </dev/null || bad callgrind "$@"
	out=$(awk '/^summary:|^totals:/ { print $2; exit }' "$OUT/cg.$cmd.$lab")
	rec "$cmd" "$lab" instr "$out"
	[ -n "$KEEP" ] || rm -f "$OUT/cg.$cmd.$lab"
	prep "$cmd" "$b" "$root"
	if [ "$cmd" = create ]; then
		# strace -f waits for the init, which waits for `start`: end it
		strace -f -c -o "$OUT/strace.$cmd.$lab" "$b" --root "$root" "$@" >/dev/null 2>&1 </dev/null &
		local sp=$! i
		for i in $(seq 1 500); do
			"$b" --root "$root" state prof-r 2>/dev/null | grep -q '"status": *"created"' && break
			sleep 0.02
		done
		"$b" --root "$root" delete -f prof-r >/dev/null 2>&1 </dev/null
		wait "$sp" || bad strace "$@"
	else
		strace -f -c -o "$OUT/strace.$cmd.$lab" "$b" --root "$root" "$@" >/dev/null 2>&1 </dev/null || bad strace "$@"
	fi
	rec "$cmd" "$lab" syscalls "$(awk '$NF == "total" { print $4 }' "$OUT/strace.$cmd.$lab")"
	prep "$cmd" "$b" "$root"
	/usr/bin/time -f '%R %M' -o "$OUT/time.out" "$b" --root "$root" "$@" >/dev/null 2>&1 </dev/null
	tail -n 1 "$OUT/time.out" >"$OUT/time.last" # after a "Command exited ..." line if any
	read -r f m <"$OUT/time.last"
	grep -q '^Command exited' "$OUT/time.out" && bad time "$@"
	rec "$cmd" "$lab" faults "$f"; rec "$cmd" "$lab" maxrss "$m"
	prep "$cmd" "$b" "$root"
	GODEBUG=inittrace=1 "$b" --root "$root" "$@" 2>"$OUT/inittrace.$cmd.$lab" >/dev/null </dev/null || bad inittrace "$@"
	rec "$cmd" "$lab" inits "$(grep -c '^init ' "$OUT/inittrace.$cmd.$lab")"
	rec "$cmd" "$lab" init_allocs "$(awk '/^init / { n += $(NF-1) } END { print n + 0 }' "$OUT/inittrace.$cmd.$lab")"
	rec "$cmd" "$lab" init_bytes "$(awk '/^init / { n += $(NF-3) } END { print n + 0 }' "$OUT/inittrace.$cmd.$lab")"
	post "$cmd" "$b" "$root"
}
# bad TOOL ARGS...: the call under TOOL failed (in measure: cmd, lab set)
bad() {
	local tool=$1
	shift
	echo "profile.sh: $lab: berth $* failed under $tool" >&2
	rec "$cmd" "$lab" failed 1
}
rec() { printf '%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" >>"$TSV"; }
# prep CMD BERTH ROOT: the container in the state CMD expects (id prof-c)
prep() {
	local cmd=$1 b=$2 root=$3
	"$b" --root "$root" delete -f prof-c >/dev/null 2>&1
	"$b" --root "$root" delete -f prof-r >/dev/null 2>&1
	case $cmd in
	run | create | version) ;;
	start) "$b" --root "$root" create -b "$ST/true" prof-c ;;
	delete) "$b" --root "$root" run -d -b "$ST/true" prof-c && wait_stopped "$b" "$root" ;;
	exec | state | kill | list) "$b" --root "$root" run -d -b "$ST/sleep" prof-c ;;
	esac >/dev/null 2>&1 </dev/null
	if [ "$cmd" = list ]; then # list: 20 running containers
		for i in $(seq 1 19); do "$b" --root "$root" run -d -b "$ST/sleep" "prof-l$i" >/dev/null 2>&1 </dev/null; done
	fi
}
post() {
	local cmd=$1 b=$2 root=$3 d
	for d in "$root"/prof-*; do
		[ -e "$d" ] && "$b" --root "$root" delete -f "${d##*/}" >/dev/null 2>&1 </dev/null
	done
}
wait_stopped() {
	local n
	for n in $(seq 1 200); do
		"$2" --root "$3" state prof-c 2>/dev/null | grep -q '"status": *"stopped"' && return 0
		sleep 0.01
	done
}

n=0
for b in "${BINS[@]}"; do
	n=$((n + 1)) lab=b$n root=$ST/root$n
	mkdir -p "$root"
	echo "profiling $lab = $b" >&2
	measure "$lab" version "$b" "$root" --version
	measure "$lab" run "$b" "$root" run -b "$ST/true" prof-r
	measure "$lab" create "$b" "$root" create -b "$ST/true" prof-r
	measure "$lab" start "$b" "$root" start prof-c
	measure "$lab" exec "$b" "$root" exec prof-c /bin/true
	measure "$lab" state "$b" "$root" state prof-c
	measure "$lab" kill "$b" "$root" kill prof-c KILL
	measure "$lab" list "$b" "$root" list
	measure "$lab" delete "$b" "$root" delete prof-c
done
rm -f "$OUT/time.out" "$OUT/time.last"
cleanup

{
	echo "# berth profile $(date -u '+%Y-%m-%d %H:%M UTC')"
	echo
	n=0
	for b in "${BINS[@]}"; do n=$((n + 1)); echo "- b$n: \`$b\` ($(stat -c %s "$b") bytes)"; done
	echo
	awk -F'\t' -v nb=${#BINS[@]} '
	{ v[$1, $2, $3] = $4; if (!($1 in seen)) { seen[$1] = 1; cmds[++nc] = $1 } }
	END {
		split("instr syscalls faults maxrss inits init_allocs init_bytes", M, " ")
		for (k in v) { split(k, q, SUBSEP); if (q[3] == "failed") bad = bad " " q[1] "(" q[2] ")" }
		if (bad != "") print "**Failed calls (their figures are not the command\x27s):" bad "**\n"
		h = "| command"; s = "|---"
		for (m = 1; m <= 7; m++) for (b = 1; b <= nb; b++) {
			h = h " | " M[m] (nb > 1 ? " b" b : ""); s = s "|---:"
			if (b == 2) { h = h " | " M[m] " b2÷b1"; s = s "|---:" }
		}
		print h " |"; print s "|"
		for (c = 1; c <= nc; c++) {
			l = "| " cmds[c]
			for (m = 1; m <= 7; m++) for (b = 1; b <= nb; b++) {
				x = v[cmds[c], "b" b, M[m]]; l = l " | " x
				if (b == 2) { y = v[cmds[c], "b1", M[m]]; l = l " | " (y > 0 ? sprintf("%.3f", x / y) : "—") }
			}
			print l " |"
		}
	}' "$TSV"
} | tee "$OUT/profile.md"
echo "results: $OUT" >&2
