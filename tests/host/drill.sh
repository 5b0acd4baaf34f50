#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Host test of 'dstate drill', without the module: stand-in supervisors,
# written in shell, stop a target in D (vfork: a killable D with every
# signal blocked; SIGTERM stays pending until the late wake) or T
# (stopped), or S, then D once SIGKILLed (fuse-noreply, as root), or D
# that SIGKILL does not end (fsfreeze, as root).  One
# meets the expectations; the others do not: it hangs, it
# leaves the cgroup behind, it says "stopped" (exit 0) while the target
# still lives.  Each case checks the drill's exit status and the verdict
# line of the expectation at stake, and that nothing is left: no process
# of the stand-in (each carries a marker in its arguments), no target, no
# cgroup, no mount, nothing in the drill's TMPDIR.  One more case sends
# SIGTERM to the drill while the stop hangs.
#
# --in-cgroup: the target goes into a cgroup the test made (as a unit's
# or a container's would be); the stop that leaves it fails
# cgroup-removed, and the drill leaves it too, for its owner; the stop
# that removes it holds.  A cgroup that takes no process (controllers in
# its subtree_control) makes the drill fail, and say why.
#
# The expected exit statuses of the four stand-ins are the arguments, the
# contract the defaults; another claim (e.g. "0 0 1 1": a hanging stop
# passes) makes the test fail; the fifth is the claim of the stop that
# leaves an --in-cgroup cgroup:
#   drill.sh [GOOD HANG CGROUP EARLY [IN-CGROUP]]
#
# Prints TAP.

set -u
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/host/common.inc
. "$here/common.inc"
host_tmpdir drill

want_good=${1:-0} want_hang=${2:-1} want_cg=${3:-1} want_early=${4:-1}
want_incg=${5:-1}
mark=77$$
mkdir "$tmp/t"
export TMPDIR=$tmp/t

echo "TAP version 13"
skip() { n=$((n + 1)); echo "ok $n - $1 # SKIP $2"; }

# The stand-ins.  Each sleep of theirs carries the marker.
cat > "$tmp/good.sh" <<EOF
#!/bin/sh
# SIGKILL, then wait at most 2 s for the target to go, and say the truth.
kill -KILL "\$DSTATE_PID"
end=\$(( \$(date +%s%N) / 1000000 + 2000 ))
while [ -d "/proc/\$DSTATE_PID" ] && [ "\$(cut -d' ' -f3 /proc/\$DSTATE_PID/stat 2>/dev/null)" != Z ]; do
	[ \$(( \$(date +%s%N) / 1000000 )) -ge \$end ] &&
		{ echo "pid \$DSTATE_PID still \$(cut -d' ' -f3 /proc/\$DSTATE_PID/stat) after 2s"; exit 1; }
	sleep 0.01
done
echo "stopped pid \$DSTATE_PID"
EOF
cat > "$tmp/hang.sh" <<EOF
#!/bin/sh
# SIGTERM, which a D target with signals blocked keeps pending, and wait
# for it with no bound; with helpers, one of them in a session of its own.
kill -TERM "\$DSTATE_PID"
sleep $mark &
setsid sleep $mark &
: > "$tmp/hang.started"
while kill -0 "\$DSTATE_PID" 2>/dev/null; do sleep 0.05; done
EOF
cat > "$tmp/cgleft.sh" <<EOF
#!/bin/sh
# cgroup.kill and a bounded wait for the group to empty, but no rmdir.
echo 1 > "\$DSTATE_CGROUP/cgroup.kill"
i=0
until grep -q '^populated 0' "\$DSTATE_CGROUP/cgroup.events"; do
	i=\$((i + 1))
	[ \$i -gt 200 ] && { echo "\$DSTATE_CGROUP still populated"; exit 1; }
	sleep 0.01
