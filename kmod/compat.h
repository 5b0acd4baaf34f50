/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dstate: the one place for differences between the kernels the module
 * supports (Debian's 6.1 and 6.12 series).  Each difference is a feature
 * macro, DSTATE_HAVE_<WHAT>, and where needed a small wrapper; no other
 * file tests the kernel version.
 *
 * Checked and found the same on both, so not wrapped: the TASK_* and EXIT_*
 * values (taskstate.c asserts them, because the uapi promises them), the
 * miscdevice and file_operations fields used, schedule_hrtimeout_range(),
 * kthread_create(), get_task_comm() and the pid and cred helpers.
 */
#ifndef _DSTATE_COMPAT_H
#define _DSTATE_COMPAT_H

#include <linux/kthread.h>
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

#endif /* _DSTATE_COMPAT_H */
