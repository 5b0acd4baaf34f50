#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A private apt configuration for Debian suites other than the host's,
# so that their packages can be looked up and downloaded without touching
# the host's sources:
#
#   apt-suite.sh DIR SUITE...      e.g. apt-suite.sh cache/apt/bullseye \
#                                       bullseye bullseye-security
#
# Prints the path of DIR/apt.conf; pass it as `apt-get -c FILE` or
# `apt-cache -c FILE`.  The archives are the host's own Debian mirrors, as
# its apt configuration names them: a SUITE ending in -security comes
# from the security archive, any other from the main one.  The lists are
# refreshed when they are older than a day.  Release files whose
# Valid-Until has passed (a frozen snapshot's) are accepted: their
# signatures are still checked.

set -euo pipefail

die() { echo "apt-suite: $*" >&2; exit 1; }

[ $# -ge 2 ] || die "usage: apt-suite.sh DIR SUITE..."
dir=$1
shift
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)

# The host's mirrors: the archive whose label is Debian, and Debian-Security.
mirror_of() {
	apt-get indextargets --format '$(LABEL) $(REPO_URI)' 2>/dev/null |
		awk -v l="$1" '$1 == l { print $2; exit }'
}
main_uri=$(mirror_of Debian)
security_uri=$(mirror_of Debian-Security)
[ -n "$main_uri" ] || die "the host's apt configuration names no Debian archive"

mkdir -p "$dir"/{lists/partial,archives/partial,etc/preferences.d}
{
	for suite in "$@"; do
		case $suite in
		*-security)
			[ -n "$security_uri" ] ||
				die "the host names no Debian security archive for $suite"
			uri=$security_uri ;;
		*)	uri=$main_uri ;;
		esac
		echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $uri $suite main"
	done
} > "$dir/etc/sources.list.new"

cat > "$dir/apt.conf.new" <<CONF
Dir::State "$dir";
Dir::State::lists "$dir/lists";
Dir::State::status "/dev/null";
Dir::Cache "$dir";
Dir::Cache::archives "$dir/archives";
Dir::Etc::sourcelist "$dir/etc/sources.list";
Dir::Etc::sourceparts "-";
Dir::Etc::preferencesparts "$dir/etc/preferences.d";
APT::Architecture "amd64";
APT::Sandbox::User "root";
Acquire::Check-Valid-Until "false";
Acquire::Languages "none";
CONF

fresh=
if cmp -s "$dir/etc/sources.list.new" "$dir/etc/sources.list" &&
   [ -n "$(find "$dir/lists" -maxdepth 1 -name '*Packages*' -mmin -1440 2>/dev/null)" ]; then
	fresh=1
fi
mv "$dir/etc/sources.list.new" "$dir/etc/sources.list"
mv "$dir/apt.conf.new" "$dir/apt.conf"
if [ -z "$fresh" ]; then
	apt-get -c "$dir/apt.conf" update -q > "$dir/update.log" 2>&1 || {
		tail -n 20 "$dir/update.log" >&2
		die "apt-get update failed for $*"
	}
fi
echo "$dir/apt.conf"
