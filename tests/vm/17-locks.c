// SPDX-License-Identifier: GPL-2.0
/*
 * The lock modes: sleepers that wait on a kernel mutex, rw-semaphore or
 * semaphore, in the kernel's own lock code, held by another sleeper.
 *
 * Judged by what the kernel shows: the /proc letter; where each task
 * sleeps, by /proc/PID/stack (a holder in dstate_sleep_wait with its lock
 * held, a queued task inside the lock call, in dstate_lock_wait) and by
 * the call traces SysRq w logs, which /proc leaves out (mutex_lock,
 * down_read, down_write, __down: the scheduler's functions); the wait
 * status; and the hung-task detector's kernel log.  The order in which
 * queued tasks get a lock is read from the stacks, never from timing: a
 * holder queued behind a waiter is seen holding only after that waiter has
 * returned, and a waiter queued behind the holder is still in the lock's
 * wait while it holds.
 *
 * Each case uses a lock of its own (its tag).
 */
/* vm-options: -t 400 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "dtest.h"
#include "fixture.h"

/*
 * Where a holder sleeps once it has its lock: the module's own wait; and
 * where a task queued for a lock is, below the lock's own functions.
 */
#define HOLDING		"dstate_sleep_wait"
#define QUEUED		"dstate_lock_wait"

/* The lock functions in the call traces; PREEMPT_RT's own after '|'. */
#define IN_MUTEX	"mutex_lock|rt_mutex"
#define IN_READ		"down_read|rwbase_read"
#define IN_WRITE	"down_write|rwbase_write"
#define IN_SEM		"__down"

static int devfd = -1;
static struct kmsg kl;

/* How @s ended, in one of two buffers: two may go in one message. */
static const char *ended(struct sleeper *s)
{
	static char buf[2][64];
	static int i;

	i = !i;
	snprintf(buf[i], sizeof(buf[i]), "%s",
		 s->reaped ? status_str(s->status) : "not ended");
	return buf[i];
}

/*
 * Until @pid shows @letter, inside the sleep ioctl, with a frame matching
 * @in on its stack and none matching @not_in (NULL: no such check).
 */
static bool wait_where(pid_t pid, char letter, const char *in,
		       const char *not_in, unsigned int ms)
{
	uint64_t end = now_ns() + ms * NSEC_PER_MSEC;

	for (;;) {
		if (proc_state(pid) == letter && in_sleep_ioctl(pid) &&
		    proc_stack_has(pid, in) &&
		    !(not_in && proc_stack_has(pid, not_in)))
			return true;
		if (now_ns() > end || !proc_state(pid))
			return false;
		sleep_ms(10);
	}
}

/*
 * Start a sleeper of @mode on lock @tag and wait until it sleeps as
 * @letter in @in (and not in @not_in); one result line says so.
 */
static bool start_at(struct sleeper *s, unsigned int mode, uint64_t tag,
		     const char *comm, char letter, const char *in,
		     const char *not_in, int handle_sig, const char *what)
{
	struct sleeper_spec spec = {
		.mode = mode, .tag = tag, .comm = comm, .handle_sig = handle_sig,
	};
	bool ok;

	if (spawn_sleeper(s, &spec)) {
		tap_result(0, "%s: fork", what);
		return false;
	}
	ok = wait_where(s->pid, letter, in, not_in, WAIT_MS);
	if (!tap_result(ok, "%s: %s %d shows '%c', asleep in %s", what, comm,
			s->pid, letter, in))
		tap_diag("state '%c', stack: %s", proc_state(s->pid) ?: '-',
			 proc_stack_line(s->pid));
	return ok;
}

/* A holder that takes its lock, or a task that queues for one. */
static bool start(struct sleeper *s, unsigned int mode, uint64_t tag,
		  const char *comm, char letter, bool queued, int handle_sig,
		  const char *what)
{
	return start_at(s, mode, tag, comm, letter, queued ? QUEUED : HOLDING,
			queued ? HOLDING : NULL, handle_sig, what);
}

/*
 * Each of the @n tasks @s[@idx[i]] sleeps inside @fns, by the call trace
 * SysRq w logs for it.
 */
