// SPDX-License-Identifier: GPL-2.0
/*
 * Module reference counts done right, judged by the kernel: the errno of
 * delete_module(2), rmmod(8)'s exit status, the "used by" count and state
 * in /proc/modules, and the kernel log.
 *
 * An open fd, a sleeping process and a sleeping dstate/N kernel thread
 * each pin the module; sleeps that ended (released, timed out, killed,
 * interrupted) and released kernel threads leave no reference behind.
 *
 * The kernel refuses to unload a module in use with EWOULDBLOCK (EAGAIN)
 * from delete_module(2), and rmmod(8) checks the count first and says
 * "in use"; EBUSY is what it gives while the module is still loading or
 * going away.  Either errno is accepted as "refused"; the diag says which.
 */
/* vm-options: -t 300 */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "dtest.h"

static bool refused(int ret)
{
	return ret == -EWOULDBLOCK || ret == -EBUSY;
}

/* Whatever a failed case left loaded, unload it before the next one. */
static void leftover(void)
{
	int fd;

	if (mod_refcnt() < 0)
		return;
	fd = dev_open();
	if (fd >= 0) {
		ds_release(fd, DSTATE_RELEASE_ALL, 0, 0, NULL);
		close(fd);
	}
	if (mod_unload())
		tap_diag("a previous case left dstate loaded (used by %d)",
			 mod_refcnt());
}

static bool load(void)
{
	int ret;

	leftover();
	ret = mod_load(NULL);

	if (ret)
		tap_diag("insmod: %s", strerror(-ret));
	return !ret;
}

/* Unloaded for good: the syscall worked and the kernel forgot it. */
static bool unloaded(int ret)
{
	return ret == 0 && mod_refcnt() < 0 && access(DSTATE_DEV, F_OK) != 0;
}

static void case_open_fd(void)
{
	struct kmsg k;
	int fd, ret;

	kmsg_begin(&k);
	if (!tap_result(load(), "open fd: insmod"))
		return;
	fd = dev_open();
	ret = mod_unload();
	tap_diag("delete_module with /dev/dstate open: %s", strerror(-ret));
	tap_result(fd >= 0 && refused(ret) && mod_live() && mod_refcnt() >= 1,
		   "an open fd pins the module: rmmod refused, still Live, used by %d",
		   mod_refcnt());
	close(fd);
	ret = mod_unload();
	tap_result(unloaded(ret), "fd closed: rmmod succeeds, /dev/dstate is gone (%s)",
		   strerror(-ret));
	tap_result(kmsg_clean(&k), "open fd: nothing in the kernel log");
	kmsg_end(&k);
}

static void case_sleeper(void)
{
	struct sleeper_spec spec = {
		.mode = DSTATE_MODE_UNINTERRUPTIBLE, .comm = "rc-sleeper",
	};
	struct sleeper s;
	struct kmsg k;
	int fd, ret, rc;

	kmsg_begin(&k);
	if (!tap_result(load(), "sleeper: insmod"))
		return;
	if (spawn_sleeper(&s, &spec) || !wait_sleeping(s.pid, 'D', WAIT_MS)) {
		tap_result(0, "sleeper: never seen asleep in D");
		sleeper_finish(&s, -1);
		return;
	}
	/* Only the sleeper holds the device now. */
	ret = mod_unload();
	tap_diag("delete_module while a task sleeps in the module: %s",
		 strerror(-ret));
	tap_result(refused(ret) && mod_live() && mod_refcnt() >= 1,
		   "a sleeper pins the module: rmmod refused, still Live, used by %d",
		   mod_refcnt());
	rc = run_rmmod();
	tap_result(rc != 0 && mod_live(), "rmmod(8) fails too (exit status %d)", rc);
	tap_result(proc_state(s.pid) == 'D' && in_sleep_ioctl(s.pid) &&
		   still_there(&s),
		   "the refused rmmod leaves the sleeper asleep in D");

	fd = dev_open();
	ret = fd < 0 ? -errno : ds_release_pid(fd, s.pid, WAIT_MS);
	if (fd >= 0)
		close(fd);
	wait_exit(&s, WAIT_MS);
	tap_result(!ret && exited_with(&s, 0),
		   "released, the sleeper's call returns 0 (%s)",
		   s.reaped ? status_str(s.status) : "not ended");
	sleeper_finish(&s, -1);
	ret = mod_unload();
	tap_result(unloaded(ret), "then rmmod succeeds, /dev/dstate is gone (%s)",
		   strerror(-ret));
	tap_result(kmsg_clean(&k), "sleeper: nothing in the kernel log");
	kmsg_end(&k);
}