done
echo "stopped"
EOF
cat > "$tmp/early.sh" <<EOF
#!/bin/sh
# SIGTERM and "stopped" at once, without looking.
kill -TERM "\$DSTATE_PID"
echo "stopped"
EOF
chmod +x "$tmp"/*.sh

cgroot=$(awk '$9 == "cgroup2" { print $5; exit }' /proc/self/mountinfo)

# left_behind PID: print what a drill left, if anything; status 0 if so.
left_behind() {
	local found=1 p args
	if [ -n "$1" ] && [ -d "/proc/$1" ]; then
		echo "the target $1 ($(cut -d' ' -f3 "/proc/$1/stat" 2>/dev/null))"; found=0
	fi
	for p in /proc/[0-9]*; do
		# A builtin read: a fork per process would take seconds.
		mapfile -d '' -t args 2>/dev/null < "$p/cmdline" || continue
		if [ "${args[0]-}" = sleep ] && [ "${args[1]-}" = "$mark" ]; then
			echo "a stand-in's process ${p#/proc/}"; found=0
		fi
	done
	if [ -n "$cgroot" ] && ls -d "$cgroot"/dstate-drill.* 2>/dev/null | grep -q .; then
		echo "a cgroup: $(ls -d "$cgroot"/dstate-drill.*)"; found=0
	fi
	if grep -q " ${tmp}[/ ]" /proc/self/mountinfo; then
		echo "a mount under $tmp"; found=0
	fi
	if [ -n "$(ls -A "$tmp/t")" ]; then
		echo "files in the drill's TMPDIR: $(ls -A "$tmp/t")"; found=0
	fi
	return $found
}

# drill NAME WANT [--line REGEX]... -- ARGS...: run dstate drill ARGS, its
# exit status must be WANT, each REGEX a line of its report, and nothing
# must be left.
drill() {
	local name=$1 want=$2 lines=() r res pid left
	shift 2
	while [ "$1" = --line ]; do lines+=("$2"); shift 2; done
	shift
	timeout -s KILL 60 "$D" drill "$@" > "$tmp/out" 2> "$tmp/err"; r=$?
	pid=$(sed -n 's/^target: *pid \([0-9]*\),.*/\1/p' "$tmp/out")
	res=0
	[ "$r" = "$want" ] || res=1
	for l in "${lines[@]}"; do
		grep -qE "$l" "$tmp/out" || { res=1; echo "# no line: $l"; }
	done
	ok $res "$name: exit $r (wanted $want)"
	[ $res = 0 ] || sed 's/^/#   /' "$tmp/out" "$tmp/err"
	left=$(left_behind "$pid"); [ -z "$left" ]
	ok $? "$name: nothing left behind${left:+: $left}"
}

# 1. It meets the expectations: SIGKILL ends a vfork parent's killable D.
drill "meets the expectations (vfork)" "$want_good" \
	--line '^held +stop-within 2\.000s: [0-9.]+m?s$' \
	--line '^held +status 0: exited 0$' \
	--line '^held +message ' --line '^held +honest ' \
	--line '^held +probe ok: [1-9][0-9]* answered, 0 failed' \
	--line '^held +gone ' --line '^end: .*killed by SIGKILL$' \
	-- vfork --stop "$tmp/good.sh" --stop-deadline 5s --wake-after 3s \
	--probe true --probe-interval 100ms \
	--expect-stop-within 2s --expect-status 0 --expect-message '^stopped pid [0-9]+$' \
	--expect-honest --expect-probe ok --expect-gone

# ... and in JSON, the same verdicts.
timeout -s KILL 60 "$D" -J drill stopped --stop "$tmp/good.sh" --wake-after 2s \
	--expect-status 0 --expect-gone > "$tmp/json" 2>&1; r=$?
[ $r = 0 ] && jq -e '.drill.held == true and .drill.stop.exit_code == 0 and
	.drill.target.how == "killed by SIGKILL" and
	(.drill.expectations | length) == 2 and
	(.drill.expectations | all(.held))' "$tmp/json" > /dev/null
res=$?; ok $res "-J: held true, exit_code 0, the target killed by SIGKILL (exit $r)"
[ $res = 0 ] || sed 's/^/#   /' "$tmp/json"

# 2. It hangs: killed at the deadline, its helpers too; the late wake lets
#    the pending SIGTERM end the target.
drill "hangs" "$want_hang" \
	--line '^stop: +still running at the deadline \(1\.500s\): its process group killed$' \
	--line '^FAILED +stop-within 1\.000s: still running at the deadline' \
	--line '^wake: +at [0-9.]+s: SIGKILL to the vfork child$' \
	--line '^held +gone .*: gone at 2\.[0-9]+s$' \
	--line '^end: .*killed by SIGTERM$' \
	-- vfork --stop "$tmp/hang.sh" --stop-deadline 1500ms --wake-after 2s \
	--expect-stop-within 1s --expect-gone

