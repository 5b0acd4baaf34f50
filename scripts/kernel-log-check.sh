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
	# KASAN, KFENCE
	'BUG: KASAN: '
	'BUG: KFENCE: '
	# lockdep (PROVE_LOCKING, PROVE_RCU)
	'WARNING: possible circular locking dependency'
	'WARNING: possible recursive locking'
	'WARNING: inconsistent lock state'
	'WARNING: possible irq lock inversion'
	'WARNING: .*-safe -> .*-unsafe lock order'
	'WARNING: suspicious RCU usage'
	'WARNING: bad unlock balance'
	'WARNING: held lock freed'
	'WARNING: lock held when returning'
	'WARNING: .* still has locks held'
	'WARNING: Nested lock was not taken'
	'INFO: trying to register non-static key'
	'BUG: Invalid wait context'
	'BUG: key [0-9a-f]+ has not been registered'
	'BUG: looking up invalid subclass'
	# lockdep's tables ran out, and it stopped checking
	'BUG: MAX_LOCK'
	'BUG: MAX_STACK_TRACE_ENTRIES'
	# DEBUG_ATOMIC_SLEEP, DEBUG_PREEMPT, DEBUG_SPINLOCK, workqueues
	'BUG: sleeping function called from invalid context'
	'BUG: scheduling while atomic'
	'BUG: using .*\(\) in preemptible'
	'BUG: (spinlock|rwlock) '
	'BUG: workqueue leaked'
	# DEBUG_LIST, DEBUG_OBJECTS, kmemleak, UBSAN, refcount_t
	'list_(add|del) corruption'
	'ODEBUG: '
	'unreferenced object 0x'
	'UBSAN: '
	'refcount_t: '
	# Oopses, BUG(), WARN(), and what the page allocator finds
	'BUG: unable to handle'
	'BUG: Bad page'
	'kernel BUG at '
	'general protection fault'
	'Oops: '
	'WARNING: CPU: [0-9]+ PID: [0-9]+ at '
	'------------\[ cut here \]------------'
	'Kernel panic - not syncing'
)

re=$(IFS='|'; echo "${patterns[*]}")
if tr -d '\r' < "$log" | grep -E -m 20 "$re"; then
	exit 1
fi
exit 0
