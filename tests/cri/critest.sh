# shellcheck shell=bash
# critest (the Kubernetes CRI validation suite) against containerd with
# one handler. Its images are built here from busybox as cri-tools'
# images/build makes them, pushed under the upstream names (containerd's
# mirrors send registry.k8s.io and gcr.io to the loopback registry).

E2E=e2e-test-images
STAGING=k8s-staging-cri-tools

# CRITEST_SKIP: "regexp|reason" for every spec that cannot run here.
# The NRI specs run (containerd.sh gives them a socket). A spec critest
# skips itself (its NRI specs do where a runtime departs from the NRI
# spec) is printed with critest's reason (runtime_skips).
CRITEST_SKIP=(
	"AppArmor|the host kernel has no AppArmor (critest's 9 AppArmor specs)"
	"public image with digest should be pulled and removed|the test image's upstream digest cannot be rebuilt offline"
	"Image Volume.*digest|the image volume spec names an upstream digest"
	"benchmark|benchmarks are not conformance"
)

# CRITEST_KNOWN: "handler|regexp|reason" for the specs known to fail here;
# they are reported with their reason and do not fail the lane.
CRITEST_KNOWN=(
	"*|listing pod sandbox metrics|containerd reports no container_threads for a pod on cgroup v1 (with runc too)"
	"*|should fail RunPodSandbox and clean up when the NRI hook errors|a containerd race, seldom (with runc too, 1 run in 40): the failed sandbox's cleanup and its exit handler both delete the pause task, the later delete meets the shim shutting down (ttrpc: closed) and containerd keeps the sandbox as SANDBOX_UNKNOWN"
)

