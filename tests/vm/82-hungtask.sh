#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The hung-task detector (issue 5, scenario 3), with
# hung_task_timeout_secs=2, checked every second, warnings unlimited: it
# reports ("INFO: task COMM:PID blocked for more than 2 seconds.", counted
# in the new kernel log lines) an uninterruptible and a permanent sleeper
# and an uninterruptible dstate/N kernel thread, each at least twice, and
# never the killable or idle sleepers started before them.  The permanent
# sleeper is left: nothing ends it (the VM's power-off does).
#
#   82-hungtask.sh ["SILENT MODES" ["REPORTED MODES"]]
#
# vm-options: -t 240

. /tests/vm/lib.sh
. /tests/vm/lib/scenarios.sh

kmsg_mark
scn_hungtask "${1:-killable idle}" \
	"${2:-uninterruptible permanent kthread:uninterruptible}"
# The detector's reports are no bug; anything else is.
check "no BUG, WARNING or Oops in the kernel log" kmsg_clean
done_testing
