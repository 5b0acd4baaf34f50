#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Did the kernel's own checkers find a bug during a VM run?
#
#   kernel-log-check.sh LOG
#
# Reads a serial console log and prints the report lines of a KASAN,
# lockdep, list-debugging, RCU, kmemleak, UBSAN, atomic-sleep or WARN
# report, or of an oops.  Exits 1 when there is one, 0 when the log is
# clean, 2 when the log is missing.  The patterns are the first lines the
# kernel prints for each kind of report; the debug kernel's config
# (scripts/kernels/debug.config) turns the checkers on.

set -uo pipefail

log=${1:?usage: kernel-log-check.sh LOG}
[ -r "$log" ] || { echo "kernel-log-check: no log $log" >&2; exit 2; }

patterns=(
	'BUG: KASAN'
	'BUG: KFENCE'
	'WARNING: possible circular locking'
	'WARNING: possible recursive locking'
	'WARNING: inconsistent lock state'
	'WARNING: suspicious RCU usage'
	'WARNING: bad unlock balance'
	'WARNING: held lock freed'
	'WARNING: lock held when returning'
	'INFO: possible irq lock inversion'
	'BUG: sleeping function called from invalid context'
	'BUG: scheduling while atomic'
	'BUG: spinlock'
	'BUG: workqueue leaked lock'
	'BUG: unable to handle'
	'list_add corruption'
	'list_del corruption'
	'ODEBUG:'
	'UBSAN:'
	'unreferenced object 0x'
	'WARNING: CPU: [0-9]+ PID: [0-9]+ at '
	'------------\[ cut here \]------------'
	'general protection fault'
	'Oops: '
	'refcount_t: '
)

re=$(IFS='|'; echo "${patterns[*]}")
if tr -d '\r' < "$log" | grep -E -m 20 "$re"; then
	exit 1
fi
exit 0
