/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * dstate: put tasks to sleep in a chosen scheduler state on demand.
 *
 * The ioctl ABI of /dev/dstate, shared by the module and the dstate CLI.
 * Every structure has explicit padding, which the module requires to be
 * zero, so that fields can be added later without a new ioctl number.
 */
#ifndef _UAPI_LINUX_DSTATE_H
#define _UAPI_LINUX_DSTATE_H

#include <linux/types.h>
#include <linux/ioctl.h>

/*
 * Who may do what.  /dev/dstate is root's alone by default; a group given
 * the device (user/60-dstate.rules) gets what a caller without
 * CAP_SYS_ADMIN (in the initial user namespace) gets:
 *
 *  - Scope: it sees, counts and wakes only sleepers that are not kernel
 *    threads, that have its real uid, and that have a pid in its pid
 *    namespace.  Every other sleeper is as if it did not exist: LIST and
 *    INFO leave it out, RELEASE by tag or of all skips it, and RELEASE or
 *    TASK_STATE naming it fails with ESRCH, as for a task that does not
 *    exist.  So no pid that hidepid hides can be probed, and no such probe
 *    writes an audit record: only a real denial (EPERM) does.
 *  - Limits: an uninterruptible or idle sleep needs a timeout of at most
 *    the user_timeout_max_ms parameter (EPERM otherwise), since no signal
 *    ends it and the freezer cannot freeze it, and an uninterruptible one
 *    past hung_task_timeout_secs is reported, or panics the machine under
 *    kernel.hung_task_panic=1.  Its default is half the kernel's default
 *    hung-task timeout; whoever lowers hung_task_timeout_secs lowers it
 *    too.  At most user_max_sleepers tasks of one uid sleep at once
 *    (EAGAIN); kernel threads count for no uid.
 *    The same holds for io and for the lock holders, which sleep like
 *    uninterruptible once they hold the lock.
 *  - permanent sleeps, the lock waits no signal ends (mutex, rwsem_read,
 *    rwsem_write, semaphore: nothing bounds them) and kernel threads need
 *    CAP_SYS_ADMIN (EPERM).
 *  - Locks are named by tag alone, whoever's sleeper holds them: a
 *    caller's killable or interruptible waiter may wait on another's
 *    holder.
 */

#define DSTATE_ABI_VERSION	3

/*
 * The sleep modes, lkdtm style: one token is the enum constant
 * (DSTATE_MODE_<TOKEN>), the name printed by the module and the CLI, and the
 * name the tests use.  Values start at 1 so that a zeroed request is invalid.
 * New modes are only ever added at the end (ABI 3 added io and the locks).
 *
 *   uninterruptible  TASK_UNINTERRUPTIBLE: no signal ends it ("D")
 *   killable         TASK_KILLABLE: only a fatal signal ends it ("D")
 *   interruptible    TASK_INTERRUPTIBLE: any signal ends it ("S")
 *   idle             TASK_IDLE: like uninterruptible, but not counted in
 *                    the load average nor reported as hung ("I")
 *   permanent        TASK_UNINTERRUPTIBLE forever: what an oops used to
 *                    leave behind; release and timeouts do not end it ("D")
 *   io               like uninterruptible, but asleep in io_schedule(), as
 *                    a task waiting for block I/O: counted in iowait and in
 *                    /proc/stat's procs_blocked ("D")
 *
 * The lock modes.  @tag names a lock: each tag has one mutex, one
 * rw-semaphore and one semaphore (of count 1), made when a sleeper first
 * uses the tag and freed when the last one leaves.  Not for kernel
 * threads (EINVAL).
 *
 * A holder takes its tag's lock, waiting for it killably (in the kernel's
 * own queue, behind those who came first), then sleeps like
 * uninterruptible, lock held, until released or timed out, and drops the
 * lock before it returns.  Its timeout runs from the call, the wait for
 * the lock included.  A holder released while it still waits for the lock
 * takes it when its turn comes, drops it at once and returns 0.
 *
 *   mutex_hold        mutex_lock_killable(), then hold ("D")
 *   rwsem_hold_read   down_read_killable(), then hold ("D")
 *   rwsem_hold_write  down_write_killable(), then hold ("D")
 *   semaphore_hold    down_killable(), then hold ("D")
 *
 * A waiter waits for its tag's lock with the kernel's call, drops it as
 * soon as it has it and returns 0; nothing else ends its wait but the
 * signals its call lets through, when the call fails with EINTR.  Release
 * does not end a waiter (it is not counted), and a timeout is ignored:
 * release its holder instead.  The waits no signal ends need
 * CAP_SYS_ADMIN (EPERM), since no timeout can bound them.
 *
 *   mutex                mutex_lock(): uninterruptible ("D")
 *   mutex_killable       mutex_lock_killable() ("D")
 *   mutex_interruptible  mutex_lock_interruptible(): any signal ("S")
 *   rwsem_read           down_read(): uninterruptible ("D")
 *   rwsem_write          down_write(): uninterruptible ("D")
 *   semaphore            down(): uninterruptible ("D")
 *   semaphore_killable   down_killable() ("D")
 */
