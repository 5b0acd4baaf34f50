#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# 'dstate effects --hung-task' on this kernel: one row per kind of sleep,
# each cell measured by the command, checked here against what the
# contract and the kernel say.  An expectation is
#
#   KIND=LETTER,KILLABLE,LOADAVG,PROCS_BLOCKED,IOWAIT,HUNG_TASK,BLOCKER,SYSRQ_W,SIGKILL,CGROUP_KILL,CGROUP_FREEZE
#
# each the first word of its cell (D, yes, no, unknown, ends, stays, -;
# '*' for any).  The defaults are below; an argument replaces the one of
# its kind, so that a wrong claim makes the test fail:
#
#   73-effects.sh [KIND=...]...
#
# What a kernel cannot show is a "# SKIP" with the reason: cgroup.kill
# before 5.14 (5.10), the hung-task report's blocker line without
# CONFIG_DETECT_HUNG_TASK_BLOCKER (6.15 on; Debian's 7.x has it).  Then
# SIGINT in the middle of a row must leave nothing: no sleeper, helper,
# cgroup, mount or map, and the hung-task sysctls as they were.
#
# vm-options: -t 420

. /tests/vm/lib.sh
. /tests/vm/lib/scenarios.sh

expect="
uninterruptible=D,no,yes,no,no,yes,-,yes,stays,stays,no
killable=D,yes,yes,no,no,no,-,yes,ends,ends,no
interruptible=S,yes,no,no,no,no,-,no,ends,ends,yes
idle=I,no,no,no,no,no,-,no,stays,stays,no
io=D,no,yes,yes,yes,yes,-,yes,stays,stays,no
mutex=D,no,yes,no,no,yes,yes,yes,stays,stays,no
mutex_killable=D,yes,yes,no,no,no,-,yes,ends,ends,no
mutex_interruptible=S,yes,no,no,no,no,-,no,ends,ends,yes
rwsem_read=D,no,yes,no,no,yes,yes,yes,stays,stays,no
rwsem_write=D,no,yes,no,no,yes,yes,yes,stays,stays,no
semaphore=D,no,yes,no,no,yes,yes,yes,stays,stays,no
semaphore_killable=D,yes,yes,no,no,no,-,yes,ends,ends,no
vfork=D,yes,yes,no,no,no,-,yes,ends,ends,yes
fsfreeze=D,no,yes,no,no,yes,-,yes,stays,stays,no
fuse-noreply=S,unknown,no,no,no,no,-,no,stays,stays,no
fuse-noread=S,unknown,no,no,no,no,-,no,ends,ends,no
dm-suspend=D,no,yes,yes,yes,yes,-,yes,stays,stays,no
frozen=S,yes,no,no,no,no,-,no,ends,ends,yes"

for a in "$@"; do
	expect=$(echo "$expect" | grep -v "^${a%%=*}=")
	expect="$expect
$a"
done

cols=KIND,LETTER,KILLABLE,LOADAVG,PROCS_BLOCKED,IOWAIT,HUNG_TASK,BLOCKER,SYSRQ_W,SIGKILL,CGROUP_KILL,CGROUP_FREEZE,TIME,NOTE
names="LETTER KILLABLE LOADAVG PROCS_BLOCKED IOWAIT HUNG_TASK BLOCKER SYSRQ_W SIGKILL CGROUP_KILL CGROUP_FREEZE"
sysctls="hung_task_timeout_secs hung_task_warnings hung_task_check_interval_secs hung_task_panic"
sysctl_values() {
	for _s in $sysctls; do printf '%s ' "$(cat "/proc/sys/kernel/$_s")"; done
}

kmsg_mark
ensure_loaded
before=$(sysctl_values)
uptime_cs
t0=$uptime_cs
dstate effects --hung-task -P -o "$cols" > /tmp/effects.out 2> /tmp/effects.err
rc=$?
uptime_cs
diag "dstate effects --hung-task: exit $rc in $(((uptime_cs - t0) / 100)) s"
sed 's/^/#   /' /tmp/effects.out /tmp/effects.err
check "dstate effects exits 0" [ "$rc" = 0 ]

# blocker_missing: why this kernel cannot name a lock's holder, or "".
blocker_missing() {
	if [ ! -r /tests/kconfig ]; then
		echo "no kernel config in the VM"
	elif ! grep -q '^CONFIG_DETECT_HUNG_TASK_BLOCKER=y' /tests/kconfig; then
		echo "no CONFIG_DETECT_HUNG_TASK_BLOCKER in $(uname -r) (6.15 on)"
	fi
}

# cgroup.kill came in 5.14: a cgroup of ours shows whether it is here.
mkdir /sys/fs/cgroup/t73 && has_cgkill=$(ls /sys/fs/cgroup/t73/cgroup.kill 2> /dev/null)
rmdir /sys/fs/cgroup/t73

