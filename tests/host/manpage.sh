#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Host test: dstate(1) and the --help texts agree.  Every option that a
# command's --help lists, short and long, is in the man page, and every
# long option the man page names is in some --help.  Prints TAP.

set -u
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/host/common.inc
. "$here/common.inc"
host_tmpdir manpage
man=$here/../../user/dstate.1

echo "TAP version 13"
if [ ! -x "$D" ] || [ ! -f "$man" ]; then
	echo "not ok 1 - dstate at $D and its man page at $man"
	echo "1..1"
	exit 1
fi

# The man page as text: groff's \- is a plain -, fonts are dropped.
sed -e 's/\\-/-/g' -e 's/\\f[BIRP]//g' "$man" > "$tmp/man"

# The commands, as the program's own --help lists them.
cmds=$("$D" --help | awk '/^Commands:/ { f = 1; next } /^Modes/ { f = 0 }
			   f && /^ [a-z]/ { print $1 }')
[ -n "$cmds" ]; ok $? "dstate --help lists the commands ($(echo $cmds))"

: > "$tmp/all-long"
for c in "" $cmds; do
	"$D" $c --help > "$tmp/help" 2>&1
	# Options are the lines that start with one, in the Options list.
	opts=$(grep -oE '^ +(-[a-zA-Z], )?--[a-z][a-z-]*' "$tmp/help" |
	       grep -oE -- '-[a-zA-Z]\b|--[a-z][a-z-]*')
	missing=
	for o in $opts; do
		case $o in
		--*) echo "$o" >> "$tmp/all-long"
		     grep -qE -- "(^|[^a-z-])$o([^a-z-]|$)" "$tmp/man" ;;
		*) grep -qE -- "(^|[^a-zA-Z0-9-])$o([^a-zA-Z0-9-]|$)" "$tmp/man" ;;
		esac || missing="$missing $o"
	done
	[ -z "$missing" ]
	ok $? "dstate ${c:-(main)} --help: every option is in dstate(1)${missing:+ (missing:$missing)}"
done

# The reverse: a long option in the man page that no --help lists.
stray=
for o in $(grep -oE -- '--[a-z][a-z-]*' "$tmp/man" | sort -u); do
	grep -qx -- "$o" "$tmp/all-long" || stray="$stray $o"
done
[ -z "$stray" ]
ok $? "every long option dstate(1) names is in some --help${stray:+ (not:$stray)}"

echo "1..$n"
[ $failed = 0 ]
