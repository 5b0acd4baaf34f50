#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# /proc parsing against processes that vanish mid-read: dstate state and
# dstate watch are pointed at processes that exit while they read them.
# Each run must end with 0 or 1 (the process was read, or was gone) and
# never crash or hang.

set -u

top=$(cd "$(dirname "$0")/../.." && pwd)
dstate=${DSTATE:-$top/user/dstate}
runs=${1:-200}

echo "TAP version 13"
bad=0
err=$(mktemp)
trap 'rm -f "$err"' EXIT

for ((i = 0; i < runs; i++)); do
	# A process that lives for a moment, with threads coming and going.
	(for j in 1 2 3; do :; done) &
	pid=$!
	case $((i % 3)) in
	0) cmd=(state "$pid") ;;
	1) cmd=(--json state "$pid") ;;
	*) cmd=(watch "$pid" --interval 1ms) ;;
	esac
	timeout -s KILL 10 "$dstate" "${cmd[@]}" > /dev/null 2> "$err"
	rc=$?
	wait "$pid" 2> /dev/null
	if [ "$rc" -gt 1 ] || grep -qE 'runtime error|Sanitizer' "$err"; then
		bad=$((bad + 1))
		echo "# exit $rc: dstate ${cmd[*]}"
		sed 's/^/#   /' "$err" | head -n 5
	fi
done

if [ "$bad" -eq 0 ]; then
	echo "ok 1 - $runs reads of processes that exit meanwhile: each ended with 0 or 1"
else
	echo "not ok 1 - $bad of $runs reads of vanishing processes crashed or hung"
fi
echo "1..1"
[ "$bad" -eq 0 ]
