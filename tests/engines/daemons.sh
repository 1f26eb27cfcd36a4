# shellcheck shell=bash disable=SC2016,SC2034
# Starting podman's and Docker's private setups (containerd's is in
# containerd.sh). Every path is under the engine's work directory $EW;
# every container's cgroup under /$CG_PARENT.

# setup_podman: podman has no daemon; its configuration files and global
# flags keep its storage, state, events and the runtime's --root private.
# Rootful podman raises RLIMIT_NOFILE and RLIMIT_NPROC to 1048576 unless
# told otherwise; this host lacks CAP_SYS_RESOURCE, and runc fails there
# as berth does (even keeping the caller's own hard limits fails), so the
# containers get the common limits a user sets in containers.conf.
setup_podman() {
	mkdir -p "$EW"/{graph,runroot,tmp,rt,net,volumes}
	cat >"$EW/containers.conf" <<EOF
[containers]
netns = "none"
log_driver = "k8s-file"
default_ulimits = ["nofile=1024:1024", "nproc=4096:4096"]

[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = "$EW/events.log"
runtime = "berth"
tmp_dir = "$EW/tmp"
volume_path = "$EW/volumes"

[engine.runtimes]
berth = ["$EW/bin/berth"]

[network]
network_config_dir = "$EW/net"
EOF
	cat >"$EW/storage.conf" <<EOF
[storage]
driver = "overlay"
runroot = "$EW/runroot"
graphroot = "$EW/graph"
EOF
	# Rootful podman gives the runtime no --root (berth's default is
	# /run/berth) and passes --runtime-flag to some of its calls only (the
	# cleanup after exit deletes without it): a wrapper gives every call
	# the lane's own root.
	mkdir -p "$EW/bin"
	printf '#!/bin/sh\nexec %s --root %s "$@"\n' "$RT" "$EW/rt" >"$EW/bin/berth"
	chmod 755 "$EW/bin/berth"
	export CONTAINERS_CONF="$EW/containers.conf" CONTAINERS_STORAGE_CONF="$EW/storage.conf"
	DL=podman
	DL_CMD=(podman --root "$EW/graph" --runroot "$EW/runroot" --tmpdir "$EW/tmp"
		--cgroup-manager cgroupfs --events-backend file --storage-driver overlay
		--runtime "$EW/bin/berth" --network-config-dir "$EW/net")
	DL_RUN=(--pull never --network none --cgroup-parent "/$CG_PARENT")
	DL_IMG_BASE=localhost/berth-test:latest
	DL_IMG_USER=localhost/berth-user:latest
	DL_EVENTS="create init start exec pause unpause died remove"
	# podman's file backend: its event stream, one JSON object a line.
	DL_EVENTS_FILE="$EW/events.log"
	RT_ROOT="$EW/rt"
	dl load -i "$IMAGES/base.tar" >/dev/null || return 1
	dl load -i "$IMAGES/user.tar" >/dev/null || return 1
	dl image exists "$DL_IMG_USER" || DL_IMG_USER=docker.io/library/berth-user:latest
	dl image exists "$DL_IMG_BASE" || DL_IMG_BASE=docker.io/library/berth-test:latest
	dl image exists "$DL_IMG_BASE" || fail "images not loaded: $(dl images)"
}

# start_docker: dockerd in a private mount namespace with tmpfs over the
# directories it would share with a host's Docker (/run/containerd, where
# it looks for a system containerd; /run/docker; /etc/docker), so it starts
# its own containerd under its exec root and data root.
start_docker() {
	mkdir -p "$EW"/{data,exec,cli}
	cat >"$EW/daemon.json" <<EOF
{
  "storage-driver": "overlay2",
  "log-driver": "json-file",
  "features": {"buildkit": false}
}
EOF
	local d
	for d in /run/containerd /run/docker /etc/docker; do
		[ -d "$d" ] || { mkdir -p "$d" && CREATED_DIRS+=("$d"); } || return 1
	done
	unshare --mount --propagation private -- sh -c \
		'for d in /run/containerd /run/docker /etc/docker; do mount -t tmpfs -o mode=0755 tmpfs "$d" || exit 1; done; exec "$@"' sh \
		/usr/sbin/dockerd --config-file "$EW/daemon.json" --data-root "$EW/data" --exec-root "$EW/exec" \
		--pidfile "$EW/docker.pid" -H "unix://$EW/docker.sock" \
		--iptables=false --ip-forward=false --ip-masq=false --bridge=none --userland-proxy=false \
		--exec-opt native.cgroupdriver=cgroupfs --cgroup-parent "/$CG_PARENT" \
		--add-runtime "berth=$RT" >"$EW/daemon.log" 2>&1 &
	DAEMON_PID=$!
	remember_pid "$DAEMON_PID"
	export DOCKER_CONFIG="$EW/cli"
	DL=docker
	DL_CMD=(/usr/bin/docker -H "unix://$EW/docker.sock")
	DL_RUN=(--pull never --runtime berth --network none)
	DL_IMG_BASE=berth-test:latest
	DL_IMG_USER=berth-user:latest
	DL_EVENT_FMT='{{.Action}}'
	DL_EVENTS_FILE=''
	DL_EVENTS="create start exec_create exec_start pause unpause oom die destroy"
	# Docker 20.10 gives every runc-shim runtime the root <exec-root>/runtime-runc.
	RT_ROOT="$EW/exec/runtime-runc"
	wait_for 300 dl version || return 1
	dl load -i "$IMAGES/base.tar" >/dev/null || return 1
	dl load -i "$IMAGES/user.tar" >/dev/null || return 1
}
