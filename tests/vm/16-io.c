// SPDX-License-Identifier: GPL-2.0
/*
 * The io mode: uninterruptible, but asleep in io_schedule() as a task that
 * waits for block I/O.  What tells it from plain uninterruptible is what
 * the scheduler counts: nr_iowait, which /proc/stat shows as procs_blocked
 * (node_exporter's node_procs_blocked) and the idle CPUs' time as iowait.
 *
 * Judged by the kernel alone: the /proc letter, the call trace SysRq w
 * logs (in io_schedule; /proc/PID/stack and wchan leave the scheduler's
 * functions out), /proc/stat's procs_blocked rising by exactly the io
 * sleepers and not at all for as many uninterruptible ones, the cpu line's
 * iowait, and the wait status.  Otherwise io keeps uninterruptible's
 * contract: SIGKILL stays pending until release, a timeout ends it, a
 * kernel thread may sleep so, and a caller without CAP_SYS_ADMIN needs a
 * timeout.
 */
/* vm-options: -t 300 */
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

#define NR	4

static int devfd = -1;
static struct kmsg k;

/* The call trace SysRq w logs for @pid has @fn (io_schedule). */
static bool trace_has(pid_t pid, const char *fn)
{
	if (sysrq_show_blocked())
		return false;
	return kmsg_trace_has(&k, pid, fn) == 1;
}

/* Until procs_blocked is @want; the last value read. */
static long long wait_blocked(long long want, unsigned int ms)
{
	uint64_t end = now_ns() + ms * NSEC_PER_MSEC;
	long long v;

	for (;;) {
		v = proc_stat_value("procs_blocked");
		if (v == want || now_ns() > end)
			return v;
		sleep_ms(10);
	}
}

static int start_n(struct sleeper *s, int n, unsigned int mode,
		   const char *comm)
{
	struct sleeper_spec spec = { .mode = mode, .comm = comm };
	int i;

	for (i = 0; i < n; i++)
		if (spawn_sleeper(&s[i], &spec))
			s[i].pid = -1;
	return wait_all_sleeping(s, n, 'D', WAIT_MS);
}

static int release_n(struct sleeper *s, int n)
{
	int i, clean = 0;

	for (i = 0; i < n; i++) {
		if (s[i].pid <= 0)
			continue;
		ds_release_pid(devfd, s[i].pid, WAIT_MS);
		wait_exit(&s[i], WAIT_MS);
		clean += exited_with(&s[i], 0);
		sleeper_finish(&s[i], devfd);
	}
	return clean;
}

static void case_counts(void)
{
	struct sleeper io[NR], un[NR];
	long long base, v, lo, hi, t0, t1;
	int asleep, n, i;
	uint64_t end;

	base = proc_stat_value("procs_blocked");
	tap_result(base >= 0, "/proc/stat shows procs_blocked (%lld)", base);

	asleep = start_n(io, NR, DSTATE_MODE_IO, "io-sleeper");
	tap_result(asleep == NR, "%d io sleepers show 'D' in the sleep ioctl (%d)",
		   NR, asleep);
	n = 0;
	sysrq_show_blocked();
	for (i = 0; i < NR; i++)
		n += io[i].pid > 0 &&
		     kmsg_trace_has(&k, io[i].pid, "io_schedule") == 1;
	if (!tap_result(n == NR, "each sleeps in io_schedule (its call trace in SysRq w; %d of %d)",
			n, NR))
		kmsg_dump(&k, "", 40);
	v = wait_blocked(base + NR, WAIT_MS);
	tap_result(v == base + NR,
		   "procs_blocked rises by exactly the %d io sleepers (%lld -> %lld)",
		   NR, base, v);

	/* Idle CPUs with a task in iowait count that time as iowait. */
	t0 = cpu_iowait_ticks();
	end = now_ns() + 5000 * NSEC_PER_MSEC;
	do {
		sleep_ms(100);
		t1 = cpu_iowait_ticks();
	} while (t1 - t0 < 20 && now_ns() < end);
	tap_result(t0 >= 0 && t1 - t0 >= 20,
		   "the cpu line's iowait time grows while they sleep (%lld ticks)",
		   t1 - t0);

	asleep = start_n(un, NR, DSTATE_MODE_UNINTERRUPTIBLE, "un-sleeper");
	n = 0;
	sysrq_show_blocked();
	for (i = 0; i < NR; i++)
		n += un[i].pid > 0 &&
		     kmsg_trace_has(&k, un[i].pid, "io_schedule") == 0;
	/*
	 * Not counted: watched for a second once all are asleep, procs_blocked
	 * never moves from the io sleepers' count.
	 */
	lo = hi = proc_stat_value("procs_blocked");
	end = now_ns() + 1000 * NSEC_PER_MSEC;
	while (now_ns() < end) {
		v = proc_stat_value("procs_blocked");
		lo = v < lo ? v : lo;
		hi = v > hi ? v : hi;
		sleep_ms(20);
	}
	tap_result(asleep == NR && n == NR && lo == base + NR && hi == base + NR,
		   "%d uninterruptible sleepers, 'D' outside io_schedule, add nothing to procs_blocked (%lld..%lld over 1 s, want %lld)",
		   NR, lo, hi, base + NR);

	n = release_n(io, NR);
	v = wait_blocked(base, WAIT_MS);
	tap_result(n == NR && v == base,
		   "released, the io sleepers return 0 (%d) and procs_blocked is back to %lld (%lld)",
		   n, base, v);
	n = release_n(un, NR);
	tap_result(n == NR, "released, the uninterruptible sleepers return 0 (%d)",
		   n);
}

