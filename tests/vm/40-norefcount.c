// SPDX-License-Identifier: GPL-2.0
/*
 * norefcount=1, the deliberately unsafe load, in a VM of its own: it
 * taints the kernel and says so loudly; rmmod succeeds while /dev/dstate
 * is open; the next ioctl on that fd jumps into the freed module and the
 * kernel oopses ("BUG: unable to handle page fault").
 *
 * Only the child that makes that last ioctl holds the fd: the test itself
 * must be able to exit, and closing the fd would fault again.  The child
 * is never waited for without a deadline — on 6.x it ends as X (dead,
 * never reaped), on old kernels it stayed in D — and its final state is
 * reported as /proc shows it, not assumed.
 */
/* vm-options: -t 180 */
/* vm-expects: oops (the log check would report the oops this test causes) */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "dtest.h"

static unsigned long tainted(void)
{
	char buf[64];

	if (read_file("/proc/sys/kernel/tainted", buf, sizeof(buf)) <= 0)
		return ~0UL;
	return strtoul(buf, NULL, 10);
}

/* The child: wait for the go, then the ioctl that must never return. */
static void __attribute__((noreturn)) victim(int fd, int go, int result)
{
	struct dstate_info info;
	char c;

	if (read(go, &c, 1) != 1)
		_exit(CHILD_SETUP);
	memset(&info, 0, sizeof(info));
	ioctl(fd, DSTATE_IOC_INFO, &info);
	c = 'R';
	if (write(result, &c, 1) < 0)
		_exit(CHILD_RETURNED);
	_exit(CHILD_RETURNED);
}

int main(void)
{
	unsigned long taint0, taint1;
	int go[2], result[2], fd, ret, status;
	struct sleeper c = { .pid = -1, .pipe_rd = -1 };
	uint64_t end;
	struct kmsg k;
	char st, byte;
	pid_t r;
	bool ok;

	tap_header();

	/* A first, ordinary load takes the out-of-tree taints (O, E). */
	ret = mod_load(NULL);
	if (!tap_result(ret == 0, "ordinary insmod (%s)", strerror(-ret)))
		return tap_finish();
	ret = mod_unload();
	if (!tap_result(ret == 0, "ordinary rmmod (%s)", strerror(-ret)))
		return tap_finish();
	taint0 = tainted();

	kmsg_begin(&k);
	ret = mod_load("norefcount=1");
	if (!tap_result(ret == 0, "insmod dstate.ko norefcount=1 (%s)",
			strerror(-ret)))
		return tap_finish();
	taint1 = tainted();
	tap_result(taint1 != taint0 && (taint1 & taint0) == taint0,
		   "the norefcount load taints the kernel further (%lu -> %lu, new bits 0x%lx)",
		   taint0, taint1, taint1 & ~taint0);
	ret = kmsg_count_level(&k, "norefcount", 4);
	kmsg_dump(&k, "dstate", 5);
	tap_result(ret > 0,
		   "it logs a warning (level 4 or more urgent) naming norefcount (%d lines)",
		   ret);

	fd = dev_open();
	if (!tap_result(fd >= 0, "open %s", DSTATE_DEV))
		return tap_finish();
	if (pipe(go) || pipe(result))
		return tap_finish();
	fflush(stdout);
	c.pid = fork();
	if (c.pid == 0) {
		close(go[1]);
		close(result[0]);
		victim(fd, go[0], result[1]);
	}
	/* From here on only the child holds the open file. */
	close(fd);
	close(go[0]);
	close(result[1]);
	/*
	 * Non-blocking: the child dies in the middle of closing its files,
	 * so its end of this pipe may never be closed.
	 */
	fcntl(result[0], F_SETFL, O_NONBLOCK);
	c.pipe_rd = result[0];

	ret = mod_unload();
	tap_result(ret == 0 && mod_refcnt() < 0 && access(DSTATE_DEV, F_OK),
		   "rmmod succeeds while pid %d holds /dev/dstate open (%s)",
		   c.pid, strerror(-ret));
	kmsg_end(&k);

	kmsg_begin(&k);
	byte = 'g';
	if (write(go[1], &byte, 1) != 1)
		tap_diag("cannot tell the child to go: %s", strerror(errno));

	end = now_ns() + 15000 * NSEC_PER_MSEC;
	while (!kmsg_count(&k, "BUG: unable to handle page fault") &&
	       now_ns() < end)
		sleep_ms(50);
	ret = kmsg_count(&k, "BUG: unable to handle page fault");
	kmsg_dump(&k, "BUG", 3);
	tap_result(ret > 0,
		   "the ioctl on the still-open fd oopses: \"BUG: unable to handle page fault\"");
	/*
	 * Let the child settle: the oops kills it, and closing the file on
	 * its way out faults again.  Never wait without a deadline.
	 */
	end = now_ns() + 10000 * NSEC_PER_MSEC;
	do {
		st = proc_state(c.pid);
		if (!st || strchr("XZD", st))
			break;
		sleep_ms(50);
	} while (now_ns() < end);
	tap_diag("\"Oops\" lines: %d, \"Fixing recursive fault\" lines: %d",
		 kmsg_count(&k, "Oops"), kmsg_count(&k, "Fixing recursive fault"));
	r = waitpid(c.pid, &status, WNOHANG);
	st = proc_state(c.pid);
	tap_diag("the child %d ends as /proc shows it: %c%s; waitpid: %s",
		 c.pid, st ? st : '-',
		 st == 'X' ? " (dead, never reaped)" :
		 st == 'D' ? " (uninterruptible, forever)" :
		 st == 'Z' ? " (zombie)" : !st ? " (gone from /proc)" : "",
		 r == c.pid ? status_str(status) : r == 0 ? "nothing to report" :
		 strerror(errno));
	ok = handler_bytes(&c, &byte, 1) == 0 &&
	     !(r == c.pid && WIFEXITED(status)) && st != 'R' && st != 'S';
	tap_result(ok, "the ioctl never returned to the child (state %c)",
		   st ? st : '-');
	close(go[1]);
	sleeper_close(&c);
	kmsg_end(&k);
	return tap_finish();
}
