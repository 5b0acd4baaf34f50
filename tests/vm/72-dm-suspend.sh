#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The dm-suspend method on this kernel, judged by what it shows: a direct
# write to a suspended device-mapper device waits in D in io_schedule()
# (the kernel stack), the map says suspended (/sys/block/dm-N/dm/
# suspended), the wait counts in /proc/stat's procs_blocked, and SIGKILL
# does not end it; resuming does.  Every way out (the timeout, SIGINT,
# SIGKILL then the keeper's resume, the keeper killed then 'dstate
# cleanup') leaves no map, loop device, directory or keeper.  'dstate
# spawn dm-suspend' gives each writer a map and a keeper (its HELPER),
# ended by SIGTERM to either, and undone by SIGINT before its table.
#
# vm-options: -t 240

. /tests/vm/lib.sh

export TMPDIR=/tmp/dm-test
mkdir -p "$TMPDIR"
out=/tmp/dm.out

# Our maps: dstate-XXXXXX, by their name in sysfs.
maps() {
	for _n in /sys/block/dm-*/dm/name; do
		[ -r "$_n" ] && grep -l '^dstate-' "$_n" 2>/dev/null
	done
}
suspended() {
	for _n in $(maps); do
		[ "$(cat "${_n%/name}/suspended")" = 1 ] && return 0
	done
	return 1
}
keepers() {
	awk -v p="${1:-}" '$2 == "(dstate-dm)" && (p == "" || $4 == p) { print $1 }' \
		/proc/[0-9]*/stat 2>/dev/null
}
leftovers() {
	maps | sed 's/^/map /'
	for _f in /sys/block/loop*/loop/backing_file; do
		grep -qF "$TMPDIR/" "$_f" 2>/dev/null && echo "loop $_f"
	done
	ls -A "$TMPDIR" | sed 's/^/file /'
	keepers | sed 's/^/keeper /'
}
nothing_left() { [ -z "$(leftovers)" ]; }
procs_blocked() { awk '$1 == "procs_blocked" { print $2 }' /proc/stat; }
# D, waiting for its bio: the block layer's direct write on the stack
# (io_schedule() itself, a scheduler function, is never shown there).
in_io_wait() {
	[ "$(proc_state "$1")" = D ] &&
		grep -qE 'blkdev_direct_IO|submit_bio_wait' "/proc/$1/stack"
}
gone() { [ ! -d "/proc/$1" ] || [ "$(proc_state "$1")" = Z ]; }
all_gone_or_zombie() {
	for _g in "$@"; do
		gone "$_g" || return 1
	done
}

# start: the writer in $w, in D; its keeper in $k.
start() {
	dstate sleep dm-suspend > "$out" 2>&1 &
	w=$!
	wait_for 30 in_io_wait "$w"
	k=$(keepers "$w")
}

kmsg_mark
if ! dstate sleep dm-suspend --timeout 300ms > "$out" 2>&1; then
	if grep -q 'no device-mapper in this kernel' "$out"; then
		skip "dm-suspend" "$(head -n 1 "$out")"
		done_testing
	fi
	not_ok "dstate sleep dm-suspend --timeout 300ms: $(cat "$out")"
	done_testing
fi
check "--timeout 300ms: resumed, exit 0" grep -q '^woke: *resumed' "$out"
check "nothing left" wait_for 10 nothing_left

blocked0=$(procs_blocked)
start
check "the writer waits in D for its bio" in_io_wait "$w"
diag "its stack: $(head -n 4 "/proc/$w/stack" | tr '\n' ' ')"
check "the map is suspended (sysfs dm/suspended)" suspended
blocked=$(procs_blocked)
check "procs_blocked counts it ($blocked0 before, $blocked now)" \
	[ "$blocked" -ge $((blocked0 + 1)) ]
