#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The dstate command against the real module: load and unload through
# libkmod, spawn, ls (its filters and table options), state, release,
# matrix and the fsfreeze method.
# What dstate prints is cross-checked against /proc, /proc/modules,
# /proc/mounts and the loop devices, never taken on its word.
#
# vm-options: -t 600

. /tests/vm/lib.sh

kmsg_mark

# --- load, info, unload ---------------------------------------------------

check "dstate load exits 0" sh -c 'dstate load > /dev/null'
check "the kernel lists the module and /dev/dstate exists" \
	sh -c 'grep -q "^dstate " /proc/modules && [ -c /dev/dstate ]'
check "dstate info says loaded, with the kernel's refcount" \
	sh -c 'dstate info | grep -q "loaded: *true" &&
	       [ "$(dstate info | sed -n "s/^refcount: *//p")" = \
		 "$(cat /sys/module/dstate/refcnt)" ]'

# --- info: what modinfo and lsmod show, against the kernel and kmod ----------

# dstate load inserted the initramfs's /lib/modules/dstate.ko; the kernel
# keeps no path, so info must find that file by its srcversion.
ko=/lib/modules/dstate.ko
dstate info > /tmp/info.out 2> /tmp/info.err
dstate --json info > /tmp/info.json 2>> /tmp/info.err
field() { sed -n "s/^$1: *//p" /tmp/info.out; }
# jfield KEY: a top-level value in the JSON, as written (strings quoted).
jfield() { sed -n "s/^ *\"$1\": \\(.*\\)\$/\\1/p" /tmp/info.json | sed 's/,$//'; }
sys=/sys/module/dstate
info_file() {
	[ "$(field filename)" = $ko ] && [ "$(jfield filename)" = "\"$ko\"" ]
}
check "info: filename is the .ko that was loaded ($(field filename))" info_file
info_srcversion() {
	v=$(field srcversion)
	[ -n "$v" ] && [ "$v" = "$(cat $sys/srcversion)" ] &&
	[ "$(jfield srcversion)" = "\"$v\"" ]
}
check "info: srcversion is the kernel's ($sys/srcversion)" info_srcversion
info_version() {
	v=$(field version)
	[ -n "$v" ] && [ "$v" = "$(cat $sys/version)" ] &&
	[ "$v" = "$(modinfo -F version $ko)" ]
}
check "info: version is the kernel's and modinfo's" info_version
info_vermagic() {
	v=$(field vermagic)
	[ "$v" = "$(modinfo -F vermagic $ko)" ] &&
	[ "${v%% *}" = "$(uname -r)" ] && [ "$(jfield vermagic)" = "\"$v\"" ]
}
check "info: vermagic is modinfo's, for the running kernel" info_vermagic
check "info: initstate is $sys/initstate ($(field initstate))" \
	[ "$(field initstate)" = "$(cat $sys/initstate)" ]
# /proc/modules: name size refcount holders state address.
info_lsmod() {
	[ "$(field size) $(field refcount) $(field holders)" = \
	  "$(awk '$1 == "dstate" { print $2, $3, $4 }' /proc/modules)" ]
}
check "info: size, refcount and holders are /proc/modules's ($(grep '^dstate ' /proc/modules))" \
	info_lsmod
info_json_live() {
	[ -z "$(ls $sys/holders)" ] &&
	tr -d ' \n' < /tmp/info.json | grep -q '"holders":\[\]' &&
	[ "$(jfield refcount)" = "$(cat $sys/refcnt)" ] &&
	[ "$(jfield size)" = "$(field size)" ] && [ "$(jfield loaded)" = true ]
}
check "info --json: holders [] as $sys/holders is empty; refcount, size numbers" \
	info_json_live
check "info: nothing on stderr ($(cat /tmp/info.err))" [ ! -s /tmp/info.err ]

