#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Host test: every command that creates something, interrupted.  Each
# command runs with its own TMPDIR and a mark in its environment (which
# its children inherit), and is sent a signal after a chosen delay:
#
#  - SIGINT to its process group (a session of its own), alone, as a
#    terminal's Ctrl-C sends it, at a dozen delays from 10ms to 500ms, and
#    again the moment its table appears;
#  - SIGTERM and SIGHUP to its pid alone (timeout --foreground, which
#    sends nothing else);
#  - SIGKILL to dstate, or to a helper once spawn has left it, followed by
#    'dstate cleanup'.
#
# After each, the mounts and loop devices under the TMPDIR, the TMPDIR's
# contents and the processes bearing the mark must be as before: none.
# A run that ended before the signal (exit 0) is undone first as
# 'dstate spawn --help' says.  The exit status must be 0 or 128+signal.
# The delays are the inputs; every wait is a poll with a deadline.
# Needs root, a loop device and mke2fs for the fsfreeze cases.  Prints TAP.

set -u
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/host/common.inc
. "$here/common.inc"
left=0 cases=0

echo "TAP version 13"
if [ "$(id -u)" != 0 ]; then
	echo "ok 1 - interruptions # SKIP needs root (mounts, loop devices, ptrace)"
	echo "1..1"
	exit 0
fi
tmp=$(mktemp -d /tmp/dstate-itest.XXXXXX)
# Output goes to a file: a process stranded in D must not hang a $(...).
outf=$(mktemp /tmp/dstate-itest-out.XXXXXX)
trap 'rm -f "$outf"' EXIT
export TMPDIR=$tmp
fsfreeze_ok=1 why=
if ! losetup -f > /dev/null 2>&1; then
	fsfreeze_ok= why="no free loop device (losetup -f)"
elif ! command -v mke2fs > /dev/null && ! command -v busybox > /dev/null; then
	fsfreeze_ok= why="no mke2fs"
fi

# The processes that bear MARK in their environment.
marked() {
	grep -lzx "DSTATE_ITEST=$1" /proc/[0-9]*/environ 2> /dev/null |
		sed 's#^/proc/\([0-9]*\)/environ$#\1#' | grep -vx "$$"
}

# What a run may leave: mounts, loop devices, files, marked processes.
leftovers() {	# leftovers MARK
	local f p
	grep -F " $tmp/" /proc/mounts | awk '{print "mount " $2}'
	for f in /sys/block/loop*/loop/backing_file; do
		[ -r "$f" ] || continue
		grep -qF "$tmp/" "$f" 2> /dev/null &&
			echo "loop ${f#/sys/block/}: $(cat "$f")"
	done
	(cd "$tmp" && find . -mindepth 1 -maxdepth 1 -printf 'file %p\n')
	for p in $(marked "$1"); do
		echo "process $p $(awk '{print $2, $3}' "/proc/$p/stat" 2> /dev/null)"
	done
}

# Poll until nothing is left, for up to DEADLINE_MS; print what remains.
settled() {	# settled MARK DEADLINE_MS
	local end=$(( $(now_ms) + $2 )) out
	while :; do
		out=$(leftovers "$1")
		[ -z "$out" ] && return 0
		[ "$(now_ms)" -ge "$end" ] && break
		sleep 0.005
	done
	echo "$out"
	return 1
}

