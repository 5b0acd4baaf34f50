#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build dstate.ko against one kernel, out of the source tree:
#
#   build-module.sh SERIES|KDIR OUTDIR [kbuild arguments, e.g. W=1 C=1]
#
# SERIES (a file of scripts/kernels/: 6.1, latest, debug...) names a
# cached kernel, fetched (or built) on first use;
# anything with a slash is taken as a kernel build tree.  The sources are
# copied to OUTDIR/src so that builds for several kernels never share
# object files; the result is OUTDIR/dstate.ko.  A series whose env names
# a BUILD_ROOT (a chroot with the toolchain its headers need, KDIR inside
# it) is built there, as root.

set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
target=$1 out=$2
shift 2

case $target in
*/*)
	kdir=$target make_args=
	build_root=
	;;
*)
	env=$top/cache/kernels/$target/env
	# The series' build tree, the kbuild arguments it needs (e.g. CC=
	# where its headers name a compiler the host lacks) and its build
	# root, read in a subshell so that nothing else of the env leaks.
	read_env() {
		# shellcheck disable=SC1090
		eval "$(. "$env" && printf 'kdir=%q make_args=%q build_root=%q\n' \
			"$KDIR" "${MAKE_ARGS:-}" "${BUILD_ROOT:-}")"
	}
	[ -f "$env" ] || KERNELS=$target "$top/scripts/get-kernels.sh"
	read_env
	# The root lives outside the clone: made again if it has gone.
	if [ -n "$build_root" ] && [ ! -d "$build_root" ]; then
		KERNELS=$target "$top/scripts/get-kernels.sh"
		read_env
	fi
	;;
esac
[ -f "$build_root$kdir/Makefile" ] || { echo "build-module: no kernel build tree at $kdir" >&2; exit 1; }

mkdir -p "$out"
# kbuild wants M= absolute.
out=$(cd "$out" && pwd)
rm -rf "$out/src"
mkdir -p "$out/src"
cp -a "$top/Kbuild" "$top/kmod" "$out/src/"
if [ -n "$build_root" ]; then
	# In the root, with the /proc it needs, in a mount namespace of
	# our own so that nothing stays mounted; sources in, results out.
	work=$(mktemp -d "$build_root/tmp/dstate-build.XXXXXX")
	trap 'rm -rf "$work"' EXIT
	cp -a "$out/src/." "$work/"
	# shellcheck disable=SC2016,SC2086
	unshare -m sh -c 'mount -t proc proc "$1/proc" && exec chroot "$@"' - \
		"$build_root" env -i PATH=/usr/local/bin:/usr/bin:/bin HOME=/root \
		LC_ALL=C make -C "$kdir" M="${work#"$build_root"}" $make_args \
		"$@" modules
	cp -a "$work/." "$out/src/"
else
	# shellcheck disable=SC2086
	make -C "$kdir" M="$out/src" $make_args "$@" modules
fi
cp "$out/src/dstate.ko" "$out/dstate.ko"
