#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The refcount lesson, normal load (issue 5, scenario 5a): an open
# /dev/dstate raises /sys/module/dstate/refcnt by one; kmod's rmmod says
# "in use", busybox's rmmod, which calls delete_module() itself, fails with
# EAGAIN ("Resource temporarily unavailable": the kernel's EWOULDBLOCK),
# `dstate unload` exits 1, and the module stays.  A task asleep in it pins
# it too.  Closed and released, rmmod works; the kernel log stays clean.
#
#   84-refcount-normal.sh [LOAD-OPTIONS]   (--norefcount fails)

. /tests/vm/lib.sh
. /tests/vm/lib/scenarios.sh

scn_refcount_normal "$@"
done_testing
