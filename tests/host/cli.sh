#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Host test: the dstate command line without the module.  --help for every
# command, usage errors (exit 2, one line), 'wait' (an exit seen within
# milliseconds, a timeout exiting 124), 'state' on a comm with spaces and
# parentheses, and the "module not loaded" hint.  Prints TAP.

set -u
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/host/common.inc
. "$here/common.inc"
host_tmpdir cli

echo "TAP version 13"
if [ ! -x "$D" ]; then
	echo "not ok 1 - dstate binary at $D"
	echo "1..1"
	exit 1
fi

# --help: the whole program, and each command.
"$D" --help >"$tmp/out" 2>&1; r=$?
grep -q '^Usage:' "$tmp/out"; ok $((r + $?)) "dstate --help exits 0 with a usage"
for c in load unload info sleep spawn release ls state watch wait matrix; do
	"$D" "$c" --help >"$tmp/out" 2>"$tmp/err"; r=$?
	grep -q "^ dstate $c" "$tmp/out" && [ ! -s "$tmp/err" ]
	ok $((r + $?)) "dstate $c --help exits 0 and shows its usage"
done
"$D" --version >/dev/null; ok $? "dstate --version exits 0"

# Usage errors: exit 2, one line on stderr, "dstate: ...", nothing on stdout.
usage_case() {
	"$D" "$@" >"$tmp/out" 2>"$tmp/err"; r=$?
	lines=$(wc -l <"$tmp/err")
	if [ $r = 2 ] && [ "$lines" = 1 ] && grep -q '^dstate: ' "$tmp/err" && [ ! -s "$tmp/out" ]; then
		ok 0 "usage error exits 2, one line: dstate $*"
	else
		ok 1 "usage error exits 2, one line: dstate $* (exit $r, $lines lines)"
		sed 's/^/# /' "$tmp/err"
	fi
}
usage_case
usage_case bogus
usage_case --bogus
usage_case -x
usage_case sleep
usage_case sleep foo
usage_case spawn foo
usage_case sleep killable --timeout 2x
usage_case sleep killable --timeout -1
usage_case sleep killable --timeout 99999999999999999999s
usage_case sleep killable --timeout
usage_case sleep killable --tag abc
usage_case sleep killable --tag 0x10
usage_case help bogus
usage_case load --max-sleepers 1e3
usage_case sleep zombie
usage_case sleep vfork --tag 3
usage_case spawn stopped -n 0
usage_case spawn running -n x
usage_case spawn stopped --timeout 1s
usage_case spawn vfork --kthread
usage_case spawn killable extra
usage_case release
usage_case release --all --pid 1
usage_case release --pid 0
usage_case ls extra
usage_case info --bogus
usage_case state
usage_case state 12x
usage_case state -- -5
usage_case wait
usage_case wait abc
usage_case wait 1 --timeout 1y
usage_case watch
usage_case watch 1 --interval 0
usage_case watch 1 --interval 25d
usage_case matrix vfork
usage_case matrix foo
usage_case load --max-sleepers 0
usage_case unload extra
grep -q "unknown mode 'foo'" <("$D" sleep foo 2>&1)
ok $? "unknown mode is named in the message"

# Without the module (this host cannot load it): a hint to load it.
if [ ! -e /dev/dstate ]; then
	"$D" ls >"$tmp/out" 2>"$tmp/err"; r=$?
	[ $r = 1 ] && grep -q "could not open /dev/dstate: No such file or directory (is the module loaded? try 'dstate load')" "$tmp/err"
	ok $? "ls without the module exits 1 and says to 'dstate load'"
	"$D" spawn killable >"$tmp/out" 2>"$tmp/err"; r=$?
	[ $r = 1 ] && grep -q "dstate load" "$tmp/err"
	ok $? "spawn killable without the module exits 1 with the hint"
	"$D" --json info >"$tmp/out" 2>&1; r=$?
	[ $r = 0 ] && grep -q '"loaded": false' "$tmp/out"
	ok $? "info without the module: loaded false, exit 0"
else
	echo "ok $((n += 1)) - no-module errors # SKIP /dev/dstate exists"
fi

