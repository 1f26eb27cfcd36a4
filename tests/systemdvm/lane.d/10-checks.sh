# The guest's sanity and safety checks (checks.sh), the lane's first item:
# systemd is PID 1 and answers over D-Bus, a transient scope works, the
# host's /tmp is out of reach; the tests after it mean nothing without
# them. Before that, here on the host, the self-test of the guard run.sh
# keeps on the host's /tmp (tmpguard.sh, on a scratch dir in the lane's
# dir): churn passes, every kind of wipe is caught, or the lane stops.
# shellcheck shell=bash
grc=0
out=$(TMPDIR=$LANE_BIN tests/systemdvm/tmpguard.sh selftest 2>&1) || grc=$?
while IFS= read -r l; do echo "lane.d: $l"; done <<<"$out" >&2
[ $grc = 0 ] || { echo "lane.d: the /tmp guard's self-test failed" >&2; exit 1; }
lane_cmd systemd-checks "bash $REPO/tests/systemdvm/checks.sh"
