#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make demo: boot the test VM on $KERNEL and show D states happening.
# The guest side is scripts/demo-guest.sh, installed in the initramfs as
# /usr/bin/dstate-demo.

set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
series=${KERNEL:-6.1}

cd "$top"
make -s "build/$series/initramfs.gz"
exec scripts/vm-run.sh --kernel "$series" --timeout 600 -- dstate-demo
