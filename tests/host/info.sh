#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Host test: dstate info when the module is not loaded describes the file
# 'dstate load' would insert, read through libkmod as modinfo(8) reads it.
# The file is a stand-in: an object with a .modinfo section (as modpost
# writes one), beside a copy of dstate, where load looks first.  What info
# says is held to what the host's own modinfo says of the same file.
# Prints TAP.

set -u
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/host/common.inc
. "$here/common.inc"
host_tmpdir info
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM

echo "TAP version 13"
if [ -d /sys/module/dstate ]; then
	echo "ok 1 - # SKIP dstate is loaded on this host"
	echo "1..1"
	exit 0
fi

# --- no module file anywhere: every key, null --------------------------------

mkdir "$tmp/bare" "$tmp/fake"
cp "$D" "$tmp/bare/dstate"
cp "$D" "$tmp/fake/dstate"
"$tmp/bare/dstate" --json info > "$tmp/bare.json" 2> "$tmp/err"; r=$?
missing=
for k in loaded filename version srcversion vermagic initstate size refcount \
	 holders norefcount max_sleepers user_max_sleepers user_timeout_max_ms \
	 module_taint device abi_version sleepers kthreads sleeps_total \
	 kernel_taint kernel_taint_flags parameters; do
	grep -q "^ *\"$k\": " "$tmp/bare.json" || missing="$missing $k"
done
[ $r = 0 ] && [ -z "$missing" ]
ok $? "--json info, not loaded: every key (exit $r${missing:+; missing:$missing})"

# With no dstate.ko beside it, in /lib/modules or installed for this
# kernel, there is no file to describe.
if [ -e /lib/modules/dstate.ko ] || modinfo dstate > /dev/null 2>&1; then
	ok 0 "# SKIP this host has a dstate.ko of its own"
else
	grep -q '"filename": null,' "$tmp/bare.json" &&
	grep -q '"vermagic": null,' "$tmp/bare.json" &&
	tr -d ' \n' < "$tmp/bare.json" | grep -q '"parameters":\[\]' &&
	[ ! -s "$tmp/err" ]
	ok $? "no module file: filename and vermagic null, parameters [], no warning"
fi

# --- a module file beside dstate: its modinfo --------------------------------

ko=$tmp/fake/dstate.ko
echo 'int dstate_fake;' > "$tmp/fake.c"
cc -c -o "$tmp/fake.o" "$tmp/fake.c"
# What modpost and MODULE_PARM_DESC write: NUL-separated key=value.  One
# description has JSON's special characters, one parameter has no type.
printf '%s\0' \
	'version=9.8.7' \
	'description=a stand-in' \
	'parmtype=alpha:uint' \
	'parm=alpha:the "alpha" count, a\b (default 3)' \
	'parmtype=beta:bool' \
	'parm=beta:whether beta' \
	'parm=gamma:no type given' \
	'srcversion=0123456789ABCDEF0123456' \
	'vermagic=6.1.0-0-fake SMP preempt mod_unload modversions ' \
	'name=dstate' > "$tmp/modinfo.bin"
objcopy --add-section .modinfo="$tmp/modinfo.bin" \
	--set-section-flags .modinfo=alloc,readonly "$tmp/fake.o" "$ko"

"$tmp/fake/dstate" info > "$tmp/fake.txt" 2> "$tmp/err"; r=$?
"$tmp/fake/dstate" --json info > "$tmp/fake.json" 2>> "$tmp/err"
field() { sed -n "s/^$1: *//p" "$tmp/fake.txt"; }
# jfield KEY: a top-level value in the JSON, as written (strings quoted).
jfield() { sed -n "s/^ *\"$1\": \\(.*\\)\$/\\1/p" "$tmp/fake.json" | sed 's/,$//'; }

[ $r = 0 ] && [ "$(field loaded)" = false ] && [ "$(field filename)" = "$ko" ] &&
[ "$(jfield filename)" = "\"$ko\"" ] && [ ! -s "$tmp/err" ]
ok $? "not loaded: filename is the dstate.ko beside dstate ($(field filename))"

same=yes
for k in version srcversion vermagic; do
	[ "$(field $k)" = "$(modinfo -F $k "$ko")" ] &&
	[ "$(jfield $k)" = "\"$(modinfo -F $k "$ko")\"" ] || same="no: $k"
done
[ "$same" = yes ]
ok $? "version, srcversion and vermagic are what modinfo reads ($same)"

notnull=
for k in refcount size initstate holders device sleepers; do
	[ "$(jfield $k)" = null ] || notnull="$notnull $k"
done
[ -z "$notnull" ]
ok $? "refcount, size, initstate, holders, device, sleepers: null${notnull:+ (not:$notnull)}"

# text: one "parm: NAME: DESC (TYPE)" line per parameter, as modinfo's
# "NAME:DESC (TYPE)" (its type suffix is there or not, by kmod version).
modinfo -F parmtype "$ko" > "$tmp/parmtype"
modinfo -F parm "$ko" | while IFS=: read -r name desc; do
	type=$(sed -n "s/^$name://p" "$tmp/parmtype")
	echo "$name: ${desc% ($type)}${type:+ ($type)}"
done | sort > "$tmp/want"
sed -n 's/^parm: *//p' "$tmp/fake.txt" | sort > "$tmp/got"
[ "$(wc -l < "$tmp/got")" = 3 ] && cmp -s "$tmp/want" "$tmp/got"
ok $? "a parm line for each of the 3 parameters, as modinfo describes it"
diff "$tmp/want" "$tmp/got" | sed 's/^/# /'

# JSON: the objects, in the file's order, every key present.
cat > "$tmp/want" <<'EOF'
"name": "alpha",|"value": null,|"type": "uint",|"description": "the \"alpha\" count, a\\b (default 3)"|
"name": "beta",|"value": null,|"type": "bool",|"description": "whether beta"|
"name": "gamma",|"value": null,|"type": null,|"description": "no type given"|
EOF
awk '/^ *"(name|value|type|description)": / { sub(/^ */, ""); line = line $0 "|" }
     /^ *"description": / { print line; line = "" }' "$tmp/fake.json" > "$tmp/got"
cmp -s "$tmp/want" "$tmp/got"
ok $? "--json: parameters, each with name, null value, type and description, escaped"
diff "$tmp/want" "$tmp/got" | sed 's/^/# /'

if command -v jq > /dev/null; then
	jq -e '.info[0].parameters | length == 3' "$tmp/fake.json" > /dev/null &&
	jq -e '.info[0].holders == null and .info[0].loaded == false' \
		"$tmp/fake.json" > /dev/null
	ok $? "jq reads the JSON: 3 parameters, holders null, loaded false"
else
	ok 0 "# SKIP jq is not installed"
fi

echo "1..$n"
[ $failed = 0 ]
