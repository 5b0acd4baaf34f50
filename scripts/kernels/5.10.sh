# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# 5.10: Debian bullseye's kernel (linux-image-amd64 of bullseye and
# bullseye-security), the oldest LTS series still in wide use.  Its lists
# come from a private apt configuration, never the host's.  It is packaged
# as bookworm's is: image, headers, their -common tree and linux-kbuild-5.10.
# Sourced by scripts/get-kernels.sh.

series_image_meta=linux-image-amd64
series_headers_meta=linux-headers-amd64

apt_use_config "$("$top/scripts/apt-suite.sh" "$top/cache/apt/bullseye" \
	bullseye bullseye-security)"

# shellcheck source=scripts/kernels/bookworm.inc
. "$top/scripts/kernels/bookworm.inc"

# Its headers name gcc-10 as CC (.kernelvariables), which bookworm lacks;
# the module builds with the host's gcc (12), and 5.10's kbuild tools run
# on bookworm.  scripts/build-module.sh passes MAKE_ARGS to kbuild.
eval "bookworm_$(declare -f series_make)"
series_make() {
	bookworm_series_make "$1"
	echo "MAKE_ARGS=CC=gcc"
}
