# SPDX-License-Identifier: GPL-2.0
#
# The real-world scenarios, shared by the VM tests 80-86 and the demo
# (scripts/demo-guest.sh, /usr/bin/dstate-demo).  Source /tests/vm/lib.sh
# first.  Each scn_* function does one scenario and reports every step
# through three hooks:
#
#   scn_title TEXT                    a scenario begins
#   scn_check DONE SHOWN COMMAND...   a step: what was done, what the kernel
#                                     showed, and COMMAND, which must
#                                     succeed when the kernel behaved as
#                                     claimed (judged from /proc, cgroup
#                                     files, /proc/loadavg, the kernel log)
#   scn_note DONE SHOWN               a step that is only reported
#   scn_skip DONE WHY                 a step this kernel cannot show (it
#                                     lacks the feature): TAP "# SKIP"
#   scn_means TEXT                    what the scenario shows
#
# With SCN_DEMO unset they print TAP (a test); with SCN_DEMO=1 a table per
# scenario (the demo).  The arguments of each scn_* function name the
# behaviour expected, so that a run with other arguments (a mode where
# another is claimed) shows that the checks can fail.
#
# Everything waits by polling against a deadline.  Polls read /proc and
# cgroup files with shell builtins: under software emulation every fork
# costs milliseconds.

scn_failed=0

# A demo table row: VERDICT DONE SHOWN.  The verdict comes first and the
# kernel's words last, so that neither a long step nor a long quote breaks
# the columns; a step too long for its column gets a line of its own.
scn_row() {
	if [ ${#2} -gt 42 ]; then
		printf '  %-4s %s\n' "$1" "$2"
		printf '  %-4s %-42s %s\n' "" "" "$3"
	else
		printf '  %-4s %-42s %s\n' "$1" "$2" "$3"
	fi
}

scn_title() {
	if [ -n "${SCN_DEMO:-}" ]; then
		printf '\n%s\n' "$*"
		printf '%s\n' "$*" | sed 's/./=/g'
		scn_row "ok?" "what was done" "what the kernel showed"
		scn_row "---" "-------------" "----------------------"
	else
		diag "== $*"
	fi
}

scn_check() {
	_done=$1 _shown=$2
	shift 2
	if [ -n "${SCN_DEMO:-}" ]; then
		if "$@"; then _res=yes; else _res=NO; scn_failed=$((scn_failed + 1)); fi
		scn_row "$_res" "$_done" "$_shown"
	else
		check "$_done: $_shown" "$@"
	fi
}

scn_note() {
	if [ -n "${SCN_DEMO:-}" ]; then
		scn_row "" "$1" "$2"
	else
		diag "$1: $2"
	fi
}

scn_skip() {
	if [ -n "${SCN_DEMO:-}" ]; then
		scn_row "skip" "$1" "not shown: $2"
	else
		skip "$1" "$2"
	fi
}

scn_means() {
	if [ -n "${SCN_DEMO:-}" ]; then
		printf '\n%s\n' "$*" | fold -s -w 76 | sed 's/ *$//; s/^/  /'
	else
		diag "means: $*"
	fi
}

# --- reading what the kernel shows, without forking ---------------------------

# now_cs: uptime in centiseconds into $now.
now_cs() {
	uptime_cs
	now=$uptime_cs
}

# cs_str CS: "1.23 s"; la_str HUNDREDTHS: "1.23"
cs_str() { printf '%d.%02d s' $(($1 / 100)) $(($1 % 100)); }
la_str() { printf '%d.%02d' $(($1 / 100)) $(($1 % 100)); }

# pstate PID: the /proc letter of PID into $st, empty when it is gone.
pstate() {
	st=
	[ -r "/proc/$1/stat" ] || return 0
	read -r _l 2>/dev/null < "/proc/$1/stat" || return 0
	# shellcheck disable=SC2086
	set -- ${_l##*) }
	st=$1
}

is_state() { pstate "$1"; [ "$st" = "$2" ]; }
gone() { [ ! -d "/proc/$1" ]; }
# ended PID: exited, reaped or not.
ended() { pstate "$1"; [ -z "$st" ] || [ "$st" = Z ] || [ "$st" = X ]; }

# wchan_named: whether /proc/PID/wchan names the function a task sleeps
# in.  Before 5.16, x86's get_wchan() walked frame pointers, so a kernel
# built with the ORC unwinder (Debian's 5.10) says 0 for every task; its
# /proc/PID/stack (root only) still shows where.  Probed once, on a
# sleep(1) that sleeps; the answer is kept in $scn_wchan.
wchan_named() {
	if [ -z "${scn_wchan:-}" ]; then
		sleep 60 &
		_sp=$!
		wait_for 10 is_state "$_sp" S
		_w=
		read -r _w 2>/dev/null < "/proc/$_sp/wchan"
		kill "$_sp"
		wait "$_sp" 2> /dev/null
		case $_w in ""|0) scn_wchan=no ;; *) scn_wchan=yes ;; esac
	fi
	[ "$scn_wchan" = yes ]
}

# wait_site PID: the kernel function PID sleeps in, into $site: its wchan,
# or where wchan cannot name it the first function of its kernel stack;
# empty when it runs or is gone.
wait_site() {
	site=
	if wchan_named; then
		# wchan ends without a newline: read fails at the EOF but
		# sets the variable.
		read -r site 2>/dev/null < "/proc/$1/wchan"
		[ "$site" = 0 ] && site=
	else
		# "[<0>] dstate_sleep_wait+0x120/0x150 [dstate]"
		read -r _f site _rest 2>/dev/null < "/proc/$1/stack"
		site=${site%%+*}
	fi
}

# asleep PID LETTER: /proc shows LETTER and the task waits in the module.
asleep() {
	pstate "$1"
	[ "$st" = "$2" ] || return 1
	wait_site "$1"
	case $site in dstate*) return 0 ;; esac
	return 1
}

