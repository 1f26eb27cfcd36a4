# shellcheck shell=bash disable=SC2016,SC2034
# Known berth failures, each with the reason printed when it happens:
# "engine:scenario:runtime|reason". A listed scenario that passes is
# reported so that its mark is removed.
KNOWN=(
	"podman:read_only:berth|berth refuses the tmpcopyup mount option podman's --read-only puts on /tmp, /var/tmp and /run (specconv); fixed in parallel by the compatibility work"
)
