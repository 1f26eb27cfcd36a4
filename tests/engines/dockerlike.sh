# shellcheck shell=bash disable=SC2016,SC2034
# The scenarios of the engines with docker's command line: Docker and
# podman. dl runs the engine's client ($DL_CMD), DL_RUN holds the flags
# every container gets (the runtime, no network, the cgroup parent).

dl() { timeout 90 "${DL_CMD[@]}" "$@"; }
dl_run() { dl run "${DL_RUN[@]}" "$@"; }
dl_create() { dl create "${DL_RUN[@]}" "$@"; }
dl_sleeper() { dl_run -d --name "$1" "${@:2}" "$DL_IMG_BASE" sleep 1000 >/dev/null; }
dl_inspect() { dl inspect -f "$2" "$1"; }
# dl_gone NAME: kill first: podman's rm -f waits 10 s after a SIGTERM
# that a shell or sleep as pid 1 ignores.
dl_gone() {
	dl kill "$1" >/dev/null 2>&1 || true
	dl rm -f "$1" >/dev/null
}
dl_logs_have() { dl logs "$1" 2>&1 | grep -q "$2"; }

# reap_dl: after a failed scenario, no container is left
# (docker's kill and rm have no -a).
reap_dl() {
	local ids
	ids=$(dl ps -aq) || return 0
	[ -n "$ids" ] || return 0
	# shellcheck disable=SC2086 # one word an id
	dl kill $ids >/dev/null 2>&1 || true
	# shellcheck disable=SC2086
	dl rm -f $ids >/dev/null 2>&1 || true
}

sc_dl_exit_code() {
	expect_eq 3 "$(rc_of dl_run --rm "$DL_IMG_BASE" sh -c 'exit 3')" "exit code"
}

sc_dl_stdio() {
	local out
	out=$(dl_run --rm "$DL_IMG_BASE" sh -c 'echo out; echo err >&2' 2>"$EW/stdio.err")
	expect_eq out "$out" stdout
	expect_has "$(cat "$EW/stdio.err")" err stderr
	expect_not_has "$(cat "$EW/stdio.err")" out stderr
}

sc_dl_tty() {
	local out
	out=$(in_tty "${DL_CMD[@]}" run --rm -t "${DL_RUN[@]}" "$DL_IMG_BASE" tty)
	expect_has "$out" /dev/pts/ "tty in the container"
}

sc_dl_create_start() {
	dl_create --name be-cs "$DL_IMG_BASE" sh -c 'echo started; exit 5' >/dev/null
	expect_eq created "$(dl_inspect be-cs '{{.State.Status}}')" "status after create"
	local out rc=0
	out=$(dl start -a be-cs) || rc=$?
	expect_eq 5 "$rc" "exit code of start -a"
	expect_has "$out" started stdout
	dl_gone be-cs
}

sc_dl_detach_logs() {
	dl_run -d --name be-logs "$DL_IMG_BASE" sh -c 'echo hello; echo oops >&2; sleep 100' >/dev/null
	wait_for 50 dl_logs_have be-logs oops
	expect_eq hello "$(dl logs be-logs 2>/dev/null)" "logs stdout"
	expect_eq oops "$(dl logs be-logs 2>&1 >/dev/null)" "logs stderr"
	dl_gone be-logs
}

sc_dl_exec() {
	dl_sleeper be-exec
	expect_eq in "$(dl exec be-exec sh -c 'echo in')" "exec output"
	expect_eq 4 "$(rc_of dl exec be-exec sh -c 'exit 4')" "exec exit code"
	dl_gone be-exec
}

sc_dl_exec_tty() {
	dl_sleeper be-etty
	local out
	out=$(in_tty "${DL_CMD[@]}" exec -t be-etty tty)
	expect_has "$out" /dev/pts/ "exec -t"
	dl_gone be-etty
}