# all_asleep LETTER PID...
all_asleep() {
	_want=$1
	shift
	for _p in "$@"; do asleep "$_p" "$_want" || return 1; done
	return 0
}

# reap PID SECONDS: wait for a child of this shell to end, then collect
# its status into $rc; 255 when it did not end in time (never waited for).
reap() {
	rc=255
	wait_for "$2" ended "$1" || return 1
	wait "$1"
	rc=$?
}

# cg_event DIR KEY: the value of KEY in DIR/cgroup.events into $cgv.
cg_event() {
	cgv=
	while read -r _k _v; do
		[ "$_k" = "$2" ] && cgv=$_v
	done < "$1/cgroup.events"
}
cg_is() { cg_event "$1" "$2"; [ "$cgv" = "$3" ]; }

# loadavg1: the 1-minute load average, in hundredths, into $load.
loadavg1() {
	read -r _la _rest < /proc/loadavg
	load=$((${_la%.*} * 100 + 1${_la#*.} - 100))
}


# taint_letters VALUE: the letters of /proc/sys/kernel/tainted's bits.
taint_letters() {
	_t=$1 _i=0 _s=
	for _c in P F S R M B U D A W C I O E L K X T N; do
		[ $(((_t >> _i) & 1)) -eq 1 ] && _s=$_s$_c
		_i=$((_i + 1))
	done
	echo "${_s:-none}"
}
# Not with read: sysctl files answer a read at a non-zero offset with EOF,
# and busybox's read takes a byte at a time.
tainted() { taint=$(cat /proc/sys/kernel/tainted); }

# The new kernel log lines since kmsg_mark, without their timestamps.
klog_new() { kmsg_new | sed 's/^\[[^]]*\] //'; }
klog_has() { kmsg_new | grep -q "$1"; }

ensure_loaded() { module_loaded || dstate load "$@" > /dev/null; }
refcnt() { cat /sys/module/dstate/refcnt 2>/dev/null || echo -; }

# mode_letter MODE
mode_letter() {
	case $1 in
	interruptible) echo S ;;
	idle) echo I ;;
	*) echo D ;;
	esac
}

# --- 1. container teardown: cgroup.kill and cgroup.freeze ---------------------

# cg_sleeper CGROUP MODE TAG: a `dstate sleep` inside a new cgroup CGROUP,
# started as a child of this shell; its pid into $sp.
cg_sleeper() {
	mkdir -p "$1"
	sh -c "echo \$\$ > $1/cgroup.procs && exec dstate sleep $2 --tag $3" \
		> /dev/null 2>&1 &
	sp=$!
}

# cg_sleepers CONTROL TAG0 "MODE:CLAIM ...": for each MODE a sleeper in a
# new cgroup /sys/fs/cgroup/CONTROL-MODE, tagged TAG0+1, TAG0+2, ...; its
# pid and tag into cgpid_MODE and cgtag_MODE.  Each must be seen asleep.
cg_sleepers() {
	_tag=$2
	for c in $3; do
		m=${c%%:*} _tag=$((_tag + 1))
		cg_sleeper "/sys/fs/cgroup/$1-$m" "$m" "$_tag"
		eval "cgpid_$m=$sp cgtag_$m=$_tag"
	done
	for c in $3; do
		m=${c%%:*}
		eval "p=\$cgpid_$m"
		wait_for 10 asleep "$p" "$(mode_letter "$m")"
		scn_check "sleeper ($m), alone in a cgroup" \
			"pid $p: $(mode_letter "$m") in $(cut -d: -f3 /proc/$p/cgroup)" \
			asleep "$p" "$(mode_letter "$m")"
	done
}

