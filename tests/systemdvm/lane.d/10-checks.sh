# The guest's sanity and safety checks (checks.sh): systemd is PID 1 and
# answers over D-Bus, a transient scope works, the host's /tmp is out of
# reach. First: the tests after it mean nothing without them. Then the
# self-test of the guard run.sh keeps on the host's /tmp (tmpguard.sh): on
# a scratch dir, churn passes and every kind of wipe is caught.
# shellcheck shell=bash
lane_cmd systemd-checks "bash $REPO/tests/systemdvm/checks.sh"
lane_cmd tmpguard-selftest "bash $REPO/tests/systemdvm/tmpguard.sh selftest"
