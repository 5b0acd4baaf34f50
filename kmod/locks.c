// SPDX-License-Identifier: GPL-2.0
/*
 * dstate: the lock modes.  A sleeper waits where tasks wait on the
 * kernel's own sleeping locks, in the kernel's own lock code, so that
 * /proc, the hung-task detector (and its report of the likely holder, on
 * kernels that have it) and lockdep see a real lock wait.
 *
 * Each tag in use has one struct dstate_lock_set: a mutex, an rw-semaphore
 * and a semaphore of count 1.  It is made by the first sleeper of the tag
 * and freed by the last, and every sleeper holds a use of it from before
 * it takes a lock until after it has dropped it.  So a set is never freed
 * under a task that waits on it, or still inside an unlock of it
 * (mutex_unlock() may touch the mutex after a waiter has taken it), and
 * a sleeper, which holds /dev/dstate open, keeps the module in.
 *
 * A sleeper never returns to user space with a lock held: it drops it
 * before the ioctl returns, and a mutex or an rw-semaphore only by the
 * task that took it, as both require.
 */
#include "dstate.h"

#include <linux/errno.h>
#include <linux/hashtable.h>
#include <linux/lockdep.h>
#include <linux/mutex.h>
#include <linux/rwsem.h>
#include <linux/semaphore.h>
#include <linux/slab.h>
#include <linux/spinlock.h>

struct dstate_lock_set {
	struct hlist_node node;		/* in dstate_lock_sets */
	u64 tag;
	unsigned int users;		/* under dstate_lock_sets_lock */
	struct mutex mutex;
	struct rw_semaphore rwsem;
	struct semaphore sem;
};

/* Protects dstate_lock_sets and each set's @users.  A leaf lock. */
static DEFINE_SPINLOCK(dstate_lock_sets_lock);
static DEFINE_HASHTABLE(dstate_lock_sets, 6);

static struct dstate_lock_set *dstate_lock_set_find(u64 tag)
{
	struct dstate_lock_set *ls;

	lockdep_assert_held(&dstate_lock_sets_lock);
	hash_for_each_possible(dstate_lock_sets, ls, node, tag)
		if (ls->tag == tag)
			return ls;
	return NULL;
}

/*
 * A use of the set of @tag, made if there is none; NULL without memory.
 * Taken before the sleeper registers, so that one registered never fails
 * for memory.
 */
struct dstate_lock_set *dstate_lock_set_get(u64 tag)
{
	struct dstate_lock_set *ls, *fresh;

	spin_lock(&dstate_lock_sets_lock);
	ls = dstate_lock_set_find(tag);
	if (ls)
		ls->users++;
	spin_unlock(&dstate_lock_sets_lock);
	if (ls)
		return ls;

	fresh = kzalloc(sizeof(*fresh), GFP_KERNEL);
	if (!fresh)
		return NULL;
	fresh->tag = tag;
	fresh->users = 1;
	mutex_init(&fresh->mutex);
	init_rwsem(&fresh->rwsem);
	sema_init(&fresh->sem, 1);

	spin_lock(&dstate_lock_sets_lock);
	/* Another sleeper of the tag may have made one meanwhile. */
	ls = dstate_lock_set_find(tag);
	if (ls)
		ls->users++;
	else
		hash_add(dstate_lock_sets, &fresh->node, tag);
	spin_unlock(&dstate_lock_sets_lock);
	if (!ls)
		return fresh;
	mutex_destroy(&fresh->mutex);
	kfree(fresh);
	return ls;
}

/* Drop a use of @ls, whose locks the caller no longer holds. */
void dstate_lock_set_put(struct dstate_lock_set *ls)
{
	bool last;

	spin_lock(&dstate_lock_sets_lock);
	last = !--ls->users;
	if (last)
		hash_del(&ls->node);
	spin_unlock(&dstate_lock_sets_lock);
	if (!last)
		return;
	mutex_destroy(&ls->mutex);
	kfree(ls);
}

/*
 * The kernel's calls, one pair per way to wait.  Each take returns 0 with
 * the lock held, or -EINTR when a signal its wait lets through ended it.
 */
static int dstate_mutex_take(struct dstate_lock_set *ls)
{
	mutex_lock(&ls->mutex);
	return 0;
}

