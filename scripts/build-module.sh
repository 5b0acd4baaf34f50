#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build dstate.ko against one kernel, out of the source tree:
#
#   build-module.sh SERIES|KDIR OUTDIR [kbuild arguments, e.g. W=1 C=1]
#
# SERIES (6.1, 6.12) names a cached Debian kernel, fetched on first use;
# anything with a slash is taken as a kernel build tree.  The sources are
# copied to OUTDIR/src so that builds for several kernels never share
# object files; the result is OUTDIR/dstate.ko.

set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
target=$1 out=$2
shift 2

case $target in
*/*)
	kdir=$target make_args=
	;;
*)
	env=$top/cache/kernels/$target/env
	[ -f "$env" ] || KERNELS=$target "$top/scripts/get-kernels.sh"
	# shellcheck disable=SC1090
	kdir=$(. "$env" && echo "$KDIR")
	# Kbuild arguments the series needs, e.g. CC= where its headers name
	# a compiler the host lacks.
	make_args=$(. "$env" && echo "${MAKE_ARGS:-}")
	;;
esac
[ -f "$kdir/Makefile" ] || { echo "build-module: no kernel build tree at $kdir" >&2; exit 1; }

mkdir -p "$out"
# kbuild wants M= absolute.
out=$(cd "$out" && pwd)
rm -rf "$out/src"
mkdir -p "$out/src"
cp -a "$top/Kbuild" "$top/kmod" "$out/src/"
# shellcheck disable=SC2086
make -C "$kdir" M="$out/src" $make_args "$@" modules
cp "$out/src/dstate.ko" "$out/dstate.ko"
