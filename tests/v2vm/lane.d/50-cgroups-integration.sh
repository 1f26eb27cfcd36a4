# Issue 4's integration tests against berth itself on pure cgroup v2: the
# host-built ./berth (make test-v2 builds it first), driven by the
# tests/integration binary built here and run in tests/integration with
# the cgroup tests' filter (its TestMain finds ../../berth from there).
# shellcheck shell=bash
[ -x "$REPO/berth" ] || { echo "lane.d: no $REPO/berth: run make first" >&2; exit 1; }
CGO_ENABLED=0 go test -c -o "$LANE_BIN/integration.test" ./tests/integration
LANE_MIN=44 lane_test integration-cgroups "$LANE_BIN/integration.test" "$REPO/tests/integration" \
	-test.run '^TestCgroups' -test.timeout 240s
