# shellcheck shell=bash
# The pod lifecycle through crictl with one handler: runp, create, start,
# exec -s, logs, stats, stop, rmp, with the pod's and container's limits,
# seccomp RuntimeDefault, RunAsUser and ReadOnlyRootFilesystem seen inside.

SMOKE_IMAGE=$REGISTRY/berth/busybox:1

pod_json() {
	cat <<EOF
{"metadata": {"name": "smoke-$1", "namespace": "berth", "uid": "smoke-$1-uid", "attempt": 0},
 "hostname": "smoke-$1", "log_directory": "$W/logs/smoke-$1",
 "linux": {"cgroup_parent": "/$CG_PARENT/smoke-$1",
           "security_context": {"namespace_options": {"network": 0, "pid": 1, "ipc": 0}}}}
EOF
}

container_json() {
	cat <<EOF
{"metadata": {"name": "main"}, "image": {"image": "$SMOKE_IMAGE"},
 "command": ["sh", "-c", "echo hello-from-berth; echo to-stderr >&2; exec sleep 100000"],
 "log_path": "main.log",
 "linux": {"resources": {"memory_limit_in_bytes": 67108864, "cpu_period": 100000, "cpu_quota": 50000, "cpu_shares": 512},
           "security_context": {"run_as_user": {"value": 1000}, "readonly_rootfs": true,
                                "seccomp": {"profile_type": 0}}}}
EOF
}

# smoke_check WHAT WANT CMD...: CMD's output (trimmed; without the CRs and
# the "^@" a streaming exec through script(1) may echo, with runc too) is WANT.
smoke_check() {
	local what=$1 want=$2 got
	shift 2
	got=$("$@" 2>&1 | tr -d '\r' | sed -e 's/^\^@//' -e 's/[[:space:]]*$//') || true
	[ "$got" = "$want" ] || { echo "FAIL: $what: want '$want', got '$got'"; return 1; }
	echo "ok: $what"
}

# step WHAT CMD...: runs CMD (its output in $SLOG); says ok or FAIL.
step() {
	local what=$1
	shift
	if "$@" >>"$SLOG" 2>&1; then
		echo "ok: $what"
	else
		echo "FAIL: $what: $(tail -n 3 "$SLOG" | tr '\n' '|')"
		return 1
	fi
}

logs_have() { crictl_ logs "$1" 2>&1 | grep -q "$2"; }
stdout_log() { crictl_ logs "$1" 2>/dev/null; }
has_stats() { crictl_ stats "$1" | grep -q "${1:0:13}"; }
no_pods() { [ -z "$(crictl_ pods -q)" ]; }

# run_smoke HANDLER
run_smoke() {
	local h=$1 bad=0 pod ctr t0=$SECONDS
	SLOG="$W/smoke-$h.log"
	echo "== crictl pod lifecycle with the $h handler"
	mkdir -p "$W/logs/smoke-$h"
	pod_json "$h" >"$W/pod-$h.json"
	container_json >"$W/ctr-$h.json"
	step "pull $SMOKE_IMAGE" crictl_ pull "$SMOKE_IMAGE" || return 1
	pod=$(crictl_ runp --runtime "$h" "$W/pod-$h.json" 2>>"$SLOG") || { echo "FAIL: runp: $(tail -n 3 "$SLOG")"; return 1; }
	echo "ok: runp"
	if ctr=$(crictl_ create "$pod" "$W/ctr-$h.json" "$W/pod-$h.json" 2>>"$SLOG"); then
		echo "ok: create"
		smoke_running "$ctr" || bad=1
	else
		echo "FAIL: create: $(tail -n 3 "$SLOG")"
		bad=1
	fi
	step stopp crictl_ stopp "$pod" || bad=1
	step rmp crictl_ rmp "$pod" || bad=1
	step "no pod left" no_pods || bad=1
	echo "== $h smoke: $([ "$bad" = 0 ] && echo pass || echo FAIL) in $((SECONDS - t0)) s"
	[ "$bad" = 0 ] || { echo "--- containerd log (errors)"; grep -iE 'level=error' "$W/containerd.log" | tail -n 15; }
	return "$bad"
}

# smoke_running CONTAINER: start, what is seen inside, logs, stats, stop.
smoke_running() {
	local c=$1 bad=0
	step start crictl_ start "$c" || return 1
	smoke_exec "$c" || bad=1
	wait_for 50 logs_have "$c" to-stderr || bad=1
	smoke_check "logs (stdout)" "hello-from-berth" stdout_log "$c" || bad=1
	step stats has_stats "$c" || bad=1
	step stop crictl_ stop -t 2 "$c" || bad=1
	return "$bad"
}

