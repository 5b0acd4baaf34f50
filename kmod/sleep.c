// SPDX-License-Identifier: GPL-2.0
/*
 * dstate: the sleeper registry, the sleep itself, release and listing.
 *
 * Every sleeper, process or kernel thread, is one struct dstate_sleep in
 * one list, oldest first, and in a table by task, under one spinlock.  A
 * process sleeper's record lives on its own kernel stack, so a sleeper
 * that dies leaves nothing behind; the only allocation is a uid's count of
 * sleepers, made by its first and freed by its last.  Release marks a
 * record under the lock and wakes its task; the sleeper itself unlinks the
 * record before it returns, so a listed record always belongs to a live
 * task.
 *
 * What a caller without CAP_SYS_ADMIN may see and wake is its scope
 * ("Who may do what" in dstate_uapi.h).  Under the lock the ioctls take
 * only what must be consistent, and do the rest after it.
 */
#include "dstate.h"
#include "holdtime.h"

#include <linux/cred.h>
#include <linux/errno.h>
#include <linux/hashtable.h>
#include <linux/hrtimer.h>
#include <linux/jiffies.h>
#include <linux/kernel.h>
#include <linux/kthread.h>
#include <linux/lockdep.h>
#include <linux/minmax.h>
#include <linux/pid.h>
#include <linux/pid_namespace.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/uaccess.h>

/*
 * Protects dstate_sleepers, the two tables, the two counters and every
 * record's @released.  Never taken from interrupt context.  Nests outside
 * the scheduler's locks (wake_up_process()).
 */
static DEFINE_SPINLOCK(dstate_lock);
static LIST_HEAD(dstate_sleepers);	/* oldest first */
static DEFINE_HASHTABLE(dstate_by_task, 10);	/* records by @task */
static DEFINE_HASHTABLE(dstate_users, 6);	/* struct dstate_user by uid */
static u32 dstate_nr_sleepers;		/* records in the list */
static u64 dstate_sleeps_total;		/* sleeps begun since load */

static void dstate_lock_take(void)
	__acquires(&dstate_lock)
{
	spin_lock(&dstate_lock);
	dstate_hold_begin();
}

/* A macro, so that a measuring build knows who held the lock. */
#define dstate_lock_drop()				\
	do {						\
		dstate_hold_end(__func__);		\
		spin_unlock(&dstate_lock);		\
	} while (0)

/*
 * How many sleepers one uid has, for user_max_sleepers.  Kernel threads
 * count for no uid.
 */
struct dstate_user {
	struct hlist_node node;		/* in dstate_users */
	kuid_t uid;
	u32 sleepers;
};

/* What the calling task may see of the sleepers. */
struct dstate_scope {
	bool all;			/* CAP_SYS_ADMIN: every sleeper */
	kuid_t uid;			/* else: of this real uid, */
	struct pid_namespace *pid_ns;	/* with a pid here, no kthread */
};

static void dstate_scope_init(struct dstate_scope *sc)
{
	sc->all = dstate_capable_noaudit();
	sc->uid = current_uid();
	sc->pid_ns = task_active_pid_ns(current);
}

/*
 * Whether @s is within the caller's scope @sc.  Cheap enough to ask of
 * every record under the lock: @s->task is alive while @s is listed, and
 * its struct pid with it.
 */
static bool dstate_sleep_in_scope(const struct dstate_sleep *s,
				  const struct dstate_scope *sc)
{
	if (sc->all)
		return true;
	return !s->kthread && uid_eq(s->uid, sc->uid) &&
	       pid_nr_ns(task_pid(s->task), sc->pid_ns);
}

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
	INIT_HLIST_NODE(&s->by_task);
	s->mode = mi;
	s->tag = tag;
	/* A mode that ignores timeouts shows none, rather than one it ignores. */
	s->timeout_ns = mi->timeouts ? timeout_ns : 0;
	s->expires = KTIME_MAX;
	s->in_lock = !!mi->lock;
	return 0;
}

static struct dstate_user *dstate_user_find(kuid_t uid)
{
	struct dstate_user *u;

	lockdep_assert_held(&dstate_lock);
	hash_for_each_possible(dstate_users, u, node, __kuid_val(uid))
		if (uid_eq(u->uid, uid))
			return u;
	return NULL;
}

/*
 * Add @s, if the limits let it in: -EAGAIN when max_sleepers already
 * sleep, or when @limited and user_max_sleepers of its uid do.  A uid
 * with no count yet takes *@spare; -ENOMEM when that is NULL.
 */
static int dstate_sleep_add(struct dstate_sleep *s, bool limited,
			    struct dstate_user **spare)
{
	struct dstate_user *u = NULL;

