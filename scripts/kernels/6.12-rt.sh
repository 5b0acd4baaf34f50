# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# 6.12-rt: bookworm's PREEMPT_RT build of the 6.12 series
# (linux-image-6.12-rt-amd64), from the host's own package lists.  On it
# spinlocks sleep, and a task waiting on one is in TASK_RTLOCK_WAIT, which
# /proc shows as D too.  Sourced by scripts/get-kernels.sh.

series_image_meta=linux-image-6.12-rt-amd64
series_headers_meta=linux-headers-6.12-rt-amd64

# shellcheck source=scripts/kernels/bookworm.inc
. "$top/scripts/kernels/bookworm.inc"