# Undo by force what a failed case left, so that the next starts clean.
scrub() {	# scrub MARK
	local m f p end
	for m in $(grep -F " $tmp/" /proc/mounts | awk '{print $2}'); do
		fsfreeze -u "$m" 2> /dev/null
	done
	end=$(( $(now_ms) + 5000 ))
	while p=$(marked "$1") && [ -n "$p" ] && [ "$(now_ms)" -lt "$end" ]; do
		kill -KILL $p 2> /dev/null
		sleep 0.01
	done
	for m in $(grep -F " $tmp/" /proc/mounts | awk '{print $2}' | sort -r); do
		umount "$m" 2> /dev/null || umount -l "$m"
	done
	for f in /sys/block/loop*/loop/backing_file; do
		grep -qF "$tmp/" "$f" 2> /dev/null &&
			losetup -d "/dev/$(echo "$f" | cut -d/ -f4)"
	done
	rm -rf "${tmp:?}"/*
}

# Undo what a finished spawn printed, as its --help says.
undo_spawned() {	# undo_spawned MODE OUTPUT
	local pid helper f
	# PID COMM MODE STATE STATE_NAME [HELPER] [TID SHAPE]; STATE_NAME may
	# hold a space, and SHAPE (threads=3,...) is no helper.
	while read -r -a f; do
		[ ${#f[@]} -gt 0 ] || continue
		pid=${f[0]} helper=${f[-1]}
		case $pid in ''|*[!0-9]*) continue ;; esac
		case $helper in *[!0-9]*) helper= ;; esac
		if [ "$1" = fsfreeze ]; then
			kill -TERM "$helper" 2> /dev/null
		elif [ "$1" = fuse-noreply ] || [ "$1" = fuse-noread ]; then
			# The reader: its daemon answers, then undoes it all.
			kill -TERM "$pid" 2> /dev/null
		else
			kill -KILL "$pid" ${helper:+"$helper"} 2> /dev/null
		fi
	done <<< "$2"
}

# check NAME MARK RC WANT_SIG OUTPUT [FAILED_OK]: judge one interrupted
# run; exit status 1 passes too with FAILED_OK.
check() {
	local name=$1 mark=$2 rc=$3 sig=$4 out=$5 what bad=0
	cases=$((cases + 1))
	if [ "$rc" -eq 1 ] && [ -n "${6:-}" ]; then
		:
	elif [ "$rc" -eq 0 ]; then
		case $name in spawn*) undo_spawned "$(echo "$name" | awk '{print $2}')" "$out" ;; esac
	elif [ "$rc" -ne $((128 + sig)) ]; then
		bad=1
	fi
	if ! what=$(settled "$mark" 3000); then
		bad=1
		left=$((left + 1))
	fi
	if [ $bad = 0 ]; then
		ok 0 "$name: exit $rc, nothing left"
	else
		ok 1 "$name: exit $rc (wanted 0 or $((128 + sig))), left:"
		[ -n "$what" ] && echo "$what" | head -n 8 | sed 's/^/#   /'
		[ "$(echo "$what" | grep -c .)" -gt 8 ] &&
			echo "#   ... $(echo "$what" | grep -c .) in all"
		scrub "$mark"
	fi
}

# What a hung PID does: its state, where it sleeps, who traces it (an ASan
# build's leak checker does at exit), and the same of its children.
hung_how() {	# hung_how PID
	local p c
	for p in "$1" $(cat "/proc/$1/task/$1/children" 2> /dev/null); do
		c=$(cat "/proc/$p/comm" 2> /dev/null) || continue
		printf '%s %s %s wchan %s tracer %s; ' "$p" "$c" \
		       "$(awk '/^State:/ {print $2}' "/proc/$p/status" 2> /dev/null)" \
		       "$(cat "/proc/$p/wchan" 2> /dev/null)" \
		       "$(awk '/^TracerPid:/ {print $2}' "/proc/$p/status" 2> /dev/null)"
	done
}

# Wait for background job PID, for up to DEADLINE_MS; its exit status, or
# 255 with "hung" said when it did not end (a dstate stranded in D).
# SIGNALLER, a job that may still signal PID's group, is waited for before
# PID is reaped, so that the group it names cannot be another's by then.
reap() {	# reap PID DEADLINE_MS MARK [SIGNALLER]
	local end=$(( $(now_ms) + $2 )) st
	while :; do
		st=$(awk '{print $3}' "/proc/$1/stat" 2> /dev/null)
		[ -z "$st" ] || [ "$st" = Z ] && break
		if [ "$(now_ms)" -ge "$end" ]; then
			echo "#   hung: still running after $(($2 / 1000))s:" \
			     "$(hung_how "$1")"
			scrub "$3"
			break
		fi
		sleep 0.01
	done
	[ -n "${4:-}" ] && wait "$4" 2> /dev/null
	wait "$1" 2> /dev/null
}

# own_group CMD...: run as a background job, exec CMD in a session and
# process group of its own (its pid names the group), with SIGINT and
# SIGQUIT at their default as in a terminal's job, not ignored as bash
# leaves them for a background command.  env sets them: 'trap -' cannot
# when the tests themselves started with them ignored (a make check run
# in the background), since bash keeps what it was given ignored.
own_group() {
	trap - INT QUIT
	exec env --default-signal=INT,QUIT setsid "$@"
}

# Has $outf something in it, or has PID ended (a zombie, or gone)?
printed_or_ended() {	# printed_or_ended PID
	local st
	[ -s "$outf" ] && return 0
	read -r st 2> /dev/null < "/proc/$1/stat" || return 0
	st=${st##*) }
	[ "${st%% *}" = Z ]
}

# Does PID lead a process group yet (or has it ended)?
grouped() {	# grouped PID
	local st
	read -r st 2> /dev/null < "/proc/$1/stat" || return 0
	st=${st##*) }
	st=${st#* * }
	[ "${st%% *}" = "$1" ]
}

# signal_group SIG PGID [WHEN]: send SIG to process group PGID and nothing
# else, as a terminal's Ctrl-C does, after WHEN seconds (a delay, or
# "table": once $outf holds something), counted from when the group is
# there: a signal to a group that own_group has not made yet is lost.
# Not timeout(1): it follows its signal with SIGCONT to the group, and an
# ASan build hangs when a SIGCONT comes as its leak checker (LSan)
# attaches to it at exit -- the SIGCONT discards the SIGSTOP of the
# PTRACE_ATTACH, the checker waits for a stop that never comes and dstate
# spins until killed, its table printed and what it started left to run.
signal_group() {
	poll_for 15000 grouped "$2"
	case ${3:-0} in
	table)	poll_for 15000 printed_or_ended "$2" ;;
	*)	sleep "${3:-0}" ;;
	esac
	kill -s "$1" -- "-$2" 2> /dev/null
	return 0
}

run=0
# interrupt SIG DELAY GROUP CMD...: run dstate CMD, signal it after DELAY.
interrupt() {
	local sig=$1 delay=$2 how=$3 mark out rc signum job
	shift 3
	run=$((run + 1))
	mark=$$-$run
	signum=$(kill -l "$sig")
	# A dstate in D ignores even SIGKILL: reap() bounds every run.
	if [ "$how" = group ]; then
		: > "$outf"
		DSTATE_ITEST=$mark own_group "$D" "$@" > "$outf" 2> /dev/null &
		job=$!
		signal_group "$sig" "$job" "$delay" &
		reap "$job" 15000 "$mark" $!
	else
		DSTATE_ITEST=$mark timeout --foreground --preserve-status \
			-k 10 -s "$sig" "$delay" "$D" "$@" > "$outf" 2> /dev/null &
		reap $! 15000 "$mark"
	fi
	rc=$?
	out=$(cat "$outf")
	if [ "$delay" = table ]; then
		delay="as its table appears"
	else
		delay="after ${delay}s"
	fi
	check "$* <- SIG$sig $delay ($how)" "$mark" "$rc" "$signum" "$out"
}

# killed DELAY CMD...: SIGKILL dstate after DELAY, then 'dstate cleanup'.
killed() {
	local delay=$1 mark rc
	shift
	run=$((run + 1))
	mark=$$-$run
	# --foreground: the SIGKILL for dstate alone, not for timeout too.
	DSTATE_ITEST=$mark timeout --foreground -s KILL "$delay" "$D" "$@" \
		> /dev/null 2>&1 &
	reap $! 15000 "$mark"
	"$D" cleanup > /dev/null 2>&1
	rc=$?
	check "$* <- SIGKILL after ${delay}s, then cleanup" "$mark" "$rc" 9 ""
}

# helper_killed MODE N: spawn N, SIGKILL every HELPER it printed, then
# 'dstate cleanup'.
helper_killed() {
	local mark helpers
	run=$((run + 1))
	mark=$$-$run
	DSTATE_ITEST=$mark "$D" spawn "$1" -n "$2" > "$outf" 2> /dev/null
	helpers=$(awk '$1 ~ /^[0-9]+$/ && $NF ~ /^[0-9]+$/ {print $NF}' "$outf" |
		  sort -u)
	[ -n "$helpers" ] && kill -KILL $helpers
	"$D" cleanup > /dev/null 2>&1
	check "spawn $1 -n $2, SIGKILL to its helpers $(echo $helpers), then cleanup" \
		"$mark" "$?" 9 ""
}

# The harness first: the group's signal comes alone, so a stopped member
# of the group that catches it stays stopped with it pending (timeout(1)
# continued it, and it ran its trap).
# shellcheck disable=SC2016
own_group bash -c 'trap "exit 2" INT; kill -STOP $$; exit 0' &
victim=$!
poll_for 5000 grep -q '^State:.*T' "/proc/$victim/status"
signal_group INT "$victim"
st=$(awk '/^State:/ {print $2}' "/proc/$victim/status")
pend=$(awk '/^ShdPnd:/ {print $2}' "/proc/$victim/status")
kill -KILL "$victim"
wait "$victim" 2> /dev/null
[ "$st" = T ] && [ $(( 0x${pend:-0} & 2 )) -ne 0 ]
ok $? "the group's SIGINT comes alone: a stopped member stays $st, SigInt pending ($pend)"

delays="0.01 0.02 0.03 0.05 0.07 0.1 0.13 0.17 0.2 0.25 0.3 0.4 0.5"
few="0.01 0.05 0.15 0.4"
start=$(now_ms)

for d in $delays; do
	interrupt INT "$d" group spawn stopped -n 300
done
# The shapes: threads, a zombie leader, a namespace's init.
for d in $few; do
	interrupt INT "$d" group spawn stopped --threads 3 -n 100
	interrupt INT "$d" group spawn vfork --zombie-leader -n 50
	interrupt TERM "$d" pid spawn running --pidns -n 4
	interrupt HUP "$d" pid spawn vfork --pidns --threads 2 -n 20
done
# spawn's FUSE readers: each daemon undoes its own.
if [ -c /dev/fuse ]; then
	for d in $few; do
		interrupt INT "$d" group spawn fuse-noreply -n 10
		interrupt TERM "$d" pid spawn fuse-noread -n 10
	done
fi
for d in $few; do
	interrupt INT "$d" group spawn zombie -n 100
	interrupt INT "$d" group spawn traced -n 100
	interrupt INT "$d" group spawn vfork -n 100
	interrupt INT "$d" group spawn running -n 4
	interrupt TERM "$d" pid spawn stopped -n 300
	interrupt HUP "$d" pid spawn traced -n 100
	interrupt TERM "$d" pid sleep vfork
done

# The moment the table appears: spawn is done but for its exit (and, in an
# ASan build, the leak check then).  It exits 0 and leaves nothing but
# what its table lists; running -n 4 hung here once under timeout(1).
for _ in 1 2 3 4 5; do
	interrupt INT table group spawn running -n 4
done
for m in stopped traced zombie vfork; do
	interrupt INT table group spawn "$m" -n 20
done

for m in traced zombie vfork; do
	helper_killed "$m" 3
done

if [ -n "$fsfreeze_ok" ]; then
	for d in $delays; do
		interrupt INT "$d" group spawn fsfreeze -n 3
		interrupt INT "$d" group sleep fsfreeze
	done
	for d in $few; do
		interrupt TERM "$d" pid spawn fsfreeze -n 2
		interrupt HUP "$d" pid spawn fsfreeze
		interrupt TERM "$d" pid sleep fsfreeze
		interrupt HUP "$d" pid sleep fsfreeze
		interrupt INT "$d" pid sleep fsfreeze
	done
	for d in 0.02 0.1 0.3; do
		killed "$d" spawn fsfreeze -n 2
		killed "$d" sleep fsfreeze
		killed "$d" spawn traced -n 50
		killed "$d" spawn stopped -n 100
	done

	# SIGKILL to the keeper spawn left: the writers stay in D until
	# 'dstate cleanup' thaws.
	helper_killed fsfreeze 2

	# SIGKILL to the keeper while spawn still waits for its writers:
	# spawn fails (1), and thaws and tears down itself.
	run=$((run + 1))
	mark=$$-$run
	DSTATE_ITEST=$mark "$D" spawn fsfreeze -n 300 > /dev/null 2>&1 &
	spawner=$!
	end=$(( $(now_ms) + 10000 ))
	keeper=
	while [ "$(now_ms)" -lt "$end" ]; do
		keeper=$(pgrep -P "$spawner" | head -n1)
		[ -n "$keeper" ] && [ -n "$(pgrep -P "$keeper" | head -n1)" ] && break
		sleep 0.002
	done
	[ -n "$keeper" ] && kill -KILL "$keeper"
	reap "$spawner" 15000 "$mark"
	check "spawn fsfreeze -n 300, SIGKILL to its keeper $keeper meanwhile" \
		"$mark" "$?" 9 "" failed-ok

	# SIGKILL to the keeper of 'dstate sleep fsfreeze' (its child).
	run=$((run + 1))
	mark=$$-$run
	DSTATE_ITEST=$mark "$D" sleep fsfreeze > /dev/null 2>&1 &
	sleeper=$!
	end=$(( $(now_ms) + 10000 ))
	keeper=
	while [ "$(now_ms)" -lt "$end" ]; do
		keeper=$(pgrep -P "$sleeper" | head -n1)
		[ -n "$keeper" ] && [ "$(awk '{print $3}' "/proc/$sleeper/stat" 2> /dev/null)" = D ] && break
		sleep 0.005
	done
	[ -n "$keeper" ] && kill -KILL "$keeper"
	"$D" cleanup > /dev/null 2>&1
	rc=$?
	check "sleep fsfreeze, SIGKILL to its keeper $keeper, then cleanup" \
		"$mark" "$rc" 9 ""

	# Nothing to undo: cleanup says nothing and exits 0, twice.
	out=$("$D" cleanup 2>&1 && "$D" cleanup 2>&1)
	rc=$?
	[ -n "$out" ] && rc=1
	ok $rc "cleanup with nothing left, twice: exit 0, silent${out:+ (said: $out)}"
else
	ok 0 "fsfreeze interrupted # SKIP $why"
fi

echo "# $cases interrupted runs in $(( ($(now_ms) - start) / 1000 ))s, $left left something behind"
rmdir "$tmp"
echo "1..$n"
[ "$failed" -eq 0 ]
