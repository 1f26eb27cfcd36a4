#!/bin/bash
# Fetch and build the opencontainers/runtime-tools validation suite
# (oci-runtime-tool, runtimetest, validation/*/*.t) for run.sh.
#
#   build.sh
#
# Env knobs:
#   CONF_SUITE       suite dir (default: $BERTH_CACHE/runtime-tools,
#                    BERTH_CACHE defaulting to /var/cache/berth)
#   CONF_GOMOD       module version to fetch from the Go module proxy
#                    (default: the pinned v0.9.1-0.20251205004911-5e639034dcdc,
#                    = commit 5e639034dcdc)
#   CONF_GIT         instead of the module proxy, clone this git URL or local
#                    repository path ...
#   CONF_REF         ... and check out this ref (default: the pinned commit)
#
# The source is fetched only when $CONF_SUITE has none yet; delete that dir to
# fetch again. Missing tools (make, tar, flock, ...) are installed with apt-get.
# Go >= 1.21 must be in PATH or at /usr/local/go/bin.
set -euo pipefail

SUITE=${CONF_SUITE:-${BERTH_CACHE:-/var/cache/berth}/runtime-tools}
PIN_COMMIT=5e639034dcdc2422164e3d7d76a737e2fb451a67 # master, 2025-12-04 (v0.9.0-141-g5e63903)
PIN_GOMOD=v0.9.1-0.20251205004911-5e639034dcdc      # the same commit on the Go module proxy
MODULE=github.com/opencontainers/runtime-tools

die() { echo "build.sh: $*" >&2; exit 1; }
have() { command -v "$1" >/dev/null 2>&1; }

# --- host packages -------------------------------------------------------------
# build: make, certificates for the module proxy (git for CONF_GIT);
# run.sh and the tests: flock, unshare, timeout, awk, find, tar, gzip, sh.
need=()
for pair in make:make tar:tar gzip:gzip flock:util-linux unshare:util-linux \
	timeout:coreutils comm:coreutils awk:mawk find:findutils; do
	have "${pair%%:*}" || need+=("${pair#*:}")
done
[ -n "${CONF_GIT:-}" ] && ! have git && need+=(git)
[ -e /etc/ssl/certs/ca-certificates.crt ] || need+=(ca-certificates)
if [ ${#need[@]} -gt 0 ]; then
	mapfile -t need < <(printf '%s\n' "${need[@]}" | sort -u)
	[ "$(id -u)" = 0 ] || die "missing packages: ${need[*]} (run as root to install them)"
	echo "build.sh: installing ${need[*]}" >&2
	export DEBIAN_FRONTEND=noninteractive
	if ! compgen -G '/var/lib/apt/lists/*_Packages*' >/dev/null; then apt-get update; fi
	apt-get install -y --no-install-recommends "${need[@]}" ||
		{ apt-get update && apt-get install -y --no-install-recommends "${need[@]}"; }
fi

# --- Go -----------------------------------------------------------------------
have go || export PATH=$PATH:/usr/local/go/bin
have go || die "Go not found (need >= 1.21 in PATH or at /usr/local/go/bin)"
gov=$(go env GOVERSION) # go1.26.8
minor=$(printf '%s' "$gov" | sed -n 's/^go1\.\([0-9][0-9]*\).*/\1/p')
if [ -z "$minor" ] || [ "$minor" -lt 21 ]; then die "$gov is too old (need Go >= 1.21)"; fi

# --- source -------------------------------------------------------------------
if [ ! -f "$SUITE/Makefile" ]; then
	[ ! -e "$SUITE" ] || [ -z "$(ls -A "$SUITE")" ] ||
		die "$SUITE exists but holds no runtime-tools source; remove it"
	mkdir -p "$(dirname "$SUITE")"
	tmp=$(mktemp -d "$SUITE.fetch.XXXXXX")
	trap 'chmod -R u+w "$tmp" 2>/dev/null; rm -rf "$tmp"' EXIT
	if [ -n "${CONF_GIT:-}" ]; then
		ref=${CONF_REF:-$PIN_COMMIT}
		git clone -q "$CONF_GIT" "$tmp/src"
		git -C "$tmp/src" checkout -q "$ref"
		echo "$MODULE $(git -C "$tmp/src" describe --always --tags --long)" \
			"(commit $(git -C "$tmp/src" rev-parse HEAD), git clone of $CONF_GIT)" >"$tmp/src/.suite-version"
	else
		ver=${CONF_GOMOD:-$PIN_GOMOD}
		# private module cache: its files are read-only and only copied out
		(cd "$tmp" && GOFLAGS=-modcacherw GOMODCACHE="$tmp/mod" \
			go mod download -json "$MODULE@$ver" >"$tmp/dl.json") ||
			{ cat "$tmp/dl.json" >&2; die "go mod download $MODULE@$ver failed"; }
		dir=$(sed -n 's/.*"Dir": "\(.*\)".*/\1/p' "$tmp/dl.json")
		[ -d "$dir" ] || { cat "$tmp/dl.json" >&2; die "no module dir in go mod download output"; }
		cp -r "$dir" "$tmp/src"
		chmod -R u+w "$tmp/src"
		hash=$(sed -n 's/.*"Hash": "\([0-9a-f]*\)".*/\1/p' "$tmp/dl.json")
		echo "$MODULE $ver (commit ${hash:-?}, Go module proxy)" >"$tmp/src/.suite-version"
		touch "$tmp/src/.from-module-zip"
	fi
	rmdir "$SUITE" 2>/dev/null || true
	mv "$tmp/src" "$SUITE"
fi

cd "$SUITE"
if [ -f .from-module-zip ]; then
	# The module zip's vendor/ holds only modules.txt: build in module mode,
	# taking the dependencies (pinned by go.sum) from the module proxy.
	export GOFLAGS="${GOFLAGS:+$GOFLAGS }-mod=mod -buildvcs=false"
	commit=$(awk '{ print $2 }' .suite-version)
else
	export GOFLAGS="${GOFLAGS:+$GOFLAGS }-buildvcs=false"
	commit=$(git describe --dirty --long --always --tags 2>/dev/null || echo unknown)
fi
echo "build.sh: building $(cat .suite-version 2>/dev/null || echo "$SUITE") with $gov" >&2
make tool runtimetest COMMIT="$commit"
# ~58 independent `go build`s; parallel make is safe.
make -j"$(nproc)" validation-executables COMMIT="$commit"

n=$(find validation -mindepth 2 -maxdepth 2 -name '*.t' | wc -l)
if [ ! -x runtimetest ] || [ "$n" -eq 0 ]; then die "build incomplete"; fi
echo "built $n validation executables + runtimetest in $SUITE"
