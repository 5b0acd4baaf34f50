#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# How long dstate.ko holds its spinlock and keeps preemption off, by the
# kernel's own tracers, on the debug kernel (the only series built with
# them):
#
#   [LOCK_TRACE_NAME=NAME] lock-trace.sh [SLEEPERS [MODULE [BENCH]]]
#
# Boots the debug kernel with the module as it ships (no measuring build)
# and runs `dstate-bench --lock SLEEPERS`, which marks each phase of its
# workload (SLEEP: every sleeper registers; LIST, INFO, TASK_STATE,
# RELEASE_PID, RELEASE_ALL; EXITS: the released sleepers unregister and
# exit) by running a command.  Two tracers watch:
#
#  - lockdep's lock_acquire and lock_release events, filtered to the lock
#    named dstate_lock, in a trace instance of their own: each hold is a
#    release's time minus the acquire's on the same CPU (preemption is off
#    in between, so nothing else of ours runs there);
#  - the preemptoff latency tracer at the top level, reset as each phase
#    begins: the longest time the whole kernel kept preemption off in the
#    phase, and where that section began and ended, with its stack, to
#    say whether it was dstate's.
#
# Prints one line per phase that took the lock: holds, longest and mean
# hold, then the phase's longest preemption-off section and whether
# dstate's code was on its stack.  The released sleepers unregister as soon as the release's
# walk ends, before the phase command has run: their holds count in
# RELEASE_PID and RELEASE_ALL, and EXITS is seldom shown.
#
# SLEEPERS defaults to 10000.  MODULE and BENCH, for a before-and-after,
# are another build of dstate.ko for the debug kernel and a program that
# runs the same workload against it (its ABI may be older), taking
# SLEEPERS as its argument and the phase command from DSTATE_BENCH_PHASE;
# by default, this tree's module (built here) and `dstate-bench --lock`.
# Everything goes to build/lock-trace (build/lock-trace-NAME with
# LOCK_TRACE_NAME), the guest's own output in raw.txt.  The times are the
# debug kernel's (lockdep and KASAN make every lock operation slower) under
# the VM's accelerator: compare them with each other, not with a
# production kernel.

set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
sleepers=${1:-10000}
module=${2:-}
bench=${3:-}
out=$top/build/lock-trace${LOCK_TRACE_NAME:+-$LOCK_TRACE_NAME}

cd "$top"
mkdir -p "$out"
make -s user/dstate tests/bench/dstate-bench vm-tests
if [ -z "$module" ]; then
	scripts/build-module.sh debug "$out/module" > "$out/build.log" 2>&1 ||
		{ cat "$out/build.log" >&2; exit 1; }
	module=$out/module/dstate.ko
fi
rm -rf "${out:?}/bin"
cp -r build/tests/bin "$out/bin"
run="dstate-bench --lock"
if [ -n "$bench" ]; then
	cp "$bench" "$out/bin/lock-bench"
	run=/tests/bin/lock-bench
fi
scripts/mkinitramfs.sh debug "$out/initramfs.gz" "$module" user/dstate \
	"$out/bin"

# The phase command: close the phase in progress (its preemptoff maximum
# and the trace of that section), open the next one.  The tracer runs in
# the ioctl phases only: in SLEEP and EXITS, 10,000 forks and exits under
# it would take the debug kernel most of an hour, and the lock events
# measure those holds.
# shellcheck disable=SC2016
phase='#!/bin/sh
T=/sys/kernel/tracing
echo "phase $1" > $T/instances/dstate/trace_marker
if [ -s /tmp/lt/current ]; then
	cur=$(cat /tmp/lt/current)
	if [ "$(cat $T/current_tracer)" = preemptoff ]; then
		cat $T/tracing_max_latency > "/tmp/lt/$cur.max"
		cat $T/trace > "/tmp/lt/$cur.trace"
	fi
fi
case $1 in
SLEEP|EXITS|end) tracer=nop ;;
*) tracer=preemptoff ;;
esac
[ "$(cat $T/current_tracer)" = $tracer ] || echo $tracer > $T/current_tracer
echo "$1" > /tmp/lt/current
echo 0 > $T/tracing_max_latency'

