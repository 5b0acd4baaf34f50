#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the debug series' kernel: Debian's own 6.12 source with KASAN,
# lockdep, kmemleak and the other checkers Debian's kernels lack.
#
#   build-debug-kernel.sh VERSION DEST
#
# VERSION is the linux-source-6.12 package's version; DEST the directory
# the built tree ends up in.  The configuration is allnoconfig plus
# scripts/kernels/debug.config: only what the test VM needs, so that a
# fresh 2-core machine builds it in minutes rather than the twenty a
# distribution config with KASAN takes.  Every option of the fragment is
# checked in the final .config.
#
# DEST/linux is the built source tree: DEST/linux/arch/x86/boot/bzImage,
# and a tree `make -C DEST/linux M=... modules` builds against.  DEST
# appears only when the build is complete (it is built beside it and
# renamed), so a half-built tree is never taken for a cached one.  The
# build's own output goes to DEST/build.log, not to this script's output:
# the module build check reads that, and a kernel build prints warnings
# of its own.

set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
version=${1:?usage: build-debug-kernel.sh VERSION DEST}
dest=${2:?usage: build-debug-kernel.sh VERSION DEST}
fragment=$top/scripts/kernels/debug.config

die() { echo "build-debug-kernel: $*" >&2; exit 1; }

[ -e "$dest" ] && die "$dest exists already"
work=$dest.tmp.$$
trap 'rm -rf "$work"' EXIT
rm -rf "$work"
mkdir -p "$work"
log=$work/build.log
t0=$(date +%s)

step() { echo "build-debug-kernel: $* ($(($(date +%s) - t0)) s)" >&2; }

# On failure, the end of the log says why.
run() {
	if ! "$@" >> "$log" 2>&1; then
		tail -n 40 "$log" | sed 's/^/build-debug-kernel: | /' >&2
		die "failed: $*"
	fi
}

step "fetching linux-source-6.12 $version"
(cd "$work" && apt-get download -q -o APT::Sandbox::User=root \
	"linux-source-6.12=$version") >> "$log" 2>&1 ||
	die "cannot download linux-source-6.12=$version"

step "unpacking"
dpkg-deb --fsys-tarfile "$work"/linux-source-6.12_*.deb |
	tar -xO ./usr/src/linux-source-6.12.tar.xz |
	tar -xJ -C "$work"
rm -f "$work"/linux-source-6.12_*.deb
mv "$work/linux-source-6.12" "$work/linux"
src=$work/linux

step "configuring: allnoconfig + ${fragment#"$top"/}"
# merge_config.sh -n runs allnoconfig with the fragment as its forced
# values, so that what the fragment turns on may pull in what it needs.
(cd "$src" && run scripts/kconfig/merge_config.sh -n "$fragment")
run make -C "$src" olddefconfig

# Every option must have survived: a y or a value as written, or a "not
# set" that is not y or m.
missing=0
while IFS= read -r line; do
	case $line in
	"# CONFIG_"*" is not set")
		opt=${line#"# "}
		opt=${opt%" is not set"}
		if grep -qE "^$opt=[ym]$" "$src/.config"; then
			echo "build-debug-kernel: $opt is set, the fragment wants it off" >&2
			missing=$((missing + 1))
		fi
		;;
	CONFIG_*)
		if ! grep -qxF "$line" "$src/.config"; then
			echo "build-debug-kernel: $line did not survive" \
			     "(.config: $(grep -E "^(# )?${line%%=*}[= ]" "$src/.config" || echo absent))" >&2
			missing=$((missing + 1))
		fi
		;;
	esac
done < "$fragment"
[ "$missing" -eq 0 ] || die "$missing option(s) of $fragment are not in .config"

# "modules" with none configured still makes Module.symvers, the list of
# the kernel's exports that an out-of-tree build checks its symbols in.
step "building bzImage and modules with -j$(nproc)"
run nice make -C "$src" -j"$(nproc)" bzImage modules
[ -f "$src/arch/x86/boot/bzImage" ] || die "the build made no bzImage"
[ -f "$src/Module.symvers" ] || die "no Module.symvers: the module build would fail"

# The objects the out-of-tree build does not need (vmlinux.o and the like
# are large); the headers, scripts, tools, .config and Module.symvers stay.
find "$src" -name '*.o' ! -path "$src/scripts/*" ! -path "$src/tools/*" \
	-delete

echo "$(($(date +%s) - t0))" > "$work/build-seconds"
mkdir -p "$(dirname "$dest")"
mv "$work" "$dest"
trap - EXIT
step "built $(make -s -C "$dest/linux" kernelrelease) in $dest"
