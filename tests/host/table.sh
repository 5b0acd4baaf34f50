#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Host test: the tables, as util-linux prints them.  For every command
# that prints one (spawn, ls, matrix, cleanup): --list-columns lists
# exactly the columns its --help names, in text and JSON; an unknown
# column is a usage error that names it.  For spawn, with module-free
# methods: -o picks and orders the columns, in any case, +LIST appends,
# --noheadings drops the header, and a value with a space ("disk
# sleep", the state of a vfork parent) reaches awk as one field through
# --raw and the shell as one value through --pairs and eval.  What the
# table says is checked against /proc.  ls needs the module: its
# filters are tested in tests/vm/70-cli.sh.  Prints TAP.

set -u
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/host/common.inc
. "$here/common.inc"
host_tmpdir table

echo "TAP version 13"
if [ ! -x "$D" ]; then
	echo "not ok 1 - dstate binary at $D"
	echo "1..1"
	exit 1
fi

# The /proc state letter of PID; its parent.
letter() { sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1; }
ppid() { sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f2; }

# A usage error: exit 2, one line naming WANT, nothing on stdout.
usage_case() {	# usage_case WANT ARGS...
	local want=$1 r lines
	shift
	"$D" "$@" > "$tmp/out" 2> "$tmp/err"; r=$?
	lines=$(wc -l < "$tmp/err")
	[ $r = 2 ] && [ "$lines" = 1 ] && grep -qF -- "$want" "$tmp/err" &&
		[ ! -s "$tmp/out" ]
	ok $? "dstate $*: usage error naming $want (exit $r, $lines lines: $(head -c 120 "$tmp/err"))"
}

# --- every table command: --list-columns, --help, -o errors -------------

for c in spawn ls matrix effects cleanup; do
	"$D" "$c" --help > "$tmp/help" 2>&1
	sed -n '/^Available output columns/,$p' "$tmp/help" |
		awk 'NR > 2 && NF { print $1 }' > "$tmp/help.cols"
	"$D" "$c" --list-columns > "$tmp/list" 2> "$tmp/err"; r=$?
	awk '{ print $1 }' "$tmp/list" > "$tmp/list.cols"
	[ $r = 0 ] && [ -s "$tmp/help.cols" ] && [ ! -s "$tmp/err" ] &&
		cmp -s "$tmp/help.cols" "$tmp/list.cols" &&
		! grep -qv ' <\(string\|number\|boolean\)> [a-z]' "$tmp/list"
	ok $? "$c --list-columns: every column --help names, with type and description ($(echo $(cat "$tmp/list.cols")); exit $r)"
	"$D" --json "$c" --list-columns > "$tmp/json" 2>&1; r=$?
	[ $r = 0 ] && grep -q "^   \"$c-columns\": \[" "$tmp/json" &&
		[ "$(grep -c '"holder": ' "$tmp/json")" = "$(wc -l < "$tmp/list.cols")" ] &&
		[ "$(grep -c '"description": ' "$tmp/json")" = "$(wc -l < "$tmp/list.cols")" ]
	ok $? "$c --list-columns --json: one object per column, holder, type, description (exit $r)"
	"$D" "$c" --list-columns -r > "$tmp/raw" 2>&1; r=$?
	[ $r = 0 ] && [ "$(awk 'NF != 3' "$tmp/raw" | wc -l)" = 0 ] &&
		[ "$(wc -l < "$tmp/raw")" = "$(wc -l < "$tmp/list.cols")" ]
	ok $? "$c --list-columns --raw: three fields a line for awk (exit $r)"
	usage_case "unknown column 'NOPE'" "$c" -o "$(head -n1 "$tmp/list.cols"),NOPE"
	usage_case "empty column name" "$c" -o ","
	usage_case "exclude each other" --json "$c" --raw
	usage_case "exclude each other" "$c" -r -P
