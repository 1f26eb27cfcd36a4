#!/bin/bash
# checks.sh -- the systemd lane's sanity and safety checks, run in the guest
# (lane.d/10-checks.sh adds it as the lane's first item; run.sh exports
# SDVM_CANARY and SDVM_SHARE). Prints one "ok" or "FAIL" line a check and
# "checks: N passed, N failed"; exits 1 when a check failed.
#  sanity: PID 1 is systemd and the system is up, /sys/fs/cgroup is cgroup2
#    and the job sits in its delegated service cgroup, the system bus and
#    systemd answer over D-Bus, `systemd-run --scope` makes a transient
#    scope with a limit;
#  safety: what keeps this guest's systemd off the host's /tmp: fresh tmpfs
#    on /tmp, /var/tmp and /run (the host's canary is not seen), the
#    tmpfiles units masked and no tmpfiles rule left, the root an overlay,
#    and no read-write 9p share but the job's.
set -u
P=0 F=0
ok() { echo "ok   - $*"; P=$((P + 1)); }
bad() { echo "FAIL - $*"; F=$((F + 1)); }
check() { # check DESCRIPTION COMMAND...: ok when COMMAND succeeds
	local d=$1
	shift
	if "$@"; then ok "$d"; else bad "$d"; fi
}
CG=/sys/fs/cgroup
sec() { echo "== $* (uptime $(cut -d' ' -f1 /proc/uptime)s)"; }
mountfs() { awk -v m="$1" '$2 == m {print $3}' /proc/self/mounts | tail -n 1; }

sec "sanity: systemd, cgroup2, D-Bus"
echo "PID 1: $(cat /proc/1/comm) ($(readlink /proc/1/exe)); $(systemctl --version | head -n 1)"
check "PID 1 is systemd" [ "$(cat /proc/1/comm)" = systemd ]
st=$(timeout 90 systemctl is-system-running --wait 2>&1)
echo "failed units: $(systemctl --failed --plain --no-legend --no-pager | awk '{printf "%s ", $1}')"
case $st in running | degraded) ok "system state: $st" ;; *) bad "system state: $st" ;; esac
check "$CG is cgroup2" [ "$(stat -fc %T $CG)" = cgroup2fs ]
echo "controllers: $(cat $CG/cgroup.controllers); /proc/self/cgroup: $(cat /proc/self/cgroup)"
check "the job runs in system.slice/sdvm-job.service" grep -qx '0::/system.slice/sdvm-job.service' /proc/self/cgroup
check "sdvm-job.service is delegated" [ "$(systemctl show -P Delegate sdvm-job.service)" = yes ]
check "the system bus socket exists" [ -S /run/dbus/system_bus_socket ]
if id=$(busctl --system call org.freedesktop.DBus /org/freedesktop/DBus org.freedesktop.DBus GetId 2>&1); then
	ok "dbus-daemon answers GetId: $id"
else
	bad "dbus GetId: $id"
fi
if v=$(busctl --system get-property org.freedesktop.systemd1 /org/freedesktop/systemd1 \
	org.freedesktop.systemd1.Manager Version 2>&1); then
	ok "systemd answers over the bus: $v"
else
	bad "systemd over the bus: $v"
fi

sec "sanity: systemd-run --scope"
systemd-run --quiet --scope --unit=sdvm-check.scope -p MemoryMax=33554432 \
	sh -c 'cat /proc/self/cgroup; cat /sys/fs/cgroup/system.slice/sdvm-check.scope/memory.max' >/run/sdvm-check.out 2>&1
src=$?
echo "systemd-run: exit $src; $(tr '\n' ' ' </run/sdvm-check.out)"
check "a transient scope with MemoryMax=32M (memory.max read back inside)" \
	grep -qx 33554432 /run/sdvm-check.out
check "the scope's process is in system.slice/sdvm-check.scope" \
	grep -qx '0::/system.slice/sdvm-check.scope' /run/sdvm-check.out

sec "safety: the host's /tmp is out of reach"
for d in /tmp /var/tmp /run; do
	check "$d is the guest's own tmpfs" [ "$(mountfs $d)" = tmpfs ]
done
check "the root is an overlay (the host's root read-only below)" [ "$(mountfs /)" = overlay ]
if [ -n "${SDVM_CANARY:-}" ]; then
	check "the host's canary $SDVM_CANARY is not visible here" [ ! -e "$SDVM_CANARY" ]
else
	bad "no SDVM_CANARY from run.sh"
fi
for u in systemd-tmpfiles-setup.service systemd-tmpfiles-clean.timer systemd-tmpfiles-setup-dev.service; do
	check "$u is masked" [ "$(systemctl is-enabled "$u" 2>&1)" = masked ]
done
rules=$(systemd-tmpfiles --cat-config 2>/dev/null | grep -Evc '^[[:space:]]*(#|$)')
check "no tmpfiles.d rule is left ($rules)" [ "$rules" = 0 ]
rw9p=$(awk '$3 == "9p" && $4 ~ /(^|,)rw(,|$)/ {print $2}' /proc/self/mounts | tr '\n' ' ')
check "the only read-write 9p mount is the job's share ($rw9p)" [ "$rw9p" = "${SDVM_SHARE:-} " ]

sec end
echo "checks: $P passed, $F failed"
[ "$F" = 0 ]
