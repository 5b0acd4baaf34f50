# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# debug: Debian's 6.12 source (linux-source-6.12) built with KASAN,
# lockdep, DEBUG_LIST, DEBUG_OBJECTS, kmemleak and the atomic-sleep check,
# which Debian's own kernels lack, for the tests where those checkers
# add most: they catch the use-after-free or the lock misuse that
# precedes an oops, or that never oopses.  Sourced by
# scripts/get-kernels.sh.
#
# The build takes minutes, so its tree is kept outside the clone, in
# ${DSTATE_CACHE:-/var/cache/dstate}/debug-kernel/KEY, where KEY is the
# source package's version and a hash of the configuration fragment
# (scripts/kernels/debug.config) and of scripts/build-debug-kernel.sh:
# another clone on the same machine, such as a CI run, reuses it.
#
# $top, die and apt_version come from get-kernels.sh.
# shellcheck disable=SC2154

# debug_key: set version (linux-source-6.12's), hash (of the fragment and
# the build script), cache and key; the tree is $cache/$key/linux.
debug_key() {
	version=$(apt_version linux-source-6.12)
	[ -n "$version" ] || die "no linux-source-6.12 in the package lists"
	hash=$(cat "$top/scripts/kernels/debug.config" \
		   "$top/scripts/build-debug-kernel.sh" | sha256sum | cut -c1-16)
	cache=${DSTATE_CACHE:-/var/cache/dstate}/debug-kernel
	# The path is a make argument (KDIR): no ~ or : in it.
	key=$(echo "$version" | tr '~:' '__')-$hash
}

series_want() {
	local version hash cache key

	debug_key
	# A tree removed from the machine's cache (by a newer build, which
	# keeps two) must be built again, not taken from this clone's env.
	if [ -f "$cache/$key/linux/arch/x86/boot/bzImage" ]; then
		echo "linux-source-6.12=$version config+script:$hash"
	else
		echo "linux-source-6.12=$version config+script:$hash (to build)"
	fi
}

series_make() {
	local dir=$1 version hash cache key tree kver old

	debug_key
	mkdir -p "$cache"
	# One build at a time per machine; the second waits and reuses it.
	exec 9> "$cache/.lock"
	flock 9
	if [ -f "$cache/$key/linux/arch/x86/boot/bzImage" ]; then
		echo "get-kernels: debug: the kernel built in $cache/$key" >&2
	else
		# What an interrupted build left; none runs while we hold
		# the lock.
		rm -rf "$cache"/*.tmp.*
		"$top/scripts/build-debug-kernel.sh" "$version" "$cache/$key" >&2
		# Keep the newest two: another clone may still use the older.
		# shellcheck disable=SC2012
		ls -1dt "$cache"/*/ | tail -n +3 | while read -r old; do
			rm -rf "$old"
		done
	fi
	flock -u 9
	exec 9>&-
	tree=$cache/$key/linux
	kver=$(make -s -C "$tree" kernelrelease)

	# Everything is built in; the initramfs builder wants a module
	# directory that says so.
	mkdir -p "$dir/root/lib/modules/$kver"
	cp "$tree"/modules.order "$tree"/modules.builtin \
		"$tree"/modules.builtin.modinfo "$dir/root/lib/modules/$kver/"
	depmod -b "$dir/root" "$kver"

	echo "KVER=$kver"
	echo "VMLINUZ=$tree/arch/x86/boot/bzImage"
	echo "KDIR=$tree"
	echo "MODDIR=$dir/root/lib/modules/$kver"
	# The tests the checkers add most to: the ioctl contract, the scope
	# and limits of unprivileged callers, kernel threads, bad input, the
	# fuzzer, the race stress, reloading, and both halves of the
	# refcount lesson.  The env file is sourced (by tests/run too), so
	# the list is quoted.
	echo 'VM_TESTS="10-contract 13-scope 14-limits 16-io 17-locks 30-refcount 40-norefcount 50-badinput 60-kthread-taskstate 90-fuzz 91-race 92-reload"'
	# Under software emulation the tests took 2 to 4 times as long on
	# this kernel as on Debian's 6.12.
	echo "VM_SLOWDOWN=3"
}