# known_failure HANDLER SPEC: prints the reason SPEC may fail with HANDLER.
known_failure() {
	local k h rest
	for k in "${CRITEST_KNOWN[@]}"; do
		h=${k%%|*}
		rest=${k#*|}
		[ "$h" = "*" ] || [ "$h" = "$1" ] || continue
		if [[ $2 =~ ${rest%%|*} ]]; then
			echo "${rest#*|}"
			return 0
		fi
	done
	return 1
}

# variant NAME-IN-REGISTRY CONFIG-EXTRA [FILE]: the busybox rootfs with FILE
# added at / and CONFIG-EXTRA (e.g. ,"User":"1002") in its image config.
variant() {
	local name=$1 extra=$2 file=${3:-} d
	d="$W/images/v-${name//[:\/]/_}"
	cp -a "$W/images/busybox.root" "$d.root"
	[ -z "$file" ] || : >"$d.root/$file"
	oci_image "$d" "$d.root" "{\"Env\":[\"PATH=/usr/sbin:/usr/bin:/sbin:/bin\"],\"Cmd\":[\"sh\"]$extra}"
	push "$d" "$name"
}

# web NAME PORT BINARY: the lane's web server (tests/cri/nginx) as
# /usr/sbin/BINARY (critest looks for a process named nginx, and for
# "httpd" in the httpd container's log, and for "master process" in the
# command line of a pod's pid 1, which nginx writes as its title: here an
# argument the server ignores), serving on PORT.
web() {
	local d="$W/images/web-${1//[:\/]/_}"
	cp -a "$W/images/busybox.root" "$d.root"
	mkdir -p "$d.root/usr/sbin"
	cp "$WEB_BIN" "$d.root/usr/sbin/$3"
	oci_image "$d" "$d.root" "{\"Env\":[\"PATH=/usr/sbin:/usr/bin:/sbin:/bin\"],\"Cmd\":[\"/usr/sbin/$3\",\"$2\",\"master process\"]}"
	push "$d" "$1"
}

# nnp_image NAME: tests/cri/nnp set-user-ID root as the command.
nnp_image() {
	local d="$W/images/nnp"
	cp -a "$W/images/busybox.root" "$d.root"
	mkdir -p "$d.root/usr/local/bin"
	(cd "$ROOT" && CGO_ENABLED=0 cri_go build -ldflags '-s -w' -o "$d.root/usr/local/bin/nnp" ./tests/cri/nnp)
	chown 0:0 "$d.root/usr/local/bin/nnp"
	chmod 4755 "$d.root/usr/local/bin/nnp"
	oci_image "$d" "$d.root" '{"Env":["PATH=/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],"Cmd":["/usr/local/bin/nnp"]}'
	push "$d" "$1"
}

critest_images() {
	[ -e "$W/images/critest.done" ] && return 0
	push "$W/images/busybox" "$E2E/busybox:1.29-2" "$E2E/busybox:1.29-4" "library/busybox:latest" "library/busybox:1.28"
	push "$W/images/pause" pause:3.10.1
	echo 'www-data:x:33:33:www-data:/var/www:/bin/sh' >>"$W/images/busybox.root/etc/passwd"
	echo 'www-data:x:33:' >>"$W/images/busybox.root/etc/group"
	variant "$STAGING/test-image-user-uid" ',"User":"1002"'
	variant "$STAGING/test-image-user-username" ',"User":"www-data"'
	variant "$STAGING/test-image-user-uid-group" ',"User":"1003:1004"'
	variant "$STAGING/test-image-user-username-group" ',"User":"www-data:1004"'
	# uid 1000 is default-user there (the group 50000 names it as a member).
	sed -i 's/^berth:/default-user:/' "$W/images/busybox.root/etc/passwd"
	echo 'group-defined-in-image:x:50000:default-user' >>"$W/images/busybox.root/etc/group"
	variant "$STAGING/test-image-predefined-group" ',"User":"1000"'
	local t
	for t in test-image-1 test-image-2 test-image-3 test-image-latest; do
		variant "$STAGING/$t:latest" "" "$t"
	done
	variant "$STAGING/test-image-tags:1" "" same-image
	push "$W/images/v-${STAGING}_test-image-tags_1" "$STAGING/test-image-tags:2" "$STAGING/test-image-tags:3"
	variant "$STAGING/test-image-tag:test" "" test
	variant "$STAGING/test-image-tag:all" "" all
	nnp_image "$E2E/nonewprivs:1.3"
	web "$E2E/nginx:1.14-2" 80 nginx
	web "$E2E/httpd:2.4.39-4" 80 httpd
	web "$STAGING/hostnet-nginx-amd64:latest" 12003 nginx
	touch "$W/images/critest.done"
}

# runtime_skips JUNIT-XML: "spec: reason" for each spec critest skipped
# itself (its NRI specs skip where containerd departs from the NRI spec);
# the specs skipped by CRITEST_SKIP carry no reason there.
runtime_skips() {
	awk '/<testcase /{ match($0, / name="[^"]*"/); n = substr($0, RSTART + 7, RLENGTH - 8) }
		/<skipped message="skipped - /{ m = $0; sub(/.*message="skipped - /, "", m); sub(/">.*/, "", m); print n ": " m }' "$1" |
		sed -e "s/&#39;/'/g" -e 's/&#34;/"/g' -e 's/&lt;/</g' -e 's/&gt;/>/g' -e 's/&amp;/\&/g'
}

# run_critest HANDLER: the whole suite; its counts in $W/critest-HANDLER.
run_critest() {
	local h=$1 skip="" s t0=$SECONDS rc=0 out extra=()
	read -ra extra <<<"${CRI_CRITEST_ARGS:-}"
	out="$W/critest-$h.log"
	WEB_BIN="$W/nginx-bin"
	[ -x "$WEB_BIN" ] || (cd "$ROOT" && CGO_ENABLED=0 cri_go build -ldflags '-s -w' -o "$WEB_BIN" ./tests/cri/nginx)
	critest_images
	for s in "${CRITEST_SKIP[@]}"; do skip="$skip${skip:+|}${s%%|*}"; done
	echo "== critest with the $h handler (skipped: ${#CRITEST_SKIP[@]} patterns)"
	"$TOOLS/critest" --runtime-endpoint "unix://$W/containerd.sock" --image-endpoint "unix://$W/containerd.sock" \
		--runtime-handler "$h" --nri-socket "$W/nri/nri.sock" --ginkgo.skip "$skip" --ginkgo.no-color --ginkgo.timeout 2h \
		--ginkgo.junit-report "$W/critest-$h.xml" "${extra[@]}" >"$out" 2>&1 || rc=$?
	grep -E '^(Ran [0-9]+|FAIL!|SUCCESS!)' "$out" | tail -n 2
	[ ! -s "$W/critest-$h.xml" ] || runtime_skips "$W/critest-$h.xml" | sed 's/^/  skipped by critest: /'
	local spec reason unexpected=0
	while IFS= read -r spec; do
		if reason=$(known_failure "$h" "$spec"); then
			echo "  known failure: $spec: $reason"
		else
			echo "  FAIL: $spec"
			unexpected=$((unexpected + 1))
		fi
	done < <(sed -n 's/^[[:space:]]*\[FAIL\] //p' "$out" | sort -u)
	# critest exits non-zero for known failures too: the list decides.
	[ "$rc" = 0 ] || grep -qE '^(Ran [0-9]+)' "$out" || unexpected=$((unexpected + 1))
	echo "== critest $h: $unexpected unexpected failure(s) in $((SECONDS - t0)) s (log $out)"
	rc=0
	[ "$unexpected" = 0 ] || rc=1
	return "$rc"
}
