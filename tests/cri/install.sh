# shellcheck shell=bash
# What the CRI lane needs on a fresh Debian 12, built once and cached in
# $CRI_CACHE: critest and crictl from sigs.k8s.io/cri-tools, runc (for the
# comparison handler) and the Debian packages for CNI and the registry.
# containerd itself comes from the engines lane's cache (tests/engines).

CRI_CACHE=${CRI_CACHE:-/var/cache/berth/cri}
CRI_TOOLS_VERSION=${CRI_TOOLS_VERSION:-v1.37.0}
CRI_RUNC_VERSION=${CRI_RUNC_VERSION:-v1.5.1}
CRI_PACKAGES="containernetworking-plugins docker-registry iproute2 skopeo"

# cri_go: go from /usr/local/go first, as the rest of the project uses it.
cri_go() { PATH="/usr/local/go/bin:$PATH" go "$@"; }

# build_cri_tools: critest (a test binary: the module cache is read-only
# and the release zip's vendor folder is empty, so it is built in a
# writable copy with -mod=mod) and crictl.
build_cri_tools() {
	local dir="$CRI_CACHE/cri-tools-$CRI_TOOLS_VERSION" src
	if [ -x "$dir/critest" ] && [ -x "$dir/crictl" ]; then return 0; fi
	mkdir -p "$dir"
	src=$(cri_go mod download -json "sigs.k8s.io/cri-tools@$CRI_TOOLS_VERSION" |
		sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
	[ -d "$src" ] || { echo "cri-tools $CRI_TOOLS_VERSION: no module folder" >&2; return 1; }
	rm -rf "$dir/src"
	cp -r "$src" "$dir/src"
	chmod -R u+w "$dir/src"
	rm -rf "$dir/src/vendor"
	(cd "$dir/src" && GOFLAGS=-mod=mod cri_go test -c -o "$dir/critest" ./cmd/critest) || return 1
	(cd "$dir/src" && GOFLAGS=-mod=mod cri_go build -o "$dir/crictl" ./cmd/crictl) || return 1
}

# build_cri_runc: runc for the comparison handler (berth-lab's build is
# used when present).
build_cri_runc() {
	local bin="$CRI_CACHE/runc-$CRI_RUNC_VERSION/runc"
	[ -x "$bin" ] && return 0
	mkdir -p "${bin%/*}"
	if [ -x /var/cache/berth-lab/bin/runc-latest ] &&
		/var/cache/berth-lab/bin/runc-latest --version | grep -q "version ${CRI_RUNC_VERSION#v}"; then
		cp /var/cache/berth-lab/bin/runc-latest "$bin"
		return 0
	fi
	GOBIN="${bin%/*}" cri_go install -tags seccomp "github.com/opencontainers/runc@$CRI_RUNC_VERSION"
}

# fetch_busybox: Debian's dynamic busybox, unpacked into the cache (it
# conflicts with busybox-static, which the engines lane installs).
CRI_BUSYBOX="$CRI_CACHE/busybox/bin/busybox"
fetch_busybox() {
	[ -x "$CRI_BUSYBOX" ] && return 0
	local tmp
	tmp=$(mktemp -d)
	(cd "$tmp" && apt-get download busybox >&2 2>/dev/null) &&
		dpkg-deb -x "$tmp"/busybox_*.deb "$CRI_CACHE/busybox.new" &&
		rm -rf "$CRI_CACHE/busybox" && mv "$CRI_CACHE/busybox.new" "$CRI_CACHE/busybox"
	local rc=$?
	rm -rf "$tmp"
	return "$rc"
}

install_cri() {
	# shellcheck disable=SC2086 # a list of package names
	apt_missing $CRI_PACKAGES
	fetch_busybox
	build_cri_runc
	build_cri_tools
}
