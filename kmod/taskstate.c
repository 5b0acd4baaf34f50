// SPDX-License-Identifier: GPL-2.0
/*
 * dstate: read any task's scheduler state, which /proc cannot fully show.
 *
 * /proc says "D" for both TASK_UNINTERRUPTIBLE and TASK_KILLABLE, because
 * TASK_WAKEKILL is not among the bits it reports.  The raw state tells them
 * apart, and tells which kind of sleep, say, a vfork parent is in.
 */
#include "dstate.h"

#include <linux/build_bug.h>
#include <linux/cred.h>
#include <linux/errno.h>
#include <linux/pid.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/sched/task.h>
#include <linux/threads.h>
#include <linux/uaccess.h>

/*
 * The uapi promises user space the kernel's raw TASK_* and EXIT_* values,
 * the same on every kernel the module supports; the CLI may decode them
 * itself.  A kernel that moved one must not build this module silently.
 * One that lacks one (5.10: no TASK_FREEZABLE or TASK_FROZEN) never sets
 * it; see compat.h.
 */
static_assert(TASK_RUNNING == 0x0000);
static_assert(TASK_INTERRUPTIBLE == 0x0001);
static_assert(TASK_UNINTERRUPTIBLE == 0x0002);
static_assert(__TASK_STOPPED == 0x0004);
static_assert(__TASK_TRACED == 0x0008);
static_assert(EXIT_DEAD == 0x0010);
static_assert(EXIT_ZOMBIE == 0x0020);
static_assert(TASK_PARKED == 0x0040);
static_assert(TASK_DEAD == 0x0080);
static_assert(TASK_WAKEKILL == 0x0100);
static_assert(TASK_NOLOAD == 0x0400);
#if DSTATE_HAVE_TASK_FROZEN
static_assert(TASK_FREEZABLE == 0x2000);
static_assert(TASK_FROZEN == 0x8000);
#endif

/* A reference to the thread @tid of the caller's pid namespace, or NULL. */
struct task_struct *dstate_get_task(u32 tid)
{
	struct task_struct *task;

	if (!tid || tid > PID_MAX_LIMIT)
		return NULL;
	rcu_read_lock();
	task = get_pid_task(find_vpid(tid), PIDTYPE_PID);
	rcu_read_unlock();
	return task;
}

/*
 * Decode a state the way /proc does where /proc can (an exit state first,
 * zombie over dead as fls() picks it), then the bits /proc leaves out.
 * Modifiers such as TASK_FREEZABLE are not looked at: a vfork parent waits
 * in TASK_KILLABLE | TASK_FREEZABLE and is killable.  @frozen is whether
 * the freezer holds the task, from TASK_FROZEN or, before 6.1, PF_FROZEN.
 */
static u32 dstate_task_kind(unsigned int state, unsigned int exit_state,
			    bool frozen)
{
	if (exit_state & EXIT_ZOMBIE)
		return DSTATE_TASK_ZOMBIE;
	if (exit_state & EXIT_DEAD)
		return DSTATE_TASK_DEAD;
	if (state & TASK_DEAD)
		return DSTATE_TASK_DEAD;
	if (frozen)
		return DSTATE_TASK_FROZEN;
	if (state & __TASK_TRACED)
		return DSTATE_TASK_TRACED;
	if (state & __TASK_STOPPED)
		return DSTATE_TASK_STOPPED;
	if (state & TASK_UNINTERRUPTIBLE) {
		if (state & TASK_NOLOAD)
			return DSTATE_TASK_IDLE;
		if (state & TASK_WAKEKILL)
			return DSTATE_TASK_KILLABLE;
		return DSTATE_TASK_UNINTERRUPTIBLE;
	}
	if (state & TASK_INTERRUPTIBLE)
		return DSTATE_TASK_INTERRUPTIBLE;
	if (state == TASK_RUNNING)
		return DSTATE_TASK_RUNNING;
	/* TASK_PARKED, TASK_NEW, TASK_WAKING, TASK_RTLOCK_WAIT... */
	return DSTATE_TASK_OTHER;
}

/*
 * Without CAP_SYS_ADMIN, only tasks of the caller's real uid that are not
 * kernel threads.  Another is answered as if it did not exist, so that no
 * pid hidepid hides can be probed; it is no denial worth an audit record.
 */
static bool dstate_task_readable(struct task_struct *task)
{
	if (uid_eq(task_uid(task), current_uid()) &&
	    !(task->flags & PF_KTHREAD))
		return true;
	return dstate_capable_noaudit();
}

int dstate_ioctl_task_state(void __user *argp)
{
	struct dstate_task_state ts;
	struct task_struct *task;
	int ret = 0;

	if (copy_from_user(&ts, argp, sizeof(ts)))
		return -EFAULT;
	if (ts.flags || ts.pad)
		return -EINVAL;

	task = dstate_get_task(ts.pid);
	if (!task)
		return -ESRCH;
	if (!dstate_task_readable(task)) {
		ret = -ESRCH;
		goto put_task;
	}

	/* Racy by nature: the task may change state the moment after. */
	ts.state = dstate_task_raw_state(task);
	ts.exit_state = READ_ONCE(task->exit_state);
	ts.kind = dstate_task_kind(ts.state, ts.exit_state,
				   dstate_task_frozen(task, ts.state));
	ts.mode = dstate_sleep_mode_of(task);
	ts.is_dstate = ts.mode != 0;
put_task:
	put_task_struct(task);
	if (ret)
		return ret;

	if (copy_to_user(argp, &ts, sizeof(ts)))
		return -EFAULT;
	return 0;
}