static bool traces_in(struct sleeper *s, const int *idx, int n,
		      const char *fns)
{
	int i, r;
	bool ok = true;

	if (sysrq_show_blocked())
		return false;
	for (i = 0; i < n; i++) {
		r = kmsg_trace_has(&kl, s[idx[i]].pid, fns);
		if (r != 1) {
			tap_diag("pid %d: %s %s in its SysRq w call trace",
				 s[idx[i]].pid, r < 0 ? "no dump" : "not in",
				 fns);
			ok = false;
		}
	}
	if (!ok)
		kmsg_dump(&kl, "", 60);
	return ok;
}

/* The holder @s holds its lock: it sleeps in the module's own wait. */
static bool holds(struct sleeper *s)
{
	return wait_where(s->pid, 'D', HOLDING, NULL, WAIT_MS);
}

/* Still queued in the lock's wait, watched for 300 ms. */
static bool still_queued(struct sleeper *s, char letter)
{
	uint64_t end = now_ns() + 300 * NSEC_PER_MSEC;

	do {
		if (!(proc_state(s->pid) == letter &&
		      proc_stack_has(s->pid, QUEUED) &&
		      !proc_stack_has(s->pid, HOLDING))) {
			tap_diag("pid %d: state '%c', stack: %s", s->pid,
				 proc_state(s->pid) ?: '-', proc_stack_line(s->pid));
			return false;
		}
		sleep_ms(20);
	} while (now_ns() < end);
	return true;
}

static bool release_exit0(struct sleeper *s)
{
	ds_release_pid(devfd, s->pid, WAIT_MS);
	wait_exit(s, WAIT_MS);
	return exited_with(s, 0);
}

static void finish_all(struct sleeper *s, int n)
{
	int i;

	for (i = 0; i < n; i++)
		sleeper_finish(&s[i], devfd);
}

/*
 * A mutex: its holder, and queued behind it in this order a plain waiter,
 * a second holder, a plain waiter that gets SIGKILL, a killable and an
 * interruptible waiter and a third holder, the last three ended by
 * signals while they wait.
 */
