# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# 6.12: Debian bookworm's newer kernel series (linux-image-6.12-amd64),
# from the host's own package lists.  Sourced by scripts/get-kernels.sh.

series_image_meta=linux-image-6.12-amd64
series_headers_meta=linux-headers-6.12-amd64

# shellcheck source=scripts/kernels/bookworm.inc
. "$top/scripts/kernels/bookworm.inc"
