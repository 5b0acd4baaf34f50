#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The FUSE methods on this kernel, judged by what it shows:
#  - fuse-noreply: the reader waits in S in request_wait_answer; SIGKILL
#    moves it to D (the daemon has the request, the kernel cannot take it
#    back) until the daemon answers, dies or the connection's abort file
#    is written;
#  - fuse-noread: SIGKILL takes the unread request back and ends it;
#  - from 6.14, a request timeout the daemon asks for at INIT aborts the
#    connection and frees the reader SIGKILL left in D; before, dstate
#    refuses --request-timeout.
# After each, no mount, directory or daemon is left, and the kernel log
# has no BUG or WARNING.  'dstate spawn' starts them too, a daemon per
# reader (its HELPER), ended by SIGTERM to it or the timeout.  A kernel without FUSE (the debug one) skips.
#
# vm-options: -t 240

. /tests/vm/lib.sh

export TMPDIR=/tmp/fuse-test
mkdir -p "$TMPDIR"
out=/tmp/fuse.out

# By the kernel stack: 5.10's wchan is always 0 (its ORC unwinder).
in_fuse_wait() {	# in_fuse_wait PID LETTER
	[ "$(proc_state "$1")" = "$2" ] &&
		grep -q request_wait_answer "/proc/$1/stack" 2>/dev/null
}
# The dstate-fuse daemons (of parent $1, if given): busybox has no pgrep.
fuse_daemons() {
	awk -v p="${1:-}" '$2 == "(dstate-fuse)" && (p == "" || $4 == p) { print $1 }' \
		/proc/[0-9]*/stat 2>/dev/null
}
gone() { [ ! -d "/proc/$1" ] || [ "$(proc_state "$1")" = Z ]; }
leftovers() {
	grep -F " $TMPDIR/" /proc/mounts | awk '{print "mount " $2}'
	ls -A "$TMPDIR" | sed 's/^/file /'
	fuse_daemons | sed 's/^/daemon /'
}
nothing_left() { [ -z "$(leftovers)" ]; }

# start METHOD: the reader in $r, waiting; its daemon in $d.
start() {
	dstate sleep "$1" > "$out" 2>&1 &
	r=$!
	wait_for 30 in_fuse_wait "$r" S
	d=$(fuse_daemons "$r")
}

kmsg_mark
if ! dstate sleep fuse-noread --timeout 10ms > "$out" 2>&1; then
	if grep -q 'could not open /dev/fuse' "$out"; then
		skip "FUSE methods" "this kernel has no FUSE ($(head -n 1 "$out"))"
		done_testing
	fi
	not_ok "dstate sleep fuse-noread: $(cat "$out")"
	done_testing
fi
ok "fuse-noread --timeout 10ms: answered"

start fuse-noreply
diag "reader $r: state $(proc_state "$r"), wchan $(cat "/proc/$r/wchan"), stack: $(grep -o 'fuse_[a-z_]*\|request_wait_answer' "/proc/$r/stack" | tr '\n' ' ')"
check "fuse-noreply: the reader waits in S in request_wait_answer" \
	in_fuse_wait "$r" S
check "dstate state: killable unknown, a FUSE request" \
	sh -c "dstate state $r | grep -q '^  killable:  unknown (.*a FUSE request'"
kill -KILL "$r"
check "SIGKILL moves it to D, still in request_wait_answer" \
	wait_for 10 in_fuse_wait "$r" D
check "with SIGKILL pending" sigkill_pending "$r"
check "its kernel stack is the FUSE read (direct I/O)" grep -q fuse_direct_io "/proc/$r/stack"
check "the daemon ($d) holds the request and lives" \
	sh -c "[ -n '$d' ] && [ -d '/proc/$d' ]"
kill -TERM "$d"
wait "$r"
rc=$?
check "SIGTERM to the daemon answers: the reader dies of SIGKILL (exit $rc)" [ $rc -eq 137 ]
check "nothing left" wait_for 10 nothing_left

start fuse-noread
kill -KILL "$r"
check "fuse-noread: SIGKILL ends the reader at once" wait_for 10 gone "$r"
wait "$r"
rc=$?
check "killed by SIGKILL (exit $rc)" [ $rc -eq 137 ]
check "nothing left" wait_for 10 nothing_left

start fuse-noreply
kill -KILL "$d"
wait "$r"
rc=$?
check "SIGKILL to the daemon aborts the connection: the read fails (exit $rc)" \
	sh -c "[ $rc -eq 0 ] && grep -q '^woke: *connection aborted' $out"
check "nothing left" wait_for 10 nothing_left

