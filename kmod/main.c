// SPDX-License-Identifier: GPL-2.0
/*
 * dstate: put tasks to sleep in a chosen scheduler state on demand.
 *
 * Here: the misc device /dev/dstate, its ioctl switch, the module
 * parameters, load and unload.  The ioctl ABI is dstate_uapi.h; the
 * behaviour each mode must show is the contract in README.md ("The
 * states").
 */
#include "dstate.h"

#include <linux/atomic.h>
#include <linux/fs.h>
#include <linux/init.h>
#include <linux/kstrtox.h>
#include <linux/kernel.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/string.h>
#include <linux/uaccess.h>

bool dstate_norefcount;
module_param_named(norefcount, dstate_norefcount, bool, 0444);
MODULE_PARM_DESC(norefcount,
		 "UNSAFE, for a throwaway VM: take no module references, so rmmod succeeds while /dev/dstate is in use and the next use oopses (taints the kernel; load time only)");

/*
 * The limits may be changed at any time by root.  Each is bounded, so that
 * no setting lets the sleeper list, which the lock is held to walk, grow
 * without end.
 */
static int dstate_param_set_count(const char *val,
				  const struct kernel_param *kp)
{
	unsigned int n;
	int ret;

	ret = kstrtouint(val, 0, &n);
	if (ret)
		return ret;
	if (n > DSTATE_SLEEPERS_LIMIT)
		return -EINVAL;
	WRITE_ONCE(*(unsigned int *)kp->arg, n);
	return 0;
}

static const struct kernel_param_ops dstate_count_ops = {
	.set	= dstate_param_set_count,
	.get	= param_get_uint,
};

static int dstate_param_set_ms(const char *val, const struct kernel_param *kp)
{
	u64 ms;
	int ret;

	ret = kstrtou64(val, 0, &ms);
	if (ret)
		return ret;
	if (!ms || ms > DSTATE_TIMEOUT_MAX_NS / NSEC_PER_MSEC)
		return -EINVAL;
	WRITE_ONCE(*(u64 *)kp->arg, ms);
	return 0;
}

static const struct kernel_param_ops dstate_ms_ops = {
	.set	= dstate_param_set_ms,
	.get	= param_get_ullong,
};

unsigned int dstate_max_sleepers = 4096;
module_param_cb(max_sleepers, &dstate_count_ops, &dstate_max_sleepers, 0644);
__MODULE_PARM_TYPE(max_sleepers, "uint");
MODULE_PARM_DESC(max_sleepers,
		 "most tasks that may sleep at once, kernel threads included (default 4096, at most 65536)");

unsigned int dstate_user_max_sleepers = 64;
module_param_cb(user_max_sleepers, &dstate_count_ops,
		&dstate_user_max_sleepers, 0644);
__MODULE_PARM_TYPE(user_max_sleepers, "uint");
MODULE_PARM_DESC(user_max_sleepers,
		 "without CAP_SYS_ADMIN: most tasks of one uid that may sleep at once (default 64, at most 65536)");

/*
 * Half the kernel's default hung-task timeout (Debian's is 120 s), so that
 * a sleep bounded by it is never reported, let alone panics the machine.
 */
#if defined(CONFIG_DEFAULT_HUNG_TASK_TIMEOUT) && CONFIG_DEFAULT_HUNG_TASK_TIMEOUT > 0
#define DSTATE_USER_TIMEOUT_MAX_MS	(CONFIG_DEFAULT_HUNG_TASK_TIMEOUT * 500ULL)
#else
#define DSTATE_USER_TIMEOUT_MAX_MS	60000ULL
#endif

u64 dstate_user_timeout_max_ms = DSTATE_USER_TIMEOUT_MAX_MS;
module_param_cb(user_timeout_max_ms, &dstate_ms_ops,
		&dstate_user_timeout_max_ms, 0644);
__MODULE_PARM_TYPE(user_timeout_max_ms, "ullong");
MODULE_PARM_DESC(user_timeout_max_ms,
		 "without CAP_SYS_ADMIN: the longest timeout, in ms, of an uninterruptible or idle sleep, which must have one; keep it below hung_task_timeout_secs (1 ms to 365 days; default: half the kernel's built-in hung-task timeout, 60000 on Debian)");

/* Open files of /dev/dstate, so that unload can say how many it strands. */
static atomic_t dstate_nr_open = ATOMIC_INIT(0);

static int dstate_open(struct inode *inode, struct file *file)
{
	atomic_inc(&dstate_nr_open);
	return nonseekable_open(inode, file);
}

static int dstate_close(struct inode *inode, struct file *file)
{
	atomic_dec(&dstate_nr_open);
	return 0;
}