while IFS='=' read -r kind want; do
	[ -n "$kind" ] || continue
	line=$(grep "^KIND=\"$kind\" " /tmp/effects.out)
	if [ -z "$line" ]; then
		not_ok "$kind: a row"
		continue
	fi
	eval "$line"
	i=0
	for col in $names; do
		i=$((i + 1))
		w=$(echo "$want" | cut -d, -f$i)
		eval "cell=\$$col"
		got=${cell%% *}
		name="$kind $col: $w (\"$cell\")"
		if [ "$w" = '*' ] || [ "$got" = "$w" ]; then
			ok "$name"
		elif [ "$col" = CGROUP_KILL ] && [ "$got" = n/a ] && [ -z "$has_cgkill" ]; then
			skip "$name" "no cgroup.kill in $(uname -r) (5.14 on)"
		elif [ "$col" = BLOCKER ] && [ "$w" = yes ] && [ "$got" = n/a ] &&
		     [ -n "$(blocker_missing)" ]; then
			skip "$name" "$(blocker_missing)"
		else
			not_ok "$name"
		fi
	done
	times="$times $kind $TIME;"
done <<EOF
$expect
EOF
diag "time per row:$times"

# nothing_left: no dstate process but us, no cgroup, mount or map.
nothing_left() {
	for _p in /proc/[0-9]*; do
		read -r _c < "$_p/comm" 2>/dev/null || continue
		case $_c in
		dstate|dstate-*) echo "left: $_c ${_p#/proc/}"; return 1 ;;
		esac
	done
	ls -d /sys/fs/cgroup/dstate-effects.* 2> /dev/null && return 1
	grep dstate- /proc/mounts && return 1
	for _n in /sys/block/dm-*/dm/name; do
		[ -r "$_n" ] && grep '^dstate-' "$_n" && return 1
	done
	return 0
}
check "after it: no sleeper, helper, cgroup, mount or map left" nothing_left
check "after it: the hung-task sysctls as before ($before)" \
	[ "$(sysctl_values)" = "$before" ]

# SIGINT while a row waits with the sysctls lowered.
dstate effects --hung-task uninterruptible fsfreeze > /tmp/effects.int 2>&1 &
pid=$!
lowered() { [ "$(cat /proc/sys/kernel/hung_task_timeout_secs)" = 1 ]; }
wait_for 60 lowered
check "SIGINT: a row has lowered hung_task_timeout_secs to 1" lowered
kill -INT "$pid"
wait "$pid"
rc=$?
check "SIGINT: dstate effects dies of it (exit $rc = 130)" [ "$rc" = 130 ]
wait_for 20 nothing_left
check "SIGINT: no sleeper, helper, cgroup, mount or map left" nothing_left
check "SIGINT: the hung-task sysctls as before" [ "$(sysctl_values)" = "$before" ]

# SIGKILL: its sleepers die with it (PDEATHSIG; a killable one at once),
# its cgroups and the lowered sysctls stay, for 'dstate cleanup', which
# puts them back from the record effects keeps in $TMPDIR.
dstate effects --hung-task killable > /dev/null 2>&1 &
pid=$!
measured() {
	for _c in /sys/fs/cgroup/dstate-effects.$pid/killable/measured/cgroup.events; do
		grep -q 'populated 1' "$_c" 2> /dev/null
	done
}
wait_for 60 eval 'measured && lowered'
check "SIGKILL: its sleepers are in their cgroup, the sysctls lowered" \
	eval 'measured && lowered'
record=${TMPDIR:-/tmp}/dstate-effects.$pid.sysctl
check "SIGKILL: what they were is kept in $record" \
	grep -q '^hung_task_timeout_secs ' "$record"
kill -KILL "$pid"
wait "$pid"
empty() { ! grep -q 'populated 1' /sys/fs/cgroup/dstate-effects.$pid/cgroup.events; }
wait_for 20 empty
check "SIGKILL: its killable sleepers die with it; its cgroups stay" \
	eval 'empty && [ -d /sys/fs/cgroup/dstate-effects.$pid/killable ]'
dstate cleanup -r > /tmp/effects.cleanup 2>&1
rc=$?
sed 's/^/#   /' /tmp/effects.cleanup
check "dstate cleanup removes them (exit $rc)" \
	eval '[ "$rc" = 0 ] && grep -q "removed /sys/fs/cgroup/dstate-effects.$pid\$" /tmp/effects.cleanup'
check "dstate cleanup puts the hung-task sysctls back ($(sysctl_values))" \
	eval '[ "$(sysctl_values)" = "$before" ] && grep -q "^restored kernel.hung_task_timeout_secs=" /tmp/effects.cleanup && [ ! -e "$record" ]'
wait_for 20 nothing_left
check "SIGKILL and cleanup: no sleeper, helper, cgroup, mount or map left" nothing_left

check "no BUG, WARNING or Oops in the kernel log" kmsg_clean
check "dstate unload: nothing left in the module" sh -c 'dstate unload > /dev/null'
done_testing
