/* SPDX-License-Identifier: GPL-2.0 */
#ifndef DSTATE_PIDWAIT_H
#define DSTATE_PIDWAIT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#define PIDWAIT_FOREVER	UINT64_MAX

struct pid_wait_result {
	uint64_t elapsed_ns;
	bool pidfd;		/* seen through a pidfd, not by polling */
	bool child;		/* our child: reaped here */
	bool was_zombie;	/* it had already ended when we looked */
	/*
	 * status is known: a child, or a zombie seen whose exit code the
	 * kernel shows us.  /proc shows 0 in place of another's exit code
	 * unless we may ptrace-read it, so a 0 read without that access
	 * is not a status: have_status stays false.
	 */
	bool have_status;
	int status;		/* wait status */
};

/*
 * Wait for any process to end (exit and become a zombie, or vanish), with
 * pidfd_open and poll so that the end is seen at once; without pidfds,
 * poll every millisecond.  A child of ours is reaped and its status kept.
 * Returns 0 when it ended, -ETIMEDOUT, -ESRCH when there is no such
 * process, or another -errno.
 */
int pid_wait(pid_t pid, uint64_t timeout_ns, struct pid_wait_result *res);

/* pidfd_open(2), or -errno (ENOSYS on kernels before 5.3). */
int pidfd_open_pid(pid_t pid);

/*
 * Force the polling fallback, as on a kernel without pidfds (tests, and
 * DSTATE_NO_PIDFD=1 in the environment).
 */
extern bool pidwait_no_pidfd;

#endif