# Each parameter: its value from sysfs, its description and type as kmod's
# modinfo gives them, in text and in JSON.  modinfo -F parm appends the
# type to the description on one machine and not on another (the VM), so
# /tmp/parm is built from both fields: "NAME:DESC (TYPE)".
modinfo -F parmtype $ko > /tmp/parmtype
modinfo -F parm $ko | while IFS=: read -r name desc; do
	type=$(sed -n "s/^$name://p" /tmp/parmtype)
	echo "$name:${desc% ($type)} ($type)"
done > /tmp/parm
# MODULE_PARM_DESC and a type for every parameter the kernel shows.
all_described() {
	[ "$(cut -d: -f1 /tmp/parm | sort)" = "$(ls $sys/parameters | sort)" ] &&
	[ "$(cut -d: -f1 /tmp/parmtype | sort)" = "$(ls $sys/parameters | sort)" ] &&
	! grep -qv '^[a-z_]*:..* ([a-z]*)$' /tmp/parm
}
check "modinfo has a description and type for each of the $(ls $sys/parameters | wc -l) parameters" \
	all_described
# text: "parm: NAME=VALUE: DESC (TYPE)"
while IFS=: read -r name rest; do
	val=$(cat "$sys/parameters/$name")
	echo "$name=$val: $rest"
done < /tmp/parm | sort > /tmp/parm.want
sed -n 's/^parm: *//p' /tmp/info.out | sort > /tmp/parm.got
check "info: one parm line per parameter, value, description and type ($(wc -l < /tmp/parm.got))" \
	cmp -s /tmp/parm.want /tmp/parm.got
diff /tmp/parm.want /tmp/parm.got | sed 's/^/# /'
# JSON: each object's name, value, type and description on a line.
json_params() {
	awk -F'"' '
		/^ *"name":/ { name = $4 }
		/^ *"value":/ { v = $0; sub(/.*"value": /, "", v)
				sub(/,$/, "", v); value = v }
		/^ *"type":/ { type = $4 }
		/^ *"description":/ { print name "=" value ":" $4 " (" type ")" }
	' "$1" | sort
}
while IFS=: read -r name rest; do
	val=$(cat "$sys/parameters/$name")
	case $val in Y) val=true ;; N) val=false ;; esac
	echo "$name=$val:$rest"
done < /tmp/parm | sort > /tmp/jparm.want
json_params /tmp/info.json > /tmp/jparm.got
check "info --json: parameters, each with its value (typed), type and description" \
	sh -c '[ -s /tmp/jparm.got ] && cmp -s /tmp/jparm.want /tmp/jparm.got'
diff /tmp/jparm.want /tmp/jparm.got | sed 's/^/# /'

# A dstate.ko that is not the loaded module (another build: here a module
# of the kernel's own under that name) where load looks first, beside a
# copy of dstate: info must not take its modinfo for the loaded module's,
# and says why.  The values still come from sysfs.
other=$(find "/lib/modules/$(uname -r)" -name '*.ko' | head -n 1)
mkdir -p /tmp/stale
cp /usr/bin/dstate /tmp/stale/dstate
cp "$other" /tmp/stale/dstate.ko
/tmp/stale/dstate info > /tmp/stale.out 2> /tmp/stale.err
stale_file() {
	grep -q '^filename: *-$' /tmp/stale.out &&
	grep -q '^vermagic: *-$' /tmp/stale.out &&
	[ "$(sed -n 's/^srcversion: *//p' /tmp/stale.out)" = "$(cat $sys/srcversion)" ] &&
	grep -q '/tmp/stale/dstate.ko' /tmp/stale.err &&
	[ "$(sed -n 's/^parm: *//p' /tmp/stale.out | sort)" = \
	  "$(cd $sys/parameters && for p in *; do echo "$p=$(cat "$p")"; done | sort)" ]
}
check "info beside a dstate.ko of another build ($(basename "$other")): no filename or descriptions, a warning, the values" \
	stale_file
diag "$(cat /tmp/stale.err)"
rm -rf /tmp/stale

