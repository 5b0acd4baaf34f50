#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# dstate drill against the module (issue 15): a stand-in supervisor, in
# shell, stops the target by its cgroup (cgroup.kill; SIGKILL to the pid
# where the kernel has none, before 5.14), waits for the group to empty
# for at most 2 s by /proc/uptime, removes it and says "stopped" (exit 0),
# or says "still D" (exit 1) and leaves it.
#
# - uninterruptible: the kernel shows the target in D with SIGKILL pending
#   in the drill's cgroup while the stop runs, and still D once the stop
#   has returned; the late wake (release, at 4 s) ends it; dstate removes
#   the cgroup the stop left.
# - killable: SIGKILL ends it at once; the stop removes the cgroup.
# The drill's exit status must say every expectation held, and nothing is
# left: no target, no cgroup, no sleeper in the module.
#
# The supervisor's exit status for each mode is the claim, the contract
# the default; another (e.g. "0": SIGKILL ends an uninterruptible sleeper
# in time) makes the drill report FAILED, and the test fail:
#   74-drill.sh [UNINTERRUPTIBLE-STATUS [KILLABLE-STATUS]]
#
# vm-options: -t 180

. /tests/vm/lib.sh

want_unint=${1:-1} want_kill=${2:-0}

kmsg_mark
dstate load > /dev/null 2>&1
check "dstate load" module_loaded

cat > /tmp/sup.sh <<'EOF'
#!/bin/sh
up() { read -r u _ < /proc/uptime; echo "${u%.*}${u#*.}"; }
if [ -e "$DSTATE_CGROUP/cgroup.kill" ]; then
	echo 1 > "$DSTATE_CGROUP/cgroup.kill"
else
	kill -KILL "$DSTATE_PID"
fi
end=$(( $(up) + 200 ))
until grep -q '^populated 0' "$DSTATE_CGROUP/cgroup.events"; do
	if [ "$(up)" -ge "$end" ]; then
		echo "pid $DSTATE_PID still D after 2s"
		exit 1
	fi
	usleep 20000
done
rmdir "$DSTATE_CGROUP" && echo "stopped pid $DSTATE_PID"
EOF
chmod +x /tmp/sup.sh

# target_of DRILL: the drill's child named dstate-target.
target_of() {
	for _c in $(cat "/proc/$1/task/$1/children" 2>/dev/null); do
		[ "$(cat "/proc/$_c/comm" 2>/dev/null)" = dstate-target ] && { echo "$_c"; return 0; }
	done
	return 1
}
# stop_running DRILL: the drill still has its stop command (sh) as a child.
stop_running() {
	for _c in $(cat "/proc/$1/task/$1/children" 2>/dev/null); do
		[ "$(cat "/proc/$_c/cmdline" 2>/dev/null | tr '\0' ' ')" = "sh -c /tmp/sup.sh " ] &&
			return 0
	done
	return 1
}
message_for() { if [ "$1" = 0 ]; then echo '^stopped pid'; else echo '^pid [0-9]+ still D after 2s$'; fi; }
nothing_left() {
	[ -n "$1" ] && [ -d "/proc/$1" ] && { diag "target $1 still there"; return 1; }
	ls -d /sys/fs/cgroup/dstate-drill.* > /dev/null 2>&1 && { diag "a cgroup left"; return 1; }
	[ -z "$(dstate ls --noheadings 2>/dev/null)" ] || { diag "a sleeper left"; return 1; }
	return 0
}

# --- uninterruptible ---------------------------------------------------------
dstate drill uninterruptible --cgroup --stop /tmp/sup.sh --stop-deadline 10s \
	--wake-after 4s --settle 3s --probe 'cat /proc/loadavg' --probe-interval 300ms \
	--probe-timeout 3s \
	--expect-stop-within 4s --expect-status "$want_unint" \
	--expect-message "$(message_for "$want_unint")" --expect-honest \
	--expect-probe ok --expect-gone > /tmp/drill.out 2>&1 &
dp=$!
t=
in_d_killed() {
	t=$(target_of "$dp") && [ "$(proc_state "$t")" = D ] && sigkill_pending "$t"
}
check "uninterruptible: the target is D with SIGKILL pending while the stop runs" \
	wait_for 10 in_d_killed
check "uninterruptible: ... in the drill's cgroup" \
	grep -q '/dstate-drill\.[0-9]*$' "/proc/$t/cgroup"
wait_for 10 eval '! stop_running "$dp"'
still_d() { [ "$(proc_state "$t")" = D ]; }
check "uninterruptible: still D once the stop has returned, before the wake" still_d
wait "$dp"; rc=$?
sed 's/^/#   /' /tmp/drill.out
check "uninterruptible: the drill exits 0, every expectation held (exit $rc)" [ "$rc" = 0 ]
check "uninterruptible: gone after the late wake (release)" \
	sh -c "[ ! -d /proc/$t ] && grep -qE '^wake: +at 4\\.[0-9]+s: release$' /tmp/drill.out &&
	       grep -qE '^end: .*killed by SIGKILL$' /tmp/drill.out"
if [ "$want_unint" != 0 ]; then
	check "uninterruptible: the stop left the cgroup, dstate removed it" \
		grep -qE '^cgroup: .*\(left: removed by dstate\)$' /tmp/drill.out
fi
check "uninterruptible: nothing left (target, cgroup, sleepers)" nothing_left "$t"

# --- killable ----------------------------------------------------------------
dstate drill killable --cgroup --stop /tmp/sup.sh --stop-deadline 10s \
	--wake-after 4s --expect-stop-within 4s --expect-status "$want_kill" \
	--expect-message "$(message_for "$want_kill")" --expect-honest \
	--expect-gone --expect-cgroup-removed > /tmp/drill.out 2>&1
rc=$?
sed 's/^/#   /' /tmp/drill.out
check "killable: the drill exits 0, every expectation held (exit $rc)" [ "$rc" = 0 ]
check "killable: gone before the wake, which was not needed" \
	grep -qE '^wake: +not needed' /tmp/drill.out
t=$(sed -n 's/^target: *pid \([0-9]*\),.*/\1/p' /tmp/drill.out)
check "killable: nothing left (target, cgroup, sleepers)" nothing_left "$t"

check "no BUG or WARNING in the kernel log" kmsg_clean
check "dstate unload: nothing left in the module" sh -c 'dstate unload > /dev/null'
done_testing
