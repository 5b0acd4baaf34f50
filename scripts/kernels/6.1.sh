# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# 6.1: Debian bookworm's default kernel (linux-image-amd64), from the
# host's own package lists.  Sourced by scripts/get-kernels.sh.

series_image_meta=linux-image-amd64
series_headers_meta=linux-headers-amd64

# shellcheck source=scripts/kernels/bookworm.inc
. "$top/scripts/kernels/bookworm.inc"
