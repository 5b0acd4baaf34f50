#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Fetch Debian bookworm's kernel images and headers for each series in
# $KERNELS and unpack them into the cache.  Nothing is installed on the
# host: the packages are fetched with `apt-get download` and unpacked with
# `dpkg-deb -x`.  The versions come from the package metadata, because
# security updates replace them; a second run with the same versions
# downloads nothing.
#
# Layout, per series S:
#   $CACHE/S/debs/       the .deb files
#   $CACHE/S/root/       their unpacked contents
#   $CACHE/S/env         KVER, VMLINUZ, KDIR, MODDIR for the Makefile
#   $CACHE/S/stamp       the package list the tree was unpacked from

set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
CACHE=${CACHE:-$top/cache/kernels}
KERNELS=${KERNELS:-6.1 6.12}

die() { echo "get-kernels: $*" >&2; exit 1; }

# The metapackages that name the current version of each series.
meta_image() {
	case $1 in
	6.1)  echo linux-image-amd64 ;;
	6.12) echo linux-image-6.12-amd64 ;;
	*)    die "unknown kernel series '$1' (known: 6.1 6.12)" ;;
	esac
}

meta_headers() {
	case $1 in
	6.1)  echo linux-headers-amd64 ;;
	6.12) echo linux-headers-6.12-amd64 ;;
	esac
}

# candidate_depends PKG PATTERN: the package of the candidate version's
# Depends that matches PATTERN (an extended regex on the package name).
candidate_depends() {
	local deps
	deps=$(apt-cache show --no-all-versions "$1" 2>/dev/null |
	       sed -n 's/^Depends: //p') ||
		true
	[ -n "$deps" ] || die "no package metadata for $1 (run apt-get update)"
	echo "$deps" | tr ',|' '\n\n' | sed 's/^ *//; s/ .*//' |
		grep -E -m1 "^$2\$" ||
		die "$1 does not depend on a package matching $2"
}

candidate_version() {
	apt-cache show --no-all-versions "$1" | sed -n 's/^Version: //p'
}

fetch_series() {
	local series=$1 dir=$CACHE/$1
	local image headers common kbuild pkgs want stamp p kver

	image=$(candidate_depends "$(meta_image "$series")" 'linux-image-[0-9].*')
	headers=$(candidate_depends "$(meta_headers "$series")" 'linux-headers-[0-9].*')
	common=$(candidate_depends "$headers" 'linux-headers-.*-common')
	kbuild=$(candidate_depends "$headers" 'linux-kbuild-.*')

	pkgs="$image $headers $common $kbuild"
	want=
	for p in $pkgs; do
		want+="$p=$(candidate_version "$p") "
	done

	# The cache's own path is part of what was unpacked: the fixed
	# Makefiles name it.
	stamp="$dir $want"
	if [ -f "$dir/stamp" ] && [ "$(cat "$dir/stamp")" = "$stamp" ]; then
		echo "get-kernels: $series is up to date ($image)"
		return
	fi

	echo "get-kernels: $series: fetching $want"
	rm -rf "$dir"
	mkdir -p "$dir/debs" "$dir/root"
	(cd "$dir/debs" && apt-get download -q -o APT::Sandbox::User=root $want)
	for p in "$dir"/debs/*.deb; do
		dpkg-deb -x "$p" "$dir/root"
	done

	kver=${image#linux-image-}
	fix_headers "$dir/root" "$kver" "${common#linux-headers-}"
	# The image's postinst would have run depmod; the VM's initramfs
	# builder looks its modules up with modinfo, which needs modules.dep.
	depmod -b "$dir/root" "$kver"

	{
		echo "KVER=$kver"
		echo "VMLINUZ=$dir/root/boot/vmlinuz-$kver"
		echo "KDIR=$dir/root/usr/src/linux-headers-$kver"
		echo "MODDIR=$dir/root/lib/modules/$kver"
	} > "$dir/env"
	echo "$stamp" > "$dir/stamp"
	rm -rf "$dir/debs"
	echo "get-kernels: $series: $kver ready in $dir"
}

# The headers' Makefiles include the -common tree, and the kbuild scripts,
# by absolute /usr/src and /usr/lib paths; point them at the unpacked copy.
# Symbolic links that are absolute are made to point inside the root too.
fix_headers() {
	local root=$1 kver=$2 common=$3 f l
	local kdir=$root/usr/src/linux-headers-$kver

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

# On a fresh machine the package lists may not be there yet.
if ! apt-cache show --no-all-versions linux-image-amd64 > /dev/null 2>&1; then
	[ "$(id -u)" -eq 0 ] || die "no package lists: run 'apt-get update' as root"
	apt-get update -q > /dev/null
fi

for series in $KERNELS; do
	fetch_series "$series"
done
