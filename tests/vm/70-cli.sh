#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The dstate command against the real module: load and unload through
# libkmod, spawn, ls, state, release, matrix and the fsfreeze method.
# What dstate prints is cross-checked against /proc, /proc/modules,
# /proc/mounts and the loop devices, never taken on its word.
#
# vm-options: -t 600

. /tests/vm/lib.sh

kmsg_mark

# --- load, info, unload ---------------------------------------------------

check "dstate load exits 0" sh -c 'dstate load > /dev/null'
check "the kernel lists the module and /dev/dstate exists" \
	sh -c 'grep -q "^dstate " /proc/modules && [ -c /dev/dstate ]'
check "dstate info says loaded, with the kernel's refcount" \
	sh -c 'dstate info | grep -q "loaded: *true" &&
	       [ "$(dstate info | sed -n "s/^refcount: *//p")" = \
		 "$(cat /sys/module/dstate/refcnt)" ]'
# Like modprobe: loaded already is success, and -q says nothing of it;
# parameters that would not take effect are an error.
check "dstate load again: exit 0, and -q prints nothing" \
	sh -c 'dstate load > /dev/null 2>&1 &&
	       [ -z "$(dstate load -q 2>&1)" ]'
check "dstate load user_max_sleepers=8 while loaded: exit 1, 'already loaded'" \
	sh -c '! dstate load user_max_sleepers=8 > /dev/null 2> /tmp/load.err &&
	       grep -q "already loaded" /tmp/load.err'

# --- sleep --------------------------------------------------------------------

dstate sleep uninterruptible --timeout 300ms > /tmp/sleep1.out 2>&1
check "sleep --timeout 300ms exits 0 and says it timed out" \
	sh -c "[ $? -eq 0 ] && grep -q 'woke: *timed out' /tmp/sleep1.out"

dstate sleep killable --tag 5 > /tmp/sleep2.out 2>&1 &
sp=$!
asleep() { [ "$(proc_state "$sp")" = D ]; }
check "sleep killable: /proc shows the dstate process in D" wait_for 10 asleep
dstate release --tag 5 > /dev/null
wait $sp
rc=$?
check "released, it exits 0 (wait status $rc)" [ $rc -eq 0 ]
check "and says it was released" grep -q 'woke: *released' /tmp/sleep2.out

# --- spawn -n 100, ls, release --tag ----------------------------------------

# all_letter LETTER PIDS...: every pid shows LETTER in /proc.
all_letter() {
	want=$1
	shift
	for p in "$@"; do
		[ "$(proc_state "$p")" = "$want" ] || return 1
	done
	return 0
}

dstate spawn uninterruptible -n 100 --tag 7 > /tmp/spawn.out
check "spawn -n 100 uninterruptible exits 0" [ $? -eq 0 ]
pids=$(pids_of /tmp/spawn.out)
n=$(echo $pids | wc -w)
check "spawn printed 100 processes (got $n)" [ "$n" -eq 100 ]
# shellcheck disable=SC2086
check "/proc shows all 100 in D" all_letter D $pids

dstate ls > /tmp/ls.out
check "ls lists 100 sleepers" [ "$(pids_of /tmp/ls.out | wc -l)" -eq 100 ]
ls_agrees() {
	awk 'NR > 1 { print $1, $4, $5, $6 }' /tmp/ls.out | {
		while read -r pid mode letter tag; do
			[ "$mode" = uninterruptible ] && [ "$tag" = 7 ] &&
			[ "$(proc_state "$pid")" = "$letter" ] &&
			[ "$letter" = D ] || exit 1
		done
	}
}
check "ls agrees with /proc: pid, mode, letter and tag of each" ls_agrees
check "ls names the same processes spawn started" \
	[ "$(pids_of /tmp/ls.out | sort -n)" = "$(echo "$pids" | tr ' ' '\n' | sort -n)" ]
