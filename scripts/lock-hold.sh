#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# How long dstate.ko holds its spinlock, with many sleepers, on one kernel:
#
#   lock-hold.sh [SERIES [SLEEPERS]]	(defaults: $KERNEL or 6.1, 10000)
#
# Builds the module as a measuring build (DSTATE_HOLD_TIMES=1, see
# kmod/holdtime.h) into build/lock-hold/SERIES, boots the test VM with it,
# runs `dstate-bench --lock SLEEPERS` (every ioctl that takes the lock, with
# all of them asleep), removes the module and prints the longest hold of
# each function that took the lock, as the module reports it.  Preemption
# is off for a whole hold, so that is the latency the lock adds.

set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
series=${1:-${KERNEL:-6.1}}
sleepers=${2:-10000}
out=$top/build/lock-hold/$series

cd "$top"
make -s user/dstate tests/bench/dstate-bench vm-tests
scripts/build-module.sh "$series" "$out" DSTATE_HOLD_TIMES=1 > "$out.build.log" 2>&1 ||
	{ cat "$out.build.log" >&2; exit 1; }
# The test VM's initramfs, with the measuring module and the bench in it.
scripts/mkinitramfs.sh "$series" "$out/initramfs.gz" "$out/dstate.ko" \
	user/dstate build/tests/bin

# About 100 kB of kernel memory per sleeping process, and room.
mem_mb=$((1024 + sleepers * 200 / 1024))
scripts/vm-run.sh -k "$series" -i "$out/initramfs.gz" -m "${mem_mb}M" \
	-t 900 -l "$out/vm.log" -- \
	sh -c "dstate load --max-sleepers $((sleepers + 64)) > /dev/null &&
	       dstate-bench --lock $sleepers && dstate unload > /dev/null &&
	       dmesg | sed -n 's/.*dstate: hold: //p'"