# wait: a process that is not our child; kill it once dstate is waiting.
sleep 1000 & victim=$!; pids+=("$victim")
"$D" --json wait "$victim" >"$tmp/wait.out" 2>&1 & waiter=$!; pids+=("$waiter")
poll_for 5000 grep -q poll "/proc/$waiter/wchan" 2>/dev/null
t0=$(date +%s%N)
kill -TERM "$victim"
wait "$waiter"; r=$?
t1=$(date +%s%N)
wait "$victim" 2>/dev/null
ms=$(( (t1 - t0) / 1000000 ))
[ $r = 0 ] && grep -q '"ended": true' "$tmp/wait.out" && [ $ms -lt 200 ]
ok $? "wait sees another process's exit within milliseconds (${ms} ms, exit $r)"
grep -q '"method": "pidfd"' "$tmp/wait.out"; ok $? "wait used a pidfd"

sleep 1000 & victim=$!; pids+=("$victim")
t0=$(now_ms)
"$D" wait "$victim" --timeout 200ms >"$tmp/out" 2>"$tmp/err"; r=$?
el=$(( $(now_ms) - t0 ))
[ $r = 124 ] && [ $el -ge 200 ] && [ $el -lt 3000 ] && grep -q 'still running after' "$tmp/err"
ok $? "wait --timeout 200ms on a live process exits 124 (${el} ms, exit $r)"
DSTATE_NO_PIDFD=1 "$D" wait "$victim" --timeout 100ms >"$tmp/out" 2>&1; r=$?
[ $r = 124 ] && grep -q 'poll' "$tmp/out"
ok $? "wait without pidfds polls and still times out with 124"
# Kill it once the waiter polls (sleeps between looks), not after a
# guessed delay: an ASan build on a busy machine can take longer to
# start than any delay, and bash reaps the victim the moment it dies.
DSTATE_NO_PIDFD=1 "$D" wait "$victim" --timeout 5s >"$tmp/out" 2>&1 &
waiter=$!; pids+=("$waiter")
poll_for 5000 grep -q nanosleep "/proc/$waiter/wchan" 2>/dev/null
kill -TERM "$victim"
wait "$waiter"; r=$?
wait "$victim" 2>/dev/null
[ $r = 0 ] && grep -q 'ended: *true' "$tmp/out"
ok $? "wait without pidfds sees the exit (exit $r)"
"$D" wait 999999999 >/dev/null 2>"$tmp/err"; r=$?
[ $r = 1 ] && grep -q 'No such process' "$tmp/err"
ok $? "wait for a pid that does not exist exits 1"

# state: a process whose comm is "a) b (c" (the name of the executable).
mkdir -p "$tmp/bin"
cp "$(command -v sleep)" "$tmp/bin/a) b (c"
"$tmp/bin/a) b (c" 1000 & weird=$!; pids+=("$weird")
weird_asleep() {
	grep -q '^State:.*S' "/proc/$weird/status" && grep -q 'a) b (c' "/proc/$weird/comm"
}
poll_for 5000 weird_asleep 2>/dev/null
"$D" state "$weird" >"$tmp/out" 2>&1; r=$?
[ $r = 0 ] && grep -qF "pid $weird (a) b (c)" "$tmp/out" && grep -q 'S (sleeping)' "$tmp/out"
ok $? "state parses comm 'a) b (c'"
"$D" --json state "$weird" >"$tmp/out" 2>&1; r=$?
[ $r = 0 ] && grep -qF '"comm": "a) b (c"' "$tmp/out" && grep -qF '"state": "S"' "$tmp/out" &&
	grep -qF '"killable": true' "$tmp/out"
ok $? "state --json: comm, state, killable"
"$D" state "$weird" 999999999 >"$tmp/out" 2>"$tmp/err"; r=$?
[ $r = 1 ] && grep -q 'could not read the state of pid 999999999: No such process' "$tmp/err"
ok $? "state of a missing pid exits 1 and says so"
kill -KILL "$weird"; wait "$weird" 2>/dev/null

# watch: it prints the states and ends when the process does.
sleep 1000 & victim=$!; pids+=("$victim")
"$D" watch "$victim" --interval 5ms >"$tmp/out" 2>&1 & watcher=$!; pids+=("$watcher")
poll_for 5000 grep -q 'S (sleeping)' "$tmp/out"
kill -STOP "$victim"
poll_for 5000 grep -q 'T (stopped)' "$tmp/out"
kill -KILL "$victim"
wait "$victim" 2>/dev/null
wait "$watcher"; r=$?
[ $r = 0 ] && grep -q 'S (sleeping)' "$tmp/out" && grep -q 'T (stopped)' "$tmp/out" && grep -q 'ended' "$tmp/out"
ok $? "watch shows S, T and the end (exit $r)"

