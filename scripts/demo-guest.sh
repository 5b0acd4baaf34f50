#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The guest side of make demo (installed as /usr/bin/dstate-demo): load the
# module, put processes to sleep, and show what the kernel says about them.
# Everything shown comes from /proc, wait statuses or the kernel log.

set -u

say() { printf '\n== %s\n' "$*"; }
run() { printf '$ %s\n' "$*"; "$@"; }

letter() { sed 's/.*) //' "/proc/$1/stat" | cut -d' ' -f1; }

# wait_letter PID LETTER: poll /proc for up to 10 s.
wait_letter() {
	i=0
	while [ "$(letter "$1" 2>/dev/null)" != "$2" ]; do
		i=$((i + 1))
		[ $i -gt 1000 ] && return 1
		usleep 10000
	done
}

say "kernel $(uname -r); loading dstate.ko"
run dstate load || exit 1
run dstate info

say "an uninterruptible sleeper, and a killable one"
dstate sleep uninterruptible --tag 1 &
unint=$!
dstate sleep killable --tag 2 &
kill_=$!
wait_letter $unint D && wait_letter $kill_ D || { echo "no D state seen"; exit 1; }
run ps -o pid,stat,comm | grep -E "PID|dstate"
run dstate ls
run dstate state $unint $kill_

say "SIGKILL to both: the killable one dies, the uninterruptible one stays D"
kill -KILL $unint $kill_
wait $kill_ 2>/dev/null
echo "killable sleeper $kill_: gone (wait status $?)"
echo "uninterruptible sleeper $unint: /proc says $(letter $unint)"
run grep -E '^(State|SigPnd|ShdPnd)' /proc/$unint/status

say "release tag 1: the pending SIGKILL is delivered at last"
run dstate release --tag 1
wait $unint 2>/dev/null
echo "uninterruptible sleeper $unint: wait status $? (128+9: killed by SIGKILL)"

say "unloading"
run dstate unload
