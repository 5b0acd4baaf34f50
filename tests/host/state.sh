#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Host test: 'dstate state' over many pids, and its JSON.  Each process is
# printed as it is read, so 20,000 pids cost about what one does (it held
# every process, 4.5 kB each, until the end: 90 MB); the JSON is one
# document with every process in it, and its keys mean what they mean in
# spawn and ls ("mode" is the dstate mode, never the kernel's state).
# Prints TAP.

set -u
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/host/common.inc
. "$here/common.inc"
host_tmpdir state

echo "TAP version 13"

# The ASan build's quarantine keeps freed memory, which would hide what
# the program itself holds.
export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=0:thread_local_quarantine_size_kb=0

sleep 600 &
p=$!
pids+=("$p")
many=20000
args=()
for ((i = 0; i < many; i++)); do
	args+=("$p")
done

# max_rss_kb FILE CMD...: CMD's peak resident set, by GNU time, into FILE.
max_rss_kb() {
	local f=$1
	shift
	/usr/bin/time -f '%M' -o "$f" "$@"
}

max_rss_kb "$tmp/one" "$D" state "$p" > "$tmp/out1"; r1=$?
max_rss_kb "$tmp/many" "$D" state "${args[@]}" > "$tmp/out"; r=$?
one=$(tail -n 1 "$tmp/one") big=$(tail -n 1 "$tmp/many")
lines=$(grep -c "^pid $p (sleep)$" "$tmp/out")
[ $r1 = 0 ] && [ $r = 0 ] && [ "$lines" = $many ]
ok $? "state of $many pids: $lines reports (exit $r)"
# 8 MB over one pid's run is 400 bytes a pid, a tenth of one pstate.
[ "$big" -lt $((one + 8192)) ]
ok $? "state of $many pids peaks at ${big} kB, one pid at ${one} kB: within 8 MB"

max_rss_kb "$tmp/many" "$D" --json state -L "${args[@]}" > "$tmp/out"; r=$?
big=$(tail -n 1 "$tmp/many")
objs=$(grep -c "^    {\$" "$tmp/out")
[ $r = 0 ] && [ "$objs" = $many ] && [ "$(head -n 2 "$tmp/out")" = '{
  "processes": [' ] && [ "$(tail -n 2 "$tmp/out")" = '  ]
}' ]
ok $? "state --json -L of $many pids: one document, $objs objects (exit $r)"
[ "$big" -lt $((one + 8192)) ]
ok $? "state --json -L of $many pids peaks at ${big} kB: within 8 MB of one pid"

# The schema: "mode" is the dstate mode (null for a plain sleep), the
# kernel's side is "kernel_state", and no second key says the same.
"$D" --json state -L "$p" > "$tmp/out"; r=$?
[ $r = 0 ] && [ "$(grep -c '"mode": null' "$tmp/out")" = 2 ] &&
	[ "$(grep -c '"kernel_state": ' "$tmp/out")" = 2 ] &&
	! grep -q '"sleeper"' "$tmp/out"
res=$?
ok $res "state --json: mode null and kernel_state for process and thread, no sleeper key (exit $r)"
[ $res = 0 ] || sed 's/^/# /' "$tmp/out"

# No pid at all gives an empty list, still one document.
"$D" --json state 2147483 > "$tmp/out" 2>/dev/null; r=$?
[ $r = 1 ] && [ "$(tr -d ' \n' < "$tmp/out")" = '{"processes":[]}' ]
ok $? "state --json of a pid that is gone: exit 1, an empty list (exit $r)"

echo "1..$n"
[ $failed = 0 ]
