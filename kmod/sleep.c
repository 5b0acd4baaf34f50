// SPDX-License-Identifier: GPL-2.0
/*
 * dstate: the sleeper registry, the sleep itself, release and listing.
 *
 * Every sleeper, process or kernel thread, is one struct dstate_sleep in
 * one list, oldest first, under one spinlock.  A process sleeper's record
 * lives on its own kernel stack, so a sleep allocates nothing and a sleeper
 * that dies leaves nothing behind.  Release marks a record under the lock
 * and wakes its task; the sleeper itself unlinks the record before it
 * returns, so a listed record always belongs to a live task.
 */
#include "dstate.h"

#include <linux/cred.h>
#include <linux/errno.h>
#include <linux/hrtimer.h>
#include <linux/kernel.h>
#include <linux/kthread.h>
#include <linux/lockdep.h>
#include <linux/minmax.h>
#include <linux/overflow.h>
#include <linux/pid.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/uaccess.h>

/*
 * Protects dstate_sleepers, the two counters and every record's @released.
 * Never taken from interrupt context.  Nests outside the scheduler's locks
 * (wake_up_process()).
 */
static DEFINE_SPINLOCK(dstate_lock);
static LIST_HEAD(dstate_sleepers);	/* oldest first */
static u32 dstate_nr_sleepers;		/* records in the list */
static u64 dstate_sleeps_total;		/* sleeps begun since load */

/*
 * Check a request and fill in @s from it.  The caller sets @s->task, @s->uid
 * and @s->kthread before it registers @s.
 */
int dstate_sleep_init(struct dstate_sleep *s, u32 mode, u32 flags,
		      u64 timeout_ns, u64 tag)
{
	const struct dstate_mode_info *mi = dstate_mode_get(mode);

	if (!mi || flags || timeout_ns > DSTATE_TIMEOUT_MAX_NS)
		return -EINVAL;

	memset(s, 0, sizeof(*s));
	INIT_LIST_HEAD(&s->node);
	s->mode = mi;
	s->tag = tag;
	/* A mode that ignores timeouts shows none, rather than one it ignores. */
	s->timeout_ns = mi->timeouts ? timeout_ns : 0;
	s->expires = KTIME_MAX;
	return 0;
}

/* Add @s to the sleeper list; -EAGAIN when max_sleepers already sleep. */
int dstate_sleep_register(struct dstate_sleep *s)
{
	int ret = 0;

	spin_lock(&dstate_lock);
	if (dstate_nr_sleepers >= READ_ONCE(dstate_max_sleepers)) {
		ret = -EAGAIN;
		goto unlock;
	}
	/* Stamped under the lock, so the list is in order of start. */
	s->start = ktime_get();
	if (s->timeout_ns)
		s->expires = ktime_add_ns(s->start, s->timeout_ns);
	list_add_tail(&s->node, &dstate_sleepers);
	WRITE_ONCE(dstate_nr_sleepers, dstate_nr_sleepers + 1);
	dstate_sleeps_total++;
unlock:
	spin_unlock(&dstate_lock);
	return ret;
}

/*
 * Take @s off the sleeper list, if it is still on it; true if a release
 * marked it.  Read under the lock, so a release counted before this is
 * seen here: dstate_sleep_wait() looks without the lock, and a release
 * that marks @s after its last look would otherwise be counted and lost.
 */
bool dstate_sleep_unregister(struct dstate_sleep *s)
{
	bool released;

	spin_lock(&dstate_lock);
	if (!list_empty(&s->node)) {
		list_del_init(&s->node);
		WRITE_ONCE(dstate_nr_sleepers, dstate_nr_sleepers - 1);
	}
	released = s->released;
	spin_unlock(&dstate_lock);
	return released;
}

/*
 * End the sleep @s, which dstate_sleep_wait() ended with @ret: unregister
 * it and say how it ended.  A release wins every tie: once one has marked
 * @s (and been counted) the sleep returns 0, whatever else ended it.
 */
int dstate_sleep_end(struct dstate_sleep *s, int ret)
{
	if (dstate_sleep_unregister(s))
		return 0;
	return ret;
}

