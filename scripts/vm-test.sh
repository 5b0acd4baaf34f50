#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Run one VM test file and then judge the kernel log it left:
#
#   vm-test.sh [--expects-oops] LOG VM-RUN-OPTIONS... -- COMMAND...
#
# Runs scripts/vm-run.sh with the console log in LOG, passes its TAP
# through, and adds one TAP line of its own: the kernel's checkers
# (scripts/kernel-log-check.sh) found nothing in LOG.  A test that oopses
# on purpose says --expects-oops and gets no such line.  The exit status
# is the VM run's when it failed, else the log check's.

set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
expects_oops=
if [ "${1:-}" = --expects-oops ]; then
	expects_oops=1
	shift
fi
log=${1:?usage: vm-test.sh [--expects-oops] LOG VM-RUN-OPTIONS... -- COMMAND...}
shift

"$top/scripts/vm-run.sh" -l "$log" "$@"
rc=$?
[ -n "$expects_oops" ] && exit "$rc"
# Only a guest that ran to the end has a complete log to judge.
[ "$rc" -eq 125 ] && exit "$rc"

if found=$("$top/scripts/kernel-log-check.sh" "$log"); then
	echo "ok 1000 - the kernel log shows no bug report"
else
	echo "not ok 1000 - the kernel log shows no bug report"
	echo "$found" | sed 's/^/# | /'
	[ "$rc" -eq 0 ] && rc=1
fi
exit "$rc"