# Like modprobe: loaded already is success, and -q says nothing of it;
# parameters that would not take effect are an error.
check "dstate load again: exit 0, and -q prints nothing" \
	sh -c 'dstate load > /dev/null 2>&1 &&
	       [ -z "$(dstate load -q 2>&1)" ]'
check "dstate load user_max_sleepers=8 while loaded: exit 1, 'already loaded'" \
	sh -c '! dstate load user_max_sleepers=8 > /dev/null 2> /tmp/load.err &&
	       grep -q "already loaded" /tmp/load.err'

# --- sleep --------------------------------------------------------------------

dstate sleep uninterruptible --timeout 300ms > /tmp/sleep1.out 2>&1
check "sleep --timeout 300ms exits 0 and says it timed out" \
	sh -c "[ $? -eq 0 ] && grep -q 'woke: *timed out' /tmp/sleep1.out"

dstate sleep killable --tag 5 > /tmp/sleep2.out 2>&1 &
sp=$!
asleep() { [ "$(proc_state "$sp")" = D ]; }
check "sleep killable: /proc shows the dstate process in D" wait_for 10 asleep
dstate release --tag 5 > /dev/null
wait $sp
rc=$?
check "released, it exits 0 (wait status $rc)" [ $rc -eq 0 ]
check "and says it was released" grep -q 'woke: *released' /tmp/sleep2.out

# --- spawn -n 100, ls, release --tag ----------------------------------------

# all_letter LETTER PIDS...: every pid shows LETTER in /proc.
all_letter() {
	want=$1
	shift
	for p in "$@"; do
		[ "$(proc_state "$p")" = "$want" ] || return 1
	done
	return 0
}

dstate spawn uninterruptible -n 100 --tag 7 > /tmp/spawn.out
check "spawn -n 100 uninterruptible exits 0" [ $? -eq 0 ]
pids=$(pids_of /tmp/spawn.out)
n=$(echo $pids | wc -w)
check "spawn printed 100 processes (got $n)" [ "$n" -eq 100 ]
# shellcheck disable=SC2086
check "/proc shows all 100 in D" all_letter D $pids

dstate ls > /tmp/ls.out
check "ls lists 100 sleepers" [ "$(pids_of /tmp/ls.out | wc -l)" -eq 100 ]
ls_agrees() {
	awk 'NR > 1 { print $1, $4, $5, $6 }' /tmp/ls.out | {
		while read -r pid mode letter tag; do
			[ "$mode" = uninterruptible ] && [ "$tag" = 7 ] &&
			[ "$(proc_state "$pid")" = "$letter" ] &&
			[ "$letter" = D ] || exit 1
		done
	}
}
check "ls agrees with /proc: pid, mode, letter and tag of each" ls_agrees
check "ls names the same processes spawn started" \
	[ "$(pids_of /tmp/ls.out | sort -n)" = "$(echo "$pids" | tr ' ' '\n' | sort -n)" ]
dstate --json ls > /tmp/ls.json
json_100() {
	[ "$(grep -c '"pid":' /tmp/ls.json)" -eq 100 ] &&
	[ "$(grep -c '"mode": "uninterruptible"' /tmp/ls.json)" -eq 100 ] &&
	[ "$(grep -c '"state": "D"' /tmp/ls.json)" -eq 100 ]
}
check "ls --json has 100 objects with pid, mode and state" json_100

# --- unload refused while sleepers exist ------------------------------------

dstate unload > /tmp/unload.out 2>&1
rc=$?
diag "unload while in use: exit $rc: $(cat /tmp/unload.out)"
check "unload with sleepers exits 1" [ $rc -eq 1 ]
check "unload says the module is in use" grep -qi 'in use' /tmp/unload.out
check "the kernel still lists the module" module_loaded
# shellcheck disable=SC2086
check "the sleepers are undisturbed (all D)" all_letter D $pids

out=$(dstate release --tag 7)
check "release --tag 7 woke 100 ($out)" \
	[ "$(echo "$out" | sed -n 's/^released: *//p')" = 100 ]
# shellcheck disable=SC2086
check "all 100 are gone from /proc" wait_for 20 all_gone $pids