ctl=/sys/fs/fuse/connections
grep -q " $ctl fusectl " /proc/mounts || mount -t fusectl fusectl "$ctl"
start fuse-noreply
kill -KILL "$r"
wait_for 10 in_fuse_wait "$r" D
mnt=$(grep -F " $TMPDIR/" /proc/mounts | awk '{print $2}')
# The connection is named by the minor of the mount's device.
conn=$(awk -v m="$mnt" '$5 == m { split($3, dev, ":"); print dev[2] }' /proc/self/mountinfo)
echo 1 > "$ctl/$conn/abort"
check "writing $ctl/$conn/abort ends the reader in D" wait_for 10 gone "$r"
gone "$r" || kill -TERM "$d"	# so that a failure cannot hang the rest
wait "$r"
rc=$?
check "which dies of its SIGKILL (exit $rc)" [ $rc -eq 137 ]
check "nothing left" wait_for 10 nothing_left

# The kernel's request timeout (6.14 on): it frees the reader in D that
# SIGKILL could not, by aborting the connection; older kernels refuse it.
if [ -e /proc/sys/fs/fuse/max_request_timeout ]; then
	dstate sleep fuse-noreply --request-timeout 1s > "$out" 2>&1 &
	r=$!
	wait_for 30 in_fuse_wait "$r" S
	kill -KILL "$r"
	check "request timeout 1s: SIGKILL leaves the reader in D meanwhile" \
		wait_for 10 in_fuse_wait "$r" D
	check "the kernel aborts the connection: the reader in D is freed" \
		wait_for 40 gone "$r"
	gone "$r" || kill -TERM "$(fuse_daemons "$r")"
	wait "$r"
	rc=$?
	check "and dies of its SIGKILL (exit $rc)" [ $rc -eq 137 ]
	check "nothing left" wait_for 10 nothing_left
else
	skip "the FUSE request timeout" "it came in 6.14: no /proc/sys/fs/fuse/max_request_timeout"
	dstate sleep fuse-noreply --request-timeout 2s > "$out" 2>&1
	rc=$?
	check "--request-timeout is refused on this kernel (exit $rc: $(head -n 1 "$out"))" \
		sh -c "[ $rc -eq 1 ] && grep -q 'this kernel has none (it came in Linux 6.14' $out"
	check "nothing left" nothing_left
fi

start fuse-noreply
kill -KILL "$r" "$d"
wait "$r"
check "SIGKILL to both leaves a mount" grep -qF " $TMPDIR/" /proc/mounts
dstate cleanup > /tmp/cleanup.out 2>&1
rc=$?
check "dstate cleanup (exit $rc) unmounts and removes it" \
	sh -c "[ $rc -eq 0 ] && grep -q '^unmounted' /tmp/cleanup.out && grep -q '^removed' /tmp/cleanup.out"
check "nothing left" nothing_left

# --- spawn: a daemon per reader ---------------------------------------------
all_ended() {	# each pid gone or a zombie
	for _g in "$@"; do
		gone "$_g" || return 1
	done
}
dstate spawn fuse-noreply --noheadings -r -o PID,HELPER > /tmp/fsp.out 2> /tmp/fsp.err
rc=$?
read -r r d < /tmp/fsp.out
spawned_waits() { [ $rc -eq 0 ] && [ -n "$r" ] && in_fuse_wait "$r" S; }
check "spawn fuse-noreply exits 0 ($rc: $(cat /tmp/fsp.err)), the reader in S in request_wait_answer" \
	spawned_waits
check "its HELPER ($d) is its dstate-fuse daemon" [ "$(fuse_daemons "$r")" = "$d" ]
kill -KILL "$r"
check "SIGKILL moves the spawned reader to D" wait_for 10 in_fuse_wait "$r" D
kill -TERM "$d"
check "SIGTERM to its HELPER answers: reader and daemon end" wait_for 10 all_ended "$r" "$d"
check "nothing left" wait_for 10 nothing_left
dstate spawn fuse-noread -n 2 --timeout 300ms --noheadings -r -o PID > /tmp/fsp.out 2> /tmp/fsp.err
rc=$?
check "spawn fuse-noread -n 2 --timeout 300ms exits 0 ($rc: $(cat /tmp/fsp.err))" [ $rc -eq 0 ]
# shellcheck disable=SC2046
check "after the timeout both readers end" wait_for 10 all_ended $(cat /tmp/fsp.out)
check "nothing left" wait_for 10 nothing_left

check "no BUG or WARNING in the kernel log" kmsg_clean
done_testing