done
usage_case "unknown column 'x'" spawn stopped --output=x
usage_case "unknown mode 'foo'" ls --mode foo
usage_case "'vfork' is not a module mode" ls --mode killable,vfork
usage_case "bad --pid '1,,2'" ls --pid 1,,2
usage_case "bad --pid '0'" ls --pid 0
usage_case "bad --tag 'x'" ls --tag x
# The options are taken before anything is started: in a pid namespace
# of its own, with its own /proc (other tests on this host may start
# stopped processes meanwhile), nothing but the shell is left.
usage_case "unknown column 'NOPE'" spawn stopped -n 3 -o PID,NOPE
left=$(unshare --pid --fork --mount-proc sh -c \
	'"$1" spawn stopped -n 3 -o PID,NOPE 2> /dev/null; echo "rc $?"; ps -eo comm=' \
	sh "$D" 2>&1 | tr '\n' ' ')
[ "$left" = "rc 2 sh ps " ]
ok $? "and that spawn started nothing (in a pid namespace: $left)"

# --- spawn: -o, --noheadings, -r, -P, JSON -------------------------------

# spawned FILE COLUMN...: keep the pids in those awk fields of FILE's
# lines (the header aside) for the cleanup.
spawned() {
	local f=$1 c p
	shift
	for c in "$@"; do
		for p in $(awk -v c="$c" '$c ~ /^[0-9]+$/ { print $c }' "$f"); do
			pids+=("$p")
		done
	done
}

"$D" spawn zombie -n 2 -o pid,State_Name,HELPER -r > "$tmp/z" 2> "$tmp/err"; r=$?
spawned "$tmp/z" 1 3
zombies_right() {
	local pid name helper
	[ "$(head -n1 "$tmp/z")" = "PID STATE_NAME HELPER" ] || return 1
	[ "$(wc -l < "$tmp/z")" = 3 ] || return 1
	[ "$(awk 'NR > 1 && NF != 3' "$tmp/z" | wc -l)" = 0 ] || return 1
	while read -r pid name helper; do
		[ "$(letter "$pid")" = Z ] && [ "$name" = zombie ] &&
			[ "$(ppid "$pid")" = "$helper" ] || return 1
	done < <(tail -n +2 "$tmp/z")
}
[ $r = 0 ] && zombies_right; res=$?
ok $res "spawn zombie -n 2 -o pid,State_Name,HELPER -r: those columns in that order, names in any case; /proc: Z, each helper its parent (exit $r)"
[ $res = 0 ] || sed 's/^/# /' "$tmp/z" "$tmp/err"

# A vfork parent is D: "disk sleep", a value with a space.
"$D" spawn vfork -n 2 -r > "$tmp/v" 2> "$tmp/err"; r=$?
spawned "$tmp/v" 1 6
vfork_raw() {
	local pid comm mode st name helper rest
	[ "$(head -n1 "$tmp/v")" = "PID COMM MODE STATE STATE_NAME HELPER" ] || return 1
	[ "$(wc -l < "$tmp/v")" = 3 ] || return 1
	while read -r pid comm mode st name helper rest; do
		[ -z "$rest" ] && [ "$mode" = vfork ] && [ "$st" = D ] &&
			[ "$name" = 'disk\x20sleep' ] &&
			[ "$(letter "$pid")" = D ] &&
			[ "$(ppid "$helper")" = "$pid" ] || return 1
	done < <(tail -n +2 "$tmp/v")
	# What a plain awk script sees: six fields, the sixth the helper.
	[ "$(awk 'NR > 1 { print NF, $5 }' "$tmp/v" | sort -u)" = '6 disk\x20sleep' ]
}
[ $r = 0 ] && vfork_raw; res=$?
ok $res "spawn vfork -n 2 -r: six fields a line for awk, STATE_NAME disk\\x20sleep, /proc: D, HELPER its child (exit $r)"
[ $res = 0 ] || sed 's/^/# /' "$tmp/v" "$tmp/err"

