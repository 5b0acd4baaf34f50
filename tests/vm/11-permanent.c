// SPDX-License-Identifier: GPL-2.0
/*
 * The permanent mode: TASK_UNINTERRUPTIBLE forever.  Nothing wakes it —
 * not SIGTERM, a handled SIGUSR1, SIGKILL, SIGSTOP, a release or its own
 * timeout — it counts in the load average and it pins the module.  Its
 * sleepers never end, so this runs in a VM of its own, which powers off
 * with them still in D.
 *
 * "Never wakes" is proved with SIGKILL: a task with SIGKILL pending dies
 * the moment it returns towards user space, so one still listed, in D,
 * still inside the sleep ioctl with SIGKILL pending, has never left it.
 */
/* vm-options: -t 300 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "dtest.h"
#include "fixture.h"

#define NR_SLEEPERS	20
#define TIMEOUT_MS	300

/* The first few sleepers each get one signal; the rest only count. */
static const struct {
	int sig;
	const char *name;
} signals[] = {
	{ SIGTERM, "SIGTERM" },
	{ SIGUSR1, "SIGUSR1 (handled)" },
	{ SIGKILL, "SIGKILL" },
	{ SIGSTOP, "SIGSTOP" },
};
#define NR_SIGNALED	(int)(sizeof(signals) / sizeof(signals[0]))
#define TIMED		NR_SIGNALED	/* the sleeper with a timeout */

int main(void)
{
	struct sleeper s[NR_SLEEPERS];
	struct sleeper_spec spec = { .mode = DSTATE_MODE_PERMANENT };
	unsigned int released = 0;
	char comm[16], got = 0;
	double load0, load = 0;
	uint64_t all_asleep, end;
	int devfd, ret, i, n = 0, ok_count;
	struct kmsg k;
	bool ok;

	tap_header();
	devfd = ds_setup(&k);
	if (devfd < 0)
		return tap_finish();

	load0 = loadavg1();
	for (n = 0; n < NR_SLEEPERS; n++) {
		snprintf(comm, sizeof(comm), "perm-%d", n);
		spec.comm = comm;
		spec.handle_sig = n == 1 ? SIGUSR1 : 0;
		spec.timeout_ns = n == TIMED ? TIMEOUT_MS * NSEC_PER_MSEC : 0;
		if (spawn_sleeper(&s[n], &spec))
			break;
	}
	ok_count = wait_all_sleeping(s, n, 'D', WAIT_MS);
	all_asleep = now_ns();
	if (!tap_result(n == NR_SLEEPERS && ok_count == n,
			"%d permanent sleepers show D in the sleep ioctl (%d of %d)",
			NR_SLEEPERS, ok_count, n))
		return tap_finish();

	for (i = 0; i < NR_SIGNALED; i++) {
		kill(s[i].pid, signals[i].sig);
		ok = stays_asleep(&s[i], signals[i].sig, 'D');
		if (signals[i].sig == SIGUSR1)
			ok = ok && handler_bytes(&s[i], &got, 1) == 0;
		tap_result(ok, "permanent: %s pending, it stays D in the call",
			   signals[i].name);
	}

	/* SIGKILL pending proves nothing leaves the call: kill them all. */
	for (i = 0; i < n; i++)
		kill(s[i].pid, SIGKILL);
	for (i = 0; i < n; i++)
		wait_pending(s[i].pid, SIGKILL, WAIT_MS);

	ret = ds_release(devfd, DSTATE_RELEASE_ALL, 0, 0, &released);
	tap_result(!ret && released == 0,
		   "release all wakes no permanent sleeper and says so (%s, %u)",
		   strerror(-ret), released);
	ret = ds_release(devfd, DSTATE_RELEASE_PID, s[0].pid, 0, &released);
	tap_diag("release by pid of a permanent sleeper: %s, released %u",
		 ret ? strerror(-ret) : "0", released);
	tap_result(ret || released == 0,
		   "release by pid wakes no permanent sleeper");

	/* A deadline, not a hope: the timeout has provably passed. */
	end = s[TIMED].started_ns + (TIMEOUT_MS + 200) * NSEC_PER_MSEC;
	while (now_ns() < end)
		sleep_ms(10);
	ok_count = 0;
	for (i = 0; i < n; i++) {
		ok = proc_state(s[i].pid) == 'D' && in_sleep_ioctl(s[i].pid) &&
		     still_there(&s[i]) && sig_pending(s[i].pid, SIGKILL);
		if (!ok)
			tap_diag("perm-%d: state '%c', in the call %d, %s", i,
				 proc_state(s[i].pid) ?: '-',
				 in_sleep_ioctl(s[i].pid),
				 s[i].reaped ? status_str(s[i].status) : "listed");
		ok_count += ok;
	}
	tap_result(ok_count == n,
		   "after release and its %d ms timeout, every one is still D in the call with SIGKILL pending (%d of %d)",
		   TIMEOUT_MS, ok_count, n);
	tap_result(handler_bytes(&s[1], &got, 1) == 0,
		   "the SIGUSR1 handler of a permanent sleeper never ran");

	close(devfd);
	ret = mod_unload();
	tap_diag("delete_module while permanent sleepers exist: %s",
		 ret ? strerror(-ret) : "succeeded");
	tap_result((ret == -EBUSY || ret == -EWOULDBLOCK) && mod_live() &&
		   mod_refcnt() >= 1,
		   "permanent sleepers pin the module: rmmod is refused, dstate still Live (used by %d)",
		   mod_refcnt());
	tap_result(run_rmmod() != 0 && mod_live(),
		   "rmmod(8) fails too and dstate stays loaded");

	/*
	 * 20 tasks in D raise the 1-minute load by 20 * (1 - e^(-5/60)),
	 * about 1.6, at each 5 s sample: 1.0 within 15 s cannot be chance.
	 */
	end = all_asleep + 15000 * NSEC_PER_MSEC;
	do {
		load = loadavg1();
		if (load >= load0 + 1.0)
			break;
		sleep_ms(100);
	} while (now_ns() < end);
	tap_result(load >= load0 + 1.0,
		   "%d permanent sleepers raise the 1-minute load average by 1.0 within 15 s (%.2f -> %.2f)",
		   NR_SLEEPERS, load0, load);

	tap_result(kmsg_clean(&k), "no BUG, WARNING or Oops in the kernel log");
	kmsg_end(&k);
	for (i = 0; i < n; i++)
		sleeper_close(&s[i]);
	tap_diag("%d permanent sleepers stay in D until the VM powers off", n);
	return tap_finish();
}