dstate --json ls > /tmp/ls.json
json_100() {
	[ "$(grep -c '"pid":' /tmp/ls.json)" -eq 100 ] &&
	[ "$(grep -c '"mode": "uninterruptible"' /tmp/ls.json)" -eq 100 ] &&
	[ "$(grep -c '"state": "D"' /tmp/ls.json)" -eq 100 ]
}
check "ls --json has 100 objects with pid, mode and state" json_100

# --- unload refused while sleepers exist ------------------------------------

dstate unload > /tmp/unload.out 2>&1
rc=$?
diag "unload while in use: exit $rc: $(cat /tmp/unload.out)"
check "unload with sleepers exits 1" [ $rc -eq 1 ]
check "unload says the module is in use" grep -qi 'in use' /tmp/unload.out
check "the kernel still lists the module" module_loaded
# shellcheck disable=SC2086
check "the sleepers are undisturbed (all D)" all_letter D $pids

out=$(dstate release --tag 7)
check "release --tag 7 woke 100 ($out)" \
	[ "$(echo "$out" | sed -n 's/^released: *//p')" = 100 ]
# shellcheck disable=SC2086
check "all 100 are gone from /proc" wait_for 20 all_gone $pids

# --- state: killable vs uninterruptible --------------------------------------

dstate spawn killable --tag 8 > /tmp/k.out
dstate spawn uninterruptible --tag 8 > /tmp/u.out
kp=$(pids_of /tmp/k.out)
up=$(pids_of /tmp/u.out)
check "/proc shows both as D" all_letter D "$kp" "$up"
check "state --json: the killable one is killable" \
	sh -c "dstate --json state $kp | grep -q '\"killable\": true'"
check "state --json: the uninterruptible one is not" \
	sh -c "dstate --json state $up | grep -q '\"killable\": false'"
check "release --pid wakes one" \
	[ "$(dstate release --pid "$kp" | sed -n 's/^released: *//p')" = 1 ]
one_released() { wait_for 10 all_gone "$kp" && all_letter D "$up"; }
check "the released one is gone, the other still D" one_released
check "release --all wakes the rest" \
	[ "$(dstate release --all | sed -n 's/^released: *//p')" = 1 ]
check "and it is gone" wait_for 10 all_gone "$up"

# --- kernel thread ------------------------------------------------------------

