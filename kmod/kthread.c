// SPDX-License-Identifier: GPL-2.0
/*
 * dstate: kernel threads "dstate/N" that sleep like process sleepers.
 *
 * A thread's life:
 *  1. DSTATE_IOC_KTHREAD creates it, takes a reference to its task (so
 *     kthread_stop() is safe whenever it comes), registers its sleep, so the
 *     max_sleepers limit and the listing count it from the start, tells the
 *     caller its pid, and wakes it.  In normal mode it also takes a module
 *     reference, so that rmmod refuses while the thread exists, as it does
 *     while a file is open.
 *  2. The thread sleeps in dstate_sleep_wait(), like any sleeper, until it
 *     is released, times out or is stopped.
 *  3. It unregisters its sleep, marks itself done, queues the reaper and
 *     waits to be stopped.  It never drops the module reference itself:
 *     it would still be running module code when the module could go.
 *  4. The reaper, a work item, stops done threads and frees them, dropping
 *     both references.
 *  5. Module exit (reached with threads left only after a forced removal
 *     or with norefcount=1) stops the rest and waits for the reaper.
 */
#include "dstate.h"

#include <linux/atomic.h>
#include <linux/errno.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/pid.h>
#include <linux/sched.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/workqueue.h>

/*
 * One dstate/N thread.  @node is under dstate_kthread_lock.  @sleep is
 * registered by the ioctl, then ended and unregistered by the thread.
 * @done is set by the thread with release semantics once it no longer
 * touches this struct, and read by the reaper with acquire semantics.
 */
struct dstate_kthread {
	struct list_head node;		/* in dstate_kthreads */
	struct task_struct *task;	/* a reference of our own */
	struct dstate_sleep sleep;
	bool pinned;			/* holds a reference to this module */
	bool done;			/* the sleep is over: reap it */
};

/*
 * Protects dstate_kthreads.  Held while a new thread is registered and
 * first woken, so the reaper cannot free it under the ioctl.  The threads
 * never take it, so it may be held across kthread_stop().
 */
static DEFINE_MUTEX(dstate_kthread_lock);
static LIST_HEAD(dstate_kthreads);
/* Threads not yet freed; 0 means every module reference is dropped. */
static atomic_t dstate_nr_kthreads = ATOMIC_INIT(0);
static atomic_t dstate_kthread_ids = ATOMIC_INIT(0);

static void dstate_kthread_reap(struct work_struct *work);
static DECLARE_WORK(dstate_reap_work, dstate_kthread_reap);

static int dstate_kthread_fn(void *data)
{
	struct dstate_kthread *kt = data;
	int ret;

	ret = dstate_sleep_end(&kt->sleep, dstate_sleep_wait(&kt->sleep));
	pr_info("%s woke from %s: %s\n", current->comm,
		kt->sleep.mode->name, dstate_sleep_outcome(&kt->sleep, ret));

	/* Once it is done the reaper may free @kt: touch it no more. */
	smp_store_release(&kt->done, true);
	schedule_work(&dstate_reap_work);

	/*
	 * Wait for kthread_stop() in TASK_IDLE: not counted in the load
	 * average, never reported as hung, and no stray TIF_NOTIFY_SIGNAL
	 * can turn this wait into a busy loop as it could in
	 * TASK_INTERRUPTIBLE.
	 */
	for (;;) {
		set_current_state(TASK_IDLE);
		if (kthread_should_stop())
			break;
		schedule();
	}
	__set_current_state(TASK_RUNNING);
	return ret;
}

/*
 * Stop @kt's thread and free it; @kt is on no list.  Stop, unregister,
 * then put: a thread stopped before it ever ran still has its sleep
 * listed, and while it is listed LIST and RELEASE may touch its task, so
 * the task reference that keeps the task alive is dropped only after.
 */
static void dstate_kthread_free(struct dstate_kthread *kt)
{
	bool pinned = kt->pinned;

	kthread_stop(kt->task);
	dstate_sleep_unregister(&kt->sleep);
	put_task_struct(kt->task);
	kfree(kt);
	if (pinned)
		module_put(THIS_MODULE);
	/*
	 * Last, so that a count of 0 means every module reference is gone.
	 * The module code still running here is safe: module exit waits for
	 * the reaper with cancel_work_sync().
	 */
	atomic_dec(&dstate_nr_kthreads);
}

