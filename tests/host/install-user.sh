#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Host test: make install-user stages the command, its man page and bash
# completion under DESTDIR and PREFIX, and nothing else: no module, so no
# kernel build tree and no scripts/deps.sh (the VM's packages).  It runs
# on a copy of the sources whose scripts/deps.sh only notes that it ran,
# with the kernel build tree pointed at a directory that does not exist.
# The tree's own build (ASan, for the other host tests) is left as it is.
# Prints TAP.

set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
# shellcheck source=tests/host/common.inc
. "$here/common.inc"
host_tmpdir install-user
# The EXIT trap removes $tmp; a signal must end the shell through it too.
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM

echo "TAP version 13"

src=$tmp/src
mkdir -p "$src/user/lib" "$src/kmod"
cp "$top/Makefile" "$src/"
cp "$top"/user/Makefile "$top"/user/*.[ch] "$top/user/dstate.1" \
   "$top/user/dstate.bash-completion" "$src/user/"
cp "$top"/user/lib/*.[ch] "$src/user/lib/"
cp "$top"/kmod/*.h "$src/kmod/"
mkdir -p "$src/scripts"
printf '#!/bin/sh\necho ran >> "%s"\n' "$tmp/deps-ran" > "$src/scripts/deps.sh"
chmod +x "$src/scripts/deps.sh"
nokernel=$tmp/no-kernel-build-tree

# files DIR: every file under DIR, relative to it, with its mode.
files() { (cd "$1" && find . -type f -printf '%m %P\n' | sort); }

# --- install-user, PREFIX=/usr ------------------------------------------------

stage=$tmp/stage
make -s -C "$src" install-user DESTDIR="$stage" PREFIX=/usr \
	KDIR= host_kdir="$nokernel" > "$tmp/make.out" 2>&1
r=$?
[ $r = 0 ] && [ ! -e "$tmp/deps-ran" ]
ok $? "make install-user without a kernel build tree, and without deps.sh: exit $r"
[ $r = 0 ] || sed 's/^/# | /' "$tmp/make.out" | tail -n 20

cat > "$tmp/want" <<'EOF'
644 usr/share/bash-completion/completions/dstate
644 usr/share/man/man1/dstate.1
755 usr/bin/dstate
EOF
sort -o "$tmp/want" "$tmp/want"
files "$stage" > "$tmp/got" 2>/dev/null
cmp -s "$tmp/want" "$tmp/got"
ok $? "it installs the command (0755), dstate(1) and the completion (0644), nothing else ($(tr '\n' ';' < "$tmp/got"))"

cmp -s "$stage/usr/share/man/man1/dstate.1" "$top/user/dstate.1" &&
cmp -s "$stage/usr/share/bash-completion/completions/dstate" \
       "$top/user/dstate.bash-completion"
ok $? "the man page and the completion are the tree's"

v=$("$stage/usr/bin/dstate" --version 2>&1)
[ "$v" = "$("$D" --version 2>&1)" ] && [ -n "$v" ]
ok $? "the installed dstate runs: --version says '$v'"

# --- the default PREFIX, /usr/local ---------------------------------------------

stage2=$tmp/stage-default
make -s -C "$src" install-user DESTDIR="$stage2" KDIR= host_kdir="$nokernel" \
	> "$tmp/make.out" 2>&1
sed 's# usr/# usr/local/#' "$tmp/want" | sort > "$tmp/want2"
files "$stage2" > "$tmp/got" 2>/dev/null
cmp -s "$tmp/want2" "$tmp/got"
ok $? "without PREFIX it installs under /usr/local, as make install does"

# --- make install still needs the kernel build tree, and says what else -------

stage3=$tmp/stage-install
make -s -C "$src" install DESTDIR="$stage3" PREFIX=/usr KDIR= \
	host_kdir="$nokernel" > "$tmp/make.out" 2>&1
r=$?
[ $r != 0 ] && [ ! -e "$stage3" ] &&
grep -q "no kernel build tree" "$tmp/make.out" &&
grep -q "make install-user" "$tmp/make.out"
ok $? "make install without one fails (exit $r), installs nothing, and names install-user"

echo "1..$n"
[ $failed = 0 ]
