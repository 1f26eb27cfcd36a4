#!/bin/bash
# Lints the shell scripts: runs shellcheck on every one git tracks (named
# *.sh, or starting with a sh, bash or busybox sh #! line); fails on any
# finding. scripts/deps.sh installs Debian's shellcheck.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v shellcheck >/dev/null || { echo "shellcheck.sh: no shellcheck (run make deps)" >&2; exit 2; }
scripts=()
while IFS= read -r -d '' f; do
	[ -f "$f" ] || continue
	case $f in
	*.sh | *.bash) scripts+=("$f") ;;
	*) head -n 1 "$f" | grep -Eq '^#!.*([/ ](ba|da)?sh)( |$)' && scripts+=("$f") ;;
	esac
done < <(git ls-files -z)
shellcheck "${scripts[@]}"
echo "shellcheck: ${#scripts[@]} scripts clean"
