# The guest's sanity and safety checks (checks.sh): systemd is PID 1 and
# answers over D-Bus, a transient scope works, the host's /tmp is out of
# reach. First: the tests after it mean nothing without them.
# shellcheck shell=bash
lane_cmd systemd-checks "bash $REPO/tests/systemdvm/checks.sh"
