#!/bin/bash
# make test-engines: four real engines drive berth in place of runc.
#   tests/engines/lane.sh [BERTH]
# containerd 1.6 (Debian) and 2.x (built into $ENGINES_CACHE) with ctr,
# podman 4.3 with conmon (as root, and rootless: rootless.sh), Docker 20.10 (Debian's docker.io) with its own
# dockerd and containerd. Each engine is started privately (own root,
# state, sockets, cgroup parent), runs the scenarios, and is stopped; then
# nothing of the runtime's may be left. Images are built locally from
# busybox; nothing is pulled.
#   ENGINES="containerd16 containerd2 podman podman-rootless docker"  the engines to run
#   ENGINES_SCENARIOS="events kill"  only these scenarios (default: all)
#   ENGINES_BASELINE=1   run every scenario with runc too (Debian's runc)
#   ENGINES_CACHE        where containerd 2.x is built (/var/cache/berth/engines)
# shellcheck source-path=SCRIPTDIR
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
BERTH=$(realpath "${1:-./berth}")
ENGINES=${ENGINES:-containerd16 containerd2 podman podman-rootless docker}
ENGINES_CACHE=${ENGINES_CACHE:-/var/cache/berth/engines}
CONTAINERD2_VERSION=v2.3.7
RUNC_BASELINE=${RUNC_BASELINE:-/usr/sbin/runc}

# shellcheck source=lib.sh
. "$HERE/lib.sh"
# shellcheck source=image.sh
. "$HERE/image.sh"
# shellcheck source=install.sh
. "$HERE/install.sh"
# shellcheck source=containerd.sh
. "$HERE/containerd.sh"
# shellcheck source=daemons.sh
. "$HERE/daemons.sh"
# shellcheck source=dockerlike.sh
. "$HERE/dockerlike.sh"
# shellcheck source=rootless.sh
. "$HERE/rootless.sh"
# shellcheck source=known.sh
. "$HERE/known.sh"

SCENARIOS="exit_code stdio tty tty_interactive create_start detach_logs exec exec_tty exec_user_cwd pause_resume"
SCENARIOS+=" ps stats update_memory restart stop_term stop_kill_after kill rm memory_limit oom"
SCENARIOS+=" pids_limit read_only image_env_user flags_env_user hostname events run_rm_20 clean_after_stop"
SCENARIOS=${ENGINES_SCENARIOS:-$SCENARIOS}

# What the scenarios read inside: the memory limit (v1 or v2), and a
# process that needs 64 MiB at once.
MEMLIMIT_SH='cat /sys/fs/cgroup/memory.max 2>/dev/null || cat /sys/fs/cgroup/memory/memory.limit_in_bytes'
OOM_CMD=(dd if=/dev/zero of=/dev/null bs=64M count=1)
# The same as a container's whole process, a second late: the shims
# (containerd's runc shim, conmon) watch for OOM only once the task has
# started, so an OOM in the first instant goes unseen whatever the runtime.
OOM_LATE_CMD=(sh -c 'sleep 1; exec dd if=/dev/zero of=/dev/null bs=64M count=1')

[ -x "$BERTH" ] || { echo "no berth binary at $BERTH (run make)" >&2; exit 1; }
[ "$(id -u)" = 0 ] || { echo "the engines lane needs root" >&2; exit 1; }

WORK=$(mktemp -d /var/tmp/be.XXXXXX)
LOGDIR="$WORK/logs"
IMAGES="$WORK/images"
mkdir -p "$LOGDIR"
CREATED_DIRS=()
DAEMON_PID=

# --- leftovers ------------------------------------------------------------

# cgroup_children: cgroups under /$CG_PARENT in the mounted hierarchies,
# but podman's "conmon" cgroup once empty (conmon's, podman never removes it).
cgroup_children() {
	local d c
	for d in /sys/fs/cgroup/*/"$CG_PARENT" /sys/fs/cgroup/"$CG_PARENT"; do
		[ -e "$d/cgroup.procs" ] || continue
		find "$d" -mindepth 1 -type d | while read -r c; do
			[ "${c##*/}" = conmon ] && [ -z "$(cat "$c/cgroup.procs")" ] && continue
			echo "$c"
		done
	done
	return 0
}

