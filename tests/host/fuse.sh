#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Host test: the FUSE methods, judged by what the kernel shows.
#  - fuse-noreply: the daemon took the READ and holds it.  The reader
#    sleeps in S in request_wait_answer; SIGKILL cannot take the request
#    back, so the reader goes to D and stays there until the daemon
#    answers (here: is told to, or is killed, or the connection's abort
#    file is written).
#  - fuse-noread: the daemon never takes the READ; SIGKILL takes it back
#    and ends the reader at once.
# Every way out (answer on the timeout, SIGINT, SIGTERM, SIGKILL of the
# reader or of the daemon, the abort file, SIGKILL of both then 'dstate
# cleanup') must leave no mount, directory or process.  'dstate spawn'
# starts both, each reader with a daemon of its own (its HELPER), ended by
# SIGTERM to either or the timeout, and undone by SIGINT or SIGKILL to
# spawn before its table.  Needs root and /dev/fuse.  Prints TAP.

set -u
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/host/common.inc
. "$here/common.inc"

echo "TAP version 13"
skip_all() { echo "ok 1 - FUSE methods # SKIP $1"; echo "1..1"; exit 0; }
[ "$(id -u)" = 0 ] || skip_all "needs root (mount)"
[ -c /dev/fuse ] || skip_all "no /dev/fuse"
host_tmpdir fuse
# What the commands print goes apart from $tmp, which must end empty.
work=$(mktemp -d "${TMPDIR:-/tmp}/dstate-fuse-test.XXXXXX")
trap 'host_cleanup; rm -rf "$work"' EXIT
export TMPDIR=$tmp

letter() { awk '{ sub(/.*\) /, ""); print $1 }' "/proc/$1/stat" 2> /dev/null; }
is_letter() { [ "$(letter "$1")" = "$2" ]; }
in_fuse_wait() {
	is_letter "$1" "$2" && [ "$(cat "/proc/$1/wchan" 2> /dev/null)" = request_wait_answer ]
}
gone() { [ ! -d "/proc/$1" ] || is_letter "$1" Z; }
daemon_of() { pgrep -P "$1" -x dstate-fuse; }

# What a run may leave: our mounts and directories, and its daemon.
leftovers() {
	grep -F " $tmp/" /proc/mounts | awk '{print "mount " $2}'
	(cd "$tmp" && find . -mindepth 1 -maxdepth 1 -printf 'file %p\n')
	[ -n "${1:-}" ] && [ -d "/proc/$1" ] && echo "daemon $1"
}
nothing_left() { [ -z "$(leftovers "${1:-}")" ]; }

# start METHOD [ARGS...]: the reader in the background, in $r; its
# daemon in $d, once the reader waits in request_wait_answer.
start() {
	"$D" sleep "$@" > "$work/out" 2>&1 &
	r=$!
	pids+=("$r")
	poll_for 10000 in_fuse_wait "$r" S
	d=$(daemon_of "$r")
	[ -n "$d" ] && pids+=("$d")
}

# The probe: can this host mount FUSE at all?  Any other failure fails.
if ! "$D" sleep fuse-noread --timeout 10ms > "$work/out" 2>&1; then
	grep -qE 'could not (open /dev/fuse|mount FUSE)' "$work/out" &&
		skip_all "FUSE does not mount here: $(head -n 1 "$work/out")"
	ok 1 "dstate sleep fuse-noread: $(head -n 1 "$work/out")"
	echo "1..$n"
	exit 1
fi

# --- fuse-noreply: SIGKILL leaves the reader in D ---------------------------
start fuse-noreply
in_fuse_wait "$r" S
ok $? "fuse-noreply: the reader sleeps in S in request_wait_answer"
"$D" state "$r" > "$work/state" 2>&1
grep -q '^  killable:  unknown (.*a FUSE request: SIGKILL ends it only if the daemon has not read it)' "$work/state"
res=$?; ok $res "state of the reader: killable unknown, a FUSE request"
[ $res = 0 ] || sed 's/^/# /' "$work/state"
kill -KILL "$r"
poll_for 5000 in_fuse_wait "$r" D
ok $? "fuse-noreply: SIGKILL moves the reader to D, still in request_wait_answer"
grep -q fuse_direct_io "/proc/$r/stack"
ok $? "its kernel stack is the FUSE read ($(grep -o 'fuse_[a-z_]*' "/proc/$r/stack" | head -n 2 | tr '\n' ' '))"
grep -q '^ShdPnd:.*0100$' "/proc/$r/status"
ok $? "and SIGKILL is pending, not taken: $(grep ShdPnd "/proc/$r/status")"
kill -TERM "$d"
wait "$r"; rc=$?
[ $rc = 137 ]
ok $? "SIGTERM to the daemon answers; the reader dies of its SIGKILL (exit $rc)"
poll_for 5000 nothing_left "$d"
ok $? "fuse-noreply, killed: nothing left $(leftovers "$d" | tr '\n' ' ')"

