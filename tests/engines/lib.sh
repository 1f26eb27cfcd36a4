# shellcheck shell=bash
# Helpers of the engines lane: checks that say what they expected, the
# scenario runner, the result table and the list of processes to stop.

# fail prints why a scenario failed (on stderr, kept in its log) and fails.
fail() {
	echo "FAIL: $*" >&2
	return 1
}

# expect_eq WANT GOT WHAT
expect_eq() {
	[ "$1" = "$2" ] || fail "$3: want '$1', got '$2'"
}

# expect_has HAYSTACK NEEDLE WHAT
expect_has() {
	case "$1" in
	*"$2"*) return 0 ;;
	esac
	fail "$3: '$2' not in: $(printf '%s' "$1" | tr '\n' '|' | cut -c1-400)"
}

# expect_not_has HAYSTACK NEEDLE WHAT
expect_not_has() {
	case "$1" in
	*"$2"*) fail "$3: '$2' unexpectedly in: $(printf '%s' "$1" | tr '\n' '|' | cut -c1-400)" ;;
	esac
	return 0
}

# rc_of CMD...: prints CMD's exit code (its output goes to stderr, for the log).
rc_of() {
	local rc=0
	"$@" >&2 || rc=$?
	echo "$rc"
}

# wait_for TRIES CMD...: retries CMD every 0.2 s until it succeeds.
wait_for() {
	local n=$1
	shift
	while ! "$@" >/dev/null 2>&1; do
		n=$((n - 1))
		[ "$n" -gt 0 ] || { fail "timed out waiting for: $*"; return 1; }
		sleep 0.2
	done
}

# in_tty CMD...: runs CMD with a pseudo-terminal as its stdin/stdout, as a
# user's shell would (the engines refuse -t without one). Output has CRLF.
in_tty() {
	local q
	printf -v q '%q ' "$@"
	script -qec "$q" /dev/null </dev/null
}

# --- the lane's own processes -------------------------------------------

# started_pids: every daemon the lane starts; stop_started kills them by pid.
STARTED_PIDS=()
remember_pid() { STARTED_PIDS+=("$1"); }

# stop_pid PID [SECONDS]: SIGTERM, then SIGKILL after SECONDS, and reap.
stop_pid() {
	local pid=$1 n=$((${2:-10} * 5))
	kill -TERM "$pid" 2>/dev/null || return 0
	while kill -0 "$pid" 2>/dev/null && [ "$n" -gt 0 ]; do
		sleep 0.2
		n=$((n - 1))
	done
	kill -KILL "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
}

stop_started() {
	local pid
	for pid in "${STARTED_PIDS[@]}"; do
		stop_pid "$pid" 10
	done
	STARTED_PIDS=()
}

# --- scenarios and the table ---------------------------------------------

# KNOWN: "engine:scenario:runtime|reason" lines; a failure listed here is
# reported (with its reason) but does not fail the lane.
KNOWN=()
known_reason() {
	local k
	for k in "${KNOWN[@]}"; do
		[ "${k%%|*}" = "$1:$2:$3" ] && { echo "${k#*|}"; return 0; }
	done
	return 1
}

declare -A RESULT=()
UNEXPECTED=0

# run_scenario ENGINE RUNTIME SCENARIO: runs the function ENGINE-family's
# scenario (sc_<family>_<scenario>, else sc_all_<scenario>) in a subshell with errexit, its output
# in $LOGDIR; records pass, FAIL, known or n/a (the engine has no verb:
# no function, or the function exits 99).
run_scenario() {
	local engine=$1 rt=$2 sc=$3 fn="sc_${FAMILY}_$3" log rc reason
	log="$LOGDIR/$engine.$rt.$sc.log"
	declare -F "$fn" >/dev/null || fn="sc_all_$sc"
	if ! declare -F "$fn" >/dev/null; then
		RESULT[$engine:$sc:$rt]=n/a
		return 0
	fi
	local t0=$SECONDS
	set +e
	(
		set -e
		"$fn"
	) >"$log" 2>&1
	rc=$?
	set -e
	# A failed scenario may leave containers: the next starts clean.
	case $rc in 0 | 99) ;; *) "reap_$FAMILY" >>"$log" 2>&1 || true ;; esac
	if [ "$rc" -eq 99 ]; then
		# The scenario found the engine has no such verb.
		RESULT[$engine:$sc:$rt]=n/a
		echo "  $sc: n/a ($(tail -n 1 "$log"))"
	elif [ "$rc" -eq 0 ]; then
		RESULT[$engine:$sc:$rt]=pass
		if reason=$(known_reason "$engine" "$sc" "$rt"); then
			echo "  $sc: pass (listed as known failure: remove the mark: $reason)"
		else
			echo "  $sc: pass ($((SECONDS - t0))s)"
		fi
	elif reason=$(known_reason "$engine" "$sc" "$rt"); then
		RESULT[$engine:$sc:$rt]=known
		echo "  $sc: known failure: $reason"
		sed 's/^/    | /' "$log" | tail -n 5
	else
		RESULT[$engine:$sc:$rt]=FAIL
		UNEXPECTED=$((UNEXPECTED + 1))
		echo "  $sc: FAIL after $((SECONDS - t0)) s (log $log)"
		sed 's/^/    | /' "$log" | tail -n 15
		# the daemon's own errors meanwhile (CI keeps no logs)
		if [ -f "$EW/daemon.log" ]; then
			grep -aiE 'level=(error|fatal)' "$EW/daemon.log" | tail -n 8 | cut -c1-400 | sed 's/^/    daemon| /' || true
		fi
	fi
}

# print_table ENGINES RUNTIMES: one row per scenario, one column per
# engine, a cell "berth/runc" when both ran.
print_table() {
	local engines=$1 rts=$2 sc e rt cell row
	printf '%-16s' scenario
	for e in $engines; do printf ' %-14s' "$e"; done
	echo
	for sc in $SCENARIOS; do
		row=$(printf '%-16s' "$sc")
		for e in $engines; do
			cell=""
			for rt in $rts; do
				cell="$cell${cell:+/}${RESULT[$e:$sc:$rt]:--}"
			done
			row="$row $(printf '%-14s' "$cell")"
		done
		echo "$row"
	done
}
