/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dstate: the one place for differences between the kernels the module
 * supports (Debian's 5.10, 6.1 and 6.12 series).  Each difference is a
 * feature macro, DSTATE_HAVE_<WHAT>, and where needed a small wrapper; no
 * other file tests the kernel version.
 *
 * Checked and found the same on all three, so not wrapped: the TASK_* and
 * EXIT_* values 5.10 has (taskstate.c asserts them, because the uapi
 * promises them; 5.10 lacks TASK_RTLOCK_WAIT, TASK_FREEZABLE and
 * TASK_FROZEN, below), the miscdevice and file_operations fields used,
 * schedule_hrtimeout_range(), kthread_create(), strscpy_pad() with a
 * size (which get_task_comm() became in 6.13, with a size check, before
 * it was proposed for removal) and the pid and cred helpers; for the io
 * and lock modes io_schedule(), io_schedule_timeout(), nsecs_to_jiffies()
 * and the killable and plain mutex, rw-semaphore and semaphore calls, on
 * PREEMPT_RT (rt_mutex and rwbase_rt underneath) as well.
 */
#ifndef _DSTATE_COMPAT_H
#define _DSTATE_COMPAT_H

#include <linux/compiler.h>
#include <linux/kthread.h>
#include <linux/sched.h>
#include <linux/sched/task.h>
#include <linux/version.h>

/*
 * kthread_stop_put() arrived in 6.7: stop a thread and drop the task
 * reference that kept kthread_stop() safe.  6.1 has only the two halves.
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 7, 0)
#define DSTATE_HAVE_KTHREAD_STOP_PUT	1
#else
#define DSTATE_HAVE_KTHREAD_STOP_PUT	0
#endif

static inline int dstate_kthread_stop_put(struct task_struct *k)
{
#if DSTATE_HAVE_KTHREAD_STOP_PUT
	return kthread_stop_put(k);
#else
	int ret = kthread_stop(k);

	put_task_struct(k);
	return ret;
#endif
}

/*
 * kvmalloc_array() and kvfree() moved from <linux/mm.h> to <linux/slab.h>
 * in 5.16.  Before that this header includes <linux/mm.h>, so that their
 * users need only <linux/slab.h> and this header on every kernel.
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(5, 16, 0)
#define DSTATE_HAVE_KVMALLOC_IN_SLAB_H	1
#else
#define DSTATE_HAVE_KVMALLOC_IN_SLAB_H	0
#include <linux/mm.h>
#endif

/*
 * task_struct's state was renamed from state (a volatile long) to __state
 * (an unsigned int) in 5.14, so that only the accessors read it.
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(5, 14, 0)
#define DSTATE_HAVE_TASK_STATE_UNDERSCORED	1
#else
#define DSTATE_HAVE_TASK_STATE_UNDERSCORED	0
#endif

/* @task's raw scheduler state, read once: it may change the moment after. */
static inline unsigned int dstate_task_raw_state(struct task_struct *task)
{
#if DSTATE_HAVE_TASK_STATE_UNDERSCORED
	return READ_ONCE(task->__state);
#else
	return (unsigned int)READ_ONCE(task->state);
#endif
}

/*
 * TASK_FROZEN and TASK_FREEZABLE arrived in 6.1, when the freezer became a
 * state of its own.  Before it, a frozen task sleeps TASK_UNINTERRUPTIBLE
 * in __refrigerator() with PF_FROZEN in its flags, and a freezable sleep
 * is marked by PF_FREEZER_SKIP, not by a state bit.  The raw state passed
 * to user space is the kernel's own, so it never has these bits on 5.10;
 * the decoded kind says "frozen" on every kernel.
 */
#ifdef TASK_FROZEN
#define DSTATE_HAVE_TASK_FROZEN		1
#else
#define DSTATE_HAVE_TASK_FROZEN		0
#endif

/* Whether @task, whose raw state was @state, is held by the freezer. */
static inline bool dstate_task_frozen(struct task_struct *task,
				      unsigned int state)
{
#if DSTATE_HAVE_TASK_FROZEN
	return state & TASK_FROZEN;
#else
	return (state & TASK_UNINTERRUPTIBLE) &&
	       (READ_ONCE(task->flags) & PF_FROZEN);
#endif
}

#endif /* _DSTATE_COMPAT_H */