# --- ls --pid, --tag, --mode; the table options -----------------------------

# Three killable tagged 11, two idle tagged 12, one uninterruptible
# tagged 11; each spawn prints only its pids, one a line.
dstate spawn killable -n 3 --tag 11 --noheadings -o PID > /tmp/fk.out
dstate spawn idle -n 2 --tag 12 --noheadings -o pid > /tmp/fi.out
dstate spawn uninterruptible --tag 11 --noheadings -o Pid > /tmp/fu.out
fk=$(tr -d ' ' < /tmp/fk.out)
fi2=$(tr -d ' ' < /tmp/fi.out)
fu=$(tr -d ' ' < /tmp/fu.out)
k1=$(echo $fk | cut -d' ' -f1)
i1=$(echo $fi2 | cut -d' ' -f1)
check "spawn --noheadings -o PID: 3, 2 and 1 lines, each a pid" \
	[ "$(cat /tmp/fk.out /tmp/fi.out /tmp/fu.out | grep -cE '^ *[0-9]+$')" = 6 ]
# shellcheck disable=SC2086
check "/proc shows them D, D, D, I, I, D" all_letter D $fk $fu
# shellcheck disable=SC2086
check "... the idle ones I" all_letter I $fi2

# sorted PID...: one line of the pids in order.
sorted() { echo "$@" | tr ' ' '\n' | grep . | sort -n | tr '\n' ' '; }
# lists WANT ARGS...: 'dstate ls ARGS --noheadings -o PID' exits 0 and
# lists exactly the pids WANT (a list).
lists() {
	_want=$(sorted $1)
	shift
	if ! _out=$(dstate ls --noheadings -o PID "$@"); then
		diag "ls $*: failed"
		return 1
	fi
	# shellcheck disable=SC2086
	_got=$(sorted $_out)
	[ "$_got" = "$_want" ] && return 0
	diag "ls $*: got '$_got', wanted '$_want'"
	return 1
}
check "ls --pid K,I: exactly those two" lists "$k1 $i1" --pid "$k1,$i1"
check "ls --pid K --pid U: repeated, exactly those two" \
	lists "$k1 $fu" --pid "$k1" --pid "$fu"
check "ls --tag 12: exactly the two idle" lists "$fi2" --tag 12
check "ls -g 11: the three killable and the uninterruptible" \
	lists "$fk $fu" -g 11
check "ls --mode killable: exactly the three" lists "$fk" --mode killable
check "ls -m idle,uninterruptible: the other three" \
	lists "$fi2 $fu" -m idle,uninterruptible
check "ls --tag 11 --mode uninterruptible: both must match" \
	lists "$fu" --tag 11 --mode uninterruptible
check "ls --tag 12 --mode killable: none" lists "" --tag 12 --mode killable
check "ls --pid K --tag 12: none" lists "" --pid "$k1" --tag 12
check "ls --mode vfork: usage error, exit 2, 'not a module mode'" \
	sh -c 'dstate ls --mode vfork 2> /tmp/lsm.err; [ $? -eq 2 ] &&
	       grep -q "not a module mode" /tmp/lsm.err'
check "ls --mode bogus: usage error, exit 2, 'unknown mode'" \
	sh -c 'dstate ls --mode bogus 2> /tmp/lsm.err; [ $? -eq 2 ] &&
	       grep -q "unknown mode .bogus." /tmp/lsm.err'

# --raw: "disk sleep" is one field for awk; the letter is /proc's.
dstate ls --raw --tag 11 -o PID,STATE_NAME,MODE,STATE > /tmp/lsr.out
ls_raw() {
	[ "$(head -n1 /tmp/lsr.out)" = "PID STATE_NAME MODE STATE" ] || return 1
	[ "$(awk 'NR > 1' /tmp/lsr.out | wc -l)" -eq 4 ] || return 1
	awk 'NR > 1 { print $1, NF, $2, $4 }' /tmp/lsr.out | {
		while read -r pid nf name letter; do
			[ "$nf" = 4 ] && [ "$name" = 'disk\x20sleep' ] &&
			[ "$letter" = D ] && [ "$(proc_state "$pid")" = D ] || exit 1
		done
	}
}
check "ls --raw: four fields a line, STATE_NAME disk\\x20sleep, /proc D" ls_raw

