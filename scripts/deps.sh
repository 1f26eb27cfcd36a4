#!/bin/bash
# Installs what berth needs to build and test on a fresh Debian 12 machine
# (as root): a C compiler for the static init (musl), libseccomp for the
# seccomp compiler, busybox for test bundles, shellcheck for `make lint`,
# uidmap (newuidmap, newgidmap) for the rootless tests,
# and the Go modules.
# Quiet when everything is there already.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
PATH=/usr/local/go/bin:$PATH

PKGS=(musl-tools libseccomp-dev busybox-static gcc make jq iproute2 util-linux procps shellcheck uidmap)
installed() { dpkg-query -W -f='${Status}\n' "$1" 2>/dev/null | grep -q 'install ok installed'; }
missing=()
for p in "${PKGS[@]}" "$@"; do
	installed "$p" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	echo "deps: installing ${missing[*]}" >&2
	apt-get -q -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${missing[@]}" >&2 || {
		apt-get -q -o DPkg::Lock::Timeout=600 update -qq >&2
		apt-get -q -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${missing[@]}" >&2
	}
fi
command -v go >/dev/null || { echo "deps: Go is needed at /usr/local/go or on PATH" >&2; exit 1; }
cd "$(dirname "$0")/.."
go mod download
