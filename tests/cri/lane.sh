#!/bin/bash
# make test-cri: berth as a Kubernetes node's runtime handler under
# containerd's CRI plugin.
#   tests/cri/lane.sh [BERTH]
# containerd 2.x (built by the engines lane into its cache) runs with its
# CRI plugin and two handlers, "berth" and "runc", inside a network and
# mount namespace of the lane's own: the CNI bridge, the pods' addresses
# and a loopback registry (Debian's docker-registry, filled with locally
# built images) never touch the host's network; /run/containerd is a
# tmpfs there. A pod lifecycle is driven with crictl; CRI_CRITEST=1 also
# runs critest with each handler (tests/cri/critest.sh).
#   CRI_BASELINE=1  the pod lifecycle with the runc handler too
#   CRI_USERNS=0    no pod with a user namespace (one runs by default)
#   CRI_CRITEST_ARGS  more critest arguments, split at blanks
#                   (e.g. "--ginkgo.focus NRI")
#   CRI_CACHE   where critest, crictl and runc are built (/var/cache/berth/cri)
# shellcheck source-path=SCRIPTDIR
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
ENGINES_CACHE=${ENGINES_CACHE:-/var/cache/berth/engines}
CONTAINERD2_VERSION=v2.3.7
ENGINES=containerd2

REGISTRY=127.0.0.1:5000
# The names the images are pushed under (critest.sh adds its own).
BUSYBOX_NAMES=(berth/busybox:1)
PAUSE_NAMES=(pause:3.10.2 pause:3.10)

# shellcheck source=../engines/lib.sh
. "$ROOT/tests/engines/lib.sh"
# shellcheck source=../engines/install.sh
. "$ROOT/tests/engines/install.sh"
# shellcheck source=install.sh
. "$HERE/install.sh"
CTRD_DIR="$ENGINES_CACHE/containerd-$CONTAINERD2_VERSION"
TOOLS="$CRI_CACHE/cri-tools-$CRI_TOOLS_VERSION"
RUNC="$CRI_CACHE/runc-$CRI_RUNC_VERSION/runc"

# shellcheck source=image.sh
. "$HERE/image.sh"
# shellcheck source=containerd.sh
. "$HERE/containerd.sh"
# shellcheck source=smoke.sh
. "$HERE/smoke.sh"

# outer: installs and builds what is missing, then runs the lane again
# inside a new network and mount namespace.
outer() {
	BERTH=$(realpath "${1:-./berth}")
	[ -x "$BERTH" ] || { echo "no berth binary at $BERTH (run make)" >&2; exit 1; }
	[ "$(id -u)" = 0 ] || { echo "the CRI lane needs root" >&2; exit 1; }
	install_engines
	install_cri
	W=$(mktemp -d /var/tmp/bcri.XXXXXX)
	# A pod's user-namespaced root (uid 200000 outside) reaches its rootfs
	# under containerd's state here.
	chmod 0711 "$W"
	PAUSE_BIN="$W/pause-bin"
	(cd "$ROOT" && CGO_ENABLED=0 cri_go build -ldflags '-s -w' -o "$PAUSE_BIN" ./tests/cri/pause)
	CG_PARENT="berth-cri-${W##*.}"
	export BERTH W PAUSE_BIN CG_PARENT
	local rc=0 t0=$SECONDS
	unshare --net --mount --propagation private --fork -- "$0" --inner &
	INNER=$!
	trap 'stop_pid "$INNER" 30' INT TERM
	wait "$INNER" || rc=$?
	trap - INT TERM
	remove_cgroups
	echo "CRI lane: exit $rc after $((SECONDS - t0)) s (work dir $W)"
	[ "$rc" != 0 ] || rm -rf "$W"
	return "$rc"
}

# remove_cgroups: the lane's cgroup parent in every hierarchy, deepest first.
remove_cgroups() {
	local d
	for d in /sys/fs/cgroup/*/"$CG_PARENT" /sys/fs/cgroup/"$CG_PARENT"; do
		[ -d "$d" ] || continue
		find "$d" -depth -type d -exec rmdir {} + 2>/dev/null || true
		[ ! -d "$d" ] || echo "cgroup left behind: $d" >&2
	done
}

# inner: in the lane's namespaces; every daemon stopped by pid on exit.
inner() {
	trap stop_cri EXIT
	ip link set lo up
	mount -t tmpfs -o mode=0711 tmpfs /run/containerd 2>/dev/null ||
		{ mkdir -p /run/containerd && mount -t tmpfs -o mode=0711 tmpfs /run/containerd; }
	start_registry
	build_images "$W/images"
	start_cri_containerd
	local rc=0
	run_smoke berth || rc=1
	[ "${CRI_BASELINE:-0}" != 1 ] || run_smoke runc || rc=1
	if [ "${CRI_USERNS:-1}" = 1 ]; then
		run_userns berth || rc=1
		[ "${CRI_BASELINE:-0}" != 1 ] || run_userns runc || rc=1
	fi
	if [ "${CRI_CRITEST:-0}" = 1 ]; then
		# shellcheck source=critest.sh
		. "$HERE/critest.sh"
		run_critest berth || rc=1
		run_critest runc || rc=1
	fi
	return "$rc"
}

start_registry() {
	mkdir -p "$W/registry"
	cat >"$W/registry.yml" <<EOY
version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: $W/registry
  delete:
    enabled: true
http:
  addr: $REGISTRY
EOY
	docker-registry serve "$W/registry.yml" >"$W/registry.log" 2>&1 &
	remember_pid $!
	wait_for 100 curl -fsS "http://$REGISTRY/v2/"
}

if [ "${1:-}" = --inner ]; then
	inner
else
	outer "$@"
fi