# +LIST: the default columns, then those named.
dstate ls -r --noheadings -o +state_name,UID --mode idle > /tmp/lsp.out
# The default ten end with SHAPE, "-" for a process of one thread here.
check "ls -r --noheadings -o +state_name,UID: 2 lines of 12 fields, idle" \
	sh -c '[ "$(wc -l < /tmp/lsp.out)" = 2 ] &&
	       [ "$(awk "NF == 12 && \$4 == \"idle\" && \$5 == \"I\" && \$10 == \"-\" && \$11 == \"idle\" && \$12 == 0" /tmp/lsp.out | wc -l)" = 2 ]'

# --pairs: eval gives each value whole.
dstate ls -P --pid "$fu" -o PID,MODE,STATE_NAME,TAG,LEFT > /tmp/lsP.out
ls_pairs() {
	[ "$(wc -l < /tmp/lsP.out)" = 1 ] || return 1
	eval "$(cat /tmp/lsP.out)" || return 1
	[ "$PID" = "$fu" ] && [ "$MODE" = uninterruptible ] &&
	[ "$STATE_NAME" = "disk sleep" ] && [ "$TAG" = 11 ] && [ -z "$LEFT" ]
}
check "ls -P: eval sets PID, MODE, TAG, STATE_NAME='disk sleep', LEFT='' ($(cat /tmp/lsP.out))" ls_pairs

# -o with --json: those keys only, lower case.
dstate --json ls -o MODE,pid --mode idle > /tmp/lsj.out
check "--json ls -o MODE,pid --mode idle: two objects of mode and pid only" \
	sh -c '[ "$(grep -c "\"mode\": \"idle\"" /tmp/lsj.out)" = 2 ] &&
	       [ "$(grep -c "\"pid\": [0-9]" /tmp/lsj.out)" = 2 ] &&
	       [ "$(grep -c "^         \"" /tmp/lsj.out)" = 4 ]'

dstate release --tag 11 > /dev/null
dstate release --tag 12 > /dev/null
# shellcheck disable=SC2086
check "released, all six are gone" wait_for 20 all_gone $fk $fi2 $fu

# --- state: killable vs uninterruptible --------------------------------------

dstate spawn killable --tag 8 > /tmp/k.out
dstate spawn uninterruptible --tag 8 > /tmp/u.out
kp=$(pids_of /tmp/k.out)
up=$(pids_of /tmp/u.out)
check "/proc shows both as D" all_letter D "$kp" "$up"
check "state --json: the killable one is killable" \
	sh -c "dstate --json state $kp | grep -q '\"killable\": true'"
check "state --json: the uninterruptible one is not" \
	sh -c "dstate --json state $up | grep -q '\"killable\": false'"
# One schema: "mode" is the dstate mode, as in spawn and ls (null for a
# D the module did not make); the kernel's side of a sleep is
# "kernel_state", which the module reads for any task.
check "state --json: mode is the dstate mode (uninterruptible)" \
	sh -c "dstate --json state $up | grep -q '\"mode\": \"uninterruptible\"'"
dstate spawn vfork --timeout 5s > /tmp/v.out
vp=$(pids_of /tmp/v.out)
dstate --json state -L "$vp" > /tmp/v.json
check "state --json of a vfork parent: kernel_state killable, twice (with -L)" \
	[ "$(grep -c '"kernel_state": "killable"' /tmp/v.json)" = 2 ]
check "state --json of a vfork parent: mode null, twice; no sleeper key" \
	sh -c "[ \$(grep -c '\"mode\": null' /tmp/v.json) = 2 ] && ! grep -q sleeper /tmp/v.json"
