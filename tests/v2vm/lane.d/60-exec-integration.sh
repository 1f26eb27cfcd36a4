# Issue 5's exec and features integration tests against berth itself on
# pure cgroup v2: the init born in the cgroup (CLONE_INTO_CGROUP), --cgroup
# on the one hierarchy, execCPUAffinity through cgroup.procs, Linux 6.1.
# Uses the host-built ./berth and the test binary 50-cgroups-integration.sh
# built (or builds it).
# shellcheck shell=bash
[ -x "$REPO/berth" ] || { echo "lane.d: no $REPO/berth: run make first" >&2; exit 1; }
[ -x "$LANE_BIN/integration.test" ] || CGO_ENABLED=0 go test -c -o "$LANE_BIN/integration.test" ./tests/integration
LANE_MIN=26 lane_test integration-exec "$LANE_BIN/integration.test" "$REPO/tests/integration" \
	-test.run '^(TestExec|TestFeatures)' -test.timeout 300s