/*
 * Sleep, as current, the way @s->mode says, until a release, the timeout,
 * a signal the mode lets through, or (for a dstate/N thread)
 * kthread_stop() ends it.  Returns 0 when released, -ETIMEDOUT when timed
 * out, the mode's signal_ret for a signal (-EINTR rather than -ERESTARTSYS
 * when a timeout is set) and -EINTR when stopped.
 * @s must be registered.
 */
int dstate_sleep_wait(struct dstate_sleep *s)
{
	const struct dstate_mode_info *mi = s->mode;
	ktime_t expires = s->expires;
	bool timed_out = false;
	int ret;

	for (;;) {
		/*
		 * Set the state before looking at the conditions: the barrier
		 * in set_current_state() pairs with the one in
		 * try_to_wake_up(), so a release that comes after the look
		 * still finds us asleep and wakes us.
		 */
		set_current_state(mi->state);
		if (mi->releasable && READ_ONCE(s->released)) {
			ret = 0;
			break;
		}
		if (s->kthread && kthread_should_stop()) {
			ret = -EINTR;
			break;
		}
		if (mi->signals && signal_pending_state(mi->state, current)) {
			ret = mi->signal_ret;
			/*
			 * A restart would start the whole timeout over:
			 * a timed sleep fails with -EINTR instead, as a
			 * socket with a timeout does (dstate_uapi.h).
			 */
			if (ret == -ERESTARTSYS && s->timeout_ns)
				ret = -EINTR;
			break;
		}
		/* Looked at after a release, which wins a tie. */
		if (timed_out) {
			ret = -ETIMEDOUT;
			break;
		}

		/*
		 * Any wakeup may be spurious: go round again, and only the
		 * conditions above end the sleep.  The expiry is absolute, so
		 * going round never stretches the timeout.
		 */
		if (expires == KTIME_MAX)
			schedule();
		else if (!schedule_hrtimeout_range(&expires,
						   current->timer_slack_ns,
						   HRTIMER_MODE_ABS))
			timed_out = true;
	}
	__set_current_state(TASK_RUNNING);
	return ret;
}

/* How a sleep ended, for the kernel log. */
const char *dstate_sleep_outcome(const struct dstate_sleep *s, int ret)
{
	switch (ret) {
	case 0:
		return "released";
	case -ETIMEDOUT:
		return "timed out";
	case -EINTR:
		if (s->kthread)
			return "stopped";
		return s->mode->signal_ret == -EINTR ? "fatal signal" : "signal";
	case -ERESTARTSYS:
		return "signal";
	default:
		return "?";
	}
}

/* The record of @task, or NULL if it does not sleep here. */
static struct dstate_sleep *dstate_sleep_find(struct task_struct *task)
{
	struct dstate_sleep *s;

	lockdep_assert_held(&dstate_lock);
	list_for_each_entry(s, &dstate_sleepers, node)
		if (s->task == task)
			return s;
	return NULL;
}

/*
 * Mark @s released unless its mode ignores releases, or it already is;
 * true if it was marked.  The caller wakes its task.
 */
static bool dstate_sleep_mark_released(struct dstate_sleep *s)
{
	lockdep_assert_held(&dstate_lock);
	if (!s->mode->releasable || s->released)
		return false;
	WRITE_ONCE(s->released, true);
	return true;
}

/* The enum dstate_mode @task sleeps in here, or 0 if it does not. */
u32 dstate_sleep_mode_of(struct task_struct *task)
{
	struct dstate_sleep *s;
	u32 mode = 0;

	spin_lock(&dstate_lock);
	s = dstate_sleep_find(task);
	if (s)
		mode = s->mode->mode;
	spin_unlock(&dstate_lock);
	return mode;
}

void dstate_sleep_stats(u32 *sleepers, u64 *sleeps_total)
{
	spin_lock(&dstate_lock);
	*sleepers = dstate_nr_sleepers;
	*sleeps_total = dstate_sleeps_total;
	spin_unlock(&dstate_lock);
}

/*
 * Module exit, after the kernel threads are gone.  A process sleeper left
 * now was let in by a forced removal or norefcount=1.  It is not woken:
 * it would return into code that is about to be freed.  Say so instead,
 * and when each will wake by itself: a sleeper with a timeout needs no
 * signal, its own hrtimer wakes it.
 */
