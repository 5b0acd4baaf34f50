#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Install the Debian packages dstate needs to build, test and run its VM,
# when they are missing.  As root it runs apt-get; otherwise it prints the
# exact command to run.

set -euo pipefail

packages=(
	build-essential		# gcc, make, libc headers
	pkg-config
	kmod			# depmod for the initramfs, rmmod/insmod in the VM
	libkmod-dev		# dstate load/unload
	libsmartcols-dev	# dstate's tables and --json
	libjson-c-dev		# dstate's JSON objects (state, watch)
	libelf-dev		# kbuild's objtool for the 6.x headers
	dwarves			# pahole: BTF for the 6.12 module build
	bc flex bison		# kbuild
	sparse			# make check: C=1
	qemu-system-x86		# the test VM
	busybox-static		# the VM's userland
	cpio xz-utils		# the initramfs, compressed kernel modules
	e2fsprogs		# mkfs for the fsfreeze method
	debootstrap		# the build root for 7.x kernels (scripts/build-root.sh)
	libssl-dev		# the debug kernel's build (scripts/build-debug-kernel.sh)
	cppcheck clang-tidy	# static checks of user/
	procps			# make bench: ps, timed against dstate ls in the VM
	libcap2-bin		# capsh: host test of a root without CAP_SYS_MODULE
	time			# GNU time: host test of state's peak memory
	runc crun		# real container runtimes in the VM (75-runtimes)
)

missing=()
for p in "${packages[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
	     grep -q 'install ok installed'; then
		missing+=("$p")
	fi
done

[ ${#missing[@]} -eq 0 ] && exit 0

cmd="apt-get install -y --no-install-recommends ${missing[*]}"
if [ "$(id -u)" -ne 0 ]; then
	echo "deps: missing packages; run as root:" >&2
	echo "  apt-get update && $cmd" >&2
	exit 1
fi

echo "deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# The package lists may be absent or stale on a fresh machine.
apt-get update -q >/dev/null
$cmd -q