sc_dl_exec_user_cwd() {
	dl_sleeper be-eu
	local out
	out=$(dl exec -u 1000:1000 -w /tmp be-eu sh -c 'echo $(id -u) $(id -g) $(pwd)')
	expect_eq "1000 1000 /tmp" "$out" "uid, gid and cwd of exec"
	dl_gone be-eu
}

sc_dl_pause_resume() {
	dl_sleeper be-pause
	dl pause be-pause >/dev/null
	expect_eq paused "$(dl_inspect be-pause '{{.State.Status}}')" "status after pause"
	dl unpause be-pause >/dev/null
	expect_eq running "$(dl_inspect be-pause '{{.State.Status}}')" "status after unpause"
	expect_eq after "$(dl exec be-pause echo after)" "exec after unpause"
	dl_gone be-pause
}

sc_dl_ps() {
	dl_sleeper be-ps
	expect_has "$(dl top be-ps)" "sleep 1000" "top"
	dl_gone be-ps
}

sc_dl_stats() {
	dl_sleeper be-stats
	local out
	out=$(dl stats --no-stream --format '{{.MemUsage}} {{.PIDs}}' be-stats)
	echo "stats: $out" >&2
	case "$out" in
	[1-9]*" / "*" 1") ;;
	*) fail "stats: want a memory usage and 1 pid, got '$out'" ;;
	esac
	dl_gone be-stats
}

sc_dl_update_memory() {
	dl_sleeper be-upd
	dl update --memory 48m --memory-swap 96m be-upd >/dev/null
	expect_eq 50331648 "$(dl exec be-upd sh -c "$MEMLIMIT_SH")" "memory limit after update"
	dl_gone be-upd
}

sc_dl_restart() {
	dl_run -d --name be-rs "$DL_IMG_BASE" sh -c 'echo boot; sleep 1000' >/dev/null
	wait_for 50 dl_logs_have be-rs boot
	dl restart -t 1 be-rs >/dev/null
	expect_eq running "$(dl_inspect be-rs '{{.State.Status}}')" "status after restart"
	wait_for 50 test "$(dl logs be-rs | grep -c boot)" = 2
	dl_gone be-rs
}

# dl_trapper NAME TRAP: a container that prints "ready" once TRAP is set.
dl_trapper() {
	dl_run -d --name "$1" "$DL_IMG_BASE" sh -c "$2; echo ready; while :; do sleep 0.2; done" >/dev/null
	wait_for 50 dl_logs_have "$1" ready
}

sc_dl_stop_term() {
	dl_trapper be-term 'trap "exit 7" TERM'
	dl stop -t 30 be-term >/dev/null
	expect_eq 7 "$(dl_inspect be-term '{{.State.ExitCode}}')" "exit code after stop"
	dl_gone be-term
}

sc_dl_stop_kill_after() {
	dl_trapper be-ign 'trap "" TERM'
	dl stop -t 2 be-ign >/dev/null
	expect_eq 137 "$(dl_inspect be-ign '{{.State.ExitCode}}')" "exit code after stop of a TERM-ignoring container"
	dl_gone be-ign
}

sc_dl_kill() {
	dl_sleeper be-kill
	dl kill be-kill >/dev/null
	expect_eq 137 "$(dl wait be-kill)" "exit code after kill"
	dl_gone be-kill
}

sc_dl_rm() {
	dl_sleeper be-rm
	local id
	id=$(dl_inspect be-rm '{{.Id}}')
	[ -n "$(find "$RT_ROOT" -name "$id*")" ] || fail "no runtime state for a running container in $RT_ROOT"
	dl_gone be-rm
	expect_eq "" "$(dl ps -aq --filter name=be-rm)" "containers after rm"
	expect_eq "" "$(find "$RT_ROOT" -name "$id*")" "runtime state after rm"
}

sc_dl_memory_limit() {
	expect_eq 67108864 "$(dl_run --rm -m 64m "$DL_IMG_BASE" sh -c "$MEMLIMIT_SH")" "memory limit inside"
}