# --- fuse-noread: SIGKILL ends the reader -----------------------------------
start fuse-noread
in_fuse_wait "$r" S
ok $? "fuse-noread: the reader sleeps in S in request_wait_answer"
kill -KILL "$r"
poll_for 5000 gone "$r"
ok $? "fuse-noread: SIGKILL takes the unread request back and ends the reader"
wait "$r"; rc=$?
[ $rc = 137 ]
ok $? "fuse-noread: killed by SIGKILL (exit $rc)"
poll_for 5000 nothing_left "$d"
ok $? "fuse-noread, killed: its daemon unmounts and deletes: nothing left $(leftovers "$d" | tr '\n' ' ')"

# --- the timeout, and the interruptions -------------------------------------
for m in fuse-noreply fuse-noread; do
	"$D" sleep "$m" --timeout 300ms > "$work/out" 2>&1; rc=$?
	[ $rc = 0 ] && grep -q '^woke: *answered' "$work/out"
	ok $? "$m --timeout 300ms: answered, exit $rc"
	ok "$(nothing_left; echo $?)" "$m, answered: nothing left"
done
for sig in INT TERM HUP; do
	for m in fuse-noreply fuse-noread; do
		start "$m"
		kill -"$sig" "$r"
		wait "$r"; rc=$?
		want=$((128 + $(kill -l "$sig")))
		[ $rc = $want ]
		ok $? "$m, SIG$sig to the reader: it dies of it (exit $rc, wanted $want)"
		poll_for 5000 nothing_left "$d"
		ok $? "$m, SIG$sig: nothing left $(leftovers "$d" | tr '\n' ' ')"
	done
done

# --- the daemon killed: the connection is aborted ---------------------------
start fuse-noreply
kill -KILL "$d"
wait "$r"; rc=$?
[ $rc = 0 ] && grep -q '^woke: *connection aborted' "$work/out"
ok $? "SIGKILL to the daemon aborts the connection: the read fails (exit $rc: $(grep woke "$work/out"))"
poll_for 5000 nothing_left "$d"
ok $? "the reader unmounts and deletes what the daemon could not: nothing left $(leftovers "$d" | tr '\n' ' ')"

# --- the connection's abort file --------------------------------------------
ctl=/sys/fs/fuse/connections mounted_ctl=
if [ -d "$ctl" ] && ! grep -q " $ctl fusectl " /proc/mounts; then
	mount -t fusectl fusectl "$ctl" 2> /dev/null && mounted_ctl=1
fi
if grep -q " $ctl fusectl " /proc/mounts; then
	start fuse-noreply
	kill -KILL "$r"
	poll_for 5000 in_fuse_wait "$r" D
	mnt=$(grep -F " $tmp/" /proc/mounts | awk '{print $2}')
	# The connection is named by the minor of the mount's device.
	conn=$(awk -v m="$mnt" '$5 == m { split($3, dev, ":"); print dev[2] }' /proc/self/mountinfo)
	echo 1 > "$ctl/$conn/abort"
	poll_for 5000 gone "$r"
	ok $? "writing $ctl/$conn/abort ends the reader in D"
	wait "$r"; rc=$?
	[ $rc = 137 ]
	ok $? "which then dies of its SIGKILL (exit $rc)"
	poll_for 5000 nothing_left "$d"
	ok $? "abort: nothing left $(leftovers "$d" | tr '\n' ' ')"
	[ -n "$mounted_ctl" ] && umount "$ctl"
else
	n=$((n + 1)); echo "ok $n - the connection's abort file # SKIP no fusectl at $ctl"
fi