static void dstate_kthread_reap(struct work_struct *work)
{
	struct dstate_kthread *kt, *next;
	LIST_HEAD(done);

	mutex_lock(&dstate_kthread_lock);
	list_for_each_entry_safe(kt, next, &dstate_kthreads, node) {
		/* Pairs with the thread's smp_store_release(). */
		if (smp_load_acquire(&kt->done))
			list_move_tail(&kt->node, &done);
	}
	mutex_unlock(&dstate_kthread_lock);

	list_for_each_entry_safe(kt, next, &done, node)
		dstate_kthread_free(kt);
}

int dstate_ioctl_kthread(void __user *argp)
{
	struct dstate_kthread_args args;
	struct dstate_kthread *kt;
	struct task_struct *task;
	char comm[TASK_COMM_LEN];
	int ret;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	if (copy_from_user(&args, argp, sizeof(args)))
		return -EFAULT;
	if (args.pad)
		return -EINVAL;

	kt = kzalloc(sizeof(*kt), GFP_KERNEL);
	if (!kt)
		return -ENOMEM;
	ret = dstate_sleep_init(&kt->sleep, args.mode, args.flags,
				args.timeout_ns, args.tag);
	if (ret)
		goto free_kt;
	/* The module must be able to stop its threads before it goes. */
	if (!kt->sleep.mode->kthread_ok) {
		ret = -EINVAL;
		goto free_kt;
	}

	if (!dstate_norefcount) {
		if (!try_module_get(THIS_MODULE)) {
			ret = -ENODEV;
			goto free_kt;
		}
		kt->pinned = true;
	}

	task = kthread_create(dstate_kthread_fn, kt, "dstate/%d",
			      atomic_inc_return(&dstate_kthread_ids) - 1);
	if (IS_ERR(task)) {
		ret = PTR_ERR(task);
		goto put_module;
	}
	kt->task = get_task_struct(task);
	kt->sleep.task = task;
	kt->sleep.uid = GLOBAL_ROOT_UID;	/* kthreads run as init does */
	kt->sleep.kthread = true;

	mutex_lock(&dstate_kthread_lock);
	ret = dstate_sleep_register(&kt->sleep, false);
	if (ret)
		goto unlock;
	/*
	 * The caller's struct is written last, once nothing else can fail,
	 * and while the thread can still be undone.  A release may wake the
	 * thread from here on; if it ends its sleep, the reaper, which needs
	 * the mutex, cannot run until @kt is listed or undone.
	 */
	args.pid = task_pid_vnr(task);
	if (copy_to_user(argp, &args, sizeof(args))) {
		ret = -EFAULT;
		dstate_sleep_unregister(&kt->sleep);
		goto unlock;
	}
	list_add_tail(&kt->node, &dstate_kthreads);
	atomic_inc(&dstate_nr_kthreads);
	strscpy_pad(comm, task->comm, sizeof(comm));
	pr_info("started %s (pid %d): %s, tag %llu, timeout %llu ns\n", comm,
		task_pid_nr(task), kt->sleep.mode->name, kt->sleep.tag,
		kt->sleep.timeout_ns);
	/* Under the lock: until it is dropped the reaper cannot free @kt. */
	wake_up_process(task);
	mutex_unlock(&dstate_kthread_lock);
	return 0;

unlock:
	mutex_unlock(&dstate_kthread_lock);
	/*
	 * Not woken by us, though a release may have: either kthread() sees
	 * the stop and never calls our function, or the function has ended
	 * its sleep (unregistered, as above) and waits to be stopped.
	 */
	dstate_kthread_stop_put(task);
put_module:
	if (kt->pinned)
		module_put(THIS_MODULE);
free_kt:
	kfree(kt);
	return ret;
}

u32 dstate_kthreads_alive(void)
{
	return atomic_read(&dstate_nr_kthreads);
}

/* Module exit: stop every thread, and wait for the reaper to finish. */
void dstate_kthreads_exit(void)
{
	struct dstate_kthread *kt, *next;
	unsigned int stopped = 0;
	LIST_HEAD(left);

	mutex_lock(&dstate_kthread_lock);
	list_splice_init(&dstate_kthreads, &left);
	mutex_unlock(&dstate_kthread_lock);

	list_for_each_entry_safe(kt, next, &left, node) {
		dstate_kthread_free(kt);
		stopped++;
	}
	if (stopped)
		pr_info("stopped %u kernel thread(s)\n", stopped);

	/*
	 * The threads just stopped may have queued the reaper, and it may be
	 * running with threads of its own to stop.  Its code is about to be
	 * freed: cancel it, and wait for it if it runs.
	 */
	cancel_work_sync(&dstate_reap_work);
}