static int dstate_mutex_take_killable(struct dstate_lock_set *ls)
{
	return mutex_lock_killable(&ls->mutex);
}

static int dstate_mutex_take_interruptible(struct dstate_lock_set *ls)
{
	return mutex_lock_interruptible(&ls->mutex);
}

static void dstate_mutex_drop(struct dstate_lock_set *ls)
{
	mutex_unlock(&ls->mutex);
}

static int dstate_rwsem_take_read(struct dstate_lock_set *ls)
{
	down_read(&ls->rwsem);
	return 0;
}

static int dstate_rwsem_take_read_killable(struct dstate_lock_set *ls)
{
	return down_read_killable(&ls->rwsem);
}

static void dstate_rwsem_drop_read(struct dstate_lock_set *ls)
{
	up_read(&ls->rwsem);
}

static int dstate_rwsem_take_write(struct dstate_lock_set *ls)
{
	down_write(&ls->rwsem);
	return 0;
}

static int dstate_rwsem_take_write_killable(struct dstate_lock_set *ls)
{
	return down_write_killable(&ls->rwsem);
}

static void dstate_rwsem_drop_write(struct dstate_lock_set *ls)
{
	up_write(&ls->rwsem);
}

static int dstate_sem_take(struct dstate_lock_set *ls)
{
	down(&ls->sem);
	return 0;
}

static int dstate_sem_take_killable(struct dstate_lock_set *ls)
{
	return down_killable(&ls->sem);
}

static void dstate_sem_drop(struct dstate_lock_set *ls)
{
	up(&ls->sem);
}

const struct dstate_lock_ops dstate_mutex_plain = {
	dstate_mutex_take, dstate_mutex_drop,
};
const struct dstate_lock_ops dstate_mutex_killable = {
	dstate_mutex_take_killable, dstate_mutex_drop,
};
const struct dstate_lock_ops dstate_mutex_interruptible = {
	dstate_mutex_take_interruptible, dstate_mutex_drop,
};
const struct dstate_lock_ops dstate_rwsem_read = {
	dstate_rwsem_take_read, dstate_rwsem_drop_read,
};
const struct dstate_lock_ops dstate_rwsem_read_killable = {
	dstate_rwsem_take_read_killable, dstate_rwsem_drop_read,
};
const struct dstate_lock_ops dstate_rwsem_write = {
	dstate_rwsem_take_write, dstate_rwsem_drop_write,
};
const struct dstate_lock_ops dstate_rwsem_write_killable = {
	dstate_rwsem_take_write_killable, dstate_rwsem_drop_write,
};
const struct dstate_lock_ops dstate_sem_plain = {
	dstate_sem_take, dstate_sem_drop,
};
const struct dstate_lock_ops dstate_sem_killable = {
	dstate_sem_take_killable, dstate_sem_drop,
};

/*
 * Sleep in the lock mode of @s, which is registered, using @ls: take the
 * lock, hold it through a sleep if the mode is a holder's, and drop it.
 * Returns what dstate_sleep_wait() returns, 0 for a waiter that got the
 * lock, or -EINTR when a signal ended the wait for it.
 */
int dstate_lock_wait(struct dstate_sleep *s, struct dstate_lock_set *ls)
{
	const struct dstate_lock_ops *ops = s->mode->lock;
	int ret;

	ret = ops->take(ls);
	if (ret)
		return ret;
	if (s->mode->holds) {
		dstate_sleep_hold_begin(s);
		ret = dstate_sleep_wait(s);
	}
	ops->drop(ls);
	return ret;
}

/*
 * Module exit.  A set left now has a user inside the module, let in by a
 * forced removal or norefcount=1 (dstate_sleep_exit() names it): it is
 * not freed, since that task may still wait on it.
 */
void dstate_locks_exit(void)
{
	struct dstate_lock_set *ls;
	unsigned int left = 0;
	int bkt;

	spin_lock(&dstate_lock_sets_lock);
	hash_for_each(dstate_lock_sets, bkt, ls, node)
		left++;
	spin_unlock(&dstate_lock_sets_lock);
	if (left)
		pr_crit("%u lock set(s) still in use by sleepers: left allocated\n",
			left);
}