# 3. It leaves the cgroup (cgroup v2 only).
if [ -n "$cgroot" ] && [ -w "$cgroot" ] && [ -e "$cgroot/cgroup.procs" ]; then
	drill "leaves its cgroup" "$want_cg" \
		--line '^cgroup: .*/dstate-drill\.[0-9]+ \(left: removed by dstate\)$' \
		--line '^held +status 0: exited 0$' --line '^held +gone ' \
		--line '^FAILED +cgroup-removed removed: left behind$' \
		-- vfork --cgroup --stop "$tmp/cgleft.sh" --wake-after 3s \
		--expect-status 0 --expect-gone --expect-cgroup-removed
	# The same stop with the rmdir it lacks holds.
	sed -i 's/^echo "stopped"$/rmdir "$DSTATE_CGROUP" \&\& echo "stopped"/' "$tmp/cgleft.sh"
	drill "removes its cgroup" 0 \
		--line '^cgroup: .* \(removed by the stop\)$' \
		--line '^held +cgroup-removed removed: removed$' \
		-- vfork --cgroup --stop "$tmp/cgleft.sh" --wake-after 3s \
		--expect-status 0 --expect-gone --expect-cgroup-removed
	# 3b. --in-cgroup: a cgroup that is not the drill's.
	sed -i 's/^rmdir "$DSTATE_CGROUP" && echo "stopped"$/echo "stopped"/' "$tmp/cgleft.sh"
	given=$cgroot/dstate-drilltest.$$
	mkdir "$given"
	cleanup_given() { [ -d "$given/sub" ] && rmdir "$given/sub"; [ -d "$given" ] && rmdir "$given"; }
	trap 'cleanup_given; host_cleanup' EXIT
	drill "--in-cgroup: the stop leaves it" "$want_incg" \
		--line "^cgroup: +$given \\(given: still there, left to its owner\\)\$" \
		--line '^held +status 0: exited 0$' --line '^held +gone ' \
		--line '^FAILED +cgroup-removed removed: left behind$' \
		-- vfork --in-cgroup "$given" --stop "$tmp/cgleft.sh" --wake-after 3s \
		--expect-status 0 --expect-gone --expect-cgroup-removed
	ok "$([ -d "$given" ] && grep -q '^populated 0' "$given/cgroup.events"; echo $?)" \
		"--in-cgroup: the drill left the cgroup it was given, empty"
	sed -i 's/^echo "stopped"$/rmdir "$DSTATE_CGROUP" \&\& echo "stopped"/' "$tmp/cgleft.sh"
	drill "--in-cgroup: the stop removes it" 0 \
		--line "^cgroup: +$given \\(given: removed by the stop\\)\$" \
		--line '^held +cgroup-removed removed: removed$' \
		-- vfork --in-cgroup "$given" --stop "$tmp/cgleft.sh" --wake-after 3s \
		--expect-status 0 --expect-gone --expect-cgroup-removed
	ok "$([ ! -d "$given" ]; echo $?)" "--in-cgroup: removed by the stop"
	# A cgroup with a controller for its children takes no process.
	ctl=$(grep -o 'pids\|memory\|cpu\b' "$cgroot/cgroup.subtree_control" 2>/dev/null | head -n 1)
	mkdir "$given" "$given/sub"
	if [ -n "$ctl" ] && echo "+$ctl" > "$given/cgroup.subtree_control"; then
		drill "--in-cgroup: one that takes no process" 1 \
			-- stopped --in-cgroup "$given" --stop true
		grep -q "^dstate: could not move pid [0-9]* into $given: Device or resource busy (a cgroup with controllers in cgroup.subtree_control takes no process)\$" "$tmp/err"
		r=$?; ok $r "--in-cgroup: one that takes no process: the drill says why"
		[ $r = 0 ] || sed 's/^/#   /' "$tmp/err"
	else
		skip "--in-cgroup: one that takes no process" "no controller to enable under $cgroot"
		skip "--in-cgroup: one that takes no process: nothing left behind" "as above"
		skip "--in-cgroup: one that takes no process: the drill says why" "as above"
	fi
	cleanup_given
else
	skip "leaves its cgroup" "no writable cgroup v2 mount"
	skip "removes its cgroup" "no writable cgroup v2 mount"
	for t in "the stop leaves it" "the stop leaves it: nothing left behind" \
		 "the drill left the cgroup it was given, empty" \
		 "the stop removes it" "the stop removes it: nothing left behind" \
		 "removed by the stop" "one that takes no process" \
		 "one that takes no process: nothing left behind" \
		 "one that takes no process: the drill says why"; do
		skip "--in-cgroup: $t" "no writable cgroup v2 mount"
	done
fi

# 4. It says "stopped" too early: the stopped target keeps SIGTERM pending
#    and dies of it only at the late wake (SIGCONT).
drill "reports success too early (stopped)" "$want_early" \
	--line '^stop: +exited 0 after .*; the target still lived then$' \
	--line '^held +status 0: exited 0$' \
	--line '^FAILED +honest status 0 only with the target gone: exited 0; the target still lived then$' \
	--line '^wake: +at .*: SIGCONT$' \
	--line '^end: .*killed by SIGTERM$' \
	-- stopped --stop "$tmp/early.sh" --wake-after 1s \
	--expect-status 0 --expect-honest --expect-gone