# our_procs: processes (other than the daemon) whose command line names
# the engine's directory or whose executable is the runtime: shims,
# conmon, a runtime still running.
our_procs() {
	local p cmd
	for p in /proc/[0-9]*; do
		p=${p#/proc/}
		[ "$p" = "$DAEMON_PID" ] && continue
		cmd=$({ tr '\0' ' ' <"/proc/$p/cmdline"; } 2>/dev/null) || continue
		case "$cmd" in
		*dockerd*|*"$EW/containerd.sock"*events*) continue ;;
		"$DOCKER_CONTAINERD"*) continue ;;
		*"$EW"*) echo "$p $cmd" ;;
		esac
		[ "$(readlink "/proc/$p/exe" 2>/dev/null)" = "$RT" ] && echo "$p $cmd"
	done | sort -u
}

# container_mounts: mounts of containers (rootfs, shm, overlay) in the
# host's and the daemon's mount namespaces.
container_mounts() {
	{
		cat /proc/self/mountinfo
		[ -n "$DAEMON_PID" ] && cat "/proc/$DAEMON_PID/mountinfo" 2>/dev/null
	} | grep -E 'rootfs|/merged|/shm|/mounts/' | grep -F "$EW" || true
}

# runtime_state_files: berth's compiled seccomp filters are a cache kept
# in its root on purpose (seccomp-cache/), not a container's state.
runtime_state_files() { find "$RT_ROOT" -path '*/seccomp-cache' -prune -o -type f -print 2>/dev/null; }

# leak_check: with the engine running and no container, nothing is left.
leak_check() {
	wait_for 50 test -z "$(our_procs)" || fail "processes left: $(our_procs)"
	expect_eq "" "$(runtime_state_files)" "runtime state left in $RT_ROOT"
	expect_eq "" "$(cgroup_children)" "cgroups left under /$CG_PARENT"
	expect_eq "" "$(container_mounts)" "mounts left"
	expect_eq "" "$(find "$EW" -type p)" "fifos left"
}

# sc_all_clean_after_stop: the engine is stopped (stop_engine ran first).
sc_all_clean_after_stop() {
	expect_eq "" "$(our_procs)" "processes left after the engine stopped"
	expect_eq "" "$(runtime_state_files)" "runtime state left in $RT_ROOT"
	expect_eq "" "$(cgroup_children)" "cgroups left under /$CG_PARENT"
	expect_eq "" "$(grep -F "$EW" /proc/self/mountinfo || true)" "mounts left"
}

# --- engines ----------------------------------------------------------------

# start_engine ENGINE: not in a subshell (it sets the engine's variables),
# so every step that can fail says so with || return 1.
start_engine() {
	DAEMON_PID=''
	DL=''
	RT_ROOT="$EW/rt"
	case $1 in
	containerd16) FAMILY=ctr; start_containerd /usr/bin 2 && ctr_prepare ;;
	containerd2) FAMILY=ctr; start_containerd "$ENGINES_CACHE/containerd-$CONTAINERD2_VERSION" 4 && ctr_prepare ;;
	podman) FAMILY=dl; setup_podman ;;
	podman-rootless) FAMILY=dlr; setup_podman_rootless ;;
	docker) FAMILY=dl; start_docker ;;
	esac
}

# stop_engine: podman's containers, the daemon, then whatever the engine
# left that is ours (mounts under $EW, our cgroup parent).
stop_engine() {
	if [ -n "$DAEMON_PID" ] || [ "${DL:-}" = podman ]; then
		"reap_$FAMILY" >/dev/null 2>&1 || true
	fi
	[ -n "$DAEMON_PID" ] && stop_pid "$DAEMON_PID" 20
	DAEMON_PID=
	STARTED_PIDS=()
}

