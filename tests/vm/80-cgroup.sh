#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Container teardown with a D-state process (issue 5, scenario 1), judged
# by cgroup.events and /proc: cgroup.kill empties a group with a killable
# (or interruptible) sleeper at once; a group with an uninterruptible (or
# idle) sleeper stays populated, SIGKILL pending, until the sleeper is
# released, and then empties at once.  cgroup.freeze: the group reaches
# "frozen 1" with an interruptible sleeper, never while a sleeper is in D
# or I (uninterruptible, killable, idle) - on 6.1 and 6.12 alike; why is
# told above scn_cgroup_freeze in lib/scenarios.sh - and reaches it the
# moment that sleeper is released.  A kernel without cgroup.kill (it
# arrived in 5.14; 5.10) reports each cgroup.kill step as a SKIP.  Where
# /proc/PID/wchan cannot name a sleeper's function (5.10 reads 0), "asleep
# in the module" is judged from /proc/PID/stack.
#
# The expectations are the arguments' defaults; other ones (a mode claimed
# to behave as another does) make it fail:
#   80-cgroup.sh [KILL-CASES [FREEZE-CASES]]
#
# vm-options: -t 300

. /tests/vm/lib.sh
. /tests/vm/lib/scenarios.sh

kmsg_mark
scn_cgroup_kill "${1:-uninterruptible:stays killable:dies interruptible:dies idle:stays}"
scn_cgroup_freeze "${2:-uninterruptible:0 killable:0 interruptible:1 idle:0}"
check "no BUG or WARNING in the kernel log" kmsg_clean
check "dstate unload: nothing left in the module" sh -c 'dstate unload > /dev/null'
done_testing