# --- the kernel's request timeout (Linux 6.14 on) ---------------------------
# Asked for at INIT, it aborts the connection once a request has waited
# that long (checked every 15 s or so): the one way besides the daemon or
# the abort file to free a reader SIGKILL left in D.  Three at once.
"$D" sleep fuse-noreply --request-timeout 500ms > "$work/out" 2>&1; rc=$?
[ $rc = 2 ] && grep -q 'not within 1s..65535s' "$work/out"
ok $? "--request-timeout 500ms: a usage error, under the kernel's whole second (exit $rc)"
"$D" sleep vfork --request-timeout 2s > "$work/out" 2>&1; rc=$?
[ $rc = 2 ] && grep -q 'is for the FUSE methods' "$work/out"
ok $? "--request-timeout with vfork: a usage error (exit $rc)"
if [ -e /proc/sys/fs/fuse/max_request_timeout ]; then
	declare -A rt_r rt_d rt_rc
	for c in noreply killed noread; do
		m=fuse-$c; [ $c = killed ] && m=fuse-noreply
		"$D" sleep "$m" --request-timeout 1s > "$work/rt-$c" 2>&1 &
		rt_r[$c]=$!
		pids+=("${rt_r[$c]}")
		poll_for 10000 in_fuse_wait "${rt_r[$c]}" S
		rt_d[$c]=$(daemon_of "${rt_r[$c]}")
	done
	kill -KILL "${rt_r[killed]}"
	poll_for 5000 in_fuse_wait "${rt_r[killed]}" D
	ok $? "request timeout: a SIGKILLed reader of a held READ sleeps in D meanwhile"
	t0=$(date +%s)
	for c in noreply killed noread; do
		wait "${rt_r[$c]}"; rt_rc[$c]=$?
	done 2> /dev/null
	t=$(($(date +%s) - t0))
	[ "${rt_rc[noreply]}" = 0 ] && grep -q '^woke: *connection aborted' "$work/rt-noreply"
	ok $? "fuse-noreply --request-timeout 1s: the kernel aborts the connection, the read fails (exit ${rt_rc[noreply]}, $(grep -o 'slept: .*' "$work/rt-noreply"))"
	[ "${rt_rc[noread]}" = 0 ] && grep -q '^woke: *connection aborted' "$work/rt-noread"
	ok $? "fuse-noread --request-timeout 1s: an unread request times out too (exit ${rt_rc[noread]})"
	[ "${rt_rc[killed]}" = 137 ]
	ok $? "the reader in D is freed, and dies of its SIGKILL (exit ${rt_rc[killed]}, ${t}s after the kill)"
	for c in noreply killed noread; do
		poll_for 5000 nothing_left "${rt_d[$c]}"
		ok $? "request timeout, $c: the daemon tears down: nothing left $(leftovers "${rt_d[$c]}" | tr '\n' ' ')"
	done
else
	"$D" sleep fuse-noreply --request-timeout 2s > "$work/out" 2>&1; rc=$?
	[ $rc = 1 ] && grep -q 'this kernel has none (it came in Linux 6.14' "$work/out"
	ok $? "--request-timeout on a kernel without it: refused, not a sleep without end (exit $rc)"
	ok "$(nothing_left; echo $?)" "refused: nothing left $(leftovers | tr '\n' ' ')"
fi

# --- both killed: dstate cleanup --------------------------------------------
start fuse-noreply
kill -KILL "$r" "$d"
wait "$r"
poll_for 5000 gone "$d"
[ -n "$(leftovers)" ]
ok $? "SIGKILL to reader and daemon leaves the mount and directory: $(leftovers | tr '\n' ' ')"
"$D" cleanup > "$work/out" 2>&1; rc=$?
[ $rc = 0 ] && grep -q "^unmounted *$tmp/dstate-fuse\.......[/]mnt" "$work/out" &&
	grep -q "^removed *$tmp/dstate-fuse\......." "$work/out"
ok $? "dstate cleanup unmounts and removes them (exit $rc)"
ok "$(nothing_left; echo $?)" "after cleanup: nothing left $(leftovers | tr '\n' ' ')"

# --- spawn: each sleeper with a daemon of its own ---------------------------
# spawned_ok METHOD FILE N: N lines, each reader in S in request_wait_answer
# (per /proc), its HELPER a dstate-fuse child of it; "PID HELPER" lines
# into $work/ph.
spawned_ok() {
	[ "$(wc -l < "$2")" = "$3" ] || return 1
	: > "$work/ph"
	while read -r p h; do
		in_fuse_wait "$p" S && [ "$(daemon_of "$p")" = "$h" ] || return 1
		pids+=("$p" "$h")
		echo "$p $h" >> "$work/ph"
	done < "$2"
}
mounts_now() { grep -cF " $tmp/" /proc/mounts; }

