# The cgroups package's tests on pure cgroup v2 (issue 4): the unit tests
# and the root tests against real cgroups; every one of them runs here.
# shellcheck shell=bash
CGO_ENABLED=0 go test -c -o "$LANE_BIN/cgroups.test" ./cgroups
LANE_MIN=127 lane_test cgroups "$LANE_BIN/cgroups.test" "$REPO/cgroups"