# info gives every key whether or not the module is loaded: null if unknown.
"$D" --json info > "$tmp/out" 2>&1; r=$?
keys=0
for k in loaded version refcount norefcount max_sleepers user_max_sleepers \
	 user_timeout_max_ms module_taint device abi_version sleepers kthreads \
	 sleeps_total kernel_taint kernel_taint_flags; do
	grep -q "\"$k\": " "$tmp/out" || keys=$((keys + 1))
done
[ $r = 0 ] && [ $keys = 0 ] && grep -q '"version": null' "$tmp/out"
ok $? "--json info without the module: every key, unknown ones null ($keys missing, exit $r)"

# --json watch: one object per line, its time in RFC 3339.
sleep 1000 & victim=$!; pids+=("$victim")
"$D" --json watch "$victim" --interval 5ms > "$tmp/out" 2>&1 & watcher=$!
pids+=("$watcher")
poll_for 5000 test -s "$tmp/out"
kill -KILL "$victim"
wait "$watcher"
grep -qE '^\{ ?"time": "[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}[+-][0-9]{2}:[0-9]{2}", ' "$tmp/out"
ok $? "--json watch gives each line's time in RFC 3339 ($(head -c 40 "$tmp/out"))"

# A comm of bytes that are not UTF-8, with an escape sequence in it: the
# output is valid UTF-8 and holds no ESC, in text and JSON alike.
odd=$(printf 'x\377\376\033[31mred')
ln -s "$(command -v sleep)" "$tmp/$odd"
"$tmp/$odd" 1000 & victim=$!; pids+=("$victim")
poll_for 5000 grep -q red "/proc/$victim/comm" 2>/dev/null
for args in "state $victim" "state -L $victim" "--json state $victim" \
	    "--json state -L $victim"; do
	# shellcheck disable=SC2086
	"$D" $args > "$tmp/out" 2>&1; r=$?
	[ $r = 0 ] && iconv -f UTF-8 -t UTF-8 < "$tmp/out" > /dev/null 2>&1 &&
		! LC_ALL=C grep -q "$(printf '\033')" "$tmp/out" && grep -q red "$tmp/out"
	ok $? "dstate $args on a comm of invalid UTF-8 and ESC: valid UTF-8, no ESC (exit $r)"
done
kill -KILL "$victim"

# The hint to load the module is for the module's own node only.
"$D" --device "$tmp/no-such-node" ls > /dev/null 2> "$tmp/err"; r=$?
[ $r = 1 ] && grep -q 'no-such-node' "$tmp/err" && ! grep -q 'dstate load' "$tmp/err"
ok $? "--device naming a missing node: an error without the load hint (exit $r)"

# help CMD is CMD --help; -V works after any command.
"$D" help wait > "$tmp/out" 2> "$tmp/err"; r=$?
[ $r = 0 ] && grep -q '^ dstate wait' "$tmp/out" && [ ! -s "$tmp/err" ]
ok $? "dstate help wait prints wait's usage (exit $r)"
vers=0
for c in load unload info sleep spawn release ls state watch wait matrix effects cleanup; do
	"$D" "$c" -V 2> /dev/null | grep -q '^dstate [0-9]' || vers=$((vers + 1))
done
ok $vers "-V prints the version after every command ($vers did not)"

# Output that cannot be written is a failure (util-linux's close_stdout).
"$D" --help > /dev/full 2> "$tmp/err"; r=$?
[ $r = 1 ] && grep -q 'could not write' "$tmp/err"
ok $? "--help into a full disk exits 1 and says so (exit $r)"

# spawn whose table cannot be written: the pids would be lost, so what it
# started is undone.  Stopped processes of its comm, zombies aside.
stopped_count() {
	local p c=0
	for p in $(pgrep -x dstate-stopped); do
		grep -q '^State:[[:space:]]*T' "/proc/$p/status" 2>/dev/null &&
			c=$((c + 1))
	done
	echo $c
}
before=$(stopped_count)
"$D" spawn stopped -n 3 > /dev/full 2> "$tmp/err"; r=$?
stopped_as_before() { [ "$(stopped_count)" = "$before" ]; }
poll_for 5000 stopped_as_before
after=$(stopped_count)
[ $r = 1 ] && [ "$after" = "$before" ] && [ "$(grep -c . "$tmp/err")" = 1 ]
ok $? "spawn stopped -n 3 into a full disk exits 1, one message, nothing left (exit $r; stopped $before -> $after)"

echo "1..$n"
[ $failed = 0 ]
