// SPDX-License-Identifier: GPL-2.0
/*
 * dstate: the table of sleep modes, lkdtm style.
 *
 * DSTATE_MODE_LIST (dstate_uapi.h) gives each mode one token, which is the
 * enum constant, the name in the kernel log and the CLI, and the name the
 * tests use.  Here each token gets its rules from DSTATE_RULES_<TOKEN>, so a
 * mode added to the list without rules does not build.
 */
#include "dstate.h"

#include <linux/errno.h>
#include <linux/nospec.h>
#include <linux/sched.h>

/*
 * D; nothing but a release or its timeout ends it.  No signal ends it, the
 * freezer cannot freeze it and the hung-task detector reports it, so a
 * caller without CAP_SYS_ADMIN must give a timeout short of that report.
 */
#define DSTATE_RULES_UNINTERRUPTIBLE					\
	.state = TASK_UNINTERRUPTIBLE,					\
	.releasable = true, .timeouts = true, .kthread_ok = true,	\
	.user_needs_timeout = true

/*
 * D; a fatal signal ends it.  The task is about to die, so what the sleep
 * returns is never seen; -EINTR is what the kernel's own killable waits say.
 */
#define DSTATE_RULES_KILLABLE						\
	.state = TASK_KILLABLE,						\
	.signals = true, .signal_ret = -EINTR,				\
	.releasable = true, .timeouts = true, .kthread_ok = true

/*
 * S; any signal ends it with -ERESTARTSYS, as a well-behaved blocking
 * syscall does: the caller sees EINTR when a handler runs without
 * SA_RESTART, and the call restarts under SA_RESTART or after SIGSTOP and
 * SIGCONT.  With a timeout it ends with -EINTR instead, so that a restart
 * never starts the timeout over (dstate_sleep_wait()).
 */
#define DSTATE_RULES_INTERRUPTIBLE					\
	.state = TASK_INTERRUPTIBLE,					\
	.signals = true, .signal_ret = -ERESTARTSYS,			\
	.releasable = true, .timeouts = true, .kthread_ok = true

/*
 * I; like uninterruptible, but TASK_NOLOAD keeps it out of the load average
 * and away from the hung-task detector.  The freezer still cannot freeze
 * it, so it is bounded for callers without CAP_SYS_ADMIN all the same.
 */
#define DSTATE_RULES_IDLE						\
	.state = TASK_IDLE,						\
	.releasable = true, .timeouts = true, .kthread_ok = true,	\
	.user_needs_timeout = true

/*
 * D forever: what an oops inside a driver used to leave behind.  Not even
 * the module can end it, so a kernel thread may not sleep this way (the
 * module must stop its threads before it goes away), and only
 * CAP_SYS_ADMIN may ask for it.
 */
#define DSTATE_RULES_PERMANENT						\
	.state = TASK_UNINTERRUPTIBLE,					\
	.privileged = true

/*
 * D as uninterruptible, but asleep in io_schedule(), as a task that waits
 * for block I/O: the scheduler counts it in nr_iowait, which /proc/stat
 * shows as procs_blocked and its CPU's idle time as iowait.
 */
#define DSTATE_RULES_IO							\
	DSTATE_RULES_UNINTERRUPTIBLE, .iowait = true

/*
 * A holder waits for its tag's lock killably, then sleeps like
 * uninterruptible with it held.  Killably, so that a holder queued behind
 * another is never stuck where nothing bounds it; and no kernel thread,
 * which kthread_stop() could not get out of a lock wait.
 */
#define DSTATE_RULES_HOLDER(ops)					\
	.state = TASK_UNINTERRUPTIBLE,					\
	.releasable = true, .timeouts = true,				\
	.user_needs_timeout = true,					\
	.holds = true, .lock = &(ops)

#define DSTATE_RULES_MUTEX_HOLD		DSTATE_RULES_HOLDER(dstate_mutex_killable)
#define DSTATE_RULES_RWSEM_HOLD_READ	DSTATE_RULES_HOLDER(dstate_rwsem_read_killable)
#define DSTATE_RULES_RWSEM_HOLD_WRITE	DSTATE_RULES_HOLDER(dstate_rwsem_write_killable)
#define DSTATE_RULES_SEMAPHORE_HOLD	DSTATE_RULES_HOLDER(dstate_sem_killable)

/*
 * A waiter: the kernel's lock call, then the lock dropped at once.  Only
 * its holder's end (or a signal the call lets through) ends it, so a
 * release or a timeout cannot; a wait no signal ends is unbounded, and
 * needs CAP_SYS_ADMIN.
 */
#define DSTATE_RULES_WAITER(st, ops)					\
	.state = (st), .lock = &(ops)

#define DSTATE_RULES_MUTEX						\
	DSTATE_RULES_WAITER(TASK_UNINTERRUPTIBLE, dstate_mutex_plain),	\
	.privileged = true
#define DSTATE_RULES_MUTEX_KILLABLE					\
	DSTATE_RULES_WAITER(TASK_KILLABLE, dstate_mutex_killable)
#define DSTATE_RULES_MUTEX_INTERRUPTIBLE				\
	DSTATE_RULES_WAITER(TASK_INTERRUPTIBLE, dstate_mutex_interruptible)
#define DSTATE_RULES_RWSEM_READ						\
	DSTATE_RULES_WAITER(TASK_UNINTERRUPTIBLE, dstate_rwsem_read),	\
	.privileged = true
#define DSTATE_RULES_RWSEM_WRITE					\
	DSTATE_RULES_WAITER(TASK_UNINTERRUPTIBLE, dstate_rwsem_write),	\
	.privileged = true
#define DSTATE_RULES_SEMAPHORE						\
	DSTATE_RULES_WAITER(TASK_UNINTERRUPTIBLE, dstate_sem_plain),	\
	.privileged = true
#define DSTATE_RULES_SEMAPHORE_KILLABLE					\
	DSTATE_RULES_WAITER(TASK_KILLABLE, dstate_sem_killable)

#define DSTATE_MODE_ENTRY(token, tname)					\
	[DSTATE_MODE_##token] = {					\
		.mode = DSTATE_MODE_##token,				\
		.name = #tname,						\
		DSTATE_RULES_##token					\
	},

static const struct dstate_mode_info dstate_modes[DSTATE_MODE_COUNT] = {
	DSTATE_MODE_LIST(DSTATE_MODE_ENTRY)
};

/* The rules of @mode, which comes from user space; NULL if it is no mode. */
const struct dstate_mode_info *dstate_mode_get(u32 mode)
{
	if (mode == DSTATE_MODE_NONE || mode >= DSTATE_MODE_COUNT)
		return NULL;
	return &dstate_modes[array_index_nospec(mode, DSTATE_MODE_COUNT)];
}
