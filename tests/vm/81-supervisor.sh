#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# A supervisor's timeout against a D process (issue 5, scenario 2):
# `dstate wait PID --timeout 1s` on an uninterruptible sleeper exits 124
# after at least 1 s (measured with /proc/uptime) and the sleeper is still
# D; a second `dstate wait`, blocked on its pidfd with a 30 s timeout,
# exits 0 less than 0.5 s after the release returned, and the sleeper is
# gone from /proc.
#
#   81-supervisor.sh [MODE]   (permanent, which release cannot end, fails)
#
# vm-options: -t 180

. /tests/vm/lib.sh
. /tests/vm/lib/scenarios.sh

kmsg_mark
scn_supervisor "${1:-uninterruptible}"
check "no BUG or WARNING in the kernel log" kmsg_clean
check "dstate unload: nothing left in the module" sh -c 'dstate unload > /dev/null'
done_testing
