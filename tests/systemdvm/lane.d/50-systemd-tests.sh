# Issue 15's tests of the systemd cgroup driver: every package with a
# `func TestSystemd...` test (tests/integration against the host-built
# ./berth, and the driver's own packages), run with -test.run '^TestSystemd'
# in the package's dir. Here systemd is PID 1, so each of them must run
# (pass or fail), except those named in SYSTEMD_SKIPS: tests that skip
# where systemd runs, by design. A package whose every TestSystemd test is
# one of those (or that has none) runs none: that is said, not failed.
# shellcheck shell=bash
SYSTEMD_SKIPS=(
	TestSystemdCgroupRefused # berth without the driver refuses --systemd-cgroup where systemd does not run
)
[ -x "$REPO/berth" ] || { echo "lane.d: no $REPO/berth: run make first" >&2; exit 1; }
mapfile -t dirs < <(git ls-files -co --exclude-standard '*_test.go' |
	xargs -r grep -l '^func TestSystemd' | xargs -r -n1 dirname | sort -u)
if [ ${#dirs[@]} = 0 ]; then
	echo "lane.d: no func TestSystemd* in the tree: only the checks run" >&2
fi
for d in "${dirs[@]}"; do
	name=systemd-$(echo "$d" | tr / -)
	mapfile -t tests < <(cat "$d"/*_test.go | sed -n 's/^func \(TestSystemd[A-Za-z0-9_]*\)(.*/\1/p')
	min=0
	for t in "${tests[@]}"; do
		[[ " ${SYSTEMD_SKIPS[*]} " == *" $t "* ]] || min=$((min + 1))
	done
	empty=
	[ "$min" = 0 ] && empty=1
	echo "lane.d: $d: ${#tests[@]} TestSystemd test(s), $min must run" >&2
	go test -c -o "$LANE_BIN/$name.test" "./$d"
	LANE_MIN=$min LANE_EMPTY_OK=$empty lane_test "$name" "$LANE_BIN/$name.test" "$REPO/$d" \
		-test.run '^TestSystemd' -test.timeout 240s
done
