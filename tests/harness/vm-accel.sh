#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The VM harness against a KVM it cannot use and a guest that never
# boots, with QEMU replaced by tests/harness/qemu-standin and /dev/kvm by
# a file that opens read-write, as a paravirtualized KVM's does:
#
#   vm-accel.sh SERIES       TAP on stdout
#
# Needs the series' kernel and initramfs (tests/run builds them first).

set -uo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
series=${1:?usage: vm-accel.sh SERIES}
work=$(mktemp -d "${TMPDIR:-/tmp}/dstate-accel-test.XXXXXX")
trap 'rm -rf "$work"' EXIT

n=0 failed=0
tap() {	# tap OK? DESCRIPTION
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $n - $2"
	else
		failed=$((failed + 1))
		echo "not ok $n - $2"
	fi
}

: > "$work/kvm"
export DSTATE_QEMU=$top/tests/harness/qemu-standin
export DSTATE_KVM_DEVICE=$work/kvm DSTATE_CACHE=$work/cache
export DSTATE_KVM_PROBE_SECS=5 STANDIN_LOG=$work/starts
unset DSTATE_ACCEL DSTATE_BOOT_SECS

# vm RUN-NAME VM-RUN-ARGS...: run vm-run.sh, keep its status, stderr and
# wall time in seconds.
vm() {
	local name=$1 t0=$SECONDS
	shift
	: > "$STANDIN_LOG"
	"$top/scripts/vm-run.sh" -k "$series" -l "$work/$name.log" "$@" \
		> "$work/$name.out" 2> "$work/$name.err"
	echo $? > "$work/$name.rc"
	echo $((SECONDS - t0)) > "$work/$name.secs"
}
rc() { cat "$work/$1.rc"; }
secs() { cat "$work/$1.secs"; }
kvm_starts() { grep -c '^kvm$' "$STANDIN_LOG"; }

# 1. A KVM that hangs: probed once, then software emulation.
STANDIN_MODE=kvm-hangs vm first -t 120 -- sh -c 'echo guest-ran'
[ "$(rc first)" -eq 0 ] && grep -q guest-ran "$work/first.out"
tap $? "a KVM that hangs: the run falls back to TCG and succeeds (exit $(rc first), $(secs first) s)"
grep -q "did not finish within 5s" "$work/first.err"
tap $? "it says why, in one line: $(grep -m1 vm-accel: "$work/first.err")"
[ "$(grep -c . "$work/first.err")" -eq 1 ]
tap $? "and says nothing else on stderr ($(grep -c . "$work/first.err") lines)"
[ "$(kvm_starts)" -eq 1 ]
tap $? "the probe started QEMU under KVM once ($(kvm_starts))"

STANDIN_MODE=kvm-hangs vm second -t 120 -- true
[ "$(rc second)" -eq 0 ] && [ "$(kvm_starts)" -eq 0 ] &&
	! [ -s "$work/second.err" ]
tap $? "the verdict is kept: a second run does not probe, and is quiet (exit $(rc second), $(kvm_starts) KVM starts)"

# 2. DSTATE_ACCEL forces either, without a probe.
STANDIN_MODE=kvm-hangs DSTATE_ACCEL=kvm DSTATE_BOOT_SECS=5 \
	vm forced-kvm -t 120 -- true
[ "$(rc forced-kvm)" -eq 125 ] && [ "$(kvm_starts)" -eq 1 ] &&
	grep -q 'did not boot: nothing on its console within 5s' "$work/forced-kvm.err" &&
	[ "$(secs forced-kvm)" -lt 30 ]
tap $? "DSTATE_ACCEL=kvm uses KVM; the silent guest fails as 'did not boot' after the boot limit, not the run's 120 s (exit $(rc forced-kvm), $(secs forced-kvm) s)"

rm -rf "$DSTATE_CACHE"
STANDIN_MODE=kvm-hangs DSTATE_ACCEL=tcg vm forced-tcg -t 120 -- true
[ "$(rc forced-tcg)" -eq 0 ] && [ "$(kvm_starts)" -eq 0 ]
tap $? "DSTATE_ACCEL=tcg: no probe, software emulation (exit $(rc forced-tcg), $(kvm_starts) KVM starts)"

DSTATE_ACCEL=bogus vm bogus -t 120 -- true
[ "$(rc bogus)" -ne 0 ] && grep -q 'must be kvm or tcg' "$work/bogus.err"
tap $? "DSTATE_ACCEL=bogus is refused with a clear error (exit $(rc bogus))"

# 3. No KVM device at all: software emulation, no probe.
DSTATE_KVM_DEVICE=$work/none STANDIN_MODE=kvm-hangs vm nokvm -t 120 -- true
[ "$(rc nokvm)" -eq 0 ] && [ "$(kvm_starts)" -eq 0 ]
tap $? "no KVM device: software emulation without a probe (exit $(rc nokvm))"

# 4. A guest that prints nothing under software emulation either: the
# boot limit is 60 s, times the series' VM_SLOWDOWN, as is the run's own.
# shellcheck disable=SC1090
slowdown=$(. "$top/cache/kernels/$series/env" && echo "${VM_SLOWDOWN:-1}")
bound=$((60 * slowdown))
STANDIN_MODE=silent DSTATE_ACCEL=tcg vm silent -t 120 -- true
[ "$(rc silent)" -eq 125 ] &&
	grep -q "did not boot: nothing on its console within ${bound}s" "$work/silent.err" &&
	[ "$(secs silent)" -lt $((bound + 30)) ]
tap $? "a guest silent under TCG fails as 'did not boot' at the ${bound} s bound, not the run's $((120 * slowdown)) s (exit $(rc silent), $(secs silent) s)"

echo "1..$n"
[ "$failed" -eq 0 ]