/* Every way a sleep can end must give its references back. */
static void case_ended(void)
{
	struct sleeper_spec spec[] = {
		{ .mode = DSTATE_MODE_UNINTERRUPTIBLE, .comm = "rc-released" },
		{ .mode = DSTATE_MODE_IDLE, .comm = "rc-timeout",
		  .timeout_ns = 300 * NSEC_PER_MSEC },
		{ .mode = DSTATE_MODE_KILLABLE, .comm = "rc-killed" },
		{ .mode = DSTATE_MODE_INTERRUPTIBLE, .comm = "rc-eintr",
		  .handle_sig = SIGUSR1 },
	};
	const char letter[] = { 'D', 'I', 'D', 'S' };
	const int nr = sizeof(spec) / sizeof(spec[0]);
	struct sleeper s[4];
	struct kmsg k;
	int fd, i, ret, asleep = 0;
	bool ok;

	kmsg_begin(&k);
	if (!tap_result(load(), "ended sleepers: insmod"))
		return;
	for (i = 0; i < nr; i++) {
		spawn_sleeper(&s[i], &spec[i]);
		/* The timed one may be over before we look: that is fine. */
		asleep += wait_sleeping(s[i].pid, letter[i], WAIT_MS) || i == 1;
	}
	fd = dev_open();
	ds_release_pid(fd, s[0].pid, WAIT_MS);
	close(fd);
	kill(s[2].pid, SIGKILL);
	kill(s[3].pid, SIGUSR1);
	for (i = 0; i < nr; i++)
		wait_exit(&s[i], WAIT_MS);
	ok = asleep == nr && exited_with(&s[0], 0) &&
	     exited_with(&s[1], ETIMEDOUT) && killed_by(&s[2], SIGKILL) &&
	     exited_with(&s[3], EINTR);
	tap_result(ok, "sleeps ended by release, timeout, SIGKILL and EINTR (%s, ...)",
		   s[1].reaped ? status_str(s[1].status) : "timeout not ended");
	for (i = 0; i < nr; i++)
		sleeper_finish(&s[i], -1);
	tap_result(mod_refcnt() == 0,
		   "they leave no reference behind: used by %d", mod_refcnt());
	ret = mod_unload();
	tap_result(unloaded(ret), "rmmod succeeds (%s)", strerror(-ret));
	tap_result(kmsg_clean(&k), "ended sleepers: nothing in the kernel log");
	kmsg_end(&k);
}

/*
 * A dstate/N kernel thread asleep in the module is "a task sleeping in
 * it": it pins the module like a process sleeper, with no fd open at all.
 * Released, the threads are stopped and gone, and the module can go.
 */
static void case_kthreads(void)
{
	static const struct {
		unsigned int mode;
		char letter[2];
	} kt[] = {
		{ DSTATE_MODE_UNINTERRUPTIBLE, "D" },
		{ DSTATE_MODE_KILLABLE, "D" },
		{ DSTATE_MODE_IDLE, "I" },
		{ DSTATE_MODE_INTERRUPTIBLE, "S" },
	};
	const int nr = sizeof(kt) / sizeof(kt[0]);
	pid_t pid[4] = { -1, -1, -1, -1 };
	struct kmsg k;
	int fd, i, ret, asleep = 0, gone = 0;

	kmsg_begin(&k);
	if (!tap_result(load(), "kernel threads: insmod"))
		return;
	fd = dev_open();
	for (i = 0; i < nr; i++) {
		ret = ds_kthread(fd, kt[i].mode, 0, 0, &pid[i]);
		if (ret)
			tap_diag("DSTATE_IOC_KTHREAD: %s", strerror(-ret));
		else
			asleep += wait_state(pid[i], kt[i].letter, WAIT_MS) != 0;
	}
	close(fd);
	tap_result(asleep == nr, "%d kernel threads asleep (D, D, I, S)", asleep);

	ret = mod_unload();
	tap_diag("delete_module with kernel threads asleep, no fd open: %s",
		 strerror(-ret));
	tap_result(refused(ret) && mod_live() && mod_refcnt() >= 1,
		   "sleeping kernel threads pin the module: rmmod refused, still Live, used by %d",
		   mod_refcnt());
	asleep = 0;
	for (i = 0; i < nr; i++)
		asleep += pid[i] > 0 && proc_state(pid[i]) == kt[i].letter[0];
	tap_result(asleep == nr, "the refused rmmod leaves them asleep (%d)",
		   asleep);

	fd = dev_open();
	ds_release(fd, DSTATE_RELEASE_ALL, 0, 0, NULL);
	close(fd);
	for (i = 0; i < nr; i++)
		gone += pid[i] > 0 && wait_gone(pid[i], WAIT_MS);
	tap_result(gone == nr,
		   "released, every kernel thread is stopped and gone from /proc (%d of %d)",
		   gone, nr);
	ret = wait_refcnt(0, WAIT_MS);
	tap_result(ret == 0, "they leave no reference behind: used by %d", ret);
	ret = mod_unload();
	tap_result(unloaded(ret), "then rmmod succeeds (%s)", strerror(-ret));
	tap_result(kmsg_clean(&k), "kernel threads: nothing in the kernel log");
	kmsg_end(&k);
}

int main(void)
{
	tap_header();
	case_open_fd();
	case_sleeper();
	case_ended();
	case_kthreads();
	leftover();
	return tap_finish();
}