static void case_mutex(void)
{
	enum { H1, W1, H2, W4, W2, W3, H3, N };
	const uint64_t tag = 0x100;
	struct sleeper s[N];
	unsigned int released = 9;
	char sig = 0;
	bool ok;
	int ret;

	memset(s, 0, sizeof(s));
	if (!start(&s[H1], DSTATE_MODE_MUTEX_HOLD, tag, "mx-hold1", 'D',
		   false, 0, "mutex_hold: the holder takes the mutex") ||
	    !start(&s[W1], DSTATE_MODE_MUTEX, tag, "mx-wait1", 'D',
		   true, 0, "mutex: a waiter queues") ||
	    !start(&s[H2], DSTATE_MODE_MUTEX_HOLD, tag, "mx-hold2", 'D',
		   true, 0,
		   "mutex_hold: a second holder queues, killably") ||
	    !start(&s[W4], DSTATE_MODE_MUTEX, tag, "mx-wait4", 'D',
		   true, 0, "mutex: another waiter queues") ||
	    !start(&s[W2], DSTATE_MODE_MUTEX_KILLABLE, tag, "mx-killable", 'D',
		   true, 0, "mutex_killable: a waiter queues") ||
	    !start(&s[W3], DSTATE_MODE_MUTEX_INTERRUPTIBLE, tag, "mx-intr", 'S',
		   true, SIGUSR1,
		   "mutex_interruptible: a waiter queues") ||
	    !start(&s[H3], DSTATE_MODE_MUTEX_HOLD, tag, "mx-hold3", 'D',
		   true, 0, "mutex_hold: a third holder queues"))
		goto out;
	{
		static const int d[] = { W1, H2, W4, W2, H3 };

		tap_result(traces_in(s, d, 5, IN_MUTEX),
			   "mutex: the queued tasks in D sleep in mutex_lock, by their call traces (SysRq w)");
	}

	kill(s[W2].pid, SIGKILL);
	wait_exit(&s[W2], WAIT_MS);
	tap_result(killed_by(&s[W2], SIGKILL),
		   "mutex_killable: SIGKILL ends the wait at once (%s)",
		   ended(&s[W2]));
	kill(s[H3].pid, SIGKILL);
	wait_exit(&s[H3], WAIT_MS);
	tap_result(killed_by(&s[H3], SIGKILL),
		   "mutex_hold: a holder still queued dies of SIGKILL at once (%s)",
		   ended(&s[H3]));
	kill(s[W3].pid, SIGUSR1);
	ok = wait_handler(&s[W3], &sig, WAIT_MS);
	wait_exit(&s[W3], WAIT_MS);
	tap_result(ok && sig == SIGUSR1 && exited_with(&s[W3], EINTR),
		   "mutex_interruptible: a handled SIGUSR1 ends the wait with EINTR (%s)",
		   ended(&s[W3]));
	kill(s[W4].pid, SIGKILL);
	tap_result(stays_asleep(&s[W4], SIGKILL, 'D') && still_queued(&s[W4], 'D'),
		   "mutex: SIGKILL pending, the plain waiter stays 'D', queued");
	ret = ds_release(devfd, DSTATE_RELEASE_PID, s[W4].pid, 0, &released);
	tap_result(!ret && released == 0 && still_queued(&s[W4], 'D'),
		   "mutex: release names the waiter, counts 0 and it stays queued (%s, %u)",
		   strerror(-ret), released);

	/* H1 lets go: W1, first in the queue, then H2; W4 behind H2. */
	ok = release_exit0(&s[H1]);
	tap_result(ok, "mutex_hold: released, the holder returns 0 (%s)",
		   ended(&s[H1]));
	wait_exit(&s[W1], WAIT_MS);
	ok = holds(&s[H2]);
	tap_result(exited_with(&s[W1], 0) && ok,
		   "mutex: in queue order, the first waiter took it, dropped it and returned 0 (%s), then the second holder holds it",
		   ended(&s[W1]));
	tap_result(still_queued(&s[W4], 'D'),
		   "mutex: the waiter queued behind the second holder still waits in mutex_lock");
	ok = release_exit0(&s[H2]);
	wait_exit(&s[W4], WAIT_MS);
	tap_result(ok && killed_by(&s[W4], SIGKILL),
		   "mutex: the second holder released, the last waiter gets the mutex and dies of its pending SIGKILL (%s)",
		   ended(&s[W4]));
out:
	finish_all(s, N);
}

/*
 * An rw-semaphore held for writing; queued behind it: a plain reader, two
 * reading holders, a writing holder and a plain writer.
 */
