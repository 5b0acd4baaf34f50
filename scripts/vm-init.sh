#!/bin/busybox sh
# SPDX-License-Identifier: GPL-2.0
#
# /init of the test VM.  Mount what the tests need, run the one command in
# /etc/vm-command (appended to the initramfs by scripts/vm-run.sh), print
# the marker with its exit status, and power off.  The command's output goes
# to the second serial port when there is one, so that it is not mixed with
# the kernel's console messages on the first.

/bin/busybox --install -s /bin
export PATH=/usr/bin:/usr/sbin:/bin:/sbin:/tests/bin:/tests/vm
export HOME=/root TERM=${TERM:-vt100}

mount -t proc proc /proc
# How long the kernel took to reach us, for make bench.
read -r DSTATE_INIT_UPTIME _ < /proc/uptime
export DSTATE_INIT_UPTIME
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts /dev/shm
mount -t devpts devpts /dev/pts
mount -t tmpfs tmpfs /dev/shm
mount -t tmpfs tmpfs /tmp
mount -t tmpfs tmpfs /run
mount -t debugfs debugfs /sys/kernel/debug
mount -t cgroup2 cgroup2 /sys/fs/cgroup
hostname dstate-vm
ln -sf /proc/self/fd /dev/fd

out=/dev/console
if [ -e /dev/ttyS1 ] && grep -q 'dstate_out=ttyS1' /proc/cmdline; then
	out=/dev/ttyS1
fi

# A kernel with kmemleak (the debug series) reports what the command
# leaked on the console, where scripts/kernel-log-check.sh finds it.
# kmemleak reports an object only when it was unchanged since the scan
# before, and never one younger than 5 s: hence two scans, after a pause.
# What boot leaked (if anything) is found by two scans before the command
# and then cleared, so that it is never blamed on a test.
kmemleak=/sys/kernel/debug/kmemleak
kmemleak_scan() {
	echo scan > $kmemleak
	echo scan > $kmemleak
}
if [ -f /etc/vm-command ]; then
	if [ -w $kmemleak ]; then
		kmemleak_scan
		echo clear > $kmemleak
	fi
	echo "DSTATE-VM-START" > $out
	sh /etc/vm-command > $out 2>&1 < /dev/null
	rc=$?
	if [ -w $kmemleak ]; then
		sleep 5
		kmemleak_scan
		cat $kmemleak > /dev/console
	fi
	echo "DSTATE-VM-EXIT $rc" > $out
else
	# No command: an interactive shell (make vm-shell).
	insmod /lib/modules/dstate.ko && echo "dstate.ko loaded; try 'dstate --help'"
	echo "Leave with 'poweroff -f' (or Ctrl-A x)."
	setsid cttyhack sh -l
fi

sync
poweroff -f
