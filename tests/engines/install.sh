# shellcheck shell=bash disable=SC2016,SC2034
# What the engines lane needs on a fresh Debian 12: the engines from
# Debian (with their services kept from starting), and containerd 2.x
# built once with `go install` into $ENGINES_CACHE.

ENGINE_PACKAGES="containerd podman conmon docker.io runc busybox-static bsdutils"

# apt_install PACKAGE...: installs without starting any service: while it
# runs, /usr/sbin/policy-rc.d refuses every start (unless the host already
# has such a policy, which is then left as it is).
apt_install() {
	local policy=/usr/sbin/policy-rc.d ours=0
	if [ ! -e "$policy" ]; then
		printf '#!/bin/sh\n# berth tests/engines: no service starts while installing\nexit 101\n' >"$policy"
		chmod 755 "$policy"
		ours=1
	fi
	local rc=0
	{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 \
		install -y -qq --no-install-recommends "$@"; } >&2 || rc=$?
	[ "$ours" = 1 ] && rm -f "$policy"
	return "$rc"
}

# apt_missing PKG...: installs those of the packages that are not there.
apt_missing() {
	local p missing=()
	for p in "$@"; do
		dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
	done
	if [ "${#missing[@]}" -gt 0 ]; then
		echo "installing ${missing[*]}"
		apt_install "${missing[@]}"
	fi
}

install_engines() {
	# shellcheck disable=SC2086 # a list of package names
	apt_missing $ENGINE_PACKAGES
	local dir="$ENGINES_CACHE/containerd-$CONTAINERD2_VERSION" m=github.com/containerd/containerd/v2/cmd
	case " $ENGINES " in *" containerd2 "*) ;; *) return 0 ;; esac
	if [ ! -x "$dir/containerd" ] || [ ! -x "$dir/containerd-shim-runc-v2" ] || [ ! -x "$dir/ctr" ]; then
		echo "building containerd $CONTAINERD2_VERSION into $dir"
		mkdir -p "$dir"
		GOBIN="$dir" GOFLAGS=-trimpath PATH="/usr/local/go/bin:$PATH" go install \
			"$m/containerd@$CONTAINERD2_VERSION" "$m/containerd-shim-runc-v2@$CONTAINERD2_VERSION" "$m/ctr@$CONTAINERD2_VERSION"
	fi
}
