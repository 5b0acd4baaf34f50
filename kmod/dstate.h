/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dstate: what the module's files share.  Every .c file includes this
 * first, so that pr_fmt is defined before any kernel header.
 */
#ifndef _DSTATE_H
#define _DSTATE_H

#define pr_fmt(fmt) "dstate: " fmt

#include <linux/capability.h>
#include <linux/compiler.h>
#include <linux/ktime.h>
#include <linux/list.h>
#include <linux/types.h>
#include <linux/uidgid.h>
#include <linux/user_namespace.h>

#include "dstate_uapi.h"
#include "compat.h"
#include "modes.h"

#define DSTATE_VERSION	"0.1.0"

struct task_struct;

/* The most max_sleepers and user_max_sleepers may be set to. */
#define DSTATE_SLEEPERS_LIMIT	65536

/* Module parameters (main.c). */
extern bool dstate_norefcount;
extern unsigned int dstate_max_sleepers;
extern unsigned int dstate_user_max_sleepers;
extern u64 dstate_user_timeout_max_ms;

struct dstate_user;

/*
 * One sleep in progress.  A process sleeper keeps it on its own kernel
 * stack for the whole ioctl; a kernel thread's lives in its struct
 * dstate_kthread.  It is in the sleeper list and the table by task from
 * dstate_sleep_register() until dstate_sleep_unregister(), and while it
 * is there @task is alive: a process sleeper unregisters before its ioctl
 * returns, and a kernel thread's task is held by a reference.
 *
 * @released is written under dstate_lock, and read by the sleeper without
 * it, after set_current_state(), which orders it against the wakeup; the
 * sleeper reads it once more under the lock as it unregisters, so that a
 * release that came after its last look still ends the sleep with 0.
 */
struct dstate_sleep {
	struct list_head node;		/* in the sleeper list, under dstate_lock */
	struct hlist_node by_task;	/* in the table by task, likewise */
	struct task_struct *task;	/* the task that sleeps */
	struct dstate_user *user;	/* @uid's count; NULL for a kthread */
	const struct dstate_mode_info *mode;
	u64 tag;			/* chosen by the caller */
	u64 timeout_ns;			/* 0: none */
	ktime_t start;			/* set when registered */
	ktime_t expires;		/* CLOCK_MONOTONIC; KTIME_MAX: never */
	kuid_t uid;			/* real uid of the task that asked */
	bool kthread;			/* @task is a dstate/N kernel thread */
	bool released;			/* see above */
	/*
	 * A lock holder still waiting for its lock, under dstate_lock: a
	 * release marks it but does not wake it, since it sleeps in the
	 * lock's code, not ours (dstate_sleep_hold_begin()).
	 */
	bool in_lock;
};

/* sleep.c: the sleeper registry and the sleep itself. */
int dstate_sleep_init(struct dstate_sleep *s, u32 mode, u32 flags,
		      u64 timeout_ns, u64 tag);
int dstate_sleep_register(struct dstate_sleep *s, bool limited);
bool dstate_sleep_unregister(struct dstate_sleep *s);
int dstate_sleep_wait(struct dstate_sleep *s);
int dstate_sleep_end(struct dstate_sleep *s, int ret);
void dstate_sleep_hold_begin(struct dstate_sleep *s);
const char *dstate_sleep_outcome(const struct dstate_sleep *s, int ret);
u32 dstate_sleep_mode_of(struct task_struct *task);
void dstate_sleep_stats(u32 *sleepers, u64 *sleeps_total);
void dstate_sleep_exit(void);
int dstate_ioctl_sleep(void __user *argp);
int dstate_ioctl_release(void __user *argp);
int dstate_ioctl_list(void __user *argp);

/* locks.c: the lock modes. */
struct dstate_lock_set;
struct dstate_lock_set *dstate_lock_set_get(u64 tag);
void dstate_lock_set_put(struct dstate_lock_set *ls);
int dstate_lock_wait(struct dstate_sleep *s, struct dstate_lock_set *ls);
void dstate_locks_exit(void);

/* kthread.c: dstate/N kernel threads. */
int dstate_ioctl_kthread(void __user *argp);
u32 dstate_kthreads_alive(void);
void dstate_kthreads_exit(void);

/* taskstate.c: any task's scheduler state. */
struct task_struct *dstate_get_task(u32 tid);
int dstate_ioctl_task_state(void __user *argp);

/*
 * Whether the caller may act on every sleeper, not only those it sees (see
 * "Who may do what" in dstate_uapi.h).  Where a refusal only narrows what
 * the caller sees or wakes, it is no denial worth an audit record.
 */
static inline bool dstate_capable_noaudit(void)
{
	return ns_capable_noaudit(&init_user_ns, CAP_SYS_ADMIN);
}

#endif /* _DSTATE_H */