# 4b. FUSE (root): the daemon holds the READ, so SIGKILL leaves the
#     reader in D: the honest stop says so after its 2 s; the late wake
#     (the daemon answers) lets the SIGKILL end it; dstate's daemon
#     unmounts and removes its directory.  A stop that does nothing
#     leaves the target to end by itself at the wake: not "gone".
if [ "$(id -u)" = 0 ] && [ -c /dev/fuse ]; then
	drill "meets the expectations (fuse-noreply)" 0 \
		--line '^stop: +exited 1 after 2\.[0-9]+s; the target still lived then$' \
		--line '^output: +pid [0-9]+ still D after 2s$' \
		--line '^wake: +at 5\.[0-9]+s: SIGTERM to the daemon: it answers$' \
		--line '^end: .*killed by SIGKILL$' \
		--line '^held +mounts-gone ' \
		-- fuse-noreply --stop "$tmp/good.sh" --wake-after 5s \
		--expect-stop-within 4s --expect-status 1 --expect-honest --expect-gone \
		--expect-mounts-gone "$tmp"
	drill "does nothing (fuse-noreply)" 1 \
		--line '^FAILED +gone .*: it ended by itself at 1\.[0-9]+s, after the wake: no signal ended it$' \
		-- fuse-noreply --stop true --wake-after 1s --expect-gone
else
	skip "meets the expectations (fuse-noreply)" "needs root and /dev/fuse"
	skip "does nothing (fuse-noreply)" "needs root and /dev/fuse"
fi
# 4c. fsfreeze (root): the writer stays D with SIGKILL pending until the
#     keeper thaws at the wake; the keeper unmounts and deletes.
if [ "$(id -u)" = 0 ] && [ -e /dev/loop-control ]; then
	drill "meets the expectations (fsfreeze)" 0 \
		--line '^stop: +exited 1 after 2\.[0-9]+s; the target still lived then$' \
		--line '^wake: +at 5\.[0-9]+s: SIGTERM to the keeper: it thaws$' \
		--line '^end: .*: a fatal signal pending at the wake$' \
		--line '^held +mounts-gone ' \
		-- fsfreeze --stop "$tmp/good.sh" --wake-after 5s \
		--expect-stop-within 4s --expect-status 1 --expect-honest --expect-gone \
		--expect-mounts-gone "$tmp"
else
	skip "meets the expectations (fsfreeze)" "needs root and loop devices"
fi

# 5. A probe that stops answering is counted, and killed at its deadline.
drill "a probe that hangs" 1 \
	--line '^probe: +0 answered, [1-9][0-9]* failed, worst [0-9.]+ms$' \
	--line '^FAILED +probe ok: ' \
	-- stopped --stop "$tmp/good.sh" --probe "sleep $mark" --probe-timeout 200ms \
	--expect-probe ok

# 6. SIGTERM to the drill while the stop hangs: all undone, dies of it.
"$D" drill vfork --cgroup --stop "$tmp/hang.sh" --stop-deadline 30s \
	--wake-after 20s > "$tmp/out" 2>&1 &
dp=$!; pids+=("$dp")
poll_for 5000 test -e "$tmp/hang.started"
tpid=$(cat "/proc/$dp/task/$dp/children" 2>/dev/null | cut -d' ' -f1)
kill -TERM "$dp"
wait "$dp"; r=$?
ok $([ $r = 143 ]; echo $?) "SIGTERM while the stop hangs: the drill dies of it (exit $r)"
left=$(left_behind "$tpid"); [ -z "$left" ]
ok $? "SIGTERM while the stop hangs: nothing left behind${left:+: $left}"

# 7. Usage: no --stop, a method it cannot start, a bad expectation, a
#    cgroup that is none or two, --target-cmd with a mode of no tag or
#    without its options' base.
for args in "stopped" "zombie --stop true" "stopped --stop true --expect-probe ok" \
	    "stopped --stop true --expect-status 300" "stopped --stop true --expect-message (" \
	    "stopped --stop true --in-cgroup $tmp/none" "stopped --stop true --in-cgroup $tmp" \
	    "stopped --stop true --in-cgroup $tmp/good.sh" \
	    "stopped --stop true --cgroup --in-cgroup ${cgroot:-/sys/fs/cgroup}" \
	    "stopped --stop true --expect-cgroup-removed" \
	    "vfork --stop true --target-cmd true" "stopped --stop true --target-wait 1s" \
	    "uninterruptible --stop true --target-cmd true --target-count 0" \
	    "uninterruptible --stop true --target-cmd true --target-count 65"; do
	# shellcheck disable=SC2086
	"$D" drill $args > "$tmp/out" 2>&1; r=$?
	ok $([ $r = 2 ]; echo $?) "usage error exits 2: drill $args (exit $r)"
done

echo "1..$n"
[ "$failed" = 0 ]