# scn_cgroup_kill "MODE:stays|dies ...": one group per MODE, each with one
# sleeper, all killed through cgroup.kill at the same moment.  A kernel
# without cgroup.kill (before 5.14) shows the sleepers start and skips
# the rest, step by step.
scn_cgroup_kill() {
	scn_title "Container teardown: cgroup.kill"
	kcases=$1
	ensure_loaded
	cg_sleepers kill 60 "$kcases"
	if [ ! -e "/sys/fs/cgroup/kill-${kcases%%:*}/cgroup.kill" ]; then
		cg_kill_skip
		return
	fi
	now_cs
	t0=$now
	for c in $kcases; do
		echo 1 > "/sys/fs/cgroup/kill-${c%%:*}/cgroup.kill"
	done
	# The ones that die: the group empties.  The ones that stay: SIGKILL
	# is pending (the kill reached them) and the group stays populated
	# for a whole second after that.
	# The dying first, so that their times are measured from the kill.
	for c in $(for c in $kcases; do echo "$c"; done | sort -t: -k2); do
		m=${c%%:*} cg=/sys/fs/cgroup/kill-${c%%:*}
		eval "p=\$cgpid_$m"
		case ${c#*:} in
		dies)
			wait_for 5 cg_is "$cg" populated 0
			now_cs
			cg_event "$cg" populated
			scn_check "echo 1 > cgroup.kill ($m)" \
				"populated $cgv after $(cs_str $((now - t0)))" \
				[ "$cgv" = 0 ]
			;;
		stays)
			wait_for 5 sigkill_pending "$p"
			held=0
			now_cs
			h_end=$((now + 100))
			while sigkill_pending "$p" && cg_is "$cg" populated 1 &&
				asleep "$p" "$(mode_letter "$m")"; do
				now_cs
				[ "$now" -ge "$h_end" ] && { held=1; break; }
				usleep 10000
			done
			pstate "$p"
			cg_event "$cg" populated
			scn_check "echo 1 > cgroup.kill ($m)" \
				"SIGKILL pending; still $st, populated $cgv for 1 s" \
				[ "$held" = 1 ]
			;;
		esac
	done
	for c in $kcases; do
		[ "${c#*:}" = stays ] || continue
		m=${c%%:*} cg=/sys/fs/cgroup/kill-${c%%:*}
		eval "p=\$cgpid_$m t=\$cgtag_$m"
		now_cs
		t0=$now
		dstate release --tag "$t" > /dev/null
		wait_for 5 cg_is "$cg" populated 0
		now_cs
		cg_event "$cg" populated
		scn_check "dstate release --tag $t (the $m one)" \
			"populated $cgv $(cs_str $((now - t0))) after release" \
			[ "$cgv" = 0 ]
	done
	for c in $kcases; do
		m=${c%%:*}
		eval "p=\$cgpid_$m"
		reap "$p" 10
		scn_check "reap the $m sleeper" "wait status $rc (128+9: killed by SIGKILL)" \
			[ "$rc" = 137 ]
		rmdir "/sys/fs/cgroup/kill-$m"
	done
	scn_means "cgroup.kill sends SIGKILL to every process of the group. A" \
		"killable sleeper dies at once and the group empties; an" \
		"uninterruptible (or idle) one keeps the SIGKILL pending and the" \
		"group stays populated - a container runtime waiting for" \
		"'populated 0' waits as long as the D state lasts, and no signal" \
		"shortens it. The moment the wait ends, the task dies and the" \
		"group empties."
}

# cg_kill_skip: for a kernel without cgroup.kill (it arrived in 5.14):
# each step after the sleepers' start is skipped, and the sleepers are
# released and reaped.
cg_kill_skip() {
	_why="this kernel has no cgroup.kill (it arrived in 5.14)"
	for c in $kcases; do
		scn_skip "echo 1 > cgroup.kill (${c%%:*})" "$_why"
	done
	for c in $kcases; do
		[ "${c#*:}" = stays ] || continue
		eval "t=\$cgtag_${c%%:*}"
		scn_skip "dstate release --tag $t (the ${c%%:*} one)" "$_why"
	done
	for c in $kcases; do
		m=${c%%:*}
		eval "p=\$cgpid_$m t=\$cgtag_$m"
		dstate release --tag "$t" > /dev/null
		reap "$p" 10
		scn_skip "reap the $m sleeper" "$_why"
		rmdir "/sys/fs/cgroup/kill-$m"
	done
}

