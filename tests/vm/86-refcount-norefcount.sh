#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The refcount lesson, norefcount=1 (issue 5, scenario 5c), in a VM of its
# own: loaded with `dstate load --norefcount`, the module (which then
# registers its device without .owner) is removed by a plain
# `dstate unload` while a process holds /dev/dstate open - refcnt reads 0.
# The process's next ioctl on the fd oopses ("BUG: unable to handle page
# fault", the ioctl in the call trace), it faults again on exit ("Fixing
# recursive fault but reboot is needed!") and /proc shows it as X (dead,
# never reaped) on 6.x; kernels before 5.17 left it in D.  Never waited
# for; the VM must still reach its exit marker.
#
#   86-refcount-norefcount.sh [norefcount|none]   (none fails)
#
# vm-options: -t 180
# vm-expects: oops (the log check would report the oops this test causes)

. /tests/vm/lib.sh
. /tests/vm/lib/scenarios.sh

scn_refcount_unsafe "${1:-norefcount}"
done_testing
