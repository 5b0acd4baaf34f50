# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# latest: Debian's newest kernel, the one trixie-backports'
# linux-image-amd64 names (7.x).  Sourced by scripts/get-kernels.sh.
#
# Its packages are laid out anew: linux-image-KVER is empty (it pulls an
# initramfs generator); the kernel is linux-binary-KVER's
# /usr/lib/modules/KVER/vmlinuz, the modules (xz) are linux-modules-KVER's,
# and modules.builtin, modules.order and the config linux-base-KVER's.
# The host cannot build a module for it: the headers name gcc-14, and their
# objtool and modpost need glibc 2.38.  So the module is built in a trixie
# root (scripts/build-root.sh) with the headers installed there, and with
# sid's sparse: trixie's 0.6.4 cannot parse the 7.x headers.  KDIR is a
# path inside that root, BUILD_ROOT.

conf=$("$top/scripts/apt-suite.sh" "$top/cache/apt/trixie-backports" \
	trixie trixie-backports)
sid_conf=$("$top/scripts/apt-suite.sh" "$top/cache/apt/sid" sid)
apt_use_config "$conf"
# trixie-backports is NotAutomatic: its versions must be asked for.
apt_opts+=(-o APT::Default-Release=trixie-backports)

kver=$(apt_depends linux-image-amd64 'linux-image-[0-9].*')
kver=${kver#linux-image-}
kernel_packages=("linux-base-$kver" "linux-binary-$kver" "linux-modules-$kver")

# latest_build_root [-n]: the build root's path, made unless -n.
latest_build_root() {
	local headers cc toolchain sparse
	headers=linux-headers-$kver
	cc=$(apt_depends "$headers" 'gcc-[0-9]+-for-host')
	# The toolchain the headers were made with: trixie's own.
	# shellcheck disable=SC2030,SC2031
	toolchain=$(apt_opts=(-c "$conf"); apt_pinned make binutils "$cc")
	# shellcheck disable=SC2030,SC2031
	sparse=$(apt_opts=(-c "$sid_conf"); apt_pinned sparse)
	# shellcheck disable=SC2046,SC2086
	"$top/scripts/build-root.sh" "$@" --opt "$sid_conf" "$sparse" \
		trixie "$conf" $toolchain $(apt_pinned "$headers" \
		"$(apt_depends "$headers" 'linux-headers-.*-common')" \
		"$(apt_depends "$headers" 'linux-kbuild-.*')")
}

# The build root is the machine's, kept outside this series' directory
# (its path names what it holds): it is made here, when it is missing, so
# that one removed is made again without fetching the kernel again.  This
# file's own hash is in the key too: a change to the env it writes (below)
# reaches caches made before it.
series_want() {
	local kernel root
	kernel=$(apt_pinned "${kernel_packages[@]}")
	root=$(latest_build_root)
	echo "$kernel build root $root, by latest.sh" \
		"$(sha256sum < "$top/scripts/kernels/latest.sh" | cut -c1-12)"
}

series_make() {
	local dir=$1 root
	# shellcheck disable=SC2046
	unpack_debs "$dir" $(apt_pinned "${kernel_packages[@]}") >&2
	# The packages' own scripts would have run depmod; the initramfs
	# builder looks the modules up with modinfo, which needs modules.dep.
	depmod -b "$dir/root/usr" "$kver"
	root=$(latest_build_root -n)

	echo "KVER=$kver"
	echo "VMLINUZ=$dir/root/usr/lib/modules/$kver/vmlinuz"
	echo "KDIR=/usr/src/linux-headers-$kver"
	echo "MODDIR=$dir/root/usr/lib/modules/$kver"
	echo "BUILD_ROOT=$root"
}