	lockdep_assert_held(&dstate_lock);
	if (dstate_nr_sleepers >= READ_ONCE(dstate_max_sleepers))
		return -EAGAIN;
	if (!s->kthread) {
		u = dstate_user_find(s->uid);
		if (limited && (u ? u->sleepers : 0) >=
			       READ_ONCE(dstate_user_max_sleepers))
			return -EAGAIN;
		if (!u) {
			if (!*spare)
				return -ENOMEM;
			u = *spare;
			*spare = NULL;
			u->uid = s->uid;
			hash_add(dstate_users, &u->node, __kuid_val(u->uid));
		}
		u->sleepers++;
	}
	s->user = u;
	/* Stamped under the lock, so the list is in order of start. */
	s->start = ktime_get();
	if (s->timeout_ns)
		s->expires = ktime_add_ns(s->start, s->timeout_ns);
	list_add_tail(&s->node, &dstate_sleepers);
	hash_add(dstate_by_task, &s->by_task, (unsigned long)s->task);
	WRITE_ONCE(dstate_nr_sleepers, dstate_nr_sleepers + 1);
	dstate_sleeps_total++;
	return 0;
}

/*
 * Register @s: -EAGAIN when max_sleepers already sleep, or, if @limited
 * (the caller lacks CAP_SYS_ADMIN), user_max_sleepers of its uid.
 */