sc_dl_oom() {
	local rc
	rc=$(rc_of dl_run --name be-oom -m 32m --memory-swap 32m "$DL_IMG_BASE" "${OOM_LATE_CMD[@]}")
	expect_eq 137 "$rc" "exit code of the OOM-killed container"
	expect_eq true "$(dl_inspect be-oom '{{.State.OOMKilled}}')" "OOMKilled"
	dl_gone be-oom
}

sc_dl_pids_limit() {
	local out
	out=$(dl_run --rm --pids-limit 8 "$DL_IMG_BASE" sh -c \
		'cat /sys/fs/cgroup/pids.max 2>/dev/null || cat /sys/fs/cgroup/pids/pids.max; i=0; while [ $i -lt 12 ]; do sleep 5 & i=$((i+1)); done 2>&1; echo end' 2>&1) || true
	echo "$out" >&2
	expect_has "$out" 8 "pids.max inside"
	expect_has "$out" "can't fork" "fork beyond the limit"
}

sc_dl_read_only() {
	local out
	out=$(dl_run --rm --read-only "$DL_IMG_BASE" sh -c 'touch /x 2>&1; touch /tmp/y && echo tmp-ok; true')
	expect_has "$out" "Read-only file system" "write to the rootfs"
	if [ "$DL" = podman ]; then
		# podman mounts /tmp, /var/tmp and /run as tmpfs (tmpcopyup) with --read-only
		expect_has "$out" tmp-ok "write to /tmp"
	fi
}

sc_dl_image_env_user() {
	local out
	out=$(dl_run --rm "$DL_IMG_USER" sh -c 'echo $FROM_IMAGE $(id -u) $(id -g) $(pwd)')
	expect_eq "image-env 1000 1000 /home/berth" "$out" "env, uid, gid, cwd from the image"
}

sc_dl_flags_env_user() {
	local out
	out=$(dl_run --rm -e FROM_FLAG=flag-env -u 1000:1000 -w /tmp "$DL_IMG_BASE" sh -c 'echo $FROM_FLAG $(id -u) $(id -g) $(pwd)')
	expect_eq "flag-env 1000 1000 /tmp" "$out" "env, uid, gid, cwd from flags"
}

sc_dl_hostname() {
	expect_eq berth-host "$(dl_run --rm --hostname berth-host "$DL_IMG_BASE" hostname)" hostname
}

# dl_events_have SINCE WORD...: every WORD is among be-ev's events.
dl_events_have() {
	local since=$1 got w
	shift
	if [ -n "$DL_EVENTS_FILE" ]; then
		got=$(grep '"Name":"be-ev"' "$DL_EVENTS_FILE" | sed 's/.*"Status":"\([^"]*\)".*/\1/' | tr '\n' ' ')
	else
		got=$(dl events --since "$since" --until "$(date +%s)" --filter container=be-ev --format "$DL_EVENT_FMT" 2>&1 | tr '\n' ' ')
	fi
	for w in "$@"; do
		case " $got" in
		*" $w"*) ;;
		*) echo "event $w missing in: $got" >&2; return 1 ;;
		esac
	done
}

sc_dl_events() {
	local t0
	t0=$(($(date +%s) - 1))
	dl_sleeper be-ev -m 32m --memory-swap 32m
	dl exec be-ev true
	dl pause be-ev >/dev/null
	dl unpause be-ev >/dev/null
	dl exec be-ev "${OOM_CMD[@]}" >&2 || true
	dl_gone be-ev
	# shellcheck disable=SC2086 # the list of words
	wait_for 25 dl_events_have "$t0" $DL_EVENTS || dl_events_have "$t0" $DL_EVENTS
}

sc_dl_run_rm_20() {
	local i
	for i in $(seq 1 20); do
		dl_run --rm "$DL_IMG_BASE" true
	done
	expect_eq "" "$(dl ps -aq)" "containers left"
	leak_check
}