static int dstate_ioctl_info(void __user *argp)
{
	struct dstate_info info;

	memset(&info, 0, sizeof(info));
	info.abi_version = DSTATE_ABI_VERSION;
	info.flags = dstate_norefcount ? DSTATE_INFO_NOREFCOUNT : 0;
	dstate_sleep_stats(&info.sleepers, &info.sleeps_total);
	info.max_sleepers = READ_ONCE(dstate_max_sleepers);
	/* Only what the caller could list itself (dstate_uapi.h). */
	if (dstate_capable_noaudit())
		info.kthreads = dstate_kthreads_alive();
	strscpy(info.version, DSTATE_VERSION, sizeof(info.version));

	if (copy_to_user(argp, &info, sizeof(info)))
		return -EFAULT;
	return 0;
}

static long dstate_ioctl(struct file *file, unsigned int cmd,
			 unsigned long parm)
{
	void __user *argp = (void __user *)parm;

	switch (cmd) {
	case DSTATE_IOC_INFO:
		return dstate_ioctl_info(argp);
	case DSTATE_IOC_SLEEP:
		return dstate_ioctl_sleep(argp);
	case DSTATE_IOC_RELEASE:
		return dstate_ioctl_release(argp);
	case DSTATE_IOC_LIST:
		return dstate_ioctl_list(argp);
	case DSTATE_IOC_KTHREAD:
		return dstate_ioctl_kthread(argp);
	case DSTATE_IOC_TASK_STATE:
		return dstate_ioctl_task_state(argp);
	default:
		return -ENOTTY;
	}
}

/*
 * Normal mode: .owner makes every open file hold a reference to the module,
 * so rmmod is refused while one is open (delete_module() fails with
 * EWOULDBLOCK, which rmmod(8) reports as "in use"), and a sleeper, which
 * needs an open file to sleep, pins the module too.
 */
static const struct file_operations dstate_fops = {
	.owner		= THIS_MODULE,
	.open		= dstate_open,
	.release	= dstate_close,
	.unlocked_ioctl	= dstate_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
};

/*
 * norefcount=1: the same without .owner, so an open file holds nothing and
 * rmmod succeeds under it.  Deliberately wrong, to show what .owner is for.
 */
static const struct file_operations dstate_fops_norefcount = {
	.open		= dstate_open,
	.release	= dstate_close,
	.unlocked_ioctl	= dstate_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
};

static struct miscdevice dstate_misc = {
	.minor		= MISC_DYNAMIC_MINOR,
	.name		= "dstate",
	.mode		= 0600,
	/* .fops is chosen at load time, by norefcount. */
};

static void dstate_warn_norefcount(void)
{
	pr_crit("**********************************************************\n");
	pr_crit("loaded with norefcount=1: DELIBERATELY UNSAFE\n");
	pr_crit("/dev/dstate takes no module reference, so rmmod succeeds\n");
	pr_crit("while it is open or while a task sleeps in it.\n");
	pr_crit("After that, the next use of such a file (an ioctl, even\n");
	pr_crit("its close) jumps into freed memory: the kernel may oops.\n");
	pr_crit("Use it only in a throwaway VM.  Kernel tainted (U).\n");
	pr_crit("**********************************************************\n");
}

static int __init dstate_init(void)
{
	int ret;

	if (dstate_norefcount) {
		dstate_warn_norefcount();
		add_taint(TAINT_USER, LOCKDEP_STILL_OK);
		dstate_misc.fops = &dstate_fops_norefcount;
	} else {
		dstate_misc.fops = &dstate_fops;
	}

	ret = misc_register(&dstate_misc);
	if (ret) {
		pr_err("could not register /dev/dstate: %d\n", ret);
		return ret;
	}
	pr_info("loaded: version %s, ABI %d, max_sleepers=%u, user_max_sleepers=%u, user_timeout_max_ms=%llu%s\n",
		DSTATE_VERSION, DSTATE_ABI_VERSION,
		READ_ONCE(dstate_max_sleepers),
		READ_ONCE(dstate_user_max_sleepers),
		READ_ONCE(dstate_user_timeout_max_ms),
		dstate_norefcount ? ", norefcount=1 (unsafe)" : "");
	return 0;
}

static void __exit dstate_exit(void)
{
	int open;

	misc_deregister(&dstate_misc);
	dstate_kthreads_exit();
	dstate_sleep_exit();
	dstate_locks_exit();

	open = atomic_read(&dstate_nr_open);
	if (open)
		pr_crit("%d open file(s) of /dev/dstate remain: the next use of each, even close(), jumps into freed memory and may oops\n",
			open);
	pr_info("unloaded\n");
}

module_init(dstate_init);
module_exit(dstate_exit);

MODULE_LICENSE("GPL");
MODULE_AUTHOR("dstate developers");
MODULE_DESCRIPTION("Put tasks to sleep in a chosen scheduler state on demand");
MODULE_VERSION(DSTATE_VERSION);
