#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The side-by-side table of make bench's results, for the README: one
# column per series, each figure with its floor or peer and the ratio,
# read from build/bench/results-SERIES.txt (make bench KERNEL=SERIES).
#
#   scripts/bench-table.sh [SERIES...]     (default: 6.1 6.12 latest)
#
# Prints Markdown on stdout; a series without results is an error.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
[ $# -gt 0 ] || set -- 6.1 6.12 latest

files=()
for s in "$@"; do
	f=$top/build/bench/results-$s.txt
	[ -r "$f" ] || { echo "bench-table: no $f (make bench KERNEL=$s)" >&2; exit 1; }
	files+=("$f")
done

awk '
# One figure of one file: the text after LABEL, split into fields.
function after(label,    i) {
	i = index($0, label)
	if (!i)
		return 0
	split(substr($0, i + length(label)), f, " ")
	return 1
}
FNR == 1 { n++ }
/^guest: Debian / { kver[n] = $3; sub(/,$/, "", kver[n]) }
/^host: / { accel[n] = ($0 ~ /software emulation/) ? "emulated" : "KVM" }
{
	if (after("pipe write -> read (floor)")) pipe[n] = f[1]
	if (after("   uninterruptible  ") && !wake_u[n]) { wake_u[n] = f[1]; wake_ur[n] = f[3] }
	if (after("   killable  ") && !wake_k[n]) { wake_k[n] = f[1]; wake_kr[n] = f[3] }
	if (after("fork all until /proc shows every one asleep")) { fork_p[n] = f[1]; fork_d[n] = f[2]; fork_r[n] = f[3] }
	if (after("wakeup until all have exited and are reaped")) { gone_p[n] = f[1]; gone_d[n] = f[2]; gone_r[n] = f[3] }
	if (after("LIST ioctl (best of 3)")) list[n] = f[1]
	if (after("dstate ls > /dev/null (median of 3)")) ls[n] = f[1]
	if (after("ps -eLo pid,tid,stat,wchan:32,comm (median of 3)")) { ps[n] = f[1]; ls_ps[n] = f[6] }
	if (after("dstate ls -o PID,TID,COMM,MODE,TAG,AGE,LEFT")) { mod[n] = f[1]; mod_r[n] = f[4] }
	if (after("dstate wait\x27s pidfd + poll()")) pidfd[n] = f[1]
	if (after("waitpid(WNOHANG) every 50 ms") && !poll50[n]) poll50[n] = f[1]
}
# One row: for each series, the figure, its floor or peer and the ratio.
function row(label, peer, unit, val, base, ratio,    i, line) {
	line = "| " label " | " peer " |"
	for (i = 1; i <= n; i++)
		line = line sprintf(" %s %s / %s = %s |", val[i], unit, base[i], ratio[i])
	print line
}
END {
	line = "| figure | floor or peer |"
	sep = "|---|---|"
	for (i = 1; i <= n; i++) {
		line = line " " kver[i] " (" accel[i] ") |"
		sep = sep "---|"
		exit_r[i] = sprintf("%.2f", pidfd[i] / poll50[i])
	}
	print line
	print sep
	row("wake latency p50, uninterruptible", "a pipe write to its reader", "µs", wake_u, pipe, wake_ur)
	row("wake latency p50, killable", "a pipe write to its reader", "µs", wake_k, pipe, wake_kr)
	row("10,000 forked until all seen asleep", "10,000 pipe readers", "ms", fork_d, fork_p, fork_r)
	row("10,000 woken until all reaped", "10,000 pipe readers", "ms", gone_d, gone_p, gone_r)
	row("`dstate ls` of 10,000", "`ps -eLo pid,tid,stat,wchan:32,comm`", "ms", ls, ps, ls_ps)
	row("`dstate ls -o PID,TID,COMM,MODE,TAG,AGE,LEFT` (no /proc)", "the LIST ioctl alone", "ms", mod, list, mod_r)
	row("exit seen, p50 from release, pidfd", "`waitpid(WNOHANG)` every 50 ms", "ms", pidfd, poll50, exit_r)
}
' "${files[@]}"
