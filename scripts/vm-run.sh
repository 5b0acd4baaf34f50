#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Boot the test VM once and run one command in it:
#
#   vm-run.sh [options] [--] COMMAND...
#     -k, --kernel SERIES   kernel series (default: $KERNEL or 6.1)
#     -i, --initrd FILE     the base initramfs (default: build/SERIES/initramfs.gz)
#     -m, --mem SIZE        guest memory (default: 1G)
#     -a, --append ARGS     extra kernel command line
#     -t, --timeout SECS    hard limit for the whole run (default: 300)
#     -l, --log FILE        serial console log (default: build/SERIES/logs/vm-*.log)
#     -s, --shell           no command: an interactive shell on the console
#
# The command's output is printed; the exit status is the command's.  When
# the guest never prints its exit marker (it did not boot, hung, or
# panicked), the run fails with status 125 and the tail of the console log;
# a guest with nothing on its console after DSTATE_BOOT_SECS (60) is
# stopped then.  KVM is used where scripts/vm-accel.sh has proved it
# (DSTATE_ACCEL=kvm|tcg forces one), software emulation otherwise.

set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
series=${KERNEL:-6.1} initrd= mem=1G append= timeout=300 log= shell=

usage() { sed -n '4,16s/^# \{0,1\}//p' "$0"; exit "${1:-2}"; }

while [ $# -gt 0 ]; do
	case $1 in
	-k|--kernel)	series=$2; shift 2 ;;
	-i|--initrd)	initrd=$2; shift 2 ;;
	-m|--mem)	mem=$2; shift 2 ;;
	-a|--append)	append=$2; shift 2 ;;
	-t|--timeout)	timeout=$2; shift 2 ;;
	-l|--log)	log=$2; shift 2 ;;
	-s|--shell)	shell=1; shift ;;
	-h|--help)	usage 0 ;;
	--)		shift; break ;;
	-*)		echo "vm-run: unknown option $1" >&2; usage ;;
	*)		break ;;
	esac