kill -KILL "$w"
check "SIGKILL is pending" wait_for 10 sigkill_pending "$w"
check "and the writer is still D for its bio" in_io_wait "$w"
check "its keeper ($k) lives" sh -c "[ -n '$k' ] && [ -d '/proc/$k' ]"
kill -TERM "$k"
wait "$w"
rc=$?
check "SIGTERM to the keeper resumes: the writer dies of its SIGKILL (exit $rc)" [ $rc -eq 137 ]
check "nothing left" wait_for 20 nothing_left

start
kill -INT "$w"
wait "$w"
rc=$?
check "SIGINT to the writer: resumed, undone, it dies of it (exit $rc)" [ $rc -eq 130 ]
check "nothing left" wait_for 20 nothing_left

start
kill -KILL "$k"
wait_for 10 gone "$k"
check "the keeper killed: the writer stays in D for its bio" in_io_wait "$w"
check "and the map stays suspended" suspended
dstate cleanup > /tmp/cleanup.out 2>&1
rc=$?
check "dstate cleanup (exit $rc) resumes and removes the map" \
	sh -c "[ $rc -eq 0 ] && grep -q '^removed *dstate-' /tmp/cleanup.out"
diag "cleanup said: $(tr '\n' '|' < /tmp/cleanup.out)"
wait "$w"
rc=$?
check "the writer's write completes: exit $rc" [ $rc -eq 0 ]
check "nothing left" wait_for 20 nothing_left
[ -z "$(leftovers)" ] || diag "left: $(leftovers | tr '\n' ' ')"

# --- spawn: a map and a keeper per writer ---------------------------------
# spawned_in_io FILE: each "PID HELPER" line a writer in D for its bio
# whose keeper (a dstate-dm child of it) is HELPER.
spawned_in_io() {
	[ -s "$1" ] || return 1
	while read -r _p _h; do
		in_io_wait "$_p" && [ "$(keepers "$_p")" = "$_h" ] || return 1
	done < "$1"
}
all_suspended() {	# all_suspended N: N maps of ours, each suspended
	[ "$(maps | wc -l)" -eq "$1" ] || return 1
	for _n in $(maps); do
		[ "$(cat "${_n%/name}/suspended")" = 1 ] || return 1
	done
}
dstate spawn dm-suspend -n 2 --noheadings -r -o PID,HELPER > /tmp/dms.out 2> /tmp/dms.err
rc=$?
check "spawn dm-suspend -n 2 exits 0 ($rc: $(cat /tmp/dms.err))" [ $rc -eq 0 ]
check "two writers in D for their bios, each with its own keeper as HELPER" \
	spawned_in_io /tmp/dms.out
check "two maps, each suspended (sysfs)" all_suspended 2
# shellcheck disable=SC2046
set -- $(cat /tmp/dms.out) 0 0 0 0
p1=$1 h1=$2 p2=$3 h2=$4
kill -KILL "$p1"
check "SIGKILL to a spawned writer: pending" wait_for 10 sigkill_pending "$p1"
check "... still in D for its bio" in_io_wait "$p1"
kill -TERM "$h1"
check "SIGTERM to its HELPER resumes: writer and keeper end" \
	wait_for 20 all_gone_or_zombie "$p1" "$h1"
kill -TERM "$p2"
check "SIGTERM to the other writer: its keeper resumes, both end" \
	wait_for 20 all_gone_or_zombie "$p2" "$h2"
check "nothing left" wait_for 20 nothing_left

# SIGINT to spawn while it waits for its writers: everything undone.
dstate spawn dm-suspend -n 2 > /tmp/dms.out 2>&1 &
sp=$!
wait_for 30 suspended
kill -INT "$sp"
wait "$sp"
rc=$?
# Done before the signal: what it printed is undone here.
# shellcheck disable=SC2046
[ $rc -eq 0 ] && kill -TERM $(pids_of /tmp/dms.out)
check "SIGINT to spawn dm-suspend -n 2 (exit $rc): nothing left" wait_for 30 nothing_left
[ -z "$(leftovers)" ] || diag "left: $(leftovers | tr '\n' ' ')"

check "no BUG or WARNING in the kernel log" kmsg_clean
done_testing
