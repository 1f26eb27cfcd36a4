# shellcheck shell=bash disable=SC2016,SC2034
# Rootless podman: podman run by a user without root (made here with
# useradd, with subordinate id ranges for newuidmap and newgidmap, its own
# storage and XDG_RUNTIME_DIR under $EW) drives berth. berth gets no
# --root: its default, $XDG_RUNTIME_DIR/berth, is under test. Family
# "dlr": the scenarios of dockerlike.sh a rootless user can have (no
# cgroup: on this cgroup v1 host a user has no delegated cgroup, so no
# limits, stats, ps, pause, nor the events scenario, which pauses); the
# others are n/a.

PODMAN_USER=berthpodman
PODMAN_SUBIDS=500000-565535

setup_podman_rootless() {
	userdel "$PODMAN_USER" 2>/dev/null || true
	useradd -M -d "$EW/home" -s /bin/sh "$PODMAN_USER" || return 1
	usermod --add-subuids "$PODMAN_SUBIDS" --add-subgids "$PODMAN_SUBIDS" "$PODMAN_USER" || return 1
	mkdir -p "$EW"/{home,run}
	chmod 711 "$WORK" "$EW"
	chmod 700 "$EW/run"
	cat >"$EW/home/containers.conf" <<EOF2
[containers]
netns = "none"
log_driver = "k8s-file"

[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = "$EW/home/events.log"
runtime = "berth"

[engine.runtimes]
berth = ["$RT"]
EOF2
	cat >"$EW/home/storage.conf" <<EOF2
[storage]
driver = "overlay"
runroot = "$EW/run/storage"
graphroot = "$EW/home/graph"
EOF2
	cp "$IMAGES/base.tar" "$IMAGES/user.tar" "$EW/home/"
	chown -R "$PODMAN_USER:" "$EW/home" "$EW/run"
	DL=podman
	DL_CMD=(setpriv --reuid="$PODMAN_USER" --regid="$PODMAN_USER" --init-groups
		env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME="$EW/home" USER="$PODMAN_USER"
		XDG_RUNTIME_DIR="$EW/run" CONTAINERS_CONF="$EW/home/containers.conf"
		CONTAINERS_STORAGE_CONF="$EW/home/storage.conf" podman --runtime "$RT")
	DL_RUN=(--pull never --network none)
	DL_IMG_BASE=docker.io/library/berth-test:latest
	DL_IMG_USER=docker.io/library/berth-user:latest
	RT_ROOT="$EW/run/berth"
	dl load -i "$EW/home/base.tar" >/dev/null || return 1
	dl load -i "$EW/home/user.tar" >/dev/null || return 1
	dl image exists "$DL_IMG_BASE" || fail "images not loaded: $(dl images)"
}

# teardown_podman_rootless: podman's pause process (the user namespace it
# keeps) is the user's; then the user and its id ranges go.
teardown_podman_rootless() {
	id "$PODMAN_USER" >/dev/null 2>&1 || return 0
	kill_user_procs
	usermod --del-subuids "$PODMAN_SUBIDS" --del-subgids "$PODMAN_SUBIDS" "$PODMAN_USER" 2>/dev/null || true
	userdel "$PODMAN_USER" 2>/dev/null || true
}

# kill_user_procs: kills, by pid, the processes the test user still has.
kill_user_procs() {
	local uid p
	uid=$(id -u "$PODMAN_USER")
	for p in /proc/[0-9]*; do
		[ "$(stat -c %u "$p" 2>/dev/null)" = "$uid" ] && kill -KILL "${p#/proc/}" 2>/dev/null
	done
	return 0
}

reap_dlr() { reap_dl; }

sc_dlr_exit_code() { sc_dl_exit_code; }
sc_dlr_stdio() { sc_dl_stdio; }
sc_dlr_tty() { sc_dl_tty; }
sc_dlr_create_start() { sc_dl_create_start; }
sc_dlr_exec() { sc_dl_exec; }
sc_dlr_exec_tty() { sc_dl_exec_tty; }
sc_dlr_stop_term() { sc_dl_stop_term; }
sc_dlr_kill() { sc_dl_kill; }
sc_dlr_rm() { sc_dl_rm; }
sc_dlr_read_only() { sc_dl_read_only; }
sc_dlr_image_env_user() { sc_dl_image_env_user; }
sc_dlr_detach_logs() { sc_dl_detach_logs; }
sc_dlr_exec_user_cwd() { sc_dl_exec_user_cwd; }
sc_dlr_stop_kill_after() { sc_dl_stop_kill_after; }
sc_dlr_restart() { sc_dl_restart; }
sc_dlr_flags_env_user() { sc_dl_flags_env_user; }
sc_dlr_hostname() { sc_dl_hostname; }
# run_rm_20 is left out: here every attached `podman run` of a rootless
# user waits 20 s after the container died ("Exceeded conmon timeout
# waiting for container to exit", runc 1.5.1 as well): 20 of them would
# take minutes.

# sc_dlr_tty_interactive: -i and -t together, as a user types: the shell reads what
# is typed and answers on the terminal.
sc_dlr_tty_interactive() {
	local out
	out=$( (sleep 3; echo 'echo typed-$((6*7)); exit 5') | script -qec "$(printf '%q ' "${DL_CMD[@]}" run --rm -it "${DL_RUN[@]}" "$DL_IMG_BASE" sh)" /dev/null) || true
	expect_has "$out" typed-42 "a command typed at -it"
}
