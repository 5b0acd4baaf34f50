/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the kernel shows of a process and each of its threads, and the
 * verdict on it: would SIGKILL end it?  'dstate state' prints it, 'dstate
 * effects' uses the same verdict for its KILLABLE column.
 */
#ifndef DSTATE_PSTATE_H
#define DSTATE_PSTATE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "dstate_uapi.h"
#include "procfs.h"
#include "shape.h"

struct tstate {
	pid_t tid;
	struct proc_stat st;
	char wchan[128];
	bool fuse_wait;		/* in request_wait_answer(), by wchan or stack */
	bool have_ts;		/* the module answered */
	int ts_err;		/* or why not: -errno */
	struct dstate_task_state ts;
};

struct pstate {
	pid_t pid;
	struct proc_stat st;
	struct proc_status status;
	struct proc_shape shape;	/* threads, leader, pid namespace */
	bool have_shape;
	struct tstate *threads;		/* reused from one process to the next */
	size_t threads_cap;
	size_t nthreads;
	const struct tstate *worst;	/* the most blocking thread */
	bool kthread;
	char stack[4096];
	bool have_stack;
	int killable;			/* 1 yes, 0 no, -1 unknown */
	char why[160];			/* why not, or why unknown */
	int dev_fd;			/* the module, or -1 */
};

/*
 * Read @pid's stat, status and every thread into @p (its thread array is
 * reused from one call to the next: memset @p to 0 before the first, and
 * pstate_free() after the last), and judge it: @p->killable, @p->why and
 * @p->worst.  @dev_fd is the open module, or -1: then a D is "unknown".
 * 0, -ESRCH when the process is gone, or another -errno.
 */
int pstate_read(struct pstate *p, pid_t pid, int dev_fd);
void pstate_free(struct pstate *p);

/*
 * Would SIGKILL end what this thread is doing now?  1 yes, 0 no, -1
 * unknown: a D without the module's word could be either.
 */
int thread_killable(const struct tstate *t);

#endif