static void case_rwsem(void)
{
	enum { HW, R1, R2, R3, HW2, WW, N };
	const uint64_t tag = 0x200;
	struct sleeper s[N];
	bool ok;

	memset(s, 0, sizeof(s));
	if (!start(&s[HW], DSTATE_MODE_RWSEM_HOLD_WRITE, tag, "rw-holdw", 'D',
		   false, 0, "rwsem_hold_write: the holder takes it for writing") ||
	    !start(&s[R1], DSTATE_MODE_RWSEM_READ, tag, "rw-read", 'D',
		   true, 0, "rwsem_read: a reader queues") ||
	    !start(&s[R2], DSTATE_MODE_RWSEM_HOLD_READ, tag, "rw-holdr1", 'D',
		   true, 0, "rwsem_hold_read: a reading holder queues") ||
	    !start(&s[R3], DSTATE_MODE_RWSEM_HOLD_READ, tag, "rw-holdr2", 'D',
		   true, 0, "rwsem_hold_read: a second reading holder queues") ||
	    !start(&s[HW2], DSTATE_MODE_RWSEM_HOLD_WRITE, tag, "rw-holdw2", 'D',
		   true, 0, "rwsem_hold_write: a writing holder queues") ||
	    !start(&s[WW], DSTATE_MODE_RWSEM_WRITE, tag, "rw-write", 'D',
		   true, 0, "rwsem_write: a writer queues"))
		goto out;
	{
		static const int r[] = { R1, R2, R3 }, w[] = { HW2, WW };

		tap_result(traces_in(s, r, 3, IN_READ) &&
			   traces_in(s, w, 2, IN_WRITE),
			   "rwsem: the queued readers sleep in down_read, the writers in down_write, by their call traces (SysRq w)");
	}

	ok = release_exit0(&s[HW]);
	tap_result(ok, "rwsem_hold_write: released, the writer returns 0 (%s)",
		   ended(&s[HW]));
	wait_exit(&s[R1], WAIT_MS);
	tap_result(exited_with(&s[R1], 0),
		   "rwsem_read: the reader took it, dropped it and returned 0 (%s)",
		   ended(&s[R1]));
	tap_result(holds(&s[R2]) && holds(&s[R3]),
		   "rwsem_hold_read: both reading holders hold it at once");
	tap_result(still_queued(&s[HW2], 'D') &&
		   still_queued(&s[WW], 'D'),
		   "rwsem: the writers still wait in down_write while they read");
	ok = release_exit0(&s[R2]);
	tap_result(ok && still_queued(&s[HW2], 'D'),
		   "rwsem: one reader released (%s), the writing holder still waits for the other",
		   ended(&s[R2]));
	ok = release_exit0(&s[R3]);
	tap_result(ok && holds(&s[HW2]) && still_queued(&s[WW], 'D'),
		   "rwsem: the last reader released (%s), the writing holder holds it, the writer behind still waits",
		   ended(&s[R3]));
	ok = release_exit0(&s[HW2]);
	wait_exit(&s[WW], WAIT_MS);
	tap_result(ok && exited_with(&s[WW], 0),
		   "rwsem_write: the holder released, the writer took it and returned 0 (%s)",
		   ended(&s[WW]));
out:
	finish_all(s, N);
}

/*
 * A semaphore: its holder, and queued behind it a plain waiter, a second
 * holder, a plain waiter that gets SIGKILL and a killable one that dies of
 * it.
 */
static void case_semaphore(void)
{
	enum { HS, S1, HS2, S3, S2, N };
	const uint64_t tag = 0x300;
	struct sleeper s[N];
	bool ok;

	memset(s, 0, sizeof(s));
	if (!start(&s[HS], DSTATE_MODE_SEMAPHORE_HOLD, tag, "sem-hold1", 'D',
		   false, 0, "semaphore_hold: the holder takes it") ||
	    !start(&s[S1], DSTATE_MODE_SEMAPHORE, tag, "sem-wait1", 'D',
		   true, 0, "semaphore: a waiter queues") ||
	    !start(&s[HS2], DSTATE_MODE_SEMAPHORE_HOLD, tag, "sem-hold2", 'D',
		   true, 0, "semaphore_hold: a second holder queues") ||
	    !start(&s[S3], DSTATE_MODE_SEMAPHORE, tag, "sem-wait3", 'D',
		   true, 0, "semaphore: another waiter queues") ||
	    !start(&s[S2], DSTATE_MODE_SEMAPHORE_KILLABLE, tag, "sem-killable",
		   'D', true, 0, "semaphore_killable: a waiter queues"))
		goto out;
	{
		static const int d[] = { S1, HS2, S3, S2 };

		tap_result(traces_in(s, d, 4, IN_SEM),
			   "semaphore: the queued tasks sleep in __down, by their call traces (SysRq w)");
	}

	kill(s[S2].pid, SIGKILL);
	wait_exit(&s[S2], WAIT_MS);
	tap_result(killed_by(&s[S2], SIGKILL),
		   "semaphore_killable: SIGKILL ends the wait at once (%s)",
		   ended(&s[S2]));
	kill(s[S3].pid, SIGKILL);
	tap_result(stays_asleep(&s[S3], SIGKILL, 'D'),
		   "semaphore: SIGKILL pending, the plain waiter stays 'D'");

	ok = release_exit0(&s[HS]);
	wait_exit(&s[S1], WAIT_MS);
	tap_result(ok && exited_with(&s[S1], 0) && holds(&s[HS2]),
		   "semaphore: released (%s), the first waiter returned 0 (%s), then the second holder holds it",
		   ended(&s[HS]), ended(&s[S1]));
	tap_result(still_queued(&s[S3], 'D'),
		   "semaphore: the waiter behind the second holder still waits");
	ok = release_exit0(&s[HS2]);
	wait_exit(&s[S3], WAIT_MS);
	tap_result(ok && killed_by(&s[S3], SIGKILL),
		   "semaphore: the second holder released, the last waiter gets it and dies of its SIGKILL (%s)",
		   ended(&s[S3]));
out:
	finish_all(s, N);
}

