#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Argument fuzzer for the dstate command: each subcommand gets random and
# malformed arguments.  Every run must end by itself with exit 0, 1, 2 (or
# 124 for wait) and, when it fails, say why on stderr — never a crash (a
# signal, a sanitizer report) or a hang.
#
# The token pool names no process that lives long (so wait and watch end
# at once) and leaves out what would change the host: loading modules,
# freezing filesystems.  Each run is in a PID namespace of its own, so that
# whatever a run starts dies with it.
#
# Usage: argfuzz.sh [RUNS [SEED]]	(default 400 runs)

set -u

top=$(cd "$(dirname "$0")/../.." && pwd)
dstate=${DSTATE:-$top/user/dstate}
runs=${1:-400}
seed=${2:-$$}
RANDOM=$seed

cmds=(info sleep spawn release ls state watch wait matrix help bogus "")
tokens=(-n --count -t --timeout -g --tag -k --kthread --all --pid --tag
	--interval --json -J --device --help -h --norefcount --max-sleepers
	--force --bogus -- - "" 0 -1 1x 2s 500ms 1m 99999999999999999999
	0x10 abc 999999 2147483648 -2147483649 %s%n "a b" $'\t' ü
	uninterruptible killable interruptible idle permanent vfork stopped
	traced zombie running nomode /nonexistent /dev/null
	-o --output --list-columns --noheadings -r --raw -P --pairs -m --mode
	PID +COMM pid,State_Name , +)

echo "TAP version 13"
echo "# seed $seed (rerun: argfuzz.sh $runs $seed)"

pick() { local a=("$@"); printf '%s' "${a[RANDOM % ${#a[@]}]}"; }

bad=0 n=0 worst=
err=$(mktemp)
trap 'rm -f "$err"' EXIT

for ((i = 0; i < runs; i++)); do
	args=("$(pick "${cmds[@]}")")
	for ((j = RANDOM % 5; j > 0; j--)); do
		args+=("$(pick "${tokens[@]}")")
	done
	# Valid sleeps and spawns of the module-free methods would run until
	# their timeout: keep them short, and in a namespace that dies.
	if [ "${args[0]}" = sleep ] || [ "${args[0]}" = spawn ]; then
		args+=(--timeout 50ms)
	fi
	# A shell is the namespace's init, so that dstate is an ordinary
	# process there, one that signals can kill.
	timeout -s KILL 10 unshare --pid --fork --kill-child \
		sh -c '"$@"; rc=$?; exit $rc' sh "$dstate" "${args[@]}" \
		> /dev/null 2> "$err"
	rc=$?
	n=$((n + 1))
	ok=1
	case $rc in
	0|1|2|124) ;;
	*) ok= ;;
	esac
	if [ "$rc" -ne 0 ] && [ ! -s "$err" ]; then
		ok=
	fi
	if grep -qE 'runtime error|AddressSanitizer|LeakSanitizer' "$err"; then
		ok=
	fi
	if [ -z "$ok" ]; then
		bad=$((bad + 1))
		[ -n "$worst" ] || worst="exit $rc: dstate ${args[*]}: $(head -c 200 "$err")"
		echo "# exit $rc: dstate ${args[*]}"
		sed 's/^/#   /' "$err" | head -n 5
	fi
done

if [ "$bad" -eq 0 ]; then
	echo "ok 1 - $n runs with random arguments: each ended with 0, 1, 2 or 124 and a message"
else
	echo "not ok 1 - $bad of $n runs crashed, hung or failed silently; first: $worst"
fi
echo "1..1"
[ "$bad" -eq 0 ]