exec_rc() {
	local rc=0
	crictl_ exec -s "$@" >/dev/null 2>&1 || rc=$?
	echo "$rc"
}

exec_rcs() { echo "$(exec_rc "$1" true) $(exec_rc "$1" sh -c 'exit 3')"; }

smoke_exec() {
	local c=$1 bad=0
	smoke_check "exec -s" "in" crictl_ exec -s "$c" echo in || bad=1
	smoke_check "RunAsUser" "1000" crictl_ exec -s "$c" id -u || bad=1
	smoke_check "ReadOnlyRootFilesystem" "ro" crictl_ exec -s "$c" sh -c 'touch /x 2>/dev/null && echo rw || echo ro' || bad=1
	smoke_check "seccomp RuntimeDefault" "2" crictl_ exec -s "$c" sh -c 'grep ^Seccomp: /proc/self/status | cut -f2' || bad=1
	smoke_check "memory limit inside" "67108864" crictl_ exec -s "$c" sh -c \
		'cat /sys/fs/cgroup/memory.max 2>/dev/null || cat /sys/fs/cgroup/memory/memory.limit_in_bytes' || bad=1
	smoke_check "cpu quota inside" "50000" crictl_ exec -s "$c" sh -c \
		'cut -d" " -f1 /sys/fs/cgroup/cpu.max 2>/dev/null || cat /sys/fs/cgroup/cpu/cpu.cfs_quota_us' || bad=1
	# crictl 1.37 exits 1 for any failed command (critest checks the code itself).
	smoke_check "exec exit codes" "0 1" exec_rcs "$c" || bad=1
	# shellcheck disable=SC2016 # the tty is the container's
	smoke_check "streaming exec -it" "tty /dev/pts/0" in_tty "$TOOLS/crictl" --config "$W/crictl.yaml" exec -it "$c" sh -c 'echo tty "$(tty)"' || bad=1
	return "$bad"
}

# A pod with its own user namespace (hostUsers: false): containerd makes
# the namespace with the pod's mappings, then has every container join it
# (linux.namespaces user with a path) and passes the same mappings.
USERNS_OPTIONS='{"network": 0, "pid": 1, "ipc": 0, "userns_options": {"mode": 0,
  "uids": [{"host_id": 200000, "container_id": 0, "length": 65536}],
  "gids": [{"host_id": 200000, "container_id": 0, "length": 65536}]}}'

userns_pod_json() {
	cat <<EOF
{"metadata": {"name": "userns-$1", "namespace": "berth", "uid": "userns-$1-uid", "attempt": 0},
 "log_directory": "$W/logs/userns-$1",
 "linux": {"cgroup_parent": "/$CG_PARENT/userns-$1",
           "security_context": {"namespace_options": $USERNS_OPTIONS}}}
EOF
}

# The container repeats the pod's options, as the kubelet sends them.
userns_container_json() {
	cat <<EOF
{"metadata": {"name": "main"}, "image": {"image": "$SMOKE_IMAGE"}, "command": ["sleep", "100000"],
 "linux": {"security_context": {"namespace_options": $USERNS_OPTIONS}}}
EOF
}

# run_userns HANDLER: root inside is uid 200000 outside.
run_userns() {
	local h=$1 bad=0 pod ctr
	SLOG="$W/userns-$h.log"
	echo "== a pod with a user namespace, $h handler"
	mkdir -p "$W/logs/userns-$h"
	userns_pod_json "$h" >"$W/upod-$h.json"
	userns_container_json >"$W/uctr-$h.json"
	pod=$(crictl_ runp --runtime "$h" "$W/upod-$h.json" 2>>"$SLOG") || { echo "FAIL: runp: $(tail -n 3 "$SLOG")"; return 1; }
	echo "ok: runp"
	if ctr=$(crictl_ create "$pod" "$W/uctr-$h.json" "$W/upod-$h.json" 2>>"$SLOG") && step start crictl_ start "$ctr"; then
		smoke_check "uid map inside" "0 200000 65536" uid_map "$ctr" || bad=1
		# the pod's /dev/shm: a bind of containerd's 0700 state dir,
		# which the mapped root cannot reach (the parent clones it)
		smoke_check "pod /dev/shm writable" "shm ok" crictl_ exec -s "$ctr" sh -c 'touch /dev/shm/x && rm /dev/shm/x && echo shm ok' || bad=1
	else
		echo "FAIL: create/start: $(tail -n 3 "$SLOG" | tr '\n' '|')"
		bad=1
	fi
	step stopp crictl_ stopp "$pod" || bad=1
	step rmp crictl_ rmp "$pod" || bad=1
	return "$bad"
}

uid_map() { crictl_ exec -s "$1" cat /proc/self/uid_map | tr -s ' \t' ' ' | sed 's/^ //'; }
