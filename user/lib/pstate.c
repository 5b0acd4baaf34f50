// SPDX-License-Identifier: GPL-2.0
/*
 * A process as the kernel shows it, thread by thread, and whether SIGKILL
 * would end it.  A process is as stuck as its most stuck thread, so every
 * thread in /proc/PID/task is read: the main thread alone can sleep in S
 * while another is in D.  Only the module can tell killable from
 * uninterruptible, since /proc shows both as D.
 */
#include <errno.h>
#include <linux/capability.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "caps.h"
#include "device.h"
#include "procfs.h"
#include "pstate.h"
#include "shape.h"

/*
 * Does @t wait for a FUSE answer?  wchan says so where the kernel fills
 * it in; 5.10's is always 0, and there the stack (root only) tells.
 */
static void find_fuse_wait(pid_t pid, struct tstate *t)
{
	char stack[2048];

	if (!strcmp(t->wchan, "request_wait_answer")) {
		t->fuse_wait = true;
		return;
	}
	if (t->wchan[0] || (t->st.state != 'S' && t->st.state != 'D'))
		return;
	if (!proc_read_task_stack(pid, t->tid, stack, sizeof(stack)))
		t->fuse_wait = strstr(stack, "request_wait_answer") != NULL;
}

/* See pstate.h. */
int thread_killable(const struct tstate *t)
{
	/*
	 * A FUSE request: SIGKILL takes it back while it is queued, but once
	 * the daemon has read it the kernel waits for the answer, in D.
	 * Nothing outside the daemon shows which.
	 */
	if (t->fuse_wait)
		return -1;
	if (t->have_ts) {
		switch (t->ts.kind) {
		case DSTATE_TASK_RUNNING:
		case DSTATE_TASK_INTERRUPTIBLE:
		case DSTATE_TASK_KILLABLE:
		case DSTATE_TASK_STOPPED:
		case DSTATE_TASK_TRACED:
			return 1;
		case DSTATE_TASK_UNINTERRUPTIBLE:
		case DSTATE_TASK_IDLE:
			return 0;
		default:
			return -1;
		}
	}
	switch (t->st.state) {
	case 'R':
	case 'S':
	case 'T':
	case 't':
		return 1;
	case 'I':
		return 0;	/* TASK_IDLE is uninterruptible */
	default:
		return -1;
	}
}

/* Orders killable answers: yes 0 < unknown 1 < no 2. */
static int stuckness(int killable)
{
	return killable > 0 ? 0 : killable < 0 ? 1 : 2;
}

/* Why the module could not tell a D thread apart, for "unknown". */
static const char *unknown_why(const struct pstate *p, const struct tstate *t)
{
	if (t->fuse_wait)
		return "a FUSE request: SIGKILL ends it only if the daemon has not read it";
	if (p->dev_fd < 0)
		return "load the module to tell killable from uninterruptible";
	if (t->ts_err == -ESRCH && cap_effective(CAP_SYS_ADMIN) != 1)
		return "the module shows another user's threads only to CAP_SYS_ADMIN";
	return "the module did not say";
}

/*
 * The process: killable only if every thread is; its state is its most
 * blocking thread's, and among equals the least killable one's.
 */
static void judge(struct pstate *p)
{
	const struct tstate *unknown = NULL, *stuck = NULL;
	bool alive = false;
	size_t i;

	p->worst = &p->threads[0];
	for (i = 0; i < p->nthreads; i++) {
		const struct tstate *t = &p->threads[i];
		int k = thread_killable(t), rank = state_rank(t->st.state);
		int wrank = state_rank(p->worst->st.state);

		/* A dead thread (Z, X) holds nothing back. */
		if (rank > state_rank('Z')) {
			alive = true;
			if (!k && !stuck)
				stuck = t;
			if (k < 0 && !unknown)
				unknown = t;
		}
		if (rank > wrank ||
		    (rank == wrank && stuckness(k) > stuckness(thread_killable(p->worst))))
			p->worst = t;
	}
	p->why[0] = '\0';
	if (p->kthread) {
		p->killable = 0;
		snprintf(p->why, sizeof(p->why), "a kernel thread: signals do not end it");
	} else if (stuck) {
		p->killable = 0;
		snprintf(p->why, sizeof(p->why), "thread %d is %s", (int)stuck->tid,
			 stuck->st.state == 'I' ? "idle (TASK_IDLE)" :
			 "in an uninterruptible sleep");
	} else if (!alive) {
		p->killable = -1;
		snprintf(p->why, sizeof(p->why), "it has ended: only its parent can reap it");
	} else if (unknown) {
		p->killable = -1;
		snprintf(p->why, sizeof(p->why), "thread %d is in %c: %s",
			 (int)unknown->tid, unknown->st.state, unknown_why(p, unknown));
	} else {
		p->killable = 1;
	}
}

/* After its stat and wchan: a FUSE wait, and the module's word. */
static void read_kernel_side(int dev_fd, pid_t pid, struct tstate *t)
{
	find_fuse_wait(pid, t);
	if (dev_fd >= 0) {
		t->ts_err = dev_task_state(dev_fd, t->tid, &t->ts);
		t->have_ts = !t->ts_err;
	}
}

/*
 * Read every thread of @p->pid.  Threads that end meanwhile are left out;
 * when none is left to read, the process's own stat stands in for its one
 * thread.  0, or -ENOMEM.
 */
static int read_threads(struct pstate *p)
{
	size_t need;
	pid_t *tids = NULL;
	int n, i;

	n = proc_list_tasks(p->pid, &tids);
	if (n == -ENOMEM)
		return n;
	need = n > 0 ? (size_t)n : 1;
	if (need > p->threads_cap) {
		struct tstate *t = reallocarray(p->threads, need, sizeof(*t));

		if (!t) {
			free(tids);
			return -ENOMEM;
		}
		p->threads = t;
		p->threads_cap = need;
	}
	memset(p->threads, 0, need * sizeof(*p->threads));
	for (i = 0; i < n; i++) {
		struct tstate *t = &p->threads[p->nthreads];

		t->tid = tids[i];
		if (proc_read_task_stat(p->pid, t->tid, &t->st))
			continue;
		proc_read_task_wchan(p->pid, t->tid, t->wchan, sizeof(t->wchan));
		read_kernel_side(p->dev_fd, p->pid, t);
		p->nthreads++;
	}
	free(tids);
	if (!p->nthreads) {
		struct tstate *t = &p->threads[0];

		t->tid = p->pid;
		t->st = p->st;
		proc_read_wchan(p->pid, t->wchan, sizeof(t->wchan));
		read_kernel_side(p->dev_fd, p->pid, t);
		p->nthreads = 1;
	}
	return 0;
}

int pstate_read(struct pstate *p, pid_t pid, int dev_fd)
{
	struct tstate *threads = p->threads;
	size_t cap = p->threads_cap;
	int ret;

	memset(p, 0, sizeof(*p));
	p->threads = threads;
	p->threads_cap = cap;
	p->pid = pid;
	p->dev_fd = dev_fd;
	ret = proc_read_stat(p->pid, &p->st);
	if (!ret)
		ret = proc_read_status(p->pid, &p->status);
	if (ret)
		return ret;
	ret = read_threads(p);
	if (ret)
		return ret;
	p->kthread = p->st.flags & PROC_PF_KTHREAD;
	p->have_shape = !p->kthread && !proc_read_shape(p->pid, &p->shape);
	judge(p);
	return 0;
}

void pstate_free(struct pstate *p)
{
	free(p->threads);
	p->threads = NULL;
	p->threads_cap = 0;
}
