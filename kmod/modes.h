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
 */
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
};

const struct dstate_mode_info *dstate_mode_get(u32 mode);

#endif /* _DSTATE_MODES_H */