# scn_cgroup_freeze "MODE:0|1 ...": one group per MODE with one sleeper;
# cgroup.freeze on all; whether cgroup.events says frozen (1) or not (0)
# while the sleeper is still asleep.
#
# Why, on 6.1 and 6.12 alike: the cgroup v2 freezer does not stop tasks
# where they are.  It sets JOBCTL_TRAP_FREEZE and wakes each task with
# signal_wake_up(), which wakes only TASK_INTERRUPTIBLE sleepers; a task
# counts as frozen only when it reaches do_freezer_trap() on its way back
# to user space.  An interruptible sleeper leaves the ioctl with
# -ERESTARTSYS, traps (S, wchan get_signal) and the group is frozen at
# once; the call restarts after the thaw.  A D or I sleeper (killable
# included: the freeze is not a fatal signal) never gets there while it
# sleeps, so the group stays "frozen 0" for as long as the sleep lasts, and
# becomes frozen the moment it is released.
scn_cgroup_freeze() {
	scn_title "Container freeze: cgroup.freeze"
	fcases=$1
	for c in $fcases; do eval "sawf_${c%%:*}=0"; done
	ensure_loaded
	cg_sleepers freeze 70 "$fcases"
	for c in $fcases; do
		echo 1 > "/sys/fs/cgroup/freeze-${c%%:*}/cgroup.freeze"
	done
	now_cs
	t0=$now
	# Those that freeze must within 5 s; then all are watched for one more
	# second, a freeze that has had every chance.
	for c in $fcases; do
		[ "${c#*:}" = 1 ] && wait_for 5 cg_is "/sys/fs/cgroup/freeze-${c%%:*}" frozen 1
	done
	now_cs
	h_end=$((now + 100))
	[ "$now" -lt $((t0 + 100)) ] && h_end=$((t0 + 200))
	while [ "$now" -lt "$h_end" ]; do
		for c in $fcases; do
			cg_event "/sys/fs/cgroup/freeze-${c%%:*}" frozen
			[ "$cgv" = 1 ] && eval "sawf_${c%%:*}=1"
		done
		usleep 20000
		now_cs
	done
	for c in $fcases; do
		m=${c%%:*} want=${c#*:}
		eval "p=\$cgpid_$m"
		cg_event "/sys/fs/cgroup/freeze-$m" frozen
		pstate "$p"
		wait_site "$p"
		w=$site
		if [ "$want" = 1 ]; then
			scn_check "echo 1 > cgroup.freeze ($m)" \
				"frozen $cgv at once; $st in $w" [ "$cgv" = 1 ]
		else
			eval "saw=\${sawf_$m:-0}"
			scn_check "echo 1 > cgroup.freeze ($m)" \
				"frozen $cgv for $(cs_str $((now - t0))); still $st ($w)" \
				eval '[ "$cgv" = 0 ] && [ "$saw" = 0 ] && asleep "$p" "$(mode_letter "$m")"'
		fi
	done
	# Release the sleepers of the groups that did not freeze: the freeze
	# completes as soon as they leave the kernel.
	for c in $fcases; do
		m=${c%%:*}
		[ "${c#*:}" = 0 ] || continue
		eval "t=\$cgtag_$m p=\$cgpid_$m"
		now_cs
		t0=$now
		dstate release --tag "$t" > /dev/null
		wait_for 5 cg_is "/sys/fs/cgroup/freeze-$m" frozen 1
		now_cs
		cg_event "/sys/fs/cgroup/freeze-$m" frozen
		pstate "$p"
		scn_check "dstate release --tag $t (the $m one)" \
			"frozen $cgv $(cs_str $((now - t0))) later; it shows $st" \
			[ "$cgv" = 1 ]
	done
	# Thaw; the frozen interruptible sleeper restarts its call and sleeps
	# again until released.
	for c in $fcases; do
		echo 0 > "/sys/fs/cgroup/freeze-${c%%:*}/cgroup.freeze"
	done
	for c in $fcases; do
		m=${c%%:*}
		eval "t=\$cgtag_$m p=\$cgpid_$m"
		i=0
		while ! ended "$p" && [ $i -lt 50 ]; do
			dstate release --tag "$t" > /dev/null
			wait_for 1 ended "$p"
			i=$((i + 1))
		done
		reap "$p" 5
		scn_check "thaw; release the $m sleeper" \
			"it exits $rc" [ "$rc" = 0 ]
		rmdir "/sys/fs/cgroup/freeze-$m"
	done
	scn_means "The cgroup v2 freezer only catches a task on its way back to" \
		"user space. An interruptible sleeper is woken for that and the group" \
		"freezes at once (its call restarts after the thaw). A sleeper in D" \
		"or I - killable too - never gets there: the group stays 'frozen 0'" \
		"for as long as the sleep lasts. Freezing a container with a task in" \
		"D does not complete; a runtime must wait with a deadline. Released," \
		"the task reaches the trap and the group is frozen at once."
}

# --- 2. supervisor timeout: dstate wait ----------------------------------------

# scn_supervisor MODE: a MODE sleeper (claimed: it ends when released).
scn_supervisor() {
	scn_title "Supervisor timeout: dstate wait (pidfd)"
	m=$1
	ensure_loaded
	dstate spawn "$m" --tag 81 > /tmp/scn-sup.spawn
	p=$(pids_of /tmp/scn-sup.spawn)
	scn_check "dstate spawn $m" "pid $p: $(mode_letter "$m")" \
		asleep "$p" "$(mode_letter "$m")"

	now_cs
	t0=$now
	dstate wait "$p" --timeout 1s > /tmp/scn-sup.w1 2>&1
	rc=$?
	now_cs
	el=$((now - t0))
	pstate "$p"
	scn_check "dstate wait $p --timeout 1s" \
		"exit $rc after $(cs_str $el); $p still $st" \
		eval '[ "$rc" = 124 ] && [ "$el" -ge 100 ] && asleep "$p" "$(mode_letter "$m")"'

	dstate wait "$p" --timeout 30s > /tmp/scn-sup.w2 2>&1 &
	w=$!
	# The waiter is ready when it sleeps with the pidfd open.
	waiting() {
		is_state "$w" S && ls -l "/proc/$w/fd" 2>/dev/null | grep -q pidfd
	}
	wait_for 10 waiting
	scn_check "dstate wait $p --timeout 30s &" \
		"waiter $w: S, a pidfd open" waiting
	now_cs
	t0=$now
	dstate release --tag 81 > /dev/null
	now_cs
	t1=$now
	reap "$w" 30
	now_cs
	el=$((now - t1))
	scn_check "dstate release --tag 81" \
		"the waiter exits $rc, $(cs_str $el) after release returned" \
		eval '[ "$rc" = 0 ] && [ "$el" -lt 50 ]'
	scn_note "  dstate wait's own report" \
		"$(sed -n 's/^ *how: *//p' /tmp/scn-sup.w2) after $(sed -n 's/^ *elapsed: *//p' /tmp/scn-sup.w2) of waiting, by $(sed -n 's/^ *method: *//p' /tmp/scn-sup.w2)"
	wait_for 5 gone "$p"
	scn_check "ls /proc/$p" "$(if gone "$p"; then echo "gone (reaped)"; else pstate "$p"; echo "still there: $st"; fi)" \
		gone "$p"
	scn_means "A supervisor cannot end a D process: the 1 s timeout expires (exit 124)" \
		"and the process is still D. Waiting on a pidfd (poll) instead of" \
		"sleeping between checks, it sees the exit the moment the wait ends" \
		"- within milliseconds, not at the next poll."
}

# --- 3. the hung-task detector -------------------------------------------------

# scn_hungtask "SILENT..." "REPORTED...": modes; kthread:MODE is a dstate/N
# kernel thread.  The silent ones start first, so that once every reported
# one has been reported twice the detector has looked at the silent ones
# at least twice after they were older than its timeout.
scn_hungtask() {
	scn_title "Hung-task detector (hung_task_timeout_secs=2)"
	silent=$1 reported=$2
	ensure_loaded
	for kv in hung_task_panic=0 hung_task_warnings=-1 \
		hung_task_check_interval_secs=1 hung_task_timeout_secs=2; do
		echo "${kv#*=}" > "/proc/sys/kernel/${kv%=*}"
	done
	kmsg_mark
	hpids= i=0
	for m in $silent $reported; do
		i=$((i + 1))
		case $m in
		kthread:*) dstate spawn "${m#kthread:}" --kthread --tag 91 > /tmp/scn-h.$i ;;
		permanent) dstate spawn permanent > /tmp/scn-h.$i ;;
		*) dstate spawn "$m" --tag 91 > /tmp/scn-h.$i ;;
		esac
		p=$(pids_of /tmp/scn-h.$i)
		read -r comm < "/proc/$p/comm"
		eval "hp_$i=$p hc_$i='$comm'"
	done
	# Until every one that must be reported has been, twice.
	twice() {
		_j=0
		for _m in $silent; do _j=$((_j + 1)); done
		for _m in $reported; do
			_j=$((_j + 1))
			eval "_p=\$hp_$_j _c=\$hc_$_j"
			[ "$(kmsg_new | grep -c "task $_c:$_p blocked for more than")" -ge 2 ] || return 1
		done
	}
	wait_for 40 twice
	i=0
	for m in $silent $reported; do
		i=$((i + 1))
		eval "p=\$hp_$i c=\$hc_$i"
		n=$(kmsg_new | grep -c "task $c:$p blocked for more than")
		line=$(klog_new | grep -m1 "task $c:$p blocked for more than")
		pstate "$p"
		lbl="$m sleeper"
		case $m in kthread:*) lbl="${m#kthread:} kthread" ;; esac
		case " $reported " in
		*" $m "*)
			scn_check "$lbl $c:$p" "$st; reported $n times" \
				[ "$n" -ge 2 ]
			scn_note "  the kernel's line" "${line:-(none)}"
			;;
		*)
			scn_check "$lbl $c:$p" "$st; never reported ($n), others were twice" \
				eval 'twice && [ "$n" -eq 0 ] && [ "$st" = "$(mode_letter "${m#kthread:}")" ]'
			;;
		esac
	done
	echo 120 > /proc/sys/kernel/hung_task_timeout_secs
	dstate release --tag 91 > /dev/null
	i=0 left=
	for m in $silent $reported; do
		i=$((i + 1))
		eval "p=\$hp_$i"
		[ "$m" = permanent ] || left="$left $p"
	done
	# shellcheck disable=SC2086
	wait_for 10 all_gone $left
	# shellcheck disable=SC2086
	scn_check "release --tag 91" "all but the permanent one gone" all_gone $left
	scn_means "The hung-task detector (khungtaskd) reports tasks that stay in" \
		"TASK_UNINTERRUPTIBLE longer than hung_task_timeout_secs - user" \
		"processes and kernel threads alike. It skips killable sleepers" \
		"(TASK_WAKEKILL: a kill ends them) and idle ones (TASK_NOLOAD): both" \
		"are D or I in /proc too, but they are not 'hung'. A permanent" \
		"sleeper is reported forever (the timeout is put back to 120 s here)."
}