"$D" spawn fuse-noreply -n 3 --noheadings -r -o PID,HELPER > "$work/sp" 2> "$work/err"; rc=$?
[ $rc = 0 ] && spawned_ok fuse-noreply "$work/sp" 3 && [ "$(mounts_now)" = 3 ]
ok $? "spawn fuse-noreply -n 3: exit $rc, three readers in S in request_wait_answer, each with its own daemon and mount $(cat "$work/err")"
read -r p1 h1 < <(sed -n 1p "$work/ph")
read -r p2 h2 < <(sed -n 2p "$work/ph")
read -r p3 h3 < <(sed -n 3p "$work/ph")
kill -KILL "$p1"
poll_for 5000 is_letter "$p1" D
ok $? "spawned fuse-noreply: SIGKILL moves the reader to D ($(letter "$p1")): the daemon holds its READ"
kill -TERM "$h1"
poll_for 5000 gone "$p1" && poll_for 5000 gone "$h1"
ok $? "SIGTERM to its HELPER answers: the reader dies of its SIGKILL, the daemon ends"
kill -TERM "$p2"
poll_for 5000 gone "$p2" && poll_for 5000 gone "$h2"
ok $? "SIGTERM to a spawned reader: its daemon answers, both end"
kill -TERM "$h3"
poll_for 5000 gone "$p3" && poll_for 5000 gone "$h3"
ok $? "SIGTERM to the third's HELPER: both end"
poll_for 5000 nothing_left
ok $? "nothing left: $(leftovers | tr '\n' ' ')"

"$D" spawn fuse-noread -n 2 --noheadings -r -o PID,HELPER > "$work/sp" 2> "$work/err"; rc=$?
[ $rc = 0 ] && spawned_ok fuse-noread "$work/sp" 2
ok $? "spawn fuse-noread -n 2: exit $rc, in S in request_wait_answer, each with its daemon"
read -r p1 h1 < <(sed -n 1p "$work/ph")
read -r p2 h2 < <(sed -n 2p "$work/ph")
kill -KILL "$p1"
poll_for 5000 gone "$p1"
ok $? "spawned fuse-noread: SIGKILL takes the unread READ back, the reader dies at once"
poll_for 5000 gone "$h1" && in_fuse_wait "$p2" S
ok $? "its daemon, its sleeper gone, answers and ends; the other reader still waits"
kill -TERM "$h2"
poll_for 5000 gone "$p2" && poll_for 5000 gone "$h2" && poll_for 5000 nothing_left
ok $? "SIGTERM to the other's HELPER: both end, nothing left: $(leftovers | tr '\n' ' ')"

"$D" spawn fuse-noreply -n 2 --timeout 500ms --noheadings -r -o PID,HELPER > "$work/sp" 2> "$work/err"; rc=$?
[ $rc = 0 ] && spawned_ok fuse-noreply "$work/sp" 2
ok $? "spawn fuse-noreply -n 2 --timeout 500ms: exit $rc, both waiting"
for p in $(cut -d' ' -f1,2 "$work/ph"); do poll_for 5000 gone "$p" || echo "$p" ; done > "$work/left"
[ ! -s "$work/left" ] && poll_for 5000 nothing_left
ok $? "after the timeout the daemons answer: readers and daemons end, nothing left ($(cat "$work/left"))"

# Before the table: SIGINT undoes it all, as does SIGKILL (the daemons see
# the owner pipe's end of file).
for sig in INT TERM HUP KILL; do
	for delay in 0.01 0.05 0.2; do
		"$D" spawn fuse-noreply -n 4 > "$work/sp" 2>&1 &
		s=$!
		sleep "$delay"
		kill "-$sig" "$s" 2> /dev/null
		{ wait "$s"; } 2> /dev/null
		rc=$?
		# Done already: what it printed stays, and is undone here.
		[ $rc = 0 ] && awk 'NR > 1 { print $1 }' "$work/sp" | xargs -r kill -TERM
		poll_for 10000 nothing_left
		ok $? "spawn fuse-noreply -n 4, SIG$sig after ${delay}s (exit $rc): nothing left $(leftovers | tr '\n' ' ')"
	done
done

echo "1..$n"
[ $failed = 0 ]
