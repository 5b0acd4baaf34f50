#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The load average (issue 5, scenario 4): 20 idle sleepers (I) do not
# raise the 1-minute load by 1.0 over 11 s, two of the kernel's 5 s
# samples, where 20 counted tasks would add more than 3; then 20
# uninterruptible sleepers (D) raise it by more than 1.0 within 20 s (the
# first sample alone adds about 1.6).  Read from /proc/loadavg.
#
#   83-loadavg.sh [COUNTED-MODE [UNCOUNTED-MODE]]
#
# vm-options: -t 240

. /tests/vm/lib.sh
. /tests/vm/lib/scenarios.sh

kmsg_mark
scn_loadavg "${1:-uninterruptible}" "${2:-idle}"
check "no BUG or WARNING in the kernel log" kmsg_clean
check "dstate unload: nothing left in the module" sh -c 'dstate unload > /dev/null'
done_testing