void dstate_sleep_exit(void)
{
	struct dstate_sleep *s;
	unsigned int shown = 0;
	ktime_t now;

	spin_lock(&dstate_lock);
	if (!dstate_nr_sleepers)
		goto unlock;

	pr_crit("%u task(s) still sleep inside dstate.ko, whose code is about to be freed\n",
		dstate_nr_sleepers);
	pr_crit("(the module was removed by force, or loaded with norefcount=1)\n");
	pr_crit("they are not woken; whatever wakes one (its timeout, with no signal; a fatal signal to a killable sleeper; any signal to an interruptible one) returns it into freed memory: it may oops, or run whatever code lives there by then\n");
	now = ktime_get();
	list_for_each_entry(s, &dstate_sleepers, node) {
		if (++shown > 16) {
			pr_crit("  ...\n");
			break;
		}
		if (s->expires == KTIME_MAX)
			pr_crit("  pid %d (%s): %s, no timeout\n",
				task_pid_nr(s->task), s->task->comm,
				s->mode->name);
		else
			pr_crit("  pid %d (%s): %s, its timeout wakes it in %lld ms\n",
				task_pid_nr(s->task), s->task->comm,
				s->mode->name,
				ktime_before(now, s->expires) ?
				ktime_ms_delta(s->expires, now) : 0LL);
	}
unlock:
	spin_unlock(&dstate_lock);
}

int dstate_ioctl_sleep(void __user *argp)
{
	struct dstate_sleep_args args;
	struct dstate_sleep s;
	int ret;

	if (copy_from_user(&args, argp, sizeof(args)))
		return -EFAULT;
	ret = dstate_sleep_init(&s, args.mode, args.flags, args.timeout_ns,
				args.tag);
	if (ret)
		return ret;
	if (s.mode->privileged && !capable(CAP_SYS_ADMIN))
		return -EPERM;

	s.task = current;
	s.uid = current_uid();
	ret = dstate_sleep_register(&s);
	if (ret)
		return ret;

	pr_debug("%s[%d] sleeps %s, tag %llu, timeout %llu ns\n",
		 current->comm, task_pid_nr(current), s.mode->name, s.tag,
		 s.timeout_ns);
	ret = dstate_sleep_end(&s, dstate_sleep_wait(&s));
	pr_debug("%s[%d] woke from %s: %s\n", current->comm,
		 task_pid_nr(current), s.mode->name,
		 dstate_sleep_outcome(&s, ret));
	return ret;
}

/* Release the sleeper @target, if the caller may. */
static int dstate_release_task(struct task_struct *target, bool all_users,
			       u32 *released)
{
	struct dstate_sleep *s;
	int ret = 0;

	spin_lock(&dstate_lock);
	s = dstate_sleep_find(target);
	if (!s) {
		ret = -ESRCH;
	} else if (!all_users && !uid_eq(s->uid, current_uid())) {
		ret = -EPERM;
	} else if (dstate_sleep_mark_released(s)) {
		wake_up_process(s->task);
		*released = 1;
	}
	spin_unlock(&dstate_lock);
	return ret;
}

/*
 * Release every sleeper the caller may release, or those tagged @tag.
 *
 * The records are marked under the lock but their tasks woken after it,
 * each held by a reference: thousands of wakeups under a spinlock would
 * keep preemption off for long, while the woken sleepers spin on the same
 * lock to unregister.  Waking a task after it has already left (it saw
 * its mark after a spurious wakeup) is harmless, as any spurious wakeup is.
 */
static int dstate_release_many(bool by_tag, u64 tag, bool all_users,
			       u32 *released)
{
	struct task_struct **tasks = NULL;
	kuid_t uid = current_uid();
	struct dstate_sleep *s;
	u32 room, n = 0, i;

	room = READ_ONCE(dstate_nr_sleepers);
	if (room) {
		tasks = kvmalloc_array(room, sizeof(*tasks), GFP_KERNEL);
		if (!tasks)
			return -ENOMEM;
	}

	spin_lock(&dstate_lock);
	list_for_each_entry(s, &dstate_sleepers, node) {
		if (by_tag && s->tag != tag)
			continue;
		if (!all_users && !uid_eq(s->uid, uid))
			continue;
		if (!dstate_sleep_mark_released(s))
			continue;
		(*released)++;
		/* Sleepers that came after the sizing are woken here. */
		if (n < room)
			tasks[n++] = get_task_struct(s->task);
		else
			wake_up_process(s->task);
	}
	spin_unlock(&dstate_lock);

	for (i = 0; i < n; i++) {
		wake_up_process(tasks[i]);
		put_task_struct(tasks[i]);
	}
	kvfree(tasks);
	return 0;
}