#define DSTATE_MODE_LIST(X)			\
	X(UNINTERRUPTIBLE, uninterruptible)	\
	X(KILLABLE, killable)			\
	X(INTERRUPTIBLE, interruptible)		\
	X(IDLE, idle)				\
	X(PERMANENT, permanent)			\
	X(IO, io)				\
	X(MUTEX_HOLD, mutex_hold)		\
	X(MUTEX, mutex)				\
	X(MUTEX_KILLABLE, mutex_killable)	\
	X(MUTEX_INTERRUPTIBLE, mutex_interruptible) \
	X(RWSEM_HOLD_READ, rwsem_hold_read)	\
	X(RWSEM_HOLD_WRITE, rwsem_hold_write)	\
	X(RWSEM_READ, rwsem_read)		\
	X(RWSEM_WRITE, rwsem_write)		\
	X(SEMAPHORE_HOLD, semaphore_hold)	\
	X(SEMAPHORE, semaphore)			\
	X(SEMAPHORE_KILLABLE, semaphore_killable)

enum dstate_mode {
	DSTATE_MODE_NONE = 0,
#define DSTATE_MODE_ENUM(token, name) DSTATE_MODE_##token,
	DSTATE_MODE_LIST(DSTATE_MODE_ENUM)
#undef DSTATE_MODE_ENUM
	DSTATE_MODE_COUNT
};

/* The longest timeout accepted: one year.  Longer is taken as a mistake. */
#define DSTATE_TIMEOUT_MAX_NS	(365ULL * 24 * 3600 * 1000000000ULL)

/* struct dstate_info.flags */
#define DSTATE_INFO_NOREFCOUNT	(1U << 0)	/* loaded with norefcount=1 */

struct dstate_info {
	__u32 abi_version;	/* out: DSTATE_ABI_VERSION */
	__u32 flags;		/* out: DSTATE_INFO_* */
	/* out: tasks sleeping now that the caller sees (kthreads included) */
	__u32 sleepers;
	__u32 max_sleepers;	/* out: the max_sleepers parameter */
	__u32 kthreads;		/* out: kernel threads alive; 0 unprivileged */
	__u32 pad;
	__u64 sleeps_total;	/* out: sleeps begun since load; 0 unprivileged */
	char version[16];	/* out: module version, NUL-terminated */
};