"$D" spawn vfork -P > "$tmp/p" 2> "$tmp/err"; r=$?
pids+=($(grep -oE '(PID|HELPER)="[0-9]+"' "$tmp/p" | grep -oE '[0-9]+'))
vfork_pairs() {
	local PID COMM MODE STATE STATE_NAME HELPER
	[ "$(wc -l < "$tmp/p")" = 1 ] || return 1
	eval "$(cat "$tmp/p")" || return 1
	[ "$STATE_NAME" = "disk sleep" ] && [ "$MODE" = vfork ] &&
		[ "$STATE" = D ] && [ "$COMM" = "$(cat "/proc/$PID/comm")" ] &&
		[ "$(letter "$PID")" = D ] && [ "$(ppid "$HELPER")" = "$PID" ]
}
[ $r = 0 ] && vfork_pairs
ok $? "spawn vfork -P: eval sets PID, COMM, MODE, STATE, STATE_NAME='disk sleep' and HELPER, as /proc has them (exit $r: $(cat "$tmp/p"))"

"$D" spawn stopped -n 2 --noheadings -o PID > "$tmp/s" 2> "$tmp/err"; r=$?
spawned "$tmp/s" 1
stopped_bare() {
	local p
	[ "$(wc -l < "$tmp/s")" = 2 ] || return 1
	for p in $(cat "$tmp/s"); do
		[[ $p =~ ^\ *[0-9]+$ ]] && [ "$(letter "$p")" = T ] || return 1
	done
}
[ $r = 0 ] && stopped_bare; res=$?
ok $res "spawn stopped -n 2 --noheadings -o PID: two lines, each a pid /proc shows T (exit $r)"
[ $res = 0 ] || for p in $(cat "$tmp/s"); do echo "# $p: /proc says '$(letter "$p")'"; done

# +LIST appends to the default set; a column named twice is printed once.
"$D" spawn stopped -o +comm,pid --raw > "$tmp/s2" 2> "$tmp/err"; r=$?
spawned "$tmp/s2" 1
[ $r = 0 ] && [ "$(head -n1 "$tmp/s2")" = "PID COMM MODE STATE STATE_NAME HELPER" ] &&
	[ "$(awk 'NR == 2 { print $6 }' "$tmp/s2")" = - ]
ok $? "spawn stopped -o +comm,pid -r: the default columns once each; no helper is '-' (exit $r)"

"$D" --json spawn stopped -o MODE,pid > "$tmp/j" 2> "$tmp/err"; r=$?
pids+=($(sed -n 's/^ *"pid": \([0-9]*\)$/\1/p' "$tmp/j"))
[ $r = 0 ] && [ "$(grep -c '^         "' "$tmp/j")" = 2 ] &&
	grep -qx '         "mode": "stopped",' "$tmp/j" &&
	grep -qE '^         "pid": [0-9]+$' "$tmp/j" &&
	[ "$(grep -n '"mode"' "$tmp/j" | cut -d: -f1)" -lt "$(grep -n '"pid"' "$tmp/j" | cut -d: -f1)" ]
ok $? "--json spawn stopped -o MODE,pid: the keys mode and pid only, lower case, in that order (exit $r)"

# Leave nothing: the stopped, the vfork parents and their children, the
# zombies' parents.  Then every pid printed is gone.
for p in "${pids[@]}"; do
	kill -KILL "$p" 2> /dev/null
done
all_gone() {
	local p
	for p in "${pids[@]}"; do
		[ "$(letter "$p")" = "" ] || return 1
	done
}
poll_for 10000 all_gone
ok $? "everything spawned is gone (${#pids[@]} pids)"
for p in "${pids[@]}"; do
	[ -d "/proc/$p" ] && echo "# left: $(ps -o pid=,ppid=,stat=,comm= -p "$p")"
done

echo "1..$n"
[ $failed = 0 ]