# --- 4. load average ------------------------------------------------------------

# scn_loadavg COUNTED UNCOUNTED: 20 UNCOUNTED sleepers must not raise the
# 1-minute load by 1.0 over 11 s (two of the kernel's 5 s samples: 20
# counted ones would add 1.6 at the first and over 3 by the second; the
# margin is for the VM's own tasks, which added 0.51 on an emulated RT
# kernel in a loaded CI run); 20 COUNTED ones must raise it by more than
# 1.0 within 20 s (each sample moves it 8 % of the way to the count).
scn_loadavg() {
	scn_title "Load average: 20 sleepers"
	counted=$1 uncounted=$2
	ensure_loaded
	dstate spawn "$uncounted" -n 20 --tag 101 > /tmp/scn-la.u
	upids=$(pids_of /tmp/scn-la.u)
	# shellcheck disable=SC2086
	scn_check "dstate spawn $uncounted -n 20" "20 in $(mode_letter "$uncounted")" \
		all_asleep "$(mode_letter "$uncounted")" $upids
	loadavg1
	l0=$load peak=$load
	now_cs
	end=$((now + 1100))
	while [ "$now" -lt "$end" ]; do
		loadavg1
		[ "$load" -gt "$peak" ] && peak=$load
		usleep 100000
		now_cs
	done
	# shellcheck disable=SC2086
	scn_check "watch /proc/loadavg for 11 s" \
		"1-min load $(la_str "$l0") -> peak $(la_str "$peak") (< +1.00)" \
		eval '[ "$peak" -lt $((l0 + 100)) ] && all_asleep "$(mode_letter "$uncounted")" $upids'
	dstate release --tag 101 > /dev/null
	# shellcheck disable=SC2086
	wait_for 10 all_gone $upids

	dstate spawn "$counted" -n 20 --tag 102 > /tmp/scn-la.c
	cpids=$(pids_of /tmp/scn-la.c)
	# shellcheck disable=SC2086
	scn_check "dstate spawn $counted -n 20" "20 in $(mode_letter "$counted")" \
		all_asleep "$(mode_letter "$counted")" $cpids
	loadavg1
	l0=$load
	now_cs
	t0=$now
	rose() { loadavg1; [ "$load" -gt $((l0 + 100)) ]; }
	wait_for 20 rose
	now_cs
	loadavg1
	scn_check "watch /proc/loadavg up to 20 s" \
		"1-min load $(la_str "$l0") -> $(la_str "$load") in $(cs_str $((now - t0))) (> +1.00)" \
		[ "$load" -gt $((l0 + 100)) ]
	dstate release --tag 102 > /dev/null
	# shellcheck disable=SC2086
	wait_for 10 all_gone $cpids
	# shellcheck disable=SC2086
	scn_check "dstate release --tag 102" "all 40 gone" all_gone $upids $cpids
	scn_means "Linux's load average counts runnable tasks and tasks in" \
		"uninterruptible sleep: 20 processes stuck in D push it up by" \
		"about 20 within a few minutes although the CPUs are idle." \
		"TASK_IDLE sleepers (I) are uninterruptible too but marked" \
		"TASK_NOLOAD, and do not count - that is what the kernel's own idle" \
		"worker threads use. A high load with idle CPUs points at D tasks."
}