/*
 * The load average counts io sleepers, as it counts every D without
 * TASK_NOLOAD: 20 of them move the 1-minute figure by 1.0 within 15 s
 * (15-loadavg gives the arithmetic).
 */
static void case_loadavg(void)
{
	struct sleeper s[20];
	double load0, load = 0;
	int asleep, n;
	uint64_t end;

	asleep = start_n(s, 20, DSTATE_MODE_IO, "io-load");
	load0 = loadavg1();
	end = now_ns() + 15000 * NSEC_PER_MSEC;
	while (now_ns() < end) {
		load = loadavg1();
		if (load >= load0 + 1.0)
			break;
		sleep_ms(100);
	}
	tap_result(asleep == 20 && load >= load0 + 1.0,
		   "20 io sleepers count in the load average: the 1-minute load rises by 1.0 (%.2f -> %.2f)",
		   load0, load);
	n = release_n(s, 20);
	tap_result(n == 20, "released, all 20 return 0 (%d)", n);
}

static void case_timeout(void)
{
	const uint64_t timeout = 500 * NSEC_PER_MSEC;
	struct sleeper_spec spec = {
		.mode = DSTATE_MODE_IO, .timeout_ns = timeout,
		.comm = "io-timeout",
	};
	struct sleeper s;
	uint64_t took;
	bool asleep;

	if (spawn_sleeper(&s, &spec)) {
		tap_result(0, "io: timeout: fork");
		return;
	}
	asleep = wait_sleeping(s.pid, 'D', WAIT_MS) &&
		 trace_has(s.pid, "io_schedule");
	wait_exit(&s, WAIT_MS);
	took = now_ns() - s.started_ns;
	tap_result(asleep && exited_with(&s, ETIMEDOUT) && took >= timeout,
		   "io: 'D' in io_schedule, a 500 ms timeout ends it with ETIMEDOUT (%s after %llu ms)",
		   s.reaped ? status_str(s.status) : "not ended",
		   (unsigned long long)(took / NSEC_PER_MSEC));
	sleeper_finish(&s, devfd);
}

static void case_sigkill(void)
{
	struct sleeper_spec spec = { .mode = DSTATE_MODE_IO, .comm = "io-kill" };
	struct sleeper s;

	if (spawn_sleeper(&s, &spec) || !wait_sleeping(s.pid, 'D', WAIT_MS)) {
		tap_result(0, "io: SIGKILL: never asleep");
		sleeper_finish(&s, devfd);
		return;
	}
	kill(s.pid, SIGKILL);
	tap_result(stays_asleep(&s, SIGKILL, 'D'),
		   "io: SIGKILL pending, it stays 'D' in the call");
	ds_release_pid(devfd, s.pid, WAIT_MS);
	wait_exit(&s, WAIT_MS);
	tap_result(killed_by(&s, SIGKILL), "io: released, it dies of the SIGKILL (%s)",
		   s.reaped ? status_str(s.status) : "not ended");
	sleeper_finish(&s, devfd);
}

