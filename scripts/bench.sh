#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make bench: measure dstate in the test VM on $KERNEL (default 6.1) and
# write the report to build/bench/results-SERIES.txt as well as stdout.
#
#   BENCH_ROUNDS   wake-latency rounds per series (default 1000)
#   BENCH_SCALE    concurrent sleepers for the scale test (default 10000)
#   BENCH_EXIT_ROUNDS  rounds per way of exit detection on the host (1000)
#
# The guest side is tests/bench/bench.c (dstate-bench in the initramfs).
# The VM cycle is measured here: the guest's uptime when its init starts
# and the wall time of a whole VM run of `true`, three runs, sorted.
# make check's own time comes from its last full run
# (build/test-logs/timing.txt), when there is one.

set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
series=${KERNEL:-6.1}
rounds=${BENCH_ROUNDS:-1000}
scale=${BENCH_SCALE:-10000}
out=$top/build/bench
results=$out/results-$series.txt

cd "$top"
make -s "build/$series/initramfs.gz"
mkdir -p "$out"
# shellcheck source=/dev/null
. "cache/kernels/$series/env"

# The accelerator the VM runs really get, and why (scripts/vm-accel.sh).
why=$(mktemp)
if [ "$(scripts/vm-accel.sh -v "$series" 2> "$why")" = kvm ]; then
	accel="KVM"
else
	accel=$(sed 's/^vm-accel: //' "$why")
fi
rm -f "$why"

# A VM of 10,000 processes: about 100 kB of kernel memory each, and room.
mem_mb=$((1024 + scale * 200 / 1024))

{
	echo "dstate bench, $(date -u '+%F %H:%M UTC')"
	echo "host: $(nproc) cores ($(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -n1)), $accel, Linux $(uname -r)"
	echo "guest: Debian $KVER, 2 vCPUs, ${mem_mb} MB"
} > "$results"

# The guest program: the module loaded with room for every sleeper.
start=$(date +%s%N)
scripts/vm-run.sh -k "$series" -m "${mem_mb}M" -t 900 \
	-l "$out/vm-$series.log" -- \
	sh -c "dstate load --max-sleepers $((scale + 64)) > /dev/null &&
	       dstate-bench $rounds $scale" > "$out/guest-$series.txt"
bench_s=$(( ($(date +%s%N) - start) / 1000000000 ))
cat "$out/guest-$series.txt" >> "$results"

# The VM cycle: three runs of `true`, each reporting when init started.
walls=() inits=()
for i in 1 2 3; do
	start=$(date +%s%N)
	init=$(scripts/vm-run.sh -k "$series" -t 120 -l "$out/vm-cycle-$i.log" \
		-- sh -c 'echo "$DSTATE_INIT_UPTIME"')
	walls+=($(( ($(date +%s%N) - start) / 1000000 )))
	inits+=("$init")
done
sorted_walls=$(printf '%s\n' "${walls[@]}" | sort -n | tr '\n' ' ')
sorted_inits=$(printf '%s\n' "${inits[@]}" | sort -n | tr '\n' ' ')
{
	echo
	echo "5. VM cycle ($series), three runs"
	echo "   guest uptime when init starts (s)            $sorted_inits"
	echo "   one VM run of 'true', wall (ms)              $sorted_walls"
	echo "   this benchmark's VM, wall (s)                $bench_s"
	if [ -f build/test-logs/timing.txt ]; then
		echo "   the last full make check (build/test-logs/timing.txt):"
		sed 's/^/     /' build/test-logs/timing.txt
	else
		echo "   make check: not run here yet (its time is recorded by a full run)"
	fi
} >> "$results"

# The module's own memory per sleeper, from its debug info.
size_of() {
	pahole -C "$1" "build/$series/dstate.ko" 2>/dev/null |
		sed -n 's/.*size: \([0-9]*\),.*/\1/p' | head -n1
}
{
	echo
	echo "6. The module's own memory per sleeper (pahole on dstate.ko)"
	echo "   a process: its struct dstate_sleep, $(size_of dstate_sleep) bytes, lives on its own"
	echo "   kernel stack for as long as the ioctl lasts; a uid's first sleeper"
	echo "   allocates its count, struct dstate_user, $(size_of dstate_user) bytes"
	echo "   a kernel thread: one kmalloc of struct dstate_kthread, $(size_of dstate_kthread) bytes"
} >> "$results"

# Exit detection by each of the four ways, natively: no module is needed.
{
	echo
	echo "7. On the host itself ($(uname -r), no VM)"
	make -s -C user bench > /dev/null
	tests/bench/exitwait-bench "${BENCH_EXIT_ROUNDS:-1000}" 1000 | sed 's/^/   /'
} >> "$results"

cat "$results"
echo
echo "(written to ${results#"$top"/})"
