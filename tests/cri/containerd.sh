# shellcheck shell=bash
# containerd 2.x with its CRI plugin, configured as a Kubernetes node
# would be for berth (docs/kubernetes.md shows the same runtimes), with its
# root, state, sockets, CNI configuration and IP leases under $W.
# Its NRI plugin listens on $W/nri/nri.sock (critest's NRI specs register
# a plugin there) and launches no plugin of the host's (/opt/nri/plugins).

# cri_runtimes: the handlers; this is the snippet docs/kubernetes.md shows.
cri_runtimes() {
	cat <<EOF
[plugins."io.containerd.cri.v1.runtime"]
  # The pause container's oom_score_adj of -998 needs CAP_SYS_RESOURCE.
  restrict_oom_score_adj = true
  netns_mounts_under_state_dir = true
  [plugins."io.containerd.cri.v1.runtime".containerd.runtimes.berth]
    runtime_type = "io.containerd.runc.v2"
    [plugins."io.containerd.cri.v1.runtime".containerd.runtimes.berth.options]
      BinaryName = "$BERTH"
      Root = "$W/rt-berth"
      SystemdCgroup = false
  [plugins."io.containerd.cri.v1.runtime".containerd.runtimes.runc]
    runtime_type = "io.containerd.runc.v2"
    [plugins."io.containerd.cri.v1.runtime".containerd.runtimes.runc.options]
      BinaryName = "$RUNC"
      Root = "$W/rt-runc"
      SystemdCgroup = false
  [plugins."io.containerd.cri.v1.runtime".cni]
    bin_dirs = ["/usr/lib/cni"]
    conf_dir = "$W/cni"
EOF
}

cri_config() {
	cat <<EOF
version = 3
root = "$W/root"
state = "$W/state"
disabled_plugins = ["io.containerd.tracing.processor.v1.otlp", "io.containerd.internal.v1.tracing"]

[grpc]
  address = "$W/containerd.sock"
[ttrpc]
  address = "$W/containerd.sock.ttrpc"
[debug]
  address = ""
  level = "info"
[metrics]
  address = ""

[plugins."io.containerd.nri.v1.nri"]
  disable = false
  socket_path = "$W/nri/nri.sock"
  plugin_path = "$W/nri/plugins"
  plugin_config_path = "$W/nri/conf.d"
  # critest's plugin-synchronization specs hold a plugin's Synchronize
  # for 2 s, the default timeout here: whether the spec or the timeout
  # came first decided the spec, not the runtime.
  plugin_request_timeout = "5s"
[plugins."io.containerd.internal.v1.opt"]
  path = "$W/opt"
[plugins."io.containerd.cri.v1.images".pinned_images]
  sandbox = "registry.k8s.io/pause:3.10.2"
[plugins."io.containerd.cri.v1.images".registry]
  config_path = "$W/certs.d"
EOF
	cri_runtimes
}

# mirrors: the upstream registries critest names, and the loopback one,
# served by the loopback registry over plain HTTP.
mirrors() {
	local h
	for h in registry.k8s.io k8s.gcr.io gcr.io docker.io quay.io "$REGISTRY"; do
		mkdir -p "$W/certs.d/$h"
		printf 'server = "http://%s"\n\n[host."http://%s"]\n  capabilities = ["pull", "resolve"]\n  skip_verify = true\n' \
			"$REGISTRY" "$REGISTRY" >"$W/certs.d/$h/hosts.toml"
	done
}

# cni_config: a bridge with host-local addresses, leases under $W.
cni_config() {
	mkdir -p "$W/cni"
	cat >"$W/cni/10-berth.conflist" <<EOF
{
  "cniVersion": "1.0.0",
  "name": "berth-cri",
  "plugins": [
    {"type": "bridge", "bridge": "cni-berth0", "isGateway": true, "ipMasq": false, "hairpinMode": true,
     "ipam": {"type": "host-local", "dataDir": "$W/cni-ipam",
              "ranges": [[{"subnet": "10.88.0.0/16"}]], "routes": [{"dst": "0.0.0.0/0"}]}},
    {"type": "portmap", "capabilities": {"portMappings": true}}
  ]
}
EOF
}

start_cri_containerd() {
	mkdir -p "$W/rt-berth" "$W/rt-runc" "$W/logs" "$W/nri/plugins" "$W/nri/conf.d"
	mirrors
	cni_config
	cri_config >"$W/config.toml"
	printf 'runtime-endpoint: unix://%s/containerd.sock\nimage-endpoint: unix://%s/containerd.sock\ntimeout: 60\n' "$W" "$W" >"$W/crictl.yaml"
	PATH="$CTRD_DIR:/usr/sbin:/usr/bin:/sbin:/bin" "$CTRD_DIR/containerd" --config "$W/config.toml" >"$W/containerd.log" 2>&1 &
	remember_pid $!
	wait_for 150 crictl_ info
}

crictl_() { timeout 120 "$TOOLS/crictl" --config "$W/crictl.yaml" "$@"; }

# stop_ours: every process left in the lane's network namespace but this
# shell (the shims, once containerd is gone), by pid.
stop_ours() {
	local self p
	self=$(readlink /proc/self/ns/net)
	for p in /proc/[0-9]*; do
		p=${p#/proc/}
		case $p in "$$" | "$BASHPID" | "$PPID") continue ;; esac
		[ "$(readlink "/proc/$p/ns/net" 2>/dev/null)" = "$self" ] || continue
		kill -KILL "$p" 2>/dev/null || true
	done
}

# stop_cri: the pods removed through the CRI, the daemons stopped, then
# whatever of ours is left.
stop_cri() {
	crictl_ rmp -af >/dev/null 2>&1 || true
	stop_started
	stop_ours
}
