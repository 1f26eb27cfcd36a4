# shellcheck shell=bash disable=SC2016,SC2034
# Known failures, each with the reason printed when it happens:
# "engine:scenario:runtime|reason". A listed scenario that passes is
# reported so that its mark is removed.
KNOWN=(
	"podman:oom:berth|podman 4.3 reports OOMKilled=false on this cgroup v1 hybrid host with runc 1.1.5 too (engine or host, not berth); the exit code 137 is checked"
	"podman:oom:runc|podman 4.3 reports OOMKilled=false on this cgroup v1 hybrid host (engine or host); the exit code 137 is checked"
)
