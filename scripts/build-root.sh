#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A Debian root (a chroot) to build the module in, for kernels whose
# headers the host's own toolchain cannot use (7.x wants gcc-14, and its
# objtool and modpost glibc 2.38):
#
#   build-root.sh [-n] [--opt CONF PKG=VER]... SUITE CONF PKG[=VER]...
#
# SUITE is bootstrapped (debootstrap, minbase) from the mirror CONF names
# for it; CONF is a private apt configuration (scripts/apt-suite.sh) whose
# sources and package lists the root's apt then uses to install PKG...,
# so the versions chosen on the host are the ones installed.  --opt adds
# a package from another configuration (another suite) without its
# dependencies: it is unpacked under /opt/PKG and its programs linked into
# /usr/local/bin (sid's sparse, which parses the 7.x headers).  Where a
# headers tree's Makefile runs scripts/checker-valid.sh and Debian did not
# ship it, kbuild would skip sparse with one line: the root gets one.
#
# The root is made once per machine and kept outside the clone, so that a
# fresh clone reuses it: ${DSTATE_CACHE:-/var/cache/dstate}/chroot-SUITE-KEY,
# KEY a hash of the packages, their versions and this script.  Prints the
# root's path; with -n only prints it, making nothing.  Needs root: chroot,
# and a mount namespace of its own, so that no /proc stays mounted.

set -euo pipefail

die() { echo "build-root: $*" >&2; exit 1; }

dry="" opts=()
while [ $# -gt 0 ]; do
	case $1 in
	-n)	dry=1; shift ;;
	--opt)	[ $# -ge 3 ] || die "--opt needs CONF PKG=VER"
		opts+=("$2" "$3"); shift 3 ;;
	*)	break ;;
	esac
done
[ $# -ge 3 ] || die "usage: build-root.sh [-n] [--opt CONF PKG=VER]... SUITE CONF PKG..."
suite=$1 conf=$2
shift 2

cache=${DSTATE_CACHE:-/var/cache/dstate}
# The key: what is installed, and how (this script); not where from.
key="$suite $*"
for ((i = 1; i < ${#opts[@]}; i += 2)); do
	key+=" ${opts[i]}"
done
key+=" $(sha256sum < "$0" | cut -d' ' -f1)"
root=$cache/chroot-$suite-$(echo "$key" | sha256sum | cut -c1-12)
if [ -n "$dry" ] || [ -d "$root" ]; then
	echo "$root"
	exit 0
fi

[ "$(id -u)" -eq 0 ] || die "making a build root needs root (debootstrap, chroot)"
aptdir=$(dirname "$conf")
mirror=$(awk -v s="$suite" '$4 == s { print $3; exit }' "$aptdir/etc/sources.list")
[ -n "$mirror" ] || die "$conf has no source for $suite"

# in_root DIR COMMAND...: run COMMAND chrooted in DIR, with /proc, and a
# clean environment (no make or kbuild variables from the caller).
# shellcheck disable=SC2016
in_root() {
	unshare -m sh -c 'mount -t proc proc "$1/proc" && exec chroot "$@"' - "$1" \
		env -i PATH=/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root \
		LC_ALL=C DEBIAN_FRONTEND=noninteractive "${@:2}"
}

mkdir -p "$cache"
tmp=$(mktemp -d "$cache/.chroot-$suite.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
log=$tmp.log
fail() { tail -n 20 "$log" >&2; die "$*; the log is $log"; }

echo "build-root: making $root: $suite and $*" >&2
t0=$(date +%s)
# debootstrap mounts in the root while it configures it: in a namespace
# of its own, nothing is left mounted if it stops half-way.
unshare -m debootstrap --variant=minbase "$suite" "$tmp" "$mirror" > "$log" 2>&1 ||
	fail "debootstrap of $suite failed"
t1=$(date +%s)

cp "$aptdir/etc/sources.list" "$tmp/etc/apt/sources.list"
rm -f "$tmp"/var/lib/apt/lists/*_*
cp "$aptdir"/lists/*_InRelease "$aptdir"/lists/*_Packages* "$tmp/var/lib/apt/lists/"
in_root "$tmp" apt-get install -y -q --no-install-recommends \
	-o Dpkg::Options::=--force-unsafe-io "$@" >> "$log" 2>&1 ||
	fail "installing $* failed"
in_root "$tmp" apt-get clean
t2=$(date +%s)

for ((i = 0; i < ${#opts[@]}; i += 2)); do
	pkg=${opts[i + 1]}
	name=${pkg%%=*}
	mkdir -p "$tmp/debs" "$tmp/opt/$name"
	(cd "$tmp/debs" && apt-get -c "${opts[i]}" download -q \
		-o APT::Sandbox::User=root "$pkg") >> "$log" 2>&1 ||
		fail "downloading $pkg failed"
	dpkg-deb -x "$tmp"/debs/"${name}"_*.deb "$tmp/opt/$name"
	rm -rf "$tmp/debs"
	for f in "$tmp/opt/$name"/usr/bin/*; do
		ln -s "/opt/$name/usr/bin/${f##*/}" "$tmp/usr/local/bin/"
	done
done

# kbuild runs sparse only when scripts/checker-valid.sh prints 1; Debian's
# 7.x headers lack the script, so kbuild would skip sparse with one line.
# This one checks what the kernel's does: that the checker runs and parses
# __typeof_unqual__, which the 7.x headers use and sparse 0.6.4 cannot.
grep -l 'scripts/checker-valid.sh' "$tmp"/usr/src/linux-headers-*/Makefile \
	2>/dev/null | while read -r mk; do
	f=$(dirname "$mk")/scripts/checker-valid.sh
	[ -e "$f" ] && continue
	cat > "$f" <<'SH'
#!/bin/sh
# Supplied by dstate's scripts/build-root.sh: Debian's headers lack it.
# Prints 1 when the checker "$1" runs and parses __typeof_unqual__.
command -v "$1" > /dev/null 2>&1 || { echo 0; exit 0; }
f=$(mktemp --suffix=.c)
trap 'rm -f "$f"' EXIT
printf 'static inline int u(const int *q)\n{\n\t__typeof_unqual__(*q) v = *q;\n\treturn v;\n}\n' > "$f"
if "$@" "$f" 2>&1 | grep -q error; then echo 0; else echo 1; fi
SH
	chmod 0755 "$f"
done

echo "$key" > "$tmp/.dstate-build-root"
# Another run may have made the same root meanwhile: keep the first.
mv -T "$tmp" "$root" 2>/dev/null || rm -rf "$tmp"
rm -f "$log"
echo "build-root: $root ready: debootstrap $((t1 - t0)) s, packages $((t2 - t1)) s, in all $(($(date +%s) - t0)) s" >&2
echo "$root"
