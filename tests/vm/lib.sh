# SPDX-License-Identifier: GPL-2.0
#
# Shell helpers for the VM tests (busybox sh): TAP output, polling with a
# deadline, and the kernel log since a mark.

tap_n=0
tap_failed=0
echo "TAP version 13"

diag() { echo "# $*"; }

ok() {
	tap_n=$((tap_n + 1))
	echo "ok $tap_n - $*"
}

# skip NAME WHY: a case this kernel cannot show, for the reason WHY.
skip() {
	tap_n=$((tap_n + 1))
	echo "ok $tap_n - $1 # SKIP $2"
}

not_ok() {
	tap_n=$((tap_n + 1))
	tap_failed=$((tap_failed + 1))
	echo "not ok $tap_n - $*"
}

# check NAME COMMAND...: one case, passed when COMMAND succeeds.
check() {
	name=$1
	shift
	if "$@"; then ok "$name"; else not_ok "$name"; fi
}

done_testing() {
	echo "1..$tap_n"
	[ "$tap_failed" -eq 0 ]
	exit $?
}

# The kernel log since kmsg_mark: the mark is the number of lines seen.
kmsg_mark() { kmsg_lines=$(dmesg | wc -l); }
kmsg_new() { dmesg | tail -n +$((kmsg_lines + 1)); }

# No sign of a kernel bug among the new lines.
kmsg_clean() {
	if kmsg_new | grep -E 'BUG|WARNING|Oops|refcount_t|list_add corruption|list_del corruption|general protection'; then
		return 1
	fi
	return 0
}

# uptime_cs: the guest's uptime in centiseconds, into $uptime_cs (a shell
# builtin read: under software emulation a fork costs milliseconds).
uptime_cs() {
	read -r _up _rest < /proc/uptime
	uptime_cs=$((${_up%.*} * 100 + 1${_up#*.} - 100))
}

# wait_for SECONDS COMMAND...: poll COMMAND every 10 ms until it succeeds
# or SECONDS of uptime have passed, however slow COMMAND itself is.
wait_for() {
	uptime_cs
	_wf_end=$((uptime_cs + $1 * 100))
	shift
	while ! "$@"; do
		uptime_cs
		[ "$uptime_cs" -ge "$_wf_end" ] && return 1
		usleep 10000
	done
	return 0
}

# The /proc state letter of PID: the field after the last ')' of stat.
proc_state() {
	sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1
}

# pids_of FILE: the PID column of a table dstate printed.
pids_of() { awk 'NR > 1 { print $1 }' "$1"; }

# all_gone PID...: none of them exists any more.
all_gone() {
	for _p in "$@"; do
		[ -d "/proc/$_p" ] && return 1
	done
	return 0
}

# sigkill_pending PID: SIGKILL (bit 8 of the masks) is pending for PID.
sigkill_pending() {
	[ -r "/proc/$1/status" ] || return 1
	while read -r _k _v; do
		case $_k in
		SigPnd:|ShdPnd:)
			[ $((0x${_v#????????????} & 0x100)) -ne 0 ] && return 0 ;;
		esac
	done < "/proc/$1/status" 2>/dev/null
	return 1
}

module_loaded() { grep -q '^dstate ' /proc/modules; }