# --- 5. module reference counts ---------------------------------------------------

# scn_refcount_normal [LOAD-OPTIONS]: claimed: rmmod is refused while the
# device is open or a task sleeps in it, and works once both are gone.
scn_refcount_normal() {
	scn_title "Module refcount: rmmod while /dev/dstate is open"
	module_loaded && dstate unload > /dev/null
	kmsg_mark
	dstate load "$@" > /dev/null
	r0=$(refcnt)
	exec 3< /dev/dstate
	r1=$(refcnt)
	scn_check "exec 3< /dev/dstate" "refcnt $r0 -> $r1" [ "$r1" = $((r0 + 1)) ]
	out=$(/usr/sbin/rmmod dstate 2>&1)
	rc=$?
	scn_check "rmmod dstate (kmod)" "exit $rc: ${out#rmmod: }" \
		eval '[ "$rc" = 1 ] && module_loaded'
	out=$(busybox rmmod dstate 2>&1)
	rc=$?
	# busybox calls delete_module() itself: its perror is the errno.
	scn_check "busybox rmmod (delete_module)" "exit $rc: ${out##*: } (EAGAIN)" \
		eval '[ "$rc" = 1 ] && module_loaded && [ "${out##*: }" = "Resource temporarily unavailable" ]'
	out=$(dstate unload 2>&1)
	rc=$?
	scn_check "dstate unload" "exit $rc: $(echo "$out" | grep -o 'in use[^;]*')" \
		eval '[ "$rc" = 1 ] && module_loaded'
	exec 3<&-
	dstate sleep uninterruptible --tag 111 > /dev/null 2>&1 &
	sp=$!
	wait_for 10 asleep "$sp" D
	out=$(/usr/sbin/rmmod dstate 2>&1)
	rc=$?
	scn_check "fd closed; a sleeper in D; rmmod" "exit $rc; refcnt $(refcnt)" \
		eval '[ "$rc" = 1 ] && module_loaded && asleep "$sp" D'
	dstate release --tag 111 > /dev/null
	reap "$sp" 10
	/usr/sbin/rmmod dstate
	rc=$?
	scn_check "release; rmmod dstate" "exit $rc; $(module_loaded && echo "dstate still in" || echo "no dstate in") /proc/modules" \
		eval '[ "$rc" = 0 ] && ! module_loaded'
	scn_check "the new kernel log lines" "no BUG, WARNING or Oops" kmsg_clean
	scn_means "Every open file of /dev/dstate holds a reference on the module" \
		"(.owner = THIS_MODULE), and so does every task asleep in it. While" \
		"any is held, delete_module() fails with EWOULDBLOCK (EAGAIN, 'Resource" \
		"temporarily unavailable'); kmod's rmmod reads the count first and" \
		"says 'in use'. Nothing breaks."
}

