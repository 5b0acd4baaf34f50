/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dstate: the sleep modes and the rules each one follows.
 *
 * DSTATE_MODE_LIST in the uapi header names every mode once, by one token;
 * modes.c turns each token into a struct dstate_mode_info.  Nothing else in
 * the module tests for a particular mode: it asks the mode's rules.
 */
#ifndef _DSTATE_MODES_H
#define _DSTATE_MODES_H

#include <linux/types.h>

/*
 * @signals: whether signal_pending_state() is asked, for @state, after each
 * wakeup.  It says yes for any signal when @state has TASK_INTERRUPTIBLE,
 * and for a fatal one when it has TASK_WAKEKILL.  Without either bit no
 * signal even wakes the sleeper.
 *
 * @lock: a lock mode (locks.c) takes its tag's lock with @lock->take.  A
 * holder (@holds) then sleeps by the rules above, lock held; a waiter
 * drops it at once.  A waiter's @state is the state its lock call sleeps
 * in, for the log; the call, not the rules above, decides what ends it.
 */
struct dstate_lock_ops;
struct dstate_lock_set;

struct dstate_mode_info {
	u32 mode;		/* enum dstate_mode */
	const char *name;	/* the token, as the log, CLI and tests spell it */
	unsigned int state;	/* the TASK_* state the sleeper sleeps in */
	bool signals;		/* a signal may end it (see below) */
	int signal_ret;		/* what the sleep returns when a signal ends it */
	bool releasable;	/* DSTATE_IOC_RELEASE ends it */
	bool timeouts;		/* its timeout ends it */
	bool privileged;	/* needs CAP_SYS_ADMIN */
	bool user_needs_timeout; /* unprivileged: needs a bounded timeout */
	bool kthread_ok;	/* a dstate/N kernel thread may sleep in it */
	bool iowait;		/* sleeps in io_schedule(): counted as iowait */
	bool holds;		/* a lock holder: sleeps with the lock held */
	const struct dstate_lock_ops *lock;	/* NULL: no lock */
};

/* How a lock mode takes and drops its tag's lock (locks.c). */
struct dstate_lock_ops {
	int (*take)(struct dstate_lock_set *ls);	/* 0 or -EINTR */
	void (*drop)(struct dstate_lock_set *ls);
};

extern const struct dstate_lock_ops dstate_mutex_plain, dstate_mutex_killable,
	dstate_mutex_interruptible, dstate_rwsem_read, dstate_rwsem_read_killable,
	dstate_rwsem_write, dstate_rwsem_write_killable, dstate_sem_plain,
	dstate_sem_killable;

const struct dstate_mode_info *dstate_mode_get(u32 mode);

#endif /* _DSTATE_MODES_H */