dstate spawn uninterruptible --kthread --tag 9 > /tmp/kt.out
ktp=$(pids_of /tmp/kt.out)
check "spawn --kthread: /proc shows dstate/N in D" \
	sh -c "[ \"\$(cut -c1-7 /proc/$ktp/comm)\" = dstate/ ] &&
	       [ \"\$(sed 's/.*) //' /proc/$ktp/stat | cut -d' ' -f1)\" = D ]"
kthread_released() {
	[ "$(dstate release --tag 9 | sed -n 's/^released: *//p')" = 1 ] &&
	wait_for 10 all_gone "$ktp"
}
check "release --tag 9 ends the thread" kthread_released

# --- matrix ---------------------------------------------------------------------

# The contract, written out here rather than taken from dstate: one line per
# cell, mode and signal case, then what must be seen.
cat > /tmp/contract <<'EOF'
uninterruptible|SIGTERM|stays D; dies when released
uninterruptible|SIGTERM handled|stays D; handler runs when released
uninterruptible|SIGTERM ignored|stays D; wakes when released
uninterruptible|SIGKILL|stays D; dies when released
uninterruptible|SIGSTOP/SIGCONT|stays D; stops when released
killable|SIGTERM|dies at once
killable|SIGTERM handled|stays D; handler runs when released
killable|SIGTERM ignored|stays D; wakes when released
killable|SIGKILL|dies at once
killable|SIGSTOP/SIGCONT|stays D; stops when released
interruptible|SIGTERM|dies at once
interruptible|SIGTERM handled|wakes at once (EINTR)
interruptible|SIGTERM ignored|stays S; wakes when released
interruptible|SIGKILL|dies at once
interruptible|SIGSTOP/SIGCONT|stops at once; S again after SIGCONT; wakes when released
idle|SIGTERM|stays I; dies when released
idle|SIGTERM handled|stays I; handler runs when released
idle|SIGTERM ignored|stays I; wakes when released
idle|SIGKILL|stays I; dies when released
idle|SIGSTOP/SIGCONT|stays I; stops when released
io|SIGTERM|stays D; dies when released
io|SIGTERM handled|stays D; handler runs when released
io|SIGTERM ignored|stays D; wakes when released
io|SIGKILL|stays D; dies when released
io|SIGSTOP/SIGCONT|stays D; stops when released
EOF

dstate --json matrix > /tmp/matrix.json
rc=$?
check "matrix exits 0" [ $rc -eq 0 ]
# One "mode|signal|observed" line per cell from the JSON objects.
awk -F'"' '
	/"mode":/ { mode = $4 }
	/"signal":/ { sig = $4 }
	/"observed":/ { print mode "|" sig "|" $4 }
' /tmp/matrix.json > /tmp/observed
check "matrix reports 25 cells" [ "$(wc -l < /tmp/observed)" -eq 25 ]
while IFS='|' read -r mode sig want; do
	got=$(awk -F'|' -v m="$mode" -v s="$sig" \
		'$1 == m && $2 == s { print $3 }' /tmp/observed)
	if [ "$got" = "$want" ]; then
		ok "matrix: $mode, $sig: $got"
	else
		not_ok "matrix: $mode, $sig: saw '$got', the contract says '$want'"
	fi
done < /tmp/contract

check "no sleepers left, and the module unloads" \
	sh -c '[ "$(dstate --json info | grep -o "\"sleepers\": *[0-9]*" | grep -o "[0-9]*$")" = 0 ]'
check "dstate unload exits 0" sh -c 'dstate unload > /dev/null'
check "the kernel no longer lists the module" sh -c '! grep -q "^dstate " /proc/modules'

# PARAM=VALUE goes to the module as it is; one out of bounds fails the load.
check "dstate load user_max_sleepers=7 user_timeout_max_ms=1500: sysfs says so" \
	sh -c 'dstate load user_max_sleepers=7 user_timeout_max_ms=1500 > /dev/null &&
	       [ "$(cat /sys/module/dstate/parameters/user_max_sleepers)" = 7 ] &&
	       [ "$(cat /sys/module/dstate/parameters/user_timeout_max_ms)" = 1500 ] &&
	       dstate unload > /dev/null'
check "dstate load max_sleepers=70000: exit 1, not loaded, the hint names the parameter" \
	sh -c '! dstate load max_sleepers=70000 > /dev/null 2> /tmp/load.err &&
	       ! grep -q "^dstate " /proc/modules &&
	       grep -q "parameter" /tmp/load.err'

# --- fsfreeze ---------------------------------------------------------------------

dstate spawn fsfreeze > /tmp/ff.out
check "spawn fsfreeze exits 0" [ $? -eq 0 ]
fp=$(pids_of /tmp/ff.out)
keeper=$(awk 'NR == 2 { print $NF }' /tmp/ff.out)
check "the writer is in D" all_letter D "$fp"
check "the frozen filesystem is mounted" grep -q dstate-fsfreeze /proc/mounts
kill -KILL "$fp"
check "SIGKILL is pending for the writer" wait_for 5 sigkill_pending "$fp"
check "and it is still D" all_letter D "$fp"
kill -TERM "$keeper"
check "after the thaw the writer dies" wait_for 20 all_gone "$fp"
check "the keeper is gone" wait_for 20 all_gone "$keeper"
check "nothing of it is left mounted" sh -c '! grep -q dstate-fsfreeze /proc/mounts'
check "no loop device is attached" sh -c '[ -z "$(losetup -a)" ]'
check "its files are removed" sh -c '! ls -d /tmp/dstate-fsfreeze.* 2>/dev/null'

check "no BUG or WARNING in the kernel log" kmsg_clean
done_testing
