#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The harness itself: the VM boots the kernel under test, dstate.ko loads,
# /dev/dstate appears, and the module goes away again without a trace in
# the kernel log.

. /tests/vm/lib.sh

kmsg_mark
check "guest runs the kernel under test" [ -n "$(uname -r)" ]
diag "kernel $(uname -r)"
check "insmod dstate.ko" insmod /lib/modules/dstate.ko
check "/dev/dstate is a character device" [ -c /dev/dstate ]
check "/dev/dstate is root's alone (0600)" \
	[ "$(stat -c '%a %u' /dev/dstate)" = "600 0" ]
check "rmmod dstate" rmmod dstate
check "/dev/dstate is gone" [ ! -e /dev/dstate ]
check "no BUG or WARNING in the kernel log" kmsg_clean
done_testing
