#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Debian's runc and crun against a container process in D (issue 15).
# Each runtime runs a bundle whose process is given /dev/dstate (the node
# in linux.devices, and a cgroup device rule for the misc minor the module
# got) and sleeps uninterruptible; every runtime command runs under a
# deadline (busybox timeout -s KILL), and one it outlives is "hung".
#
# a. the container's init in D (its own pid namespace): kill KILL, delete,
#    delete --force, a second kill while a delete --force runs, then the
#    late wake (dstate release): the init ends, state says stopped,
#    delete works, the cgroup is gone.
# b. a child of the init in D, in the host's pid namespace (runc issue
#    4145): kill KILL, delete --force while the child is in D, then the
#    late wake: is the container's cgroup removed, or left behind?
#
# Each step's result is STATUS (the exit status, or "hung") with the
# first line of what the command printed, judged against an expectation
#
#   RUNTIME.STEP=STATUS[~ERE]
#
# (ERE matched by grep -E against that output; cgroup steps say "left" or
# "gone", the state step the runtime's word or "unknown").  The defaults
# below are what was measured; an argument replaces one, and RUNTIMES=...
# picks the runtimes, so that a wrong claim makes the test fail:
#
#   75-runtimes.sh [RUNTIMES="runc crun"] [RUNTIME.STEP=...]...
#
# The kernel's side is checked whatever is claimed: the sleeper D with
# SIGKILL pending after each kill, gone after the wake; and nothing is
# left at the end (containers, cgroups, sleepers, bundles).
#
# vm-options: -t 900

. /tests/vm/lib.sh
. /tests/vm/lib/scenarios.sh

RUNTIMES="runc crun"
expect="
runc.a.kill=0
runc.a.delete=1~cannot delete container .* that is not stopped: running
runc.a.force-running=yes
runc.a.kill2=0
runc.a.force=1~container init still running
runc.a.force-cgroup=left
runc.a.force-state=running
runc.a.force2=1~container init still running
runc.a.state=stopped
runc.a.delete-after=0
runc.a.cgroup=gone
runc.b.kill=0
runc.b.force=0~timeout of 10s reached waiting for the cgroup to freeze
runc.b.cgroup-d=left
runc.b.cgroup=left
crun.a.kill=0
crun.a.delete=1~is not in .created. or .stopped. state
crun.a.force-running=yes
crun.a.kill2=0
crun.a.force=0~cannot delete path .*: Device or resource busy
crun.a.force-cgroup=left
crun.a.force-state=unknown
crun.a.force2=0
crun.a.state=unknown
crun.a.delete-after=1~cannot open directory
crun.a.cgroup=left
crun.b.kill=0
crun.b.force=0~cannot delete path .*: Device or resource busy
crun.b.cgroup-d=left
crun.b.cgroup=left"

for a in "$@"; do
	case $a in
	RUNTIMES=*) RUNTIMES=${a#RUNTIMES=}; continue ;;
	*=*) ;;
	*) echo "75-runtimes: not KEY=VALUE: $a" >&2; exit 2 ;;
	esac
	expect=$(echo "$expect" | grep -v "^${a%%=*}=")
	expect="$expect
$a"
done

# Bounds: a runtime command that runs longer is killed and called hung.
# runc's 'delete --force' polls for 10 s itself; 30 s leaves room for a
# slow emulated guest.
BOUND=30
top=/tmp/rt75

