#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the test VM's initramfs for one kernel series:
#
#   mkinitramfs.sh SERIES OUT MODULE DSTATE TESTBIN
#
# The archive holds busybox-static, the real kmod tools, dstate.ko (at
# /lib/modules/dstate.ko, not loaded), the dstate CLI with the shared
# libraries ldd lists for it, Debian's runc and crun likewise, the VM
# tests (/tests/vm, /tests/bin) and the kernel's configuration
# (/tests/kconfig), a few of the kernel's own modules the tests need, and
# /init.  The command a run executes is not in it: scripts/vm-run.sh
# appends it as a second archive.

set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
series=$1 out=$2 module=$3 dstate=$4 testbin=$5

env=$top/cache/kernels/$series/env
[ -f "$env" ] || { echo "mkinitramfs: no kernel $series; run 'make kernels'" >&2; exit 1; }
# shellcheck disable=SC1090
. "$env"

# Kernel modules the tests use, with what they depend on: loop and ext4 for
# the fsfreeze method, and the crc32c that ext4 asks for when it mounts
# (6.x), or that jbd2 names as a soft dependency (7.x: crc32c-cryptoapi);
# fuse for the FUSE methods (built in from 6.12 on), dm_mod for dm-suspend.
KMODS=${KMODS:-loop ext4 crc32c_generic crc32c-intel crc32c-cryptoapi fuse dm_mod}

root=$(mktemp -d "${TMPDIR:-/tmp}/dstate-initramfs.XXXXXX")
trap 'rm -rf "$root"' EXIT

mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,lib,lib64,etc,proc,sys,dev,tmp,run,root,mnt}
mkdir -p "$root"/tests/{vm,bin} "$root/lib/modules/$KVER"
cp /bin/busybox "$root/bin/busybox"

# copy_elf FILE DEST: a program and the shared libraries it needs, at the
# paths ldd gives, so the dynamic loader finds them as on the host.
copy_elf() {
	local lib
	install -D -m 0755 "$1" "$root$2"
	ldd "$1" | grep -o '/[^ ]*' | while read -r lib; do
		[ -e "$root$lib" ] || install -D -m 0755 "$(readlink -f "$lib")" "$root$lib"
	done
}

copy_elf /usr/bin/kmod /usr/bin/kmod
for t in insmod rmmod lsmod modprobe modinfo depmod; do
	ln -s /usr/bin/kmod "$root/usr/sbin/$t"
done
# Where the kernel runs modprobe from to load a module on demand.
ln -s /usr/bin/kmod "$root/sbin/modprobe"
[ -n "$dstate" ] && [ -x "$dstate" ] && copy_elf "$dstate" /usr/bin/dstate

install -m 0644 "$module" "$root/lib/modules/dstate.ko"

# Debian's container runtimes, for tests/vm/75-runtimes.sh.
for rt in /usr/sbin/runc /usr/bin/crun; do
	[ -x "$rt" ] && copy_elf "$rt" "$rt"
done

# The kernel's modules, decompressed so that any insmod can load them.
declare -A seen
add_kmod() {
	local name=$1 path dep
	[ -n "${seen[$name]:-}" ] && return
	seen[$name]=1
	path=$(modinfo -k "$KVER" -b "$(dirname "$(dirname "$(dirname "$MODDIR")")")" \
		-F filename "$name" 2>/dev/null) || true
	# Built into the kernel, or not there at all: nothing to copy.
	case $path in /*) ;; *) return ;; esac
	mkdir -p "$root/lib/modules/$KVER/kernel"
	case $path in
	*.xz) xz -dc "$path" > "$root/lib/modules/$KVER/kernel/$name.ko" ;;
	*.zst) zstd -qdc "$path" > "$root/lib/modules/$KVER/kernel/$name.ko" ;;
	*) cp "$path" "$root/lib/modules/$KVER/kernel/$name.ko" ;;
	esac
	for dep in $(modinfo -F depends "$path" | tr ',' ' '); do
		add_kmod "$dep"
	done
}
for m in $KMODS; do
	add_kmod "$m"
done
cp "$MODDIR"/modules.{order,builtin,builtin.modinfo} "$root/lib/modules/$KVER/" 2>/dev/null || true
depmod -b "$root" "$KVER"

# The tests: scripts as they are, C tests already built into $testbin.
cp -r "$top"/tests/vm/. "$root/tests/vm/"
find "$root/tests/vm" -name '*.c' -delete
[ -d "$testbin" ] && cp -r "$testbin"/. "$root/tests/bin/"

# make bench's guest program, when it has been built (dynamic: it links
# the CLI's library and libkmod), and procps's ps, which it times against
# dstate ls, as procps-ps beside busybox's own.
if [ -x "$top/tests/bench/dstate-bench" ]; then
	copy_elf "$top/tests/bench/dstate-bench" /usr/bin/dstate-bench
	if /bin/ps --version 2>/dev/null | grep -q procps; then
		copy_elf /bin/ps /usr/bin/procps-ps
	fi
fi

# The kernel's configuration, at /tests/kconfig, for the tests whose checks
# depend on an option (Debian's kernels have no /proc/config.gz): from the
# modules directory (7.x), the image's /boot, or the build tree.
for c in "$MODDIR/config" "$MODDIR/../../../boot/config-$KVER" \
	 "${BUILD_ROOT:-}$KDIR/.config"; do
	if [ -f "$c" ]; then
		install -m 0644 "$c" "$root/tests/kconfig"
		break
	fi
done

install -m 0755 "$top/scripts/vm-init.sh" "$root/init"
install -m 0755 "$top/scripts/demo-guest.sh" "$root/usr/bin/dstate-demo"

mkdir -p "$(dirname "$out")"
(cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0) |
	gzip -1 > "$out.tmp"
mv "$out.tmp" "$out"