# scn_refcount_unsafe force|norefcount|none: a process holds /dev/dstate
# open; the module is removed anyway (claimed: it succeeds); the process
# then makes an ioctl on its fd (stty's TCGETS, with the fd as its stdin)
# and the kernel oopses; the task's end as /proc shows it.  Never waited
# for.  "none" (a normal load, a plain unload) is the control that fails.
scn_refcount_unsafe() {
	how=$1
	case $how in
	force) scn_title "Module refcount: forced removal (dstate unload --force) while open" ;;
	norefcount) scn_title "Module refcount: norefcount=1, rmmod while open" ;;
	*) scn_title "Module refcount: $how" ;;
	esac
	module_loaded && dstate unload > /dev/null
	tainted
	t0=$taint
	kmsg_mark
	loadcmd="dstate load"
	[ "$how" = norefcount ] && loadcmd="dstate load --norefcount"
	$loadcmd > /dev/null 2>&1
	tainted
	scn_check "$loadcmd" "taint $(taint_letters "$t0") -> $(taint_letters "$taint")" \
		module_loaded
	if [ "$how" = norefcount ]; then
		scn_check "  taint U, and the kernel log says" "$(klog_new | grep -m1 -o "loaded with norefcount=1: [A-Z ]*")" \
			[ $((taint & 64)) -ne 0 ]
	fi
	rm -f /tmp/scn-go.$how /tmp/scn-ready.$how
	mkfifo /tmp/scn-go.$how
	# The holder opens the device, waits for the go, then becomes stty
	# with the open file as its stdin (and still as fd 3): TCGETS is an
	# ioctl on it.  It is the file's only holder, so its exit closes it.
	sh -c "exec 3< /dev/dstate; echo > /tmp/scn-ready.$how;
	       read x < /tmp/scn-go.$how; exec stty 0<&3" > /dev/null 2>&1 &
	h=$!
	wait_for 10 test -e /tmp/scn-ready.$how
	r=$(refcnt)
	scn_check "pid $h opens /dev/dstate" "refcnt $r" [ -e /tmp/scn-ready.$how ]
	tainted
	t1=$taint
	if [ "$how" = force ]; then
		out=$(dstate unload --force 2>&1)
	else
		out=$(dstate unload 2>&1)
	fi
	rc=$?
	tainted
	scn_check "dstate unload$([ "$how" = force ] && echo " --force")" \
		"exit $rc; $(module_loaded && echo "still in" || echo "gone from") /proc/modules; new taint: $(taint_letters $((taint & ~t1)))" \
		eval '[ "$rc" = 0 ] && ! module_loaded && [ ! -e /dev/dstate ]'
	[ "$how" = force ] &&
		scn_check "  (Debian: MODULE_FORCE_UNLOAD=y)" "taint R (forced module removal)" \
			[ $((taint & 8)) -ne 0 ]
	kmsg_mark
	echo go > /tmp/scn-go.$how
	wait_for 15 klog_has "BUG: unable to handle page fault"
	bug=$(klog_new | grep -m1 "BUG: unable to handle page fault")
	scn_check "stty <&3 (an ioctl on the open fd)" "${bug%% for address*}" \
		klog_has "BUG: unable to handle page fault"
	# Where it faulted: in the ioctl system call, the first oops's RIP.
	rip=$(klog_new | grep -m1 '^RIP: 0010' | cut -c1-50)
	scn_note "    at address" "${bug##*address: }"
	scn_check "    where" "${rip:-no RIP line}" \
		eval 'case $rip in *ioctl*) true ;; *) false ;; esac'
	scn_note "    then" "$(klog_new | grep -m1 'Oops:')"
	# The task dies of the oops and, closing the file on its way out,
	# faults again.  Never waited for: /proc only, with a deadline.
	settled() { pstate "$h"; case $st in X|Z|D|"") return 0 ;; esac; return 1; }
	wait_for 10 settled
	wait_for 5 klog_has "Fixing recursive fault"
	scn_note "    on its way out" "$(klog_new | grep -m1 'Fixing recursive fault' || echo 'no recursive fault')"
	pstate "$h"
	# Only the outcome differs, with no feature to probe: before 5.17
	# the recursive-fault path sleeps in TASK_UNINTERRUPTIBLE for good
	# (on 5.10 too, whose make_task_dead() is a backport); since 5.17 it
	# ends in do_task_dead(), EXIT_DEAD.
	case $(uname -r) in
	[0-4].*|5.[0-9].*|5.1[0-6].*) want=D ;;
	*) want=X ;;
	esac
	scn_check "cat /proc/$h/stat" "${st:--}$([ "$st" = X ] && echo " (dead), never reaped" || echo ", where $want was expected")" \
		[ "$st" = "$want" ]
	if [ "$how" = force ]; then
		scn_means "Forcing skips the reference count: the module's exit runs and" \
			"its memory is freed although a file still uses it. The rest is as" \
			"with norefcount=1:"
	fi
	scn_means "Without a reference held by the open file the module's code" \
		"and its file_operations are freed while the file still points at" \
		"them. The next ioctl jumps into unmapped memory: 'BUG: unable to" \
		"handle page fault', an oops that kills the task; closing the file" \
		"as it exits faults again ('Fixing recursive fault but reboot is" \
		"needed!'). On 6.x the task is left as X (dead), never reaped, its" \
		"pid still in /proc. Kernels before 5.17 (5.10 among them) leave it" \
		"in D forever instead. Either way only a reboot clears it."
}