static void case_kthread(void)
{
	long long base = proc_stat_value("procs_blocked"), v;
	pid_t pid = 0;
	int ret;
	bool ok;

	ret = ds_kthread(devfd, DSTATE_MODE_IO, 0, 0, &pid);
	if (!tap_result(!ret, "io: a dstate/N kernel thread starts (%s)",
			strerror(-ret)))
		return;
	ok = wait_state(pid, "D", WAIT_MS) == 'D' &&
	     trace_has(pid, "io_schedule");
	v = wait_blocked(base + 1, WAIT_MS);
	tap_result(ok && v == base + 1,
		   "io: the kernel thread shows 'D' in io_schedule and counts in procs_blocked (%lld -> %lld)",
		   base, v);
	ds_release_pid(devfd, pid, WAIT_MS);
	ok = wait_not_state(pid, 'D', WAIT_MS);
	v = wait_blocked(base, WAIT_MS);
	tap_result(ok && v == base,
		   "io: released, the kernel thread leaves 'D' and procs_blocked is back (%lld)",
		   v);
}

static void case_unprivileged(void)
{
	struct sleeper_spec spec = {
		.mode = DSTATE_MODE_IO, .unprivileged = true, .comm = "io-user",
	};
	struct sleeper s;

	/* Given the device, as a udev rule would give it to a group. */
	if (!tap_result(chmod(DSTATE_DEV, 0666) == 0, "chmod 0666 %s",
			DSTATE_DEV))
		return;

	if (!spawn_sleeper(&s, &spec)) {
		wait_exit(&s, WAIT_MS);
		tap_result(exited_with(&s, EPERM),
			   "io: without CAP_SYS_ADMIN and no timeout, EPERM (%s)",
			   s.reaped ? status_str(s.status) : "not ended");
		sleeper_finish(&s, devfd);
	}
	spec.timeout_ns = 200 * NSEC_PER_MSEC;
	if (!spawn_sleeper(&s, &spec)) {
		wait_exit(&s, WAIT_MS);
		tap_result(exited_with(&s, ETIMEDOUT),
			   "io: without CAP_SYS_ADMIN a 200 ms timeout is allowed, and ends it (%s)",
			   s.reaped ? status_str(s.status) : "not ended");
		sleeper_finish(&s, devfd);
	}
	chmod(DSTATE_DEV, 0600);
}

/* The CLI knows the mode by its name, from the uapi's list. */
static void case_cli(void)
{
	int status = system("/usr/bin/dstate sleep io --timeout 300ms > /tmp/io.out 2>&1");
	char buf[512] = "";

	read_file("/tmp/io.out", buf, sizeof(buf));
	if (!tap_result(WIFEXITED(status) && WEXITSTATUS(status) == 0 &&
			strstr(buf, "timed out"),
			"dstate sleep io --timeout 300ms: exit 0, woke \"timed out\""))
		tap_diag("status 0x%x, output: %s", status, buf);
	unlink("/tmp/io.out");
}

int main(void)
{
	int ret;

	tap_header();
	devfd = ds_setup(&k);
	if (devfd < 0)
		return tap_finish();
	case_counts();
	case_loadavg();
	case_timeout();
	case_sigkill();
	case_kthread();
	case_unprivileged();
	case_cli();
	/* Not kmsg_clean(): the SysRq dumps are call traces on purpose. */
	tap_result(!kmsg_count(&k, "BUG") && !kmsg_count(&k, "WARNING") &&
		   !kmsg_count(&k, "Oops"),
		   "no BUG, WARNING or Oops in the kernel log");
	close(devfd);
	ret = mod_unload();
	tap_result(ret == 0, "rmmod succeeds (%s)", strerror(-ret));
	kmsg_end(&k);
	return tap_finish();
}