done
[ -n "$shell" ] || [ $# -gt 0 ] || { echo "vm-run: no command" >&2; usage; }

env=$top/cache/kernels/$series/env
[ -f "$env" ] || { echo "vm-run: no kernel $series; run 'make kernels'" >&2; exit 2; }
# shellcheck disable=SC1090
. "$env"

build=$top/build/$series
initrd=${initrd:-$build/initramfs.gz}
[ -f "$initrd" ] || { echo "vm-run: no initramfs $initrd; run 'make initramfs'" >&2; exit 2; }
mkdir -p "$build/logs"
log=${log:-$(mktemp "$build/logs/vm-$(date +%H%M%S)-XXXX.log")}

work=$(mktemp -d "${TMPDIR:-/tmp}/dstate-vm.XXXXXX")
trap 'rm -rf "$work"' EXIT

# KVM only where a probe boot proved it runs this kernel (vm-accel.sh).
accel=$("$top/scripts/vm-accel.sh" "$series") || exit 2
[ "$accel" = tcg ] && accel=tcg,thread=multi
qemu_bin=${DSTATE_QEMU:-qemu-system-x86_64}

# A series may ask for its own kernel command line (VM_APPEND) and for
# longer limits (VM_SLOWDOWN, a whole factor: the debug kernel's checkers
# make everything slower).
timeout=$((timeout * ${VM_SLOWDOWN:-1}))
# The guest's first console line comes within a few seconds under
# software emulation; the limit is well above that, for a host loaded with
# other VMs, unless the run's own is shorter.
boot_limit=${DSTATE_BOOT_SECS:-$((60 * ${VM_SLOWDOWN:-1}))}
[ "$boot_limit" -lt "$timeout" ] || boot_limit=$timeout

# dstate_kver lets a test check that it runs on the kernel it was built for.
# no_timer_check: under software emulation on a loaded host the boot's
# check of the timer interrupt can miss its ticks and reroute the timer, and
# the guest then hangs early in its boot (seen on 7.3 and, the first step
# of it, on 6.12-rt: "8254 timer not connected to IO-APIC").  QEMU wires
# the timer as the kernel expects, so the check is skipped.
cmdline="console=ttyS0 panic=-1 no_timer_check dstate_kver=$KVER ${VM_APPEND:-} $append"
qemu=("$qemu_bin" -accel "$accel" -cpu max -smp 2 -m "$mem"
      -kernel "$VMLINUZ" -no-reboot -nodefaults)

if [ -n "$shell" ]; then
	exec "${qemu[@]}" -initrd "$initrd" -nographic -serial mon:stdio \
		-append "$cmdline"
fi

# The command travels as a second cpio archive after the base one; the
# kernel unpacks both into the same root.
mkdir -p "$work/root/etc"
printf '%q ' "$@" > "$work/root/etc/vm-command"
echo >> "$work/root/etc/vm-command"
(cd "$work/root" && find . | cpio -o -H newc --quiet -R 0:0 | gzip -1) > "$work/cmd.gz"
cat "$initrd" "$work/cmd.gz" > "$work/initrd.gz"

out=$work/out

boot() {
	: > "$out"
	: > "$log"
	status=0
	timeout -k 5 "$timeout" "${qemu[@]}" -initrd "$work/initrd.gz" \
		-display none -monitor none \
		-serial "file:$log" -serial "file:$out" \
		-append "$cmdline dstate_out=ttyS1" < /dev/null &
	qemu_pid=$!

	# A guest that has printed nothing on its console within the boot
	# limit did not boot (a KVM that cannot run it, a kernel that dies
	# before its console): stop it now rather than at the end of the
	# whole limit.
	silent=
	boot_t0=$SECONDS
	while kill -0 "$qemu_pid" 2> /dev/null && ! [ -s "$log" ]; do
		if [ $((SECONDS - boot_t0)) -ge "$boot_limit" ]; then
			silent=1
			kill -TERM "$qemu_pid" 2> /dev/null
			break
		fi
		sleep 0.2
	done
	wait "$qemu_pid" || status=$?
}

boot
# A guest kernel that oopsed or panicked while booting, before the command
# started, ran none of it: that is the emulated machine's failure, not the
# test's (seen once in a hundred 7.3 boots under software emulation: an
# int3 oops in the scheduler, a second into the boot).  It is booted once
# more, and says so; the first console log is kept beside the second.
if ! grep -q '^DSTATE-VM-START' "$out" && [ -z "$silent" ] &&
   grep -qE 'Kernel panic|Oops' "$log"; then
	first=$(tr -d '\r' < "$log" | grep -m1 -E 'Oops|Kernel panic|BUG:' |
		sed 's/^\[[^]]*\] *//')
	mv "$log" "$log.boot1"
	echo "vm-run: the guest kernel crashed while booting, before the command started ($first); booting it once more (that console log: $log.boot1)" >&2
	boot
fi

# What the command printed, without the markers and the serial port's CRs.
tr -d '\r' < "$out" | sed '/^DSTATE-VM-START$/d; /^DSTATE-VM-EXIT [0-9]*$/d'

rc=$(tr -d '\r' < "$out" | sed -n 's/^DSTATE-VM-EXIT \([0-9]*\)$/\1/p' | tail -n1)
if [ -z "$rc" ]; then
	if [ -n "$silent" ]; then
		why="the guest did not boot: nothing on its console within ${boot_limit}s ($accel)"
	elif grep -q 'Kernel panic' "$log"; then
		why="the guest kernel panicked"
	elif [ "$status" -eq 124 ] || [ "$status" -eq 137 ]; then
		why="the VM did not finish within ${timeout}s (hung, or did not boot)"
	else
		why="the guest stopped without reporting an exit status (qemu exit $status: a panic, a reboot, or no boot)"
	fi
	echo "vm-run: $why; the last lines of $log:" >&2
	tail -n 30 "$log" | tr -d '\r' | sed 's/^/vm-run: | /' >&2
	exit 125
fi
exit "$rc"