/* A holder's timeout, a release before the lock, and who may do what. */
static void case_rules(void)
{
	enum { H, W, H2, N };
	struct sleeper s[N], u;
	struct sleeper_spec spec = {
		.mode = DSTATE_MODE_MUTEX_HOLD, .tag = 0x400,
		.timeout_ns = 2000 * NSEC_PER_MSEC, .comm = "rl-hold",
	};
	unsigned int released = 0;
	pid_t kt = 0;
	bool ok;
	int ret;

	memset(s, 0, sizeof(s));
	if (spawn_sleeper(&s[H], &spec) || !holds(&s[H]) ||
	    !start(&s[W], DSTATE_MODE_MUTEX_KILLABLE, 0x400, "rl-wait", 'D',
		   true, 0, "rules: a waiter queues behind a timed holder"))
		goto out;
	wait_exit(&s[H], WAIT_MS);
	wait_exit(&s[W], WAIT_MS);
	tap_result(exited_with(&s[H], ETIMEDOUT) && exited_with(&s[W], 0),
		   "mutex_hold: a 2 s timeout ends the hold with ETIMEDOUT (%s) and drops the mutex: the waiter returns 0 (%s)",
		   ended(&s[H]), ended(&s[W]));
	finish_all(s, N);

	/* Released while still queued: it takes the lock, drops it, 0. */
	memset(s, 0, sizeof(s));
	if (!start(&s[H], DSTATE_MODE_MUTEX_HOLD, 0x401, "rl-hold1", 'D',
		   false, 0, "rules: a holder takes the mutex") ||
	    !start(&s[H2], DSTATE_MODE_MUTEX_HOLD, 0x401, "rl-hold2", 'D',
		   true, 0, "rules: a second holder queues"))
		goto out;
	ret = ds_release(devfd, DSTATE_RELEASE_PID, s[H2].pid, 0, &released);
	ok = still_queued(&s[H2], 'D');
	tap_result(!ret && released == 1 && ok,
		   "mutex_hold: a holder released while queued counts 1 and stays in the mutex's queue (%s, %u)",
		   strerror(-ret), released);
	ok = release_exit0(&s[H]);
	wait_exit(&s[H2], WAIT_MS);
	tap_result(ok && exited_with(&s[H2], 0),
		   "mutex_hold: once the first is released, it takes the mutex, drops it at once and returns 0 (%s)",
		   ended(&s[H2]));
	finish_all(s, N);

	/* Without CAP_SYS_ADMIN, given the device as a udev rule would. */
	if (!tap_result(chmod(DSTATE_DEV, 0666) == 0, "chmod 0666 %s",
			DSTATE_DEV))
		return;
	memset(&spec, 0, sizeof(spec));
	spec.unprivileged = true;
	spec.tag = 0x402;
	spec.mode = DSTATE_MODE_MUTEX;
	if (!spawn_sleeper(&u, &spec)) {
		wait_exit(&u, WAIT_MS);
		tap_result(exited_with(&u, EPERM),
			   "mutex: without CAP_SYS_ADMIN, a wait no signal ends is refused: EPERM (%s)",
			   ended(&u));
		sleeper_finish(&u, devfd);
	}
	spec.mode = DSTATE_MODE_MUTEX_HOLD;
	if (!spawn_sleeper(&u, &spec)) {
		wait_exit(&u, WAIT_MS);
		tap_result(exited_with(&u, EPERM),
			   "mutex_hold: without CAP_SYS_ADMIN and no timeout: EPERM (%s)",
			   ended(&u));
		sleeper_finish(&u, devfd);
	}
	spec.mode = DSTATE_MODE_MUTEX_KILLABLE;
	if (!spawn_sleeper(&u, &spec)) {
		wait_exit(&u, WAIT_MS);
		tap_result(exited_with(&u, 0),
			   "mutex_killable: without CAP_SYS_ADMIN, a free mutex is taken and the call returns 0 (%s)",
			   ended(&u));
		sleeper_finish(&u, devfd);
	}
	chmod(DSTATE_DEV, 0600);
	ret = ds_kthread(devfd, DSTATE_MODE_MUTEX_HOLD, 0, 0x403, &kt);
	tap_result(ret == -EINVAL,
		   "mutex_hold: a kernel thread may not sleep in a lock mode: EINVAL (%s)",
		   strerror(-ret));
	return;
out:
	finish_all(s, N);
}

