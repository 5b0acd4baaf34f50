#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The harness itself: the VM boots the kernel under test, dstate.ko loads,
# /dev/dstate appears, and the module goes away again without a trace in
# the kernel log.

. /tests/vm/lib.sh

kmsg_mark
want=$(sed -n 's/.*dstate_kver=\([^ ]*\).*/\1/p' /proc/cmdline)
diag "kernel $(uname -r), built for $want"
check "guest runs the kernel the module was built for" [ "$(uname -r)" = "$want" ]
check "dstate.ko was built for this kernel" \
	[ "$(modinfo -F vermagic /lib/modules/dstate.ko | cut -d' ' -f1)" = "$(uname -r)" ]
check "insmod dstate.ko" insmod /lib/modules/dstate.ko
check "/dev/dstate is a character device" [ -c /dev/dstate ]
check "/dev/dstate is root's alone (0600)" \
	[ "$(stat -c '%a %u' /dev/dstate)" = "600 0" ]
check "rmmod dstate" rmmod dstate
check "/dev/dstate is gone" [ ! -e /dev/dstate ]
check "no BUG or WARNING in the kernel log" kmsg_clean
done_testing