# cgroup_pids: every process in a cgroup under /$CG_PARENT.
cgroup_pids() {
	local d
	for d in /sys/fs/cgroup/*/"$CG_PARENT" /sys/fs/cgroup/"$CG_PARENT"; do
		[ -d "$d" ] && find "$d" -name cgroup.procs -exec cat {} +
	done | sort -u
}

# clean_engine: after the verdict, remove what a failed run may have left:
# the containers' processes (found by their cgroups), shims and conmon
# (found by the engine's directory in their command line), mounts under
# $EW, the cgroups under /$CG_PARENT.
clean_engine() {
	local m d p c
	d=/sys/fs/cgroup/freezer/$CG_PARENT
	if [ -d "$d" ]; then
		find "$d" -name freezer.state -exec sh -c 'echo THAWED >"$1"' sh {} \;
	fi
	for p in $(cgroup_pids) $(our_procs | cut -d' ' -f1); do
		kill -KILL "$p" 2>/dev/null || true
	done
	sleep 0.5
	{ grep -F "$EW" /proc/self/mountinfo || true; } | awk '{print $5}' | sort -r | while read -r m; do
		umount -l "$m" 2>/dev/null || true
	done
	for d in /sys/fs/cgroup/*/"$CG_PARENT" /sys/fs/cgroup/"$CG_PARENT"; do
		[ -d "$d" ] || continue
		if [ ! -e "$d/cgroup.procs" ]; then
			# conmon makes plain directories for controllers this host
			# does not mount (/sys/fs/cgroup is a tmpfs): not cgroups.
			rm -rf "$d"
			continue
		fi
		find "$d" -type d | sort -r | while read -r c; do
			rmdir "$c" 2>/dev/null || echo "cannot remove cgroup $c" >&2
		done
	done
	return 0
}

run_engine() {
	local engine=$1 rt=$2 sc t0=$SECONDS
	ENGINE=$engine
	EW="$WORK/$engine-$rt"
	RT=$BERTH
	[ "$rt" = runc ] && RT=$RUNC_BASELINE
	CG_PARENT="berth-e2e-$engine-$rt-$$"
	DOCKER_CONTAINERD="containerd --config $EW/exec/containerd"
	mkdir -p "$EW"
	echo "== $engine with $rt ($RT)"
	if ! start_engine "$engine" >"$LOGDIR/$engine.$rt.start.log" 2>&1; then
		stop_engine
		echo "  cannot start $engine:"
		tail -n 20 "$LOGDIR/$engine.$rt.start.log" "$EW/daemon.log" 2>/dev/null | sed 's/^/    | /' || true
		for sc in $SCENARIOS; do RESULT[$engine:$sc:$rt]=FAIL; done
		UNEXPECTED=$((UNEXPECTED + 1))
		clean_engine
		teardown_podman_rootless
		return 0
	fi
	for sc in $SCENARIOS; do
		[ "$sc" = clean_after_stop ] && stop_engine
		run_scenario "$engine" "$rt" "$sc"
	done
	clean_engine
	teardown_podman_rootless
	echo "  ($engine with $rt: $((SECONDS - t0)) s)"
}

cleanup() {
	local rc=$?
	stop_engine 2>/dev/null || true
	stop_started
	[ -z "${EW:-}" ] || clean_engine
	teardown_podman_rootless
	local d
	for d in "${CREATED_DIRS[@]}"; do
		# ctr makes its default fifo directory even when given another.
		[ "$d" = /run/containerd ] && { rmdir /run/containerd/fifo 2>/dev/null || true; }
		rmdir "$d" 2>/dev/null || true
	done
	[ "${ENGINES_KEEP:-}" = 1 ] || rm -rf "$WORK"
	exit "$rc"
}
trap cleanup EXIT INT TERM

t_all=$SECONDS
install_engines
make_images
RUNTIMES="berth"
[ "${ENGINES_BASELINE:-}" = 1 ] && RUNTIMES="berth runc"
for engine in $ENGINES; do
	for rt in $RUNTIMES; do
		run_engine "$engine" "$rt"
	done
done

echo
echo "scenario x engine ($(echo "$RUNTIMES" | tr ' ' /)); logs in $LOGDIR (kept with ENGINES_KEEP=1)"
print_table "$ENGINES" "$RUNTIMES"
echo "engines lane: $((SECONDS - t_all)) s, $UNEXPECTED unexpected failure(s)"
[ "$UNEXPECTED" = 0 ]
