#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Which accelerator can run the test VM for one kernel series:
#
#   vm-accel.sh [-v] SERIES     prints "kvm" or "tcg"
#
# A usable /dev/kvm is not proof that KVM can run the guest: a
# paravirtualized KVM (no VMX or SVM in the host's CPU) opens and accepts
# the VM, and the guest then never prints a line.  So KVM is trusted only
# after a probe boot of the series' own kernel, with no initramfs, has
# printed its banner and run to its end (the "no root filesystem" panic,
# which panic=-1 with -no-reboot turns into QEMU's exit) within a short
# limit.  The verdict is kept per machine, QEMU and kernel, outside the
# clone, so that each is probed once.  When a probe finds KVM unusable,
# one line on stderr says why (with -v: whenever KVM is not used).
#
# Environment:
#   DSTATE_ACCEL=kvm|tcg     force one, without a probe
#   DSTATE_CACHE             where verdicts are kept (/var/cache/dstate)
#   DSTATE_QEMU              the QEMU binary (qemu-system-x86_64)
#   DSTATE_KVM_DEVICE        the KVM device (/dev/kvm)
#   DSTATE_KVM_PROBE_SECS    the probe's limit (20)

set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
verbose=
if [ "${1:-}" = -v ]; then
	verbose=1
	shift
fi
series=${1:?usage: vm-accel.sh [-v] SERIES}
qemu=${DSTATE_QEMU:-qemu-system-x86_64}
kvm_dev=${DSTATE_KVM_DEVICE:-/dev/kvm}
limit=${DSTATE_KVM_PROBE_SECS:-20}

case ${DSTATE_ACCEL:-} in
kvm|tcg)	echo "$DSTATE_ACCEL"; exit 0 ;;
'')		;;
*)		echo "vm-accel: DSTATE_ACCEL must be kvm or tcg, not '$DSTATE_ACCEL'" >&2
		exit 2 ;;
esac

if ! [ -r "$kvm_dev" ] || ! [ -w "$kvm_dev" ]; then
	[ -n "$verbose" ] &&
		echo "vm-accel: no usable $kvm_dev: software emulation (TCG)" >&2
	echo tcg
	exit 0
fi

env=$top/cache/kernels/$series/env
[ -f "$env" ] || { echo "vm-accel: no kernel $series; run 'make kernels'" >&2; exit 2; }
# shellcheck disable=SC1090
. "$env"

# The key: this machine, its kernel and KVM device, the QEMU binary and
# the guest kernel.
machine=$(cat /etc/machine-id 2>/dev/null || hostname)
key=$(printf '%s\n' "$machine" "$(uname -r)" "$kvm_dev" \
	"$(command -v "$qemu")" "$("$qemu" --version | head -n1)" \
	"$(cksum < "$VMLINUZ")" | sha256sum | cut -c1-16)
dir=${DSTATE_CACHE:-/var/cache/dstate}/accel
mkdir -p "$dir"
verdict=$dir/$key

# Two VM runs of the same series may start at once: one probes.
exec 9> "$verdict.lock"
flock 9

if ! [ -s "$verdict" ]; then
	verbose=1
	log=$(mktemp "${TMPDIR:-/tmp}/dstate-kvm-probe.XXXXXX")
	rc=0
	timeout -k 2 "$limit" "$qemu" -accel kvm -cpu max -smp 1 -m 256M \
		-kernel "$VMLINUZ" -no-reboot -nodefaults -display none \
		-monitor none -serial "file:$log" \
		-append "console=ttyS0 panic=-1" < /dev/null > /dev/null 2>&1 ||
		rc=$?
	if [ "$rc" -eq 0 ] && grep -q 'Linux version' "$log"; then
		echo kvm > "$verdict"
	elif [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
		lines=$(grep -c . "$log" || true)
		echo "tcg $kvm_dev is there, but a probe boot of $KVER under KVM did not finish within ${limit}s ($lines console lines): software emulation (TCG)" > "$verdict"
	else
		echo "tcg $kvm_dev is there, but a probe boot of $KVER under KVM failed (QEMU exit $rc): software emulation (TCG)" > "$verdict"
	fi
	rm -f "$log"
fi

read -r accel why < "$verdict"
if [ "$accel" = tcg ] && [ -n "$verbose" ]; then
	echo "vm-accel: $why" >&2
fi
echo "$accel"