# shellcheck disable=SC2016
guest='set -e
T=/sys/kernel/tracing
mountpoint_ok() { grep -q " $T tracefs " /proc/mounts; }
mountpoint_ok || mount -t tracefs tracefs $T
mkdir -p /tmp/lt
printf "%s\n" "$PHASE" > /tmp/lt/phase
chmod +x /tmp/lt/phase
insmod /lib/modules/dstate.ko max_sleepers=$((N + 64))
mkdir $T/instances/dstate
I=$T/instances/dstate
echo 16384 > $I/buffer_size_kb
echo "name == \"dstate_lock\"" > $I/events/lock/lock_acquire/filter
echo "name == \"dstate_lock\"" > $I/events/lock/lock_release/filter
echo 1 > $I/events/lock/lock_acquire/enable
echo 1 > $I/events/lock/lock_release/enable
echo 1 > $T/tracing_on
# Each sleeper is in D for minutes: no hung-task reports in the way.
echo 0 > /proc/sys/kernel/hung_task_timeout_secs
DSTATE_BENCH_PHASE=/tmp/lt/phase $RUN "$N"
echo nop > $T/current_tracer
echo 0 > $I/events/enable
rmmod dstate
echo "== holds"
# Each hold: a release minus the acquire before it on the same CPU.
awk "
/tracing_mark_write: phase / { ph = \$NF; if (!(ph in order)) order[ph] = ++np; next }
/lock_acquire: / { cpu = \$2; ts = \$0; sub(/:.*/, \"\", ts); sub(/.* /, \"\", ts); at[cpu] = ts; next }
/lock_release: / {
	cpu = \$2; ts = \$0; sub(/:.*/, \"\", ts); sub(/.* /, \"\", ts)
	if (!(cpu in at) || ph == \"\") next
	d = (ts - at[cpu]) * 1e6; delete at[cpu]
	n[ph]++; sum[ph] += d; if (d > max[ph]) max[ph] = d
}
END {
	for (i = 1; i <= np; i++)
		for (p in order)
			if (order[p] == i && n[p])
				printf \"hold %s %d %.0f %.1f\\n\", p, n[p], max[p], n[p] ? sum[p] / n[p] : 0
}
" $I/trace
echo "== lost: $(grep -c "LOST" $I/trace || true) lines with lost events"
for f in /tmp/lt/*.max; do
	p=${f##*/}; p=${p%.max}
	t=/tmp/lt/$p.trace
	ours=no
	grep -q "=> dstate_" "$t" && ours=yes
	printf "preemptoff %s %s %s %s %s\n" "$p" "$(cat "$f")" "$ours" \
		"$(sed -n "s/^#  => started at: *//p" "$t" | head -n 1)" \
		"$(sed -n "s/^#  => ended at: *//p" "$t" | head -n 1)"
	grep -E "^ *=> " "$t" | head -n 8 | sed "s/^/stack $p: /"
done
rmdir $I'

# About 100 kB of kernel memory per sleeping process, more with KASAN.
mem_mb=$((1024 + sleepers * 300 / 1024))
scripts/vm-run.sh -k debug -i "$out/initramfs.gz" -m "${mem_mb}M" \
	-t 1800 -l "$out/vm.log" -- \
	env N="$sleepers" PHASE="$phase" RUN="$run" sh -c "$guest" > "$out/raw.txt"

# The table: per phase, holds and the longest preemption-off section.
awk '
$1 == "==" { next }
$1 == "preemptoff" { pmax[$2] = $3; pours[$2] = $4; pwhere[$2] = $5 " .. " $6; next }
$1 == "hold" { order[++n] = $2; holds[$2] = $3; hmax[$2] = $4; hmean[$2] = $5 }
END {
	printf "%-12s %7s %12s %10s %14s %s\n", "phase", "holds", "longest us",
	       "mean us", "preempt-off us", "(dstate on its stack; from .. to)"
	for (i = 1; i <= n; i++) {
		p = order[i]
		printf "%-12s %7d %12d %10.1f %14s %s (%s)\n", p, holds[p], hmax[p],
		       hmean[p], pmax[p], pours[p], pwhere[p]
	}
}' "$out/raw.txt"
grep -E "^stack|^== lost" "$out/raw.txt" || true
