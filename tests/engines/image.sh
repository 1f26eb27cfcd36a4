# shellcheck shell=bash disable=SC2016,SC2034
# Test images without a registry: a rootfs from Debian's static busybox,
# written as an image archive that every engine imports as it is. The
# archive is an OCI image layout (index.json, blobs/) that also carries
# docker's manifest.json, so `ctr images import`, `podman load` and
# Docker 20.10's `docker load` all read the same file.

# make_rootfs DIR: busybox with its applets, a root user and a user
# "berth" (1000:1000) whose home is the user image's working directory.
make_rootfs() {
	local r=$1 a
	mkdir -p "$r"/{bin,etc,proc,sys,dev,tmp,root,home/berth,work}
	cp /bin/busybox "$r/bin/busybox"
	for a in $("$r/bin/busybox" --list); do
		[ -e "$r/bin/$a" ] || ln -s busybox "$r/bin/$a"
	done
	printf '%s\n' 'root:x:0:0:root:/root:/bin/sh' 'berth:x:1000:1000:berth:/home/berth:/bin/sh' \
		'nobody:x:65534:65534:nobody:/:/bin/false' >"$r/etc/passwd"
	printf '%s\n' 'root:x:0:' 'berth:x:1000:' 'nogroup:x:65534:' >"$r/etc/group"
	chmod 1777 "$r/tmp"
	chown 1000:1000 "$r/home/berth"
}

sha_of() { sha256sum "$1" | cut -d' ' -f1; }
size_of() { stat -c %s "$1"; }

# blob_put LAYOUT FILE: moves FILE into the layout's blobs, prints its digest.
blob_put() {
	local d
	d=$(sha_of "$2")
	mv "$2" "$1/blobs/sha256/$d"
	echo "$d"
}

# make_image_archive OUT.tar NAME LAYER.tar CONFIG-JSON-FRAGMENT
# NAME is "repo:tag"; the fragment is the image config's "config" object.
make_image_archive() {
	local out=$1 name=$2 layer=$3 cfg=$4 l lsz c csz m msz
	local lay
	lay=$(mktemp -d "$WORK/img.XXXXXX")
	mkdir -p "$lay/blobs/sha256"
	cp "$layer" "$lay/layer.tar"
	lsz=$(size_of "$lay/layer.tar")
	l=$(blob_put "$lay" "$lay/layer.tar")
	printf '{"architecture":"amd64","os":"linux","config":%s,"rootfs":{"type":"layers","diff_ids":["sha256:%s"]},"history":[{"created_by":"berth tests/engines/image.sh"}]}' \
		"$cfg" "$l" >"$lay/config.json"
	csz=$(size_of "$lay/config.json")
	c=$(blob_put "$lay" "$lay/config.json")
	printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%s},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"sha256:%s","size":%s}]}' \
		"$c" "$csz" "$l" "$lsz" >"$lay/manifest.oci"
	msz=$(size_of "$lay/manifest.oci")
	m=$(blob_put "$lay" "$lay/manifest.oci")
	printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%s,"annotations":{"io.containerd.image.name":"docker.io/library/%s","org.opencontainers.image.ref.name":"%s"}}]}' \
		"$m" "$msz" "$name" "${name#*:}" >"$lay/index.json"
	printf '[{"Config":"blobs/sha256/%s","RepoTags":["%s"],"Layers":["blobs/sha256/%s"]}]' "$c" "$name" "$l" >"$lay/manifest.json"
	echo '{"imageLayoutVersion":"1.0.0"}' >"$lay/oci-layout"
	tar -C "$lay" -cf "$out" oci-layout index.json manifest.json blobs
	rm -rf "$lay"
}

# make_images: $IMAGES/base.tar (berth-test:latest, root, no working
# directory) and $IMAGES/user.tar (berth-user:latest: env, user 1000:1000
# and working directory /home/berth set by the image).
make_images() {
	local r="$WORK/rootfs" path='"PATH=/usr/sbin:/usr/bin:/sbin:/bin"'
	rm -rf "$r"
	make_rootfs "$r"
	tar --numeric-owner --sort=name --mtime=@0 -C "$r" -cf "$WORK/layer.tar" .
	rm -rf "$r"
	mkdir -p "$IMAGES"
	make_image_archive "$IMAGES/base.tar" berth-test:latest "$WORK/layer.tar" \
		"{\"Env\":[$path],\"Cmd\":[\"sh\"]}"
	make_image_archive "$IMAGES/user.tar" berth-user:latest "$WORK/layer.tar" \
		"{\"Env\":[$path,\"FROM_IMAGE=image-env\"],\"Cmd\":[\"sh\"],\"User\":\"1000:1000\",\"WorkingDir\":\"/home/berth\"}"
	rm -f "$WORK/layer.tar"
}