/*
 * DSTATE_IOC_SLEEP: the caller sleeps in @mode.  Returns 0 when released,
 * fails with ETIMEDOUT when @timeout_ns (0: none) expires, and in
 * interruptible mode ends with -ERESTARTSYS on a signal, which the caller
 * sees as EINTR or as a restart under SA_RESTART.  Fails with EAGAIN when
 * max_sleepers tasks already sleep, or (without CAP_SYS_ADMIN) when
 * user_max_sleepers of the caller's uid do.  permanent and the lock
 * waits no signal ends, and without a timeout of at most
 * user_timeout_max_ms uninterruptible, idle, io and the lock holders, need
 * CAP_SYS_ADMIN (EPERM); see "Who may do what" above.  A lock mode fails
 * with EINTR when a signal ends its wait for the lock.
 *
 * A release wins every tie: once a release has counted a sleeper, its
 * sleep returns 0, even if a signal or the timeout ended it at the same
 * moment (its handler, or the stop, comes after).
 *
 * A timeout is a deadline, fixed when the sleep begins.  So an
 * interruptible sleep with a timeout is never restarted: a signal ends it
 * with EINTR, under SA_RESTART too, and so does SIGSTOP then SIGCONT (or
 * a cgroup freeze and thaw), as with a socket that has a receive timeout
 * (see signal(7)).  A restart would start the whole timeout over.  The
 * kernel's other convention, a restart block carrying the absolute expiry
 * (-ERESTART_RESTARTBLOCK, as nanosleep and poll use), does not suit an
 * ioctl of a module: restart_syscall() calls the block's function instead
 * of the ioctl, with no file held, so nothing would keep the module's code
 * there between the signal and the restart (a handler may close the fd,
 * and rmmod may then succeed), and a block never restarted (a handler ran:
 * the call fails with EINTR) cannot drop a reference taken for it.
 */
struct dstate_sleep_args {
	__u32 mode;		/* in: enum dstate_mode */
	__u32 flags;		/* in: must be 0 */
	__u64 timeout_ns;	/* in: 0 for none, at most DSTATE_TIMEOUT_MAX_NS */
	__u64 tag;		/* in: any value; release by tag matches it */
};

/* struct dstate_release_args.how */
#define DSTATE_RELEASE_ALL	0	/* every sleeper the caller may release */
#define DSTATE_RELEASE_PID	1	/* the sleeper whose thread id is @pid */
#define DSTATE_RELEASE_TAG	2	/* every sleeper tagged @tag */

/*
 * DSTATE_IOC_RELEASE: wake sleepers; permanent ones are never woken.
 * Without CAP_SYS_ADMIN only the sleepers the caller sees are woken (see
 * "Who may do what"); a pid that does not sleep here, or one the caller
 * does not see, fails with ESRCH.  The field @how does not use must be 0.
 */
struct dstate_release_args {
	__u32 how;		/* in: DSTATE_RELEASE_* */
	__u32 pid;		/* in: thread id, for DSTATE_RELEASE_PID; else 0 */
	__u64 tag;		/* in: for DSTATE_RELEASE_TAG; else 0 */
	__u32 released;		/* out: how many were woken */
	__u32 pad;
};

/* struct dstate_sleeper.flags */
#define DSTATE_SLEEPER_KTHREAD	(1U << 0)	/* a dstate/N kernel thread */

/* No timeout: dstate_sleeper.left_ns. */
#define DSTATE_NO_TIMEOUT	(~0ULL)

struct dstate_sleeper {
	__u32 pid;		/* thread group id, in the caller's namespace */
	__u32 tid;		/* thread id, in the caller's namespace */
	__u32 mode;		/* enum dstate_mode */
	__u32 flags;		/* DSTATE_SLEEPER_* */
	__u64 tag;
	__u64 age_ns;		/* since the sleep began */
	__u64 left_ns;		/* until the timeout, or DSTATE_NO_TIMEOUT */
	__u32 uid;		/* real uid, in the caller's user namespace */
	__u32 pad;
	char comm[16];		/* NUL-terminated */
};

/*
 * DSTATE_IOC_LIST: copy up to @count sleepers into the array at @sleepers,
 * oldest first.  @count is set to the number copied and @total to the
 * number that exist, so a caller can size its buffer and ask again.
 * Without CAP_SYS_ADMIN only the sleepers the caller sees are listed and
 * counted (see "Who may do what").
 */
