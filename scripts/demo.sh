#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make demo: boot the test VM on $KERNEL and show D states happening.
# The guest side is scripts/demo-guest.sh, installed in the initramfs as
# /usr/bin/dstate-demo.  Three VMs: the scenarios of a healthy machine,
# then the refcount lesson's forced removal and norefcount=1, which oops
# the kernel on purpose and so each get a throwaway VM of their own.

set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
series=${KERNEL:-6.1}

cd "$top"
make -s "build/$series/initramfs.gz"
status=0
scripts/vm-run.sh --kernel "$series" --timeout 600 -- dstate-demo main || status=$?
for how in force norefcount; do
	scripts/vm-run.sh --kernel "$series" --timeout 300 -- dstate-demo "$how" ||
		status=$?
done
exit "$status"