kmsg_mark
ensure_loaded
dev=$(cat /sys/class/misc/dstate/dev)
major=${dev%:*} minor=${dev#*:}
diag "/dev/dstate is $major:$minor"

# want KEY: the expectation for KEY.
want() { echo "$expect" | sed -n "s/^$1=//p" | tail -n 1; }

# rt_run NAME CMD...: CMD under the deadline; its status (or "hung")
# into $st, its first line of output into $txt, its time into $secs.
rt_run() {
	_n=$1
	shift
	uptime_cs
	_t0=$uptime_cs
	timeout -s KILL "$BOUND" "$@" > "$top/$_n.out" 2>&1 < /dev/null
	st=$?
	uptime_cs
	secs=$(((uptime_cs - _t0) / 100)).$(((uptime_cs - _t0) % 100 / 10))
	[ "$st" = 137 ] && st=hung
	txt=$(head -n 1 "$top/$_n.out")
	diag "$* -> $st in ${secs}s: $txt"
}

# judge KEY GOT TEXT: one case, KEY's expectation against what was seen.
judge() {
	_w=$(want "$1")
	_ws=${_w%%~*}
	if [ -z "$_w" ]; then
		not_ok "$1: no expectation (got $2: $3)"
	elif [ "$_ws" != "$2" ]; then
		not_ok "$1: $_w (got $2: \"$3\")"
	elif [ "$_w" != "$_ws" ] && ! echo "$3" | grep -qE "${_w#*~}"; then
		not_ok "$1: $_w (got $2: \"$3\")"
	else
		ok "$1: $_w (\"$3\")"
	fi
}

# bundle DIR RUNTIME CGROUP PIDNS ARGS: a busybox bundle whose root is
# empty directories and the VM's own /bin, /lib, /lib64 and /usr bound
# read-only (busybox, dstate and its libraries), with /dev/dstate.
bundle() {
	mkdir -p "$1/rootfs/bin" "$1/rootfs/lib" "$1/rootfs/lib64" \
		"$1/rootfs/usr" "$1/rootfs/proc" "$1/rootfs/dev" "$1/rootfs/tmp"
	_pidns=
	[ "$4" = pidns ] && _pidns='{ "type": "pid" },'
	_binds=
	for _d in bin lib lib64 usr; do
		_binds="$_binds
		{ \"destination\": \"/$_d\", \"type\": \"bind\", \"source\": \"/$_d\",
		  \"options\": [ \"rbind\", \"ro\" ] },"
	done
	cat > "$1/config.json" <<EOF
{
	"ociVersion": "1.0.2-dev",
	"process": {
		"terminal": false,
		"user": { "uid": 0, "gid": 0 },
		"args": [ $5 ],
		"env": [ "PATH=/usr/bin:/bin" ],
		"cwd": "/",
		"capabilities": {
			"bounding": [ "CAP_SYS_ADMIN", "CAP_KILL" ],
			"effective": [ "CAP_SYS_ADMIN", "CAP_KILL" ],
			"permitted": [ "CAP_SYS_ADMIN", "CAP_KILL" ]
		},
		"noNewPrivileges": true
	},
	"root": { "path": "rootfs", "readonly": true },
	"hostname": "$2",
	"mounts": [$_binds
		{ "destination": "/proc", "type": "proc", "source": "proc" },
		{ "destination": "/dev", "type": "tmpfs", "source": "tmpfs",
		  "options": [ "nosuid", "mode=755", "size=1024k" ] }
	],
	"linux": {
		"devices": [
			{ "path": "/dev/dstate", "type": "c", "major": $major,
			  "minor": $minor, "fileMode": 384, "uid": 0, "gid": 0 }
		],
		"resources": {
			"devices": [
				{ "allow": false, "access": "rwm" },
				{ "allow": true, "type": "c", "major": $major,
				  "minor": $minor, "access": "rw" }
			]
		},
		"cgroupsPath": "$3",
		"namespaces": [ $_pidns
			{ "type": "ipc" }, { "type": "uts" }, { "type": "mount" }
		]
	}
}
EOF
}

# cg_of PID: the cgroup directory of PID.
cg_of() { echo "/sys/fs/cgroup$(sed -n 's/^0:://p' "/proc/$1/cgroup")"; }
cg_word() { if [ -d "$1" ]; then echo left; else echo gone; fi; }
in_d() { [ "$(proc_state "$1")" = D ]; }
in_d_killed() { in_d "$1" && sigkill_pending "$1"; }
# rt_status RT CID: the status word of the runtime's state, or unknown.
rt_status() {
	timeout -s KILL "$BOUND" "$1" state "$2" 2> /dev/null |
		sed -n 's/.*"status": *"\([a-z]*\)".*/\1/p' | head -n 1 | grep . ||
		echo unknown
}
# tagged TAG: the pid of the sleeper tagged TAG.
tagged() {
	dstate ls --tag "$1" -o PID --noheadings 2> /dev/null | awk 'NR == 1 { print $1 }'
}

cleanup() {
	for _rt in $RUNTIMES; do
		for _c in "dstate-$_rt-a" "dstate-$_rt-b"; do
			dstate release --tag 75 > /dev/null 2>&1
			dstate release --tag 76 > /dev/null 2>&1
			timeout -s KILL "$BOUND" "$_rt" delete --force "$_c" > /dev/null 2>&1
			[ -d "/sys/fs/cgroup/$_c" ] &&
				wait_for 10 sh -c "! grep -q 'populated 1' /sys/fs/cgroup/$_c/cgroup.events"
			rmdir "/sys/fs/cgroup/$_c" 2> /dev/null
		done
	done
	rm -rf "$top"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# start ROW PIDNS ARGS: the container dstate-$rt-ROW (cid), its bundle in
# $b, run detached; its init's pid into $init.
start() {
	cid=dstate-$rt-$1
	b=$top/$cid
	bundle "$b" "$rt" "/$cid" "$2" "$3"
	rt_run "$cid.run" "$rt" run -d --no-pivot --pid-file "$b/pid" -b "$b" "$cid"
	check "$rt $1: run -d exits 0 ($st: $txt)" [ "$st" = 0 ]
	init=$(cat "$b/pid" 2> /dev/null)
}

# cg_left_diag WHAT: if $cg is still there, what it holds.
cg_left_diag() {
	if [ -d "$cg" ]; then
		diag "$1: left $cg: cgroup.freeze $(cat "$cg/cgroup.freeze"), $(tr '\n' ' ' < "$cg/cgroup.events")"
	fi
}

# --- a. the container's init in D -------------------------------------------
row_a() {
	rt=$1
	start a pidns \
		'"dstate", "sleep", "uninterruptible", "--tag", "75", "--timeout", "300s"'
	p=$init
	if [ -z "$p" ] || ! wait_for 60 in_d "$p"; then
		not_ok "$rt a: the container's init is in D (pid ${p:-none})"
		return
	fi
	cg=$(cg_of "$p")
	ok "$rt a: the container's init, pid $p, is in D in $cg"
	check "$rt a: its cgroup is $cid" [ "$cg" = "/sys/fs/cgroup/$cid" ]
	# In D in the module: it opened /dev/dstate through the device rule.
	check "$rt a: it is the module's sleeper tagged 75" [ "$(tagged 75)" = "$p" ]

	rt_run "$cid.kill" "$rt" kill "$cid" KILL
	judge "$rt.a.kill" "$st" "$txt"
	check "$rt a: after kill, the init is still D with SIGKILL pending" in_d_killed "$p"

	rt_run "$cid.delete" "$rt" delete "$cid"
	judge "$rt.a.delete" "$st" "$txt"

	# delete --force in the background, and a second kill while it runs
	# (a second in, when it has sent its SIGKILL and waits).
	(
		rt_run "$cid.force" "$rt" delete --force "$cid"
		echo "$st $secs" > "$top/$cid.force.st"
	) &
	bg=$!
	wait_for 1 false
	running=no
	[ ! -e "$top/$cid.force.st" ] && running=yes
	judge "$rt.a.force-running" "$running" "delete --force still running a second in"
	rt_run "$cid.kill2" "$rt" kill "$cid" KILL
	judge "$rt.a.kill2" "$st" "$txt"
	wait "$bg"
	read -r st secs < "$top/$cid.force.st"
	judge "$rt.a.force" "$st" "$(head -n 1 "$top/$cid.force.out") (${secs}s)"
	judge "$rt.a.force-cgroup" "$(cg_word "$cg")" "$cg"
	check "$rt a: after delete --force, the init is still D" in_d "$p"
	judge "$rt.a.force-state" "$(rt_status "$rt" "$cid")" "state after delete --force"
	# Asked again, as an operator or an orchestrator would.
	rt_run "$cid.force2" "$rt" delete --force "$cid"
	judge "$rt.a.force2" "$st" "$txt"
	check "$rt a: still D after both" in_d "$p"

	# The late wake.
	dstate release --tag 75 > "$top/$cid.release" 2>&1
	check "$rt a: after the late wake the init is gone" wait_for 30 all_gone "$p"
	judge "$rt.a.state" "$(rt_status "$rt" "$cid")" "state"
	rt_run "$cid.delete-after" "$rt" delete "$cid"
	judge "$rt.a.delete-after" "$st" "$txt"
	wait_for 10 sh -c "[ ! -d '$cg' ]"
	judge "$rt.a.cgroup" "$(cg_word "$cg")" "$cg"
}

# --- b. a non-init process in D, the host's pid namespace -------------------
row_b() {
	rt=$1
	start b hostpid \
		'"sh", "-c", "dstate sleep uninterruptible --tag 76 --timeout 300s & wait"'
	p=
	found() { p=$(tagged 76) && [ -n "$p" ] && in_d "$p"; }
	if ! wait_for 60 found; then
		not_ok "$rt b: the init's child is in D (init ${init:-none})"
		return
	fi
	cg=$(cg_of "$p")
	ok "$rt b: the init's child, pid $p (init $init), is in D in $cg"
	check "$rt b: ... in the container's cgroup" [ "$cg" = "/sys/fs/cgroup/$cid" ]

	rt_run "$cid.kill" "$rt" kill "$cid" KILL
	judge "$rt.b.kill" "$st" "$txt"
	check "$rt b: the init ends" wait_for 30 all_gone "$init"
	check "$rt b: the child is still D" in_d "$p"

	rt_run "$cid.force" "$rt" delete --force "$cid"
	judge "$rt.b.force" "$st" "$txt"
	check "$rt b: after delete --force, the child is still D with SIGKILL pending" \
		in_d_killed "$p"
	judge "$rt.b.cgroup-d" "$(cg_word "$cg")" "$cg"
	cg_left_diag "$rt b"

	dstate release --tag 76 > "$top/$cid.release" 2>&1
	check "$rt b: after the late wake the child is gone" wait_for 30 all_gone "$p"
	# The runtime is not asked again: what is left now stays, for
	# whoever runs the host to find.
	wait_for 5 sh -c "[ ! -d '$cg' ]"
	judge "$rt.b.cgroup" "$(cg_word "$cg")" "$cg"
	cg_left_diag "$rt b"
	rt_run "$cid.delete-after" "$rt" delete --force "$cid"
	diag "$rt b: a delete --force now: $st: $txt; cgroup $(cg_word "$cg")"
}

mkdir -p "$top"
for rt in $RUNTIMES; do
	if ! command -v "$rt" > /dev/null; then
		not_ok "$rt: in the VM"
		continue
	fi
	diag "$("$rt" --version | head -n 1)"
	row_a "$rt"
	row_b "$rt"
done

# nothing_left: no container, cgroup or sleeper of ours.
nothing_left() {
	for _rt in $RUNTIMES; do
		"$_rt" list 2> /dev/null | grep -q dstate- && { diag "$_rt lists a container"; return 1; }
	done
	ls -d /sys/fs/cgroup/dstate-* 2> /dev/null && return 1
	[ -z "$(dstate ls --noheadings 2> /dev/null)" ] || { diag "a sleeper left"; return 1; }
	return 0
}
cleanup
check "after cleanup: no container, cgroup or sleeper left" nothing_left
check "no BUG, WARNING or Oops in the kernel log" kmsg_clean
check "dstate unload: nothing left in the module" sh -c 'dstate unload > /dev/null'
done_testing
