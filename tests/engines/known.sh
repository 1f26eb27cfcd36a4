# shellcheck shell=bash disable=SC2016,SC2034
# Known berth failures, each with the reason printed when it happens:
# "engine:scenario:runtime|reason". A listed scenario that passes is
# reported so that its mark is removed.
KNOWN=(
)