check "the vfork parent ends at its timeout" wait_for 20 all_gone "$vp"
check "release --pid wakes one" \
	[ "$(dstate release --pid "$kp" | sed -n 's/^released: *//p')" = 1 ]
one_released() { wait_for 10 all_gone "$kp" && all_letter D "$up"; }
check "the released one is gone, the other still D" one_released
check "release --all wakes the rest" \
	[ "$(dstate release --all | sed -n 's/^released: *//p')" = 1 ]
check "and it is gone" wait_for 10 all_gone "$up"

# --- kernel thread ------------------------------------------------------------

dstate spawn uninterruptible --kthread --tag 9 > /tmp/kt.out
ktp=$(pids_of /tmp/kt.out)
check "spawn --kthread: /proc shows dstate/N in D" \
	sh -c "[ \"\$(cut -c1-7 /proc/$ktp/comm)\" = dstate/ ] &&
	       [ \"\$(sed 's/.*) //' /proc/$ktp/stat | cut -d' ' -f1)\" = D ]"
kthread_released() {
	[ "$(dstate release --tag 9 | sed -n 's/^released: *//p')" = 1 ] &&
	wait_for 10 all_gone "$ktp"
}
check "release --tag 9 ends the thread" kthread_released

# --- matrix ---------------------------------------------------------------------

# The contract, written out here rather than taken from dstate: one line per
# cell, mode and signal case, then what must be seen.
cat > /tmp/contract <<'EOF'
uninterruptible|SIGTERM|stays D; dies when released
uninterruptible|SIGTERM handled|stays D; handler runs when released
uninterruptible|SIGTERM ignored|stays D; wakes when released
uninterruptible|SIGKILL|stays D; dies when released
uninterruptible|SIGSTOP/SIGCONT|stays D; stops when released
killable|SIGTERM|dies at once
killable|SIGTERM handled|stays D; handler runs when released
killable|SIGTERM ignored|stays D; wakes when released
killable|SIGKILL|dies at once
killable|SIGSTOP/SIGCONT|stays D; stops when released
interruptible|SIGTERM|dies at once
interruptible|SIGTERM handled|wakes at once (EINTR)
interruptible|SIGTERM ignored|stays S; wakes when released
interruptible|SIGKILL|dies at once
interruptible|SIGSTOP/SIGCONT|stops at once; S again after SIGCONT; wakes when released
idle|SIGTERM|stays I; dies when released
idle|SIGTERM handled|stays I; handler runs when released
idle|SIGTERM ignored|stays I; wakes when released
idle|SIGKILL|stays I; dies when released
idle|SIGSTOP/SIGCONT|stays I; stops when released
io|SIGTERM|stays D; dies when released
io|SIGTERM handled|stays D; handler runs when released
io|SIGTERM ignored|stays D; wakes when released
io|SIGKILL|stays D; dies when released
io|SIGSTOP/SIGCONT|stays D; stops when released
EOF

dstate --json matrix > /tmp/matrix.json
rc=$?
check "matrix exits 0" [ $rc -eq 0 ]
# One "mode|signal|observed" line per cell from the JSON objects.
awk -F'"' '
	/"mode":/ { mode = $4 }
	/"signal":/ { sig = $4 }
	/"observed":/ { print mode "|" sig "|" $4 }
' /tmp/matrix.json > /tmp/observed
check "matrix reports 25 cells" [ "$(wc -l < /tmp/observed)" -eq 25 ]
while IFS='|' read -r mode sig want; do
	got=$(awk -F'|' -v m="$mode" -v s="$sig" \
		'$1 == m && $2 == s { print $3 }' /tmp/observed)
	if [ "$got" = "$want" ]; then
		ok "matrix: $mode, $sig: $got"
	else
		not_ok "matrix: $mode, $sig: saw '$got', the contract says '$want'"
	fi
done < /tmp/contract

check "no sleepers left, and the module unloads" \
	sh -c '[ "$(dstate --json info | grep -o "\"sleepers\": *[0-9]*" | grep -o "[0-9]*$")" = 0 ]'
check "dstate unload exits 0" sh -c 'dstate unload > /dev/null'
check "the kernel no longer lists the module" sh -c '! grep -q "^dstate " /proc/modules'

# Not loaded, info describes the file dstate load would insert, and says
# it is not loaded: no refcount, size, holders or parameter values.
dstate info > /tmp/info.out 2> /tmp/info.err
rc=$?
dstate --json info > /tmp/info.json 2>> /tmp/info.err
check "info while not loaded: exit $rc, nothing on stderr" \
	sh -c "[ $rc = 0 ] && [ ! -s /tmp/info.err ]"
info_unloaded() {
	[ "$(jfield loaded)" = false ] && [ "$(field filename)" = $ko ] &&
	[ "$(field srcversion)" = "$(modinfo -F srcversion $ko)" ] &&
	[ "$(field version)" = "$(modinfo -F version $ko)" ] &&
	[ "$(field vermagic)" = "$(modinfo -F vermagic $ko)" ]
}
check "info while not loaded: loaded false; filename, srcversion, version and vermagic those of $ko, as modinfo says" \
	info_unloaded
info_unloaded_null() {
	for k in refcount size initstate holders sleepers; do
		[ "$(jfield $k)" = null ] || return 1
	done
}
check "info --json while not loaded: refcount, size, initstate, holders, sleepers null" \
	info_unloaded_null
sed -n 's/^parm: *//p' /tmp/info.out | sort > /tmp/parm.got
sed 's/:/: /' /tmp/parm | sort > /tmp/parm.want
check "info while not loaded: each parameter, described as modinfo does, no value" \
	cmp -s /tmp/parm.want /tmp/parm.got
sed 's/:/=null:/' /tmp/parm | sort > /tmp/jparm.want
json_params /tmp/info.json > /tmp/jparm.got
check "info --json while not loaded: each parameter, value null" \
	cmp -s /tmp/jparm.want /tmp/jparm.got

# PARAM=VALUE goes to the module as it is; one out of bounds fails the load.
check "dstate load user_max_sleepers=7 user_timeout_max_ms=1500: sysfs says so" \
	sh -c 'dstate load user_max_sleepers=7 user_timeout_max_ms=1500 > /dev/null &&
	       [ "$(cat /sys/module/dstate/parameters/user_max_sleepers)" = 7 ] &&
	       [ "$(cat /sys/module/dstate/parameters/user_timeout_max_ms)" = 1500 ] &&
	       dstate unload > /dev/null'
check "dstate load max_sleepers=70000: exit 1, not loaded, the hint names the parameter" \
	sh -c '! dstate load max_sleepers=70000 > /dev/null 2> /tmp/load.err &&
	       ! grep -q "^dstate " /proc/modules &&
	       grep -q "parameter" /tmp/load.err'

# --- fsfreeze ---------------------------------------------------------------------

dstate spawn fsfreeze > /tmp/ff.out
check "spawn fsfreeze exits 0" [ $? -eq 0 ]
fp=$(pids_of /tmp/ff.out)
keeper=$(awk 'NR == 2 { print $NF }' /tmp/ff.out)
check "the writer is in D" all_letter D "$fp"
check "the frozen filesystem is mounted" grep -q dstate-fsfreeze /proc/mounts
kill -KILL "$fp"
check "SIGKILL is pending for the writer" wait_for 5 sigkill_pending "$fp"
check "and it is still D" all_letter D "$fp"
kill -TERM "$keeper"
check "after the thaw the writer dies" wait_for 20 all_gone "$fp"
check "the keeper is gone" wait_for 20 all_gone "$keeper"
check "nothing of it is left mounted" sh -c '! grep -q dstate-fsfreeze /proc/mounts'
check "no loop device is attached" sh -c '[ -z "$(losetup -a)" ]'
check "its files are removed" sh -c '! ls -d /tmp/dstate-fsfreeze.* 2>/dev/null'

check "no BUG or WARNING in the kernel log" kmsg_clean
done_testing
