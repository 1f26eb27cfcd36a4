#!/bin/bash
# demo.sh BERTH: make a default bundle (busybox rootfs + `berth spec`), run a
# container that prints what it sees, then remove it.
set -euo pipefail
BERTH=$(readlink -f "${1:-./berth}")
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d /tmp/berth-demo.XXXXXX)
id=berth-demo-$$
cleanup() { "$BERTH" delete --force "$id" >/dev/null 2>&1 || true; rm -rf "$work"; }
trap cleanup EXIT
# shellcheck disable=SC2016 # the container's shell expands it
BERTH=$BERTH "$here/mkbundle.sh" "$work/bundle" sh -c '
echo "hostname:  $(hostname)"
echo "pid 1:     $(cat /proc/1/comm) (this script)"
echo "my pid:    $$"
echo "user:      $(id)"
echo "mounts:";  cut -d" " -f2,3 /proc/mounts | sed "s/^/  /"
echo "caps:      $(grep CapEff /proc/self/status)"'
# the default spec runs `sh` in a terminal; the demo prints without one
echo "== berth $("$BERTH" --version | head -1 | cut -d" " -f3): run $id"
"$BERTH" run --bundle "$work/bundle" "$id"
echo "== the container exited with status $?; it is deleted:"
"$BERTH" list
