#!/bin/bash
# systemdvm job runner: ExecStart of sdvm-job.service (Delegate=yes), which
# systemd (PID 1) starts after basic.target and D-Bus. Mounts the host's
# share (9p tag sdvmjob) at its host path, runs /run/sdvm/cmd with bash
# there, writing .sdvm/out.log, .sdvm/status and .sdvm/rc, and exits 0;
# the unit's SuccessAction/FailureAction then powers the guest off.
set -u
S=/run/sdvm
CON=/dev/console
up() { cut -d' ' -f1 /proc/uptime; }
T_START=$(up)
echo "SDVM-JOB-START uptime=$T_START" >$CON
# quiet systemd's status lines while the command runs
kill -s SIGRTMIN+21 1 2>/dev/null

J=$(cat $S/share)
mkdir -p "$J"
if ! mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144,cache=none,nosuid,nodev sdvmjob "$J"; then
	echo "SDVM-ERROR: cannot mount the share at $J" >$CON
	exit 1
fi
OUT=$J/.sdvm/out.log

mkdir -p $S/work
cd $S/work || exit 1
(
	# shellcheck source=/dev/null # written by run.sh
	. $S/env
	exec bash $S/cmd
) </dev/null >>"$OUT" 2>&1
rc=$?
T_END=$(up)
{
	echo "job_start_uptime=$T_START"
	echo "job_end_uptime=$T_END"
	echo "rc=$rc"
	echo "system_state=$(systemctl is-system-running 2>&1)"
	echo "failed_units=$(systemctl --failed --plain --no-legend --no-pager 2>&1 | awk '{printf "%s ", $1}')"
	echo "systemd_analyze=$(systemd-analyze time 2>&1 | head -1)"
} >"$J/.sdvm/status" 2>&1
echo $rc >"$J/.sdvm/rc"
sync
echo "SDVM-RC=$rc" >$CON
kill -s SIGRTMIN+20 1 2>/dev/null
exit 0
