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
# - --target-cmd: the command starts two uninterruptible sleepers with the
#   drill's tag, each pid 2 of a pid namespace of its own ('dstate spawn
#   --pidns'), in a cgroup the test made and gave with --in-cgroup: the
#   kernel shows them there, in D; the stop says "still D", the release
#   of the tag ends them; the drill leaves the given cgroup, empty.
# - --target-cmd whose sleeper ends by itself at the release (the stop
#   does nothing): "FAILED gone".  No sleeper in time, a command that
#   fails, a sleeper in another mode: the drill fails, and says which.
# The drill's exit status must say every expectation held, and nothing is
# left: no target, no cgroup, no sleeper in the module.
#
# The supervisor's exit status for each mode is the claim, the contract
# the default; another (e.g. "0": SIGKILL ends an uninterruptible sleeper
# in time) makes the drill report FAILED, and the test fail:
#   74-drill.sh [UNINTERRUPTIBLE-STATUS [KILLABLE-STATUS [TARGET-CMD-STATUS]]]
#
# vm-options: -t 180

. /tests/vm/lib.sh

want_unint=${1:-1} want_kill=${2:-0} want_tcmd=${3:-1}

kmsg_mark
dstate load > /dev/null 2>&1
check "dstate load" module_loaded

cat > /tmp/sup.sh <<'EOF'
#!/bin/sh
up() { read -r u _ < /proc/uptime; echo "${u%.*}${u#*.}"; }
if [ -e "$DSTATE_CGROUP/cgroup.kill" ]; then
	echo 1 > "$DSTATE_CGROUP/cgroup.kill"
else
	# shellcheck disable=SC2086 # one word per pid
	kill -KILL $DSTATE_PIDS
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
# stop_running DRILL: the drill still has its stop command as a child:
# "sh -c /tmp/sup.sh", or the script itself should sh exec it; not the
# drill's target, a fork of the drill with its command line.
stop_running() {
	for _c in $(cat "/proc/$1/task/$1/children" 2>/dev/null); do
		case "$(tr '\0' ' ' < "/proc/$_c/cmdline" 2>/dev/null)" in
		*drill*) ;;
		*"/tmp/sup.sh ") return 0 ;;
		esac
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

# --- --target-cmd, in a given cgroup -----------------------------------------
given=/sys/fs/cgroup/dstate-drilltest
mkdir "$given"
dstate drill uninterruptible --in-cgroup "$given" \
	--target-cmd 'exec dstate spawn uninterruptible -n 2 --pidns --tag "$DSTATE_TAG" --timeout 60s' \
	--target-count 2 --stop /tmp/sup.sh --stop-deadline 10s --wake-after 4s --settle 3s \
	--expect-stop-within 4s --expect-status "$want_tcmd" \
	--expect-message "$(message_for "$want_tcmd")" --expect-honest --expect-gone \
	> /tmp/drill.out 2> /tmp/drill.err &
dp=$!
tp=
tagged_in_d() {
	tp=$(dstate ls -o PID --noheadings 2>/dev/null | tr '\n' ' ')
	set -- $tp
	[ $# = 2 ] && [ "$(proc_state "$1")" = D ] && [ "$(proc_state "$2")" = D ] &&
		stop_running "$dp"
}
check "--target-cmd: two tagged sleepers in D while the stop runs" wait_for 10 tagged_in_d
in_given_ns() {
	for _p in $tp; do
		grep -q "^0::/dstate-drilltest\$" "/proc/$_p/cgroup" || return 1
		grep -qE '^NSpid:[[:space:]]+[0-9]+[[:space:]]+2$' "/proc/$_p/status" || return 1
	done
}
check "--target-cmd: ... in the given cgroup, each pid 2 of its own pid namespace" in_given_ns
wait "$dp"; rc=$?
sed 's/^/#   /' /tmp/drill.out /tmp/drill.err
check "--target-cmd: the drill exits 0, every expectation held (exit $rc)" [ "$rc" = 0 ]
check "--target-cmd: its report names both, the wake is the release of the tag" \
	sh -c "grep -qE '^target: +pid [0-9]+, uninterruptible \\(D\\), tag [0-9]+: the target command.s 2 sleepers, pids [0-9]+ [0-9]+$' /tmp/drill.out &&
	       grep -qE '^wake: +at 4\\.[0-9]+s: release of the tag$' /tmp/drill.out"
# shellcheck disable=SC2086
check "--target-cmd: nothing left (sleepers, their namespaces' inits, sleepers in the module)" \
	sh -c "! grep -q dstate-nsinit /proc/[0-9]*/comm 2>/dev/null && [ -z \"\$(dstate ls --noheadings)\" ] &&
	       for p in $tp; do [ ! -d /proc/\$p ] || exit 1; done"
check "--target-cmd: the given cgroup is left, empty" \
	sh -c "grep -q '^populated 0' $given/cgroup.events && grep -qE '^cgroup: .*\\(given: still there, left to its owner\\)$' /tmp/drill.out"
rmdir "$given"

# --- --target-cmd: ended by itself; no target ----------------------------------
dstate drill killable --target-cmd 'dstate sleep killable --tag "$DSTATE_TAG"' \
	--stop true --wake-after 1s --expect-gone > /tmp/drill.out 2>&1
rc=$?
sed 's/^/#   /' /tmp/drill.out
check "--target-cmd: a sleeper that ends by itself at the release is not gone (exit $rc)" \
	sh -c "[ $rc = 1 ] && grep -qE '^FAILED +gone .*: it ended by itself at 1\\.[0-9]+s, after the wake: no signal ended it$' /tmp/drill.out"
drill_fails() {	# drill_fails MESSAGE ARGS...: exit 1, saying MESSAGE
	_msg=$1; shift
	dstate drill "$@" --stop true > /tmp/drill.out 2>&1; _rc=$?
	sed 's/^/#   /' /tmp/drill.out
	[ "$_rc" = 1 ] && grep -qE "$_msg" /tmp/drill.out
}
check "--target-cmd: no sleeper in --target-wait" drill_fails \
	'^dstate: 0 of 1 sleepers tagged [0-9]+ asleep in uninterruptible after 1\.000s \(--target-wait\)$' \
	uninterruptible --target-cmd true --target-wait 1s
check "--target-cmd: a command that fails" drill_fails \
	'^dstate: the target command exited 3 with 0 of 1 sleepers tagged [0-9]+ asleep in uninterruptible$' \
	uninterruptible --target-cmd 'exit 3'
check "--target-cmd: a sleeper in another mode" drill_fails \
	'^dstate: pid [0-9]+, tagged [0-9]+, sleeps killable, not uninterruptible$' \
	uninterruptible --target-cmd 'dstate sleep killable --tag "$DSTATE_TAG" --timeout 60s'
check "--target-cmd: nothing left (sleepers in the module)" \
	sh -c '[ -z "$(dstate ls --noheadings)" ]'

check "no BUG or WARNING in the kernel log" kmsg_clean
check "dstate unload: nothing left in the module" sh -c 'dstate unload > /dev/null'
done_testing