int dstate_sleep_register(struct dstate_sleep *s, bool limited)
{
	struct dstate_user *spare = NULL;
	int ret;

	dstate_lock_take();
	ret = dstate_sleep_add(s, limited, &spare);
	dstate_lock_drop();
	if (ret != -ENOMEM)
		return ret;

	/* The uid's first sleeper: allocate its count, and try again. */
	spare = kzalloc(sizeof(*spare), GFP_KERNEL);
	if (!spare)
		return -ENOMEM;
	dstate_lock_take();
	ret = dstate_sleep_add(s, limited, &spare);
	dstate_lock_drop();
	kfree(spare);		/* another sleeper of the uid came first */
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
	struct dstate_user *unused = NULL;
	bool released;

	dstate_lock_take();
	if (!list_empty(&s->node)) {
		list_del_init(&s->node);
		hash_del(&s->by_task);
		WRITE_ONCE(dstate_nr_sleepers, dstate_nr_sleepers - 1);
		if (s->user && !--s->user->sleepers) {
			hash_del(&s->user->node);
			unused = s->user;
		}
		s->user = NULL;
	}
	released = s->released;
	dstate_lock_drop();
	kfree(unused);
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
 * A lock holder has its lock, and sleeps in dstate_sleep_wait() from now
 * on: a release from here on must wake it.  One that marked it before is
 * seen by dstate_sleep_wait()'s first look, which the lock orders after.
 */
void dstate_sleep_hold_begin(struct dstate_sleep *s)
{
	dstate_lock_take();
	s->in_lock = false;
	dstate_lock_drop();
}

/*
 * Sleep in io_schedule_timeout() until @expires at the latest, as a task
 * whose block I/O has a deadline does; true once it has passed.  Whole
 * jiffies, rounded up: a wakeup before the deadline goes round again.
 */
static bool dstate_io_sleep_until(ktime_t expires)
{
	ktime_t now = ktime_get();

	if (!ktime_before(now, expires))
		return true;
	io_schedule_timeout(nsecs_to_jiffies(ktime_to_ns(ktime_sub(expires,
								   now))) + 1);
	return !ktime_before(ktime_get(), expires);
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
		if (mi->iowait) {
			/*
			 * In io_schedule(), as block I/O waits: the
			 * scheduler counts the task in nr_iowait while it
			 * sleeps (procs_blocked, and iowait time).
			 */
			if (expires == KTIME_MAX)
				io_schedule();
			else if (dstate_io_sleep_until(expires))
				timed_out = true;
		} else if (expires == KTIME_MAX)
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
		/* A timed interruptible sleep, or a lock wait a signal ended. */
		return s->mode->state & TASK_INTERRUPTIBLE ? "signal" :
							     "fatal signal";
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
	hash_for_each_possible(dstate_by_task, s, by_task, (unsigned long)task)
		if (s->task == task)
			return s;
	return NULL;
}

/*
 * Mark @s released unless its mode ignores releases, or it already is;
 * true if it was marked.  The caller wakes its task, unless it is a lock
 * holder still waiting for its lock (@s->in_lock): that wait is the lock
 * code's, which a wakeup of ours would only disturb, and the holder sees
 * the mark once it has the lock.
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

	dstate_lock_take();
	s = dstate_sleep_find(task);
	if (s)
		mode = s->mode->mode;
	dstate_lock_drop();
	return mode;
}

/* How many sleep now, and how many sleeps began, as the caller may see. */
void dstate_sleep_stats(u32 *sleepers, u64 *sleeps_total)
{
	struct dstate_scope sc;
	struct dstate_sleep *s;
	u32 n = 0;

	dstate_scope_init(&sc);
	dstate_lock_take();
	if (sc.all) {
		n = dstate_nr_sleepers;
		*sleeps_total = dstate_sleeps_total;
	} else {
		list_for_each_entry(s, &dstate_sleepers, node)
			n += dstate_sleep_in_scope(s, &sc);
		*sleeps_total = 0;
	}
	dstate_lock_drop();
	*sleepers = n;
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

	dstate_hold_report();
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

/*
 * Whether a caller without CAP_SYS_ADMIN may sleep as @s says: a mode no
 * signal ends must have a timeout, short of the hung-task report.
 */
static bool dstate_sleep_user_ok(const struct dstate_sleep *s)
{
	if (!s->mode->user_needs_timeout)
		return true;
	return s->timeout_ns && s->timeout_ns <=
		READ_ONCE(dstate_user_timeout_max_ms) * NSEC_PER_MSEC;
}

int dstate_ioctl_sleep(void __user *argp)
{
	struct dstate_lock_set *ls = NULL;
	struct dstate_sleep_args args;
	struct dstate_sleep s;
	int ret;

	if (copy_from_user(&args, argp, sizeof(args)))
		return -EFAULT;
	ret = dstate_sleep_init(&s, args.mode, args.flags, args.timeout_ns,
				args.tag);
	if (ret)
		return ret;
	/* capable() last: it audits a denial, and only a real one. */
	if ((s.mode->privileged || !dstate_sleep_user_ok(&s)) &&
	    !capable(CAP_SYS_ADMIN))
		return -EPERM;

	s.task = current;
	s.uid = current_uid();
	/* Before registering, so that a sleeper registered needs no memory. */
	if (s.mode->lock) {
		ls = dstate_lock_set_get(s.tag);
		if (!ls)
			return -ENOMEM;
	}
	ret = dstate_sleep_register(&s, !dstate_capable_noaudit());
	if (ret)
		goto out;

	pr_debug("%s[%d] sleeps %s, tag %llu, timeout %llu ns\n",
		 current->comm, task_pid_nr(current), s.mode->name, s.tag,
		 s.timeout_ns);
	ret = dstate_sleep_end(&s, ls ? dstate_lock_wait(&s, ls) :
					dstate_sleep_wait(&s));
	pr_debug("%s[%d] woke from %s: %s\n", current->comm,
		 task_pid_nr(current), s.mode->name,
		 dstate_sleep_outcome(&s, ret));
out:
	if (ls)
		dstate_lock_set_put(ls);
	return ret;
}

/* Release the sleeper @target; -ESRCH if none is in the caller's scope. */
static int dstate_release_task(struct task_struct *target,
			       const struct dstate_scope *sc, u32 *released)
{
	struct dstate_sleep *s;
	int ret = 0;

	dstate_lock_take();
	s = dstate_sleep_find(target);
	if (!s || !dstate_sleep_in_scope(s, sc)) {
		ret = -ESRCH;
	} else if (dstate_sleep_mark_released(s)) {
		if (!s->in_lock)
			wake_up_process(s->task);
		*released = 1;
	}
	dstate_lock_drop();
	return ret;
}

/*
 * Release every sleeper in the caller's scope, or those tagged @tag.
 *
 * The records are marked under the lock but their tasks woken after it,
 * each held by a reference: thousands of wakeups under a spinlock would
 * keep preemption off for long, while the woken sleepers spin on the same
 * lock to unregister.  Waking a task after it has already left (it saw
 * its mark after a spurious wakeup) is harmless, as any spurious wakeup is.
 */
static int dstate_release_many(bool by_tag, u64 tag,
			       const struct dstate_scope *sc, u32 *released)
{
	struct task_struct **tasks = NULL;
	struct dstate_sleep *s;
	u32 room, n = 0, i;

	room = READ_ONCE(dstate_nr_sleepers);
	if (room) {
		tasks = kvmalloc_array(room, sizeof(*tasks), GFP_KERNEL);
		if (!tasks)
			return -ENOMEM;
	}

	dstate_lock_take();
	list_for_each_entry(s, &dstate_sleepers, node) {
		if (by_tag && s->tag != tag)
			continue;
		if (!dstate_sleep_in_scope(s, sc))
			continue;
		if (!dstate_sleep_mark_released(s))
			continue;
		(*released)++;
		/* A holder still in its lock's wait sees the mark later. */
		if (s->in_lock)
			continue;
		/* Sleepers that came after the sizing are woken here. */
		if (n < room)
			tasks[n++] = get_task_struct(s->task);
		else
			wake_up_process(s->task);
	}
	dstate_lock_drop();

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
	struct dstate_scope sc;
	u32 released = 0;
	int ret;

	if (copy_from_user(&args, argp, sizeof(args)))
		return -EFAULT;
	/* What @how does not use must be 0, so that it can mean more later. */
	if (args.pad ||
	    (args.how != DSTATE_RELEASE_PID && args.pid) ||
	    (args.how != DSTATE_RELEASE_TAG && args.tag))
		return -EINVAL;
	dstate_scope_init(&sc);

	switch (args.how) {
	case DSTATE_RELEASE_ALL:
	case DSTATE_RELEASE_TAG:
		ret = dstate_release_many(args.how == DSTATE_RELEASE_TAG,
					  args.tag, &sc, &released);
		break;
	case DSTATE_RELEASE_PID:
		target = dstate_get_task(args.pid);
		if (!target)
			return -ESRCH;
		ret = dstate_release_task(target, &sc, &released);
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

/*
 * What LIST takes of a record under the lock: no more than must be
 * consistent, and a reference to the task, so that the pids, the uid and
 * the comm can be read after it.
 */
struct dstate_list_entry {
	struct task_struct *task;	/* a reference of our own */
	const struct dstate_mode_info *mode;
	u64 tag;
	ktime_t start;
	ktime_t expires;
	kuid_t uid;
	bool kthread;
};

/* One entry of a listing, as seen from the caller's namespaces. */
static void dstate_list_fill(struct dstate_sleeper *out,
			     const struct dstate_list_entry *e, ktime_t now,
			     struct user_namespace *ns)
{
	memset(out, 0, sizeof(*out));
	out->pid = task_tgid_vnr(e->task);
	out->tid = task_pid_vnr(e->task);
	out->mode = e->mode->mode;
	out->flags = e->kthread ? DSTATE_SLEEPER_KTHREAD : 0;
	out->tag = e->tag;
	out->age_ns = ktime_to_ns(ktime_sub(now, e->start));
	if (e->expires == KTIME_MAX)
		out->left_ns = DSTATE_NO_TIMEOUT;
	else if (ktime_before(now, e->expires))
		out->left_ns = ktime_to_ns(ktime_sub(e->expires, now));
	out->uid = from_kuid_munged(ns, e->uid);
	/* As get_task_comm() does since 6.13; it may be removed. */
	strscpy_pad(out->comm, e->task->comm, sizeof(out->comm));
}

int dstate_ioctl_list(void __user *argp)
{
	struct user_namespace *ns = current_user_ns();
	struct dstate_list_entry *entries = NULL;
	struct dstate_sleeper __user *ubuf;
	struct dstate_list_args args;
	u32 room, i, n = 0, copied = 0, total = 0;
	struct dstate_sleeper out;
	struct dstate_scope sc;
	struct dstate_sleep *s;
	ktime_t now;
	int ret = 0;

	if (copy_from_user(&args, argp, sizeof(args)))
		return -EFAULT;
	if (args.flags || args.pad)
		return -EINVAL;
	ubuf = u64_to_user_ptr(args.sleepers);
	dstate_scope_init(&sc);

	/*
	 * Sleepers that arrive between sizing the array and taking the lock
	 * are counted in @total, not copied; the caller can ask again.
	 */
	room = min(args.count, READ_ONCE(dstate_nr_sleepers));
	if (room) {
		entries = kvmalloc_array(room, sizeof(*entries), GFP_KERNEL);
		if (!entries)
			return -ENOMEM;
	}

	dstate_lock_take();
	list_for_each_entry(s, &dstate_sleepers, node) {
		if (!dstate_sleep_in_scope(s, &sc))
			continue;
		total++;
		if (n == room)
			continue;
		entries[n++] = (struct dstate_list_entry) {
			.task = get_task_struct(s->task),
			.mode = s->mode,
			.tag = s->tag,
			.start = s->start,
			.expires = s->expires,
			.uid = s->uid,
			.kthread = s->kthread,
		};
	}
	dstate_lock_drop();

	/*
	 * copy_to_user() may fault and sleep, so it comes after the lock.  A
	 * sleeper that has exited since is left out, as if it had gone just
	 * before; one that only woke is listed, as ps lists what it saw.
	 */
	now = ktime_get();
	for (i = 0; i < n; i++) {
		if (!pid_alive(entries[i].task)) {
			total--;
		} else if (!ret) {
			dstate_list_fill(&out, &entries[i], now, ns);
			if (copy_to_user(&ubuf[copied++], &out, sizeof(out)))
				ret = -EFAULT;
		}
		put_task_struct(entries[i].task);
	}
	kvfree(entries);
	if (ret)
		return ret;

	args.count = copied;
	args.total = total;
	if (copy_to_user(argp, &args, sizeof(args)))
		return -EFAULT;
	return 0;
}