struct dstate_list_args {
	__u64 sleepers;		/* in: user pointer to struct dstate_sleeper[] */
	__u32 count;		/* in: capacity of the array; out: entries filled */
	__u32 total;		/* out: sleepers that exist */
	__u32 flags;		/* in: must be 0 */
	__u32 pad;
};

/*
 * DSTATE_IOC_KTHREAD: start a kernel thread "dstate/N" that sleeps in
 * @mode (permanent is refused: the module must be able to stop its own
 * threads when it is removed).  Needs CAP_SYS_ADMIN.  The caller's struct
 * is written only when the thread has started: on any error it is as
 * it was.
 */
struct dstate_kthread_args {
	__u32 mode;		/* in: enum dstate_mode, not PERMANENT */
	__u32 flags;		/* in: must be 0 */
	__u64 timeout_ns;	/* in: as for DSTATE_IOC_SLEEP */
	__u64 tag;		/* in */
	__u32 pid;		/* out: the thread's pid */
	__u32 pad;
};

/*
 * What a task is doing, decoded from its raw scheduler state, which /proc
 * cannot show: /proc says "D" for both killable and uninterruptible.
 */
enum dstate_task_kind {
	DSTATE_TASK_RUNNING = 1,	/* TASK_RUNNING: on a CPU or runnable */
	DSTATE_TASK_INTERRUPTIBLE,	/* TASK_INTERRUPTIBLE */
	DSTATE_TASK_UNINTERRUPTIBLE,	/* TASK_UNINTERRUPTIBLE alone */
	DSTATE_TASK_KILLABLE,		/* ... with TASK_WAKEKILL */
	DSTATE_TASK_IDLE,		/* ... with TASK_NOLOAD */
	DSTATE_TASK_STOPPED,		/* __TASK_STOPPED */
	DSTATE_TASK_TRACED,		/* __TASK_TRACED */
	DSTATE_TASK_FROZEN,		/* TASK_FROZEN: held by the freezer */
	DSTATE_TASK_ZOMBIE,		/* exit_state EXIT_ZOMBIE */
	DSTATE_TASK_DEAD,		/* exit_state EXIT_DEAD, or TASK_DEAD */
	DSTATE_TASK_OTHER,		/* a state none of the above describes */
};

/*
 * DSTATE_IOC_TASK_STATE: read the scheduler state of thread @pid (in the
 * caller's pid namespace).  Any task with CAP_SYS_ADMIN; otherwise only
 * tasks of the caller's real uid that are not kernel threads.  ESRCH when
 * there is no such task, or none the caller may read.  The raw bits are
 * the kernel's TASK_* values, which are the same on every kernel this
 * module supports.
 */
struct dstate_task_state {
	__u32 pid;		/* in: thread id */
	__u32 flags;		/* in: must be 0 */
	__u32 state;		/* out: raw task->__state */
	__u32 exit_state;	/* out: raw task->exit_state */
	__u32 kind;		/* out: enum dstate_task_kind */
	__u32 is_dstate;	/* out: 1 if it sleeps in this module */
	__u32 mode;		/* out: its enum dstate_mode if is_dstate, else 0 */
	__u32 pad;
};

#define DSTATE_IOC_MAGIC	0xD5

#define DSTATE_IOC_INFO		_IOR (DSTATE_IOC_MAGIC, 0x00, struct dstate_info)
#define DSTATE_IOC_SLEEP	_IOW (DSTATE_IOC_MAGIC, 0x01, struct dstate_sleep_args)
#define DSTATE_IOC_RELEASE	_IOWR(DSTATE_IOC_MAGIC, 0x02, struct dstate_release_args)
#define DSTATE_IOC_LIST		_IOWR(DSTATE_IOC_MAGIC, 0x03, struct dstate_list_args)
#define DSTATE_IOC_KTHREAD	_IOWR(DSTATE_IOC_MAGIC, 0x04, struct dstate_kthread_args)
#define DSTATE_IOC_TASK_STATE	_IOWR(DSTATE_IOC_MAGIC, 0x05, struct dstate_task_state)

#endif /* _UAPI_LINUX_DSTATE_H */