/* What `dstate sleep` says of a lock mode, and its exit status. */
static void cli_case(const char *args, const char *want, const char *what)
{
	char cmd[160], buf[512] = "";
	int status;

	snprintf(cmd, sizeof(cmd), "/usr/bin/dstate sleep %s > /tmp/lk.out 2>&1",
		 args);
	status = system(cmd);
	read_file("/tmp/lk.out", buf, sizeof(buf));
	if (!tap_result(WIFEXITED(status) && WEXITSTATUS(status) == 0 &&
			strstr(buf, want), "dstate sleep %s: %s", args, what))
		tap_diag("status 0x%x, output: %s", status, buf);
	unlink("/tmp/lk.out");
}

/* The CLI knows the lock modes by name, from the uapi's list. */
static void case_cli(void)
{
	cli_case("mutex_hold --tag 7 --timeout 300ms", "timed out",
		 "a holder on its own holds until its timeout");
	cli_case("mutex_killable --tag 7", "took the lock and dropped it",
		 "a waiter of a free mutex takes it and returns at once");
}

struct hung {
	const char *comm;
	unsigned int mode;
	uint64_t tag;
	int holder;		/* index of its holder; -1 for a holder */
	bool reported;		/* the detector must report it */
	struct sleeper s;
	char needle[80];
};

/*
 * The hung-task detector, its timeout lowered to 2 s: it reports the plain
 * waiters (and the holders, asleep uninterruptibly), never a killable
 * waiter; with CONFIG_DETECT_HUNG_TASK_BLOCKER (6.15 on) its report of a
 * waiter names the pid of the task that holds the lock.
 */