int dstate_ioctl_release(void __user *argp)
{
	struct dstate_release_args args;
	struct task_struct *target;
	u32 released = 0;
	bool all_users;
	int ret;

	if (copy_from_user(&args, argp, sizeof(args)))
		return -EFAULT;
	if (args.pad)
		return -EINVAL;
	all_users = dstate_capable_noaudit();

	switch (args.how) {
	case DSTATE_RELEASE_ALL:
	case DSTATE_RELEASE_TAG:
		ret = dstate_release_many(args.how == DSTATE_RELEASE_TAG,
					  args.tag, all_users, &released);
		break;
	case DSTATE_RELEASE_PID:
		target = dstate_get_task(args.pid);
		if (!target)
			return -ESRCH;
		ret = dstate_release_task(target, all_users, &released);
		put_task_struct(target);
		break;
	default:
		return -EINVAL;
	}
	if (ret)
		return ret;

	args.released = released;
	if (copy_to_user(argp, &args, sizeof(args)))
		return -EFAULT;
	return 0;
}

/* One entry of a listing, as seen from the caller's namespaces. */
static void dstate_sleep_fill(struct dstate_sleeper *out,
			      const struct dstate_sleep *s, ktime_t now,
			      struct user_namespace *ns)
{
	memset(out, 0, sizeof(*out));
	out->pid = task_tgid_vnr(s->task);
	out->tid = task_pid_vnr(s->task);
	out->mode = s->mode->mode;
	out->flags = s->kthread ? DSTATE_SLEEPER_KTHREAD : 0;
	out->tag = s->tag;
	out->age_ns = ktime_to_ns(ktime_sub(now, s->start));
	if (s->expires == KTIME_MAX)
		out->left_ns = DSTATE_NO_TIMEOUT;
	else if (ktime_before(now, s->expires))
		out->left_ns = ktime_to_ns(ktime_sub(s->expires, now));
	out->uid = from_kuid_munged(ns, s->uid);
	/* As get_task_comm() does since 6.13; it may be removed. */
	strscpy_pad(out->comm, s->task->comm, sizeof(out->comm));
}

int dstate_ioctl_list(void __user *argp)
{
	struct user_namespace *ns = current_user_ns();
	struct dstate_sleeper *buf = NULL;
	struct dstate_list_args args;
	kuid_t uid = current_uid();
	struct dstate_sleep *s;
	u32 room, n = 0, total = 0;
	bool all_users;
	ktime_t now;
	int ret = 0;

	if (copy_from_user(&args, argp, sizeof(args)))
		return -EFAULT;
	all_users = dstate_capable_noaudit();

	/*
	 * Copy the records into a kernel buffer under the lock and out to
	 * user space after it, since copy_to_user() may fault and sleep.
	 * Sleepers that arrive between sizing the buffer and taking the
	 * lock are counted in @total, not copied; the caller can ask again.
	 */
	room = min(args.count, READ_ONCE(dstate_nr_sleepers));
	if (room) {
		buf = kvmalloc_array(room, sizeof(*buf), GFP_KERNEL);
		if (!buf)
			return -ENOMEM;
	}

	spin_lock(&dstate_lock);
	now = ktime_get();
	list_for_each_entry(s, &dstate_sleepers, node) {
		if (!all_users && !uid_eq(s->uid, uid))
			continue;
		if (n < room)
			dstate_sleep_fill(&buf[n++], s, now, ns);
		total++;
	}
	spin_unlock(&dstate_lock);

	if (n && copy_to_user(u64_to_user_ptr(args.sleepers), buf,
			      array_size(n, sizeof(*buf)))) {
		ret = -EFAULT;
		goto free_buf;
	}
	args.count = n;
	args.total = total;
	if (copy_to_user(argp, &args, sizeof(args)))
		ret = -EFAULT;
free_buf:
	kvfree(buf);
	return ret;
}
