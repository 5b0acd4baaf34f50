#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Fetch (or build) the kernel of each series in $KERNELS and unpack it into
# the cache.  Nothing is installed on the host: Debian's packages are
# fetched with `apt-get download` and unpacked with `dpkg-deb -x`.  The
# versions come from the package metadata, because security updates
# replace them; a second run with the same versions downloads nothing.
#
# Each series is described by scripts/kernels/SERIES.sh, which defines:
#   series_want        print the cache key: the packages and versions (or
#                      sources and config) the series is made from
#   series_make DIR    fetch or build the series into DIR and print the
#                      lines of its env file (below) on stdout
# and may call the helpers defined here (apt_*, unpack_debs, fix_headers).
#
# Layout, per series S:
#   $CACHE/S/root/     unpacked packages (or the built tree)
#   $CACHE/S/env       for the other scripts: KVER, VMLINUZ, KDIR, MODDIR,
#                      and where a series needs them:
#                        BUILD_ROOT   a root to build the module in (chroot)
#                        MAKE_ARGS    extra arguments for kbuild (CC=gcc)
#                        VM_TESTS     the VM test files it runs (default all)
#                        VM_APPEND    its own kernel command line
#                        VM_SLOWDOWN  a factor for the VM's time limits
#   $CACHE/S/stamp     the cache key the tree was made from, and a hash of
#                      the series file

set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
CACHE=${CACHE:-$top/cache/kernels}
KERNELS=${KERNELS:-6.1 6.12}

die() { echo "get-kernels: $*" >&2; exit 1; }

known_series() {
	local f out=
	for f in "$top"/scripts/kernels/*.sh; do
		f=${f##*/}
		out+="${f%.sh} "
	done
	echo "${out% }"
}

# apt_* run against the host's package lists unless a series chose a
# private configuration with apt_use_config (scripts/apt-suite.sh).
apt_opts=()
apt_use_config() { apt_opts=(-c "$1"); }

# apt_depends PKG PATTERN: the package of PKG's candidate version's
# Depends that matches PATTERN (an extended regex on the package name).
apt_depends() {
	local deps
	deps=$(apt-cache "${apt_opts[@]}" show --no-all-versions "$1" 2>/dev/null |
	       sed -n 's/^Depends: //p') || true
	[ -n "$deps" ] || die "no package metadata for $1 (run apt-get update)"
	echo "$deps" | tr ',|' '\n\n' | sed 's/^ *//; s/ .*//' |
		grep -E -m1 "^$2\$" ||
		die "$1 does not depend on a package matching $2"
}

apt_version() {
	apt-cache "${apt_opts[@]}" show --no-all-versions "$1" |
		sed -n 's/^Version: //p'
}

# apt_pinned PKG...: each as PKG=VERSION, the exact thing to download, in
# one apt-cache call.
apt_pinned() {
	local out
	out=$(apt-cache "${apt_opts[@]}" show --no-all-versions "$@" | awk '
		/^Package: / { p = $2 }
		/^Version: / { printf "%s%s=%s", sep, p, $2; sep = " " }
		END { print "" }') || true
	[ "$(echo "$out" | wc -w)" -eq $# ] || die "no package metadata for all of $*"
	echo "$out"
}

# unpack_debs DIR PKG=VER...: download into DIR/debs, unpack into DIR/root.
unpack_debs() {
	local dir=$1 p
	shift
	mkdir -p "$dir/debs" "$dir/root"
	(cd "$dir/debs" &&
	 apt-get "${apt_opts[@]}" download -q -o APT::Sandbox::User=root "$@")
	for p in "$dir"/debs/*.deb; do
		dpkg-deb -x "$p" "$dir/root"
	done
	rm -rf "$dir/debs"
}

# The headers' Makefiles include the -common tree, and the kbuild scripts,
# by absolute /usr/src and /usr/lib paths; point them at the unpacked copy.
# Symbolic links that are absolute are made to point inside the root too.
fix_headers() {
	local root=$1 kdir=$2 f l

	[ -d "$kdir" ] || die "no headers tree at $kdir"
	grep -rlE '/usr/(src|lib)/linux-' "$kdir" --include=Makefile \
		--include='*.mk' 2>/dev/null | while read -r f; do
		sed -i -E "s#([^/a-zA-Z0-9_.-]|^)/usr/(src|lib)/linux-#\\1$root/usr/\\2/linux-#g" "$f"
	done
	find "$root" -type l | while read -r f; do
		l=$(readlink "$f")
		case $l in
		/*) ln -sfn "$root$l" "$f" ;;
		esac
	done
}

fetch_series() {
	local series=$1 dir=$CACHE/$1 def want stamp

	def=$top/scripts/kernels/$series.sh
	[ -f "$def" ] || die "unknown kernel series '$series' (known: $(known_series))"
	# shellcheck disable=SC1090
	. "$def"

	# The cache's own path is part of the key: the fixed Makefiles name it.
	# So is the series file, whose env (the tests a series runs, say) would
	# otherwise outlive a change to it.
	want=$(series_want)
	stamp="$dir $want $(sha256sum < "$def" | cut -c1-16)"
	if [ -f "$dir/stamp" ] && [ "$(cat "$dir/stamp")" = "$stamp" ]; then
		echo "get-kernels: $series is up to date ($want)"
		return
	fi

	echo "get-kernels: $series: making it from $want"
	rm -rf "$dir"
	mkdir -p "$dir"
	series_make "$dir" > "$dir/env.tmp"
	mv "$dir/env.tmp" "$dir/env"
	echo "$stamp" > "$dir/stamp"
	echo "get-kernels: $series: $(sed -n 's/^KVER=//p' "$dir/env") ready in $dir"
}

# On a fresh machine the host's package lists may not be there yet.
if ! apt-cache show --no-all-versions linux-image-amd64 > /dev/null 2>&1; then
	[ "$(id -u)" -eq 0 ] || die "no package lists: run 'apt-get update' as root"
	apt-get update -q > /dev/null
fi

for series in $KERNELS; do
	# A subshell each: the series definitions do not leak into the next.
	( fetch_series "$series" )
done
