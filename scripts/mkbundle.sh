#!/bin/bash
# mkbundle.sh DIR [ARG...]: an OCI bundle in DIR from the static busybox:
# rootfs/bin/busybox with its applets linked, and config.json from
# `berth spec` (BERTH: the binary, default ./berth), with process.args ARG...
# when given (and terminal false then).
set -euo pipefail
dir=$1; shift
BERTH=${BERTH:-./berth}
mkdir -p "$dir/rootfs"/{bin,sbin,etc,proc,sys,dev,tmp,root,usr/bin}
cp /bin/busybox "$dir/rootfs/bin/busybox"
for a in $(/bin/busybox --list); do
	[ -e "$dir/rootfs/bin/$a" ] || ln -s busybox "$dir/rootfs/bin/$a"
done
echo 'root:x:0:0:root:/root:/bin/sh' >"$dir/rootfs/etc/passwd"
echo 'root:x:0:' >"$dir/rootfs/etc/group"
rm -f "$dir/config.json"
"$BERTH" spec --bundle "$dir"
if [ $# -gt 0 ]; then
	args=$(for a in "$@"; do printf '%s' "$a" | jq -Rs .; done | jq -s .)
	jq --argjson a "$args" '.process.args = $a | .process.terminal = false' "$dir/config.json" >"$dir/config.json.new"
	mv "$dir/config.json.new" "$dir/config.json"
fi
