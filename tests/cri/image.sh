# shellcheck shell=bash
# Images for the CRI lane, built locally (nothing is pulled): an OCI image
# layout of one layer, copied with skopeo into the loopback registry.

# busybox_rootfs DIR: Debian's busybox (the dynamic build: busybox-static's
# shell runs its applets without looking at the files, and critest masks
# /bin/ls and expects sh to find it denied) with the libraries it links,
# its applets as hard links as in Docker Hub's busybox, /etc/passwd and
# /etc/group with a user 1000, and the mount points.
busybox_rootfs() {
	local d=$1 a lib
	mkdir -p "$d/bin" "$d/etc" "$d/tmp" "$d/proc" "$d/sys" "$d/dev" "$d/home/berth" "$d/var/log"
	chmod 1777 "$d/tmp"
	cp "$CRI_BUSYBOX" "$d/bin/busybox"
	for lib in $(ldd "$CRI_BUSYBOX" | grep -o '/[^ ]*'); do
		mkdir -p "$d${lib%/*}"
		cp -L "$lib" "$d$lib"
	done
	for a in $("$CRI_BUSYBOX" --list); do
		[ "$a" = busybox ] || ln -f "$d/bin/busybox" "$d/bin/$a"
	done
	[ -e "$d/bin/ipcs" ] || { busybox_ipcs >"$d/bin/ipcs" && chmod 755 "$d/bin/ipcs"; }
	[ -e "$d/bin/pgrep" ] || { busybox_pgrep >"$d/bin/pgrep" && chmod 755 "$d/bin/pgrep"; }
	printf 'root:x:0:0:root:/root:/bin/sh\nberth:x:1000:1000:berth:/home/berth:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/sh\n' >"$d/etc/passwd"
	printf 'root:x:0:\nberth:x:1000:\nnobody:x:65534:\n' >"$d/etc/group"
	chown 1000:1000 "$d/home/berth"
}

# busybox_ipcs: Debian's busybox has no ipcs, which critest runs
# as `ipcs -m` to see the shared memory segments of the container's IPC
# namespace: their keys and ids, from /proc.
busybox_ipcs() {
	cat <<'EOF'
#!/bin/sh
echo "------ Shared Memory Segments --------"
echo "key shmid"
awk 'NR > 1 {print $1, $2}' /proc/sysvipc/shm
EOF
}

# busybox_pgrep: nor pgrep, which critest runs as `pgrep sleep` to see
# an exec's process gone: the pids of the processes named NAME.
busybox_pgrep() {
	cat <<'EOF'
#!/bin/sh
found=1
for s in /proc/[0-9]*/stat; do
	{ read -r pid comm rest <"$s"; } 2>/dev/null || continue
	[ "$comm" = "($1)" ] && { echo "$pid"; found=0; }
done
exit "$found"
EOF
}

# blob LAYOUT FILE: moves FILE into LAYOUT's blobs; prints "digest size".
blob() {
	local sum size
	sum=$(sha256sum "$2" | cut -d' ' -f1)
	size=$(stat -c %s "$2")
	mkdir -p "$1/blobs/sha256"
	mv "$2" "$1/blobs/sha256/$sum"
	echo "sha256:$sum $size"
}

# oci_image LAYOUT ROOTFS CONFIG-JSON: an OCI layout of ROOTFS as one
# gzip layer, with the image config's "config" object CONFIG-JSON.
oci_image() {
	local out=$1 rootfs=$2 cfg=$3 diff layer cdesc mdesc
	mkdir -p "$out"
	tar -C "$rootfs" --numeric-owner --sort=name --mtime=@0 -cf "$out/layer.tar" .
	diff=$(sha256sum "$out/layer.tar" | cut -d' ' -f1)
	gzip -n "$out/layer.tar"
	read -r -a layer <<<"$(blob "$out" "$out/layer.tar.gz")"
	printf '{"architecture":"amd64","os":"linux","config":%s,"rootfs":{"type":"layers","diff_ids":["sha256:%s"]}}' \
		"$cfg" "$diff" >"$out/config.json"
	read -r -a cdesc <<<"$(blob "$out" "$out/config.json")"
	printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"%s","size":%s},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"%s","size":%s}]}' \
		"${cdesc[0]}" "${cdesc[1]}" "${layer[0]}" "${layer[1]}" >"$out/manifest.json"
	read -r -a mdesc <<<"$(blob "$out" "$out/manifest.json")"
	printf '{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"%s","size":%s,"annotations":{"org.opencontainers.image.ref.name":"latest"}}]}' \
		"${mdesc[0]}" "${mdesc[1]}" >"$out/index.json"
	echo '{"imageLayoutVersion":"1.0.0"}' >"$out/oci-layout"
}

# push LAYOUT NAME...: copies the layout to the registry under each NAME
# (repository:tag, without the host).
push() {
	local src=$1 n
	shift
	for n in "$@"; do
		skopeo --insecure-policy copy -q --dest-tls-verify=false \
			"oci:$src:latest" "docker://$REGISTRY/$n" >&2 || { fail "skopeo copy to $REGISTRY/$n"; return 1; }
	done
}

# build_images DIR: the busybox image, a user image (USER 1000), and the
# pause image from tests/cri/pause, all pushed to $REGISTRY.
build_images() {
	local d=$1 env='"Env":["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"]'
	busybox_rootfs "$d/busybox.root"
	oci_image "$d/busybox" "$d/busybox.root" "{$env,\"Cmd\":[\"sh\"]}"
	push "$d/busybox" "${BUSYBOX_NAMES[@]}"
	mkdir -p "$d/pause.root"
	cp "$PAUSE_BIN" "$d/pause.root/pause"
	oci_image "$d/pause" "$d/pause.root" "{$env,\"Entrypoint\":[\"/pause\"]}"
	push "$d/pause" "${PAUSE_NAMES[@]}"
	# An older pause, another image (critest pulls it from two registries
	# and counts its tags, which the pinned sandbox image must not add to).
	echo 3.9 >"$d/pause.root/version"
	oci_image "$d/pause-3.9" "$d/pause.root" "{$env,\"Entrypoint\":[\"/pause\"]}"
	push "$d/pause-3.9" pause:3.9
}
