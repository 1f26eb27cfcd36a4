#!/bin/bash
# tmpguard.sh -- the systemd lane's guard of the host's /tmp (run.sh).
#
#   tmpguard.sh before RUN_DIR [DIR]  note DIR's entries (name and inode) and
#                                     put a canary file in DIR; prints its path
#   tmpguard.sh after RUN_DIR [DIR]   compare: exits 1, saying "SAFETY: ...",
#                                     when the canary is gone or changed, or
#                                     half the entries of before are gone or
#                                     re-created; removes the canary
#   tmpguard.sh selftest              both on a scratch dir: a wipe between
#                                     them must be caught, churn must not
#
# DIR defaults to /tmp. Other jobs on a host add and remove their own
# entries in /tmp all the time; what a systemd-tmpfiles wipe (`D /tmp`)
# looks like is entries of before gone or re-created (new inodes), and the
# canary gone. RUN_DIR keeps the lists and tmp-check.txt.
set -u
say() { echo "systemdvm: $*" >&2; }
entries() { find "$1" -mindepth 1 -maxdepth 1 -printf '%i %f\n' | sort -k2; }

before() {
	local run=$1 dir=${2:-/tmp} canary
	entries "$dir" >"$run/tmp-before.list" || return 1
	canary=$dir/.berth-systemdvm-canary-$(basename "$run")
	echo "berth systemdvm canary: the guest's boot must leave it here" >"$canary" || return 1
	stat -c '%i %s' "$canary" >"$run/canary.id"
	echo "$canary" >"$run/canary.path"
	echo "$canary"
}

after() {
	local run=$1 dir=${2:-/tmp} canary gone reino nb ng safe=1
	canary=$(cat "$run/canary.path")
	entries "$dir" >"$run/tmp-after.list"
	gone=$(join -1 2 -2 2 -v 1 -o 1.2 "$run/tmp-before.list" "$run/tmp-after.list" | tr '\n' ' ')
	reino=$(join -1 2 -2 2 -o 1.2,1.1,2.1 "$run/tmp-before.list" "$run/tmp-after.list" | awk '$2 != $3 {printf "%s ", $1}')
	nb=$(wc -l <"$run/tmp-before.list")
	# shellcheck disable=SC2086 # words
	ng=$(echo $gone $reino | wc -w)
	printf 'dir: %s\ngone: %s\nre-created: %s\n' "$dir" "$gone" "$reino" >"$run/tmp-check.txt"
	if [ "$(stat -c '%i %s' "$canary" 2>/dev/null)" != "$(cat "$run/canary.id")" ]; then
		say "SAFETY: the canary $canary is gone or changed: $dir may have been emptied"
		safe=
	fi
	if [ "$nb" -gt 0 ] && [ $((ng * 2)) -ge "$nb" ]; then
		say "SAFETY: $ng of the $nb entries of $dir are gone or re-created: a wipe? ($run/tmp-check.txt)"
		safe=
	fi
	rm -f "$canary"
	[ -n "$safe" ] || return 1
	say "$dir safe: canary intact; $ng of $nb entries gone or re-created (other jobs)"
}

# guard_case DIR NAME WANT MUTATION: six entries in DIR/d, before, the
# MUTATION (bash, $D is the dir), after: its exit must be WANT (0 or 1)
guard_case() {
	local w=$1 name=$2 want=$3 D=$1/d got=0 i
	mkdir -p "$w/run" "$D"
	for i in 1 2 3 4 5 6; do echo "$i" >"$D/e$i"; done
	before "$w/run" "$D" >/dev/null || return 1
	eval "$4"
	after "$w/run" "$D" 2>/dev/null || got=1
	if [ $got = "$want" ]; then
		echo "ok   - $name: $([ "$want" = 1 ] && echo caught || echo passed)"
	else
		echo "FAIL - $name: after exited $got, want $want"
		return 1
	fi
}

# shellcheck disable=SC2016 # each MUTATION expands in guard_case
selftest() {
	local w rc=0
	w=$(mktemp -d "${TMPDIR:-/tmp}/tmpguard-selftest.XXXXXX") || return 1
	guard_case "$w/1" "churn (one entry gone, one new)" 0 'rm "$D/e1"; : >"$D/new"' || rc=1
	guard_case "$w/2" "a wipe (tmpfiles D: all removed)" 1 'find "$D" -mindepth 1 -delete' || rc=1
	guard_case "$w/3" "a wipe, the names made again" 1 \
		'find "$D" -mindepth 1 -delete; for i in 1 2 3 4 5 6; do echo "$i" >"$D/e$i"; done' || rc=1
	guard_case "$w/4" "the canary alone removed" 1 'rm "$D"/.berth-systemdvm-canary-*' || rc=1
	guard_case "$w/5" "half the entries re-created" 1 \
		'for i in 1 2 3; do echo "$i" >"$D/e$i.n"; mv "$D/e$i.n" "$D/e$i"; done' || rc=1
	rm -rf "$w"
	echo "tmpguard selftest: $([ $rc = 0 ] && echo ok || echo FAILED)"
	return $rc
}

case ${1:-} in
before) [ $# -ge 2 ] && before "$2" "${3:-/tmp}" ;;
after) [ $# -ge 2 ] && after "$2" "${3:-/tmp}" ;;
selftest) selftest ;;
*) echo "usage: $0 before|after RUN_DIR [DIR] | selftest" >&2; exit 2 ;;
esac
