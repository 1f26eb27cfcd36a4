# Issue 15's tests of the systemd cgroup driver: every package with a
# `func TestSystemd...` test (tests/integration against the host-built
# ./berth, and the driver's own packages), run with -test.run '^TestSystemd'
# in the package's dir. A package not pinned in SYSTEMD_MIN may run none of
# them (none exist yet, or they skip for a listed reason): that is said,
# not failed. Once a package's tests run here, pin how many do
# (SYSTEMD_MIN[tests/integration]=N): then fewer, or none, fails the lane.
# shellcheck shell=bash
declare -A SYSTEMD_MIN=()
[ -x "$REPO/berth" ] || { echo "lane.d: no $REPO/berth: run make first" >&2; exit 1; }
mapfile -t dirs < <(git ls-files -co --exclude-standard '*_test.go' |
	xargs -r grep -l '^func TestSystemd' | xargs -r -n1 dirname | sort -u)
if [ ${#dirs[@]} = 0 ]; then
	echo "lane.d: no func TestSystemd* in the tree: only the checks run" >&2
fi
for d in "${dirs[@]}"; do
	name=systemd-$(echo "$d" | tr / -)
	n=$(cat "$d"/*_test.go | grep -c '^func TestSystemd')
	min=${SYSTEMD_MIN[$d]:-0} empty=
	[ "$min" = 0 ] && empty=1
	echo "lane.d: $d: $n TestSystemd function(s), at least $min test(s) must run" >&2
	go test -c -o "$LANE_BIN/$name.test" "./$d"
	LANE_MIN=$min LANE_EMPTY_OK=$empty lane_test "$name" "$LANE_BIN/$name.test" "$REPO/$d" \
		-test.run '^TestSystemd' -test.timeout 240s
done
