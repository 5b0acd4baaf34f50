#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The refcount lesson, forced removal (issue 5, scenario 5b), in a VM of
# its own: Debian's kernels have CONFIG_MODULE_FORCE_UNLOAD, so
# `dstate unload --force` (delete_module with O_TRUNC) removes the module
# although a process holds /dev/dstate open, and taints the kernel (R).
# That process's next ioctl on the fd oopses ("BUG: unable to handle page
# fault" among the new kernel log lines, the ioctl in the call trace); it
# faults again closing the file on its way out and /proc shows it as X
# (dead, never reaped) on 6.x.  It is never waited for; the VM must still
# reach its exit marker.
#
#   85-refcount-force.sh [force|none]   (none, a plain unload, fails)
#
# vm-options: -t 180
# vm-expects: oops (the log check would report the oops this test causes)

. /tests/vm/lib.sh
. /tests/vm/lib/scenarios.sh

scn_refcount_unsafe "${1:-force}"
done_testing