static void case_hung(void)
{
	struct kmsg *k = &kl;
	static const char *const sysctls[][2] = {
		{ "/proc/sys/kernel/hung_task_panic", "0" },
		{ "/proc/sys/kernel/hung_task_warnings", "-1" },
		{ "/proc/sys/kernel/hung_task_check_interval_secs", "1" },
		{ "/proc/sys/kernel/hung_task_timeout_secs", "2" },
	};
	struct hung h[] = {
#define HK(c, m, t, h, r)						\
		{ .comm = (c), .mode = DSTATE_MODE_##m, .tag = (t),		\
		  .holder = (h), .reported = (r) }
		HK("hk-mxhold", MUTEX_HOLD, 0x501, -1, true),
		/* The silent one before those reported: it is the older. */
		HK("hk-mxkill", MUTEX_KILLABLE, 0x501, 0, false),
		HK("hk-mutex", MUTEX, 0x501, 0, true),
		HK("hk-rwhold", RWSEM_HOLD_WRITE, 0x502, -1, true),
		HK("hk-rwread", RWSEM_READ, 0x502, 3, true),
		HK("hk-rwwrite", RWSEM_WRITE, 0x502, 3, true),
		HK("hk-semhold", SEMAPHORE_HOLD, 0x503, -1, true),
		HK("hk-sem", SEMAPHORE, 0x503, 6, true),
#undef HK
	};
	const int n = (int)(sizeof(h) / sizeof(h[0]));
	int i, all, blocker = kconfig_enabled("DETECT_HUNG_TASK_BLOCKER");
	char a[80], b[64];
	uint64_t end;
	bool ok = true;

	for (i = 0; i < (int)(sizeof(sysctls) / sizeof(sysctls[0])); i++)
		ok = !write_file(sysctls[i][0], sysctls[i][1]) && ok;
	if (!tap_result(ok, "hung-task detector: timeout 2 s, checked every 1 s"))
		return;

	for (i = 0; i < n; i++) {
		struct sleeper_spec spec = {
			.mode = h[i].mode, .tag = h[i].tag, .comm = h[i].comm,
		};

		if (spawn_sleeper(&h[i].s, &spec))
			continue;
		snprintf(h[i].needle, sizeof(h[i].needle),
			 "task %s:%d blocked for more than", h[i].comm,
			 h[i].s.pid);
		ok = wait_where(h[i].s.pid, 'D',
				h[i].holder < 0 ? HOLDING : QUEUED,
				h[i].holder < 0 ? NULL : HOLDING, WAIT_MS);
		tap_result(ok, "hung: %s %d shows 'D', %s", h[i].comm,
			   h[i].s.pid, h[i].holder < 0 ? "holding" : "queued");
	}

	end = now_ns() + 60000 * NSEC_PER_MSEC;
	do {
		all = 1;
		for (i = 0; i < n; i++)
			if (h[i].reported && kmsg_count(k, h[i].needle) < 2)
				all = 0;
		if (all)
			break;
		sleep_ms(100);
	} while (now_ns() < end);

	for (i = 0; i < n; i++) {
		int times = kmsg_count(k, h[i].needle);

		if (h[i].reported)
			tap_result(times >= 2, "hung: the detector reports %s %d (%d times)",
				   h[i].comm, h[i].s.pid, times);
		else
			tap_result(all && !times && proc_state(h[i].s.pid) == 'D',
				   "hung: the detector never reports the killable waiter %s %d, still 'D' (%d reports)",
				   h[i].comm, h[i].s.pid, times);
	}
	for (i = 0; i < n; i++) {
		const struct hung *ho;

		if (h[i].holder < 0 || !h[i].reported)
			continue;
		ho = &h[h[i].holder];
		if (blocker != 1) {
			snprintf(a, sizeof(a), "hung: the report of %s names its holder",
				 h[i].comm);
			tap_skip(a, blocker < 0 ? "no kernel config in the VM" :
				 "no CONFIG_DETECT_HUNG_TASK_BLOCKER in this kernel (6.15 on)");
			continue;
		}
		snprintf(a, sizeof(a), "task %s:%d ", h[i].comm, h[i].s.pid);
		snprintf(b, sizeof(b), "by task %s:%d", ho->comm, ho->s.pid);
		if (!tap_result(kmsg_line_has(k, a, b),
				"hung: a report line of %s:%d names the holder, \"%s\"",
				h[i].comm, h[i].s.pid, b))
			kmsg_dump(k, "likely", 10);
	}

	write_file("/proc/sys/kernel/hung_task_timeout_secs", "0");
	ds_release(devfd, DSTATE_RELEASE_ALL, 0, 0, NULL);
	ok = true;
	for (i = 0; i < n; i++) {
		if (h[i].s.pid <= 0)
			continue;
		wait_exit(&h[i].s, WAIT_MS);
		ok = exited_with(&h[i].s, 0) && ok;
		sleeper_finish(&h[i].s, devfd);
	}
	tap_result(ok, "hung: release of all ends the holders, and every waiter returns 0");
}

int main(void)
{
	int ret;

	tap_header();
	devfd = ds_setup(&kl);
	if (devfd < 0)
		return tap_finish();
	case_mutex();
	case_rwsem();
	case_semaphore();
	case_rules();
	case_cli();
	case_hung();
	/* Not kmsg_clean(): SysRq w and the detector log call traces. */
	tap_result(!kmsg_count(&kl, "BUG") && !kmsg_count(&kl, "WARNING") &&
		   !kmsg_count(&kl, "Oops"),
		   "no BUG, WARNING or Oops in the kernel log");
	close(devfd);
	ret = mod_unload();
	tap_result(ret == 0, "rmmod succeeds: no lock set or sleeper is left (%s)",
		   strerror(-ret));
	kmsg_end(&kl);
	return tap_finish();
}
