#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Host test: what dstate may claim about other processes.  A kernel
# thread (kthreadd) is not killable; an unprivileged 'dstate wait' on a
# root process killed by SIGKILL cannot see its status and must say so,
# not "exited 0"; a root without a capability is told which one, not
# "are you root?".  Prints TAP.

set -u
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/host/common.inc
. "$here/common.inc"
host_tmpdir killable
chmod 755 "$tmp"

skip() { n=$((n + 1)); echo "ok $n - $1 # SKIP $2"; }

echo "TAP version 13"

# A kernel thread: PF_KTHREAD (0x00200000) in field 9 of its stat.
kthread=
for s in /proc/2/stat /proc/[0-9]*/stat; do
	f=$(sed 's/.*) //' "$s" 2>/dev/null | cut -d' ' -f7)
	if [ -n "$f" ] && [ $(( f & 0x00200000 )) -ne 0 ]; then
		kthread=$(cut -d' ' -f1 "$s")
		break
	fi
done
if [ -n "$kthread" ]; then
	"$D" state "$kthread" >"$tmp/out" 2>&1; r=$?
	[ $r = 0 ] && grep -q '^  killable:  no (a kernel thread: signals do not end it)' "$tmp/out"
	res=$?; ok $res "state $kthread (kernel thread): killable: no, a kernel thread (exit $r)"
	[ $res = 0 ] || sed 's/^/# /' "$tmp/out"
	"$D" --json state "$kthread" >"$tmp/out" 2>&1; r=$?
	[ $r = 0 ] && grep -q '"killable": false' "$tmp/out" &&
		grep -q '"kernel_thread": true' "$tmp/out"
	ok $? "state --json $kthread: killable false, kernel_thread true (exit $r)"
else
	skip "state of a kernel thread" "no kernel thread visible"
fi

# wait as nobody on a root process killed by SIGKILL.
runas=()
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
	runas=(setpriv --reuid=nobody --regid=nogroup --clear-groups)
	"${runas[@]}" true 2>/dev/null || runas=()
fi
# wait_killed OUT CMD...: start a root process whose parent never reaps
# it (the parent execs sleep), run CMD... (a dstate wait) on it in the
# background, SIGKILL it once the waiter polls, and give the waiter's
# exit status; its output is in OUT.
wait_killed() {
	local out=$1 victim waiter parent
	shift
	rm -f "$tmp/victim"
	sh -c 'sleep 1000 & echo $! > "$1"; exec sleep 1000' - "$tmp/victim" &
	parent=$!; pids+=("$parent")
	poll_for 5000 test -s "$tmp/victim"
	victim=$(cat "$tmp/victim")
	"$@" "$victim" --timeout 10s >"$out" 2>&1 & waiter=$!; pids+=("$waiter")
	poll_for 5000 grep -q poll "/proc/$waiter/wchan" 2>/dev/null
	kill -KILL "$victim"
	wait "$waiter"
}

if [ ${#runas[@]} -gt 0 ] && "${runas[@]}" test -x "$D"; then
	wait_killed "$tmp/out" "${runas[@]}" "$D" wait; r=$?
	[ $r = 0 ] && grep -q '^how: *ended, status not visible' "$tmp/out" &&
		! grep -q 'exited 0' "$tmp/out"
	res=$?; ok $res "wait as nobody on a root process killed by SIGKILL: status not visible (exit $r)"
	[ $res = 0 ] || sed 's/^/# /' "$tmp/out"

	wait_killed "$tmp/out" "${runas[@]}" "$D" --json wait; r=$?
	[ $r = 0 ] && grep -q '"status": null' "$tmp/out"
	res=$?; ok $res "wait --json as nobody: status null (exit $r)"
	[ $res = 0 ] || sed 's/^/# /' "$tmp/out"

	# As root, the same status is visible.
	wait_killed "$tmp/out" "$D" wait; r=$?
	[ $r = 0 ] && grep -q '^how: *killed by SIGKILL' "$tmp/out"
	res=$?; ok $res "wait as root on the same: killed by SIGKILL (exit $r)"
	[ $res = 0 ] || sed 's/^/# /' "$tmp/out"

	# Fields for scripts, not prose: the signal by name, no exit code.
	wait_killed "$tmp/out" "$D" --json wait; r=$?
	[ $r = 0 ] && grep -q '"signal": "SIGKILL"' "$tmp/out" &&
		grep -q '"exit_code": null' "$tmp/out" && grep -q '"status": 9' "$tmp/out"
	res=$?; ok $res "wait --json as root: signal SIGKILL, exit_code null, status 9 (exit $r)"
	[ $res = 0 ] || sed 's/^/# /' "$tmp/out"
else
	skip "wait as an unprivileged user" "needs root, setpriv and a dstate nobody may run"
fi

# A root without the capability is told its name.
if [ "$(id -u)" = 0 ] && command -v capsh >/dev/null &&
   capsh --drop=cap_sys_module -- -c true 2>/dev/null; then
	printf 'not a module' > "$tmp/fake.ko"
	capsh --drop=cap_sys_module -- -c '"$1" load "$2"' - "$D" "$tmp/fake.ko" \
		>"$tmp/out" 2>&1; r=$?
	if grep -q 'Function not implemented' "$tmp/out"; then
		# A seccomp filter (a container) answers before the kernel's
		# capability check.
		skip "load as root without CAP_SYS_MODULE" "finit_module is ENOSYS here"
	else
		[ $r = 1 ] && grep -q 'needs CAP_SYS_MODULE' "$tmp/out" &&
			! grep -q 'are you root' "$tmp/out"
		res=$?; ok $res "load as root without CAP_SYS_MODULE names the capability (exit $r)"
		[ $res = 0 ] || sed 's/^/# /' "$tmp/out"
	fi
else
	skip "load without CAP_SYS_MODULE" "needs root and capsh"
fi

echo "1..$n"
[ $failed = 0 ]
