// SPDX-License-Identifier: GPL-2.0
/*
 * Interruptible sleeps that a signal interrupts and that may restart.
 *
 * - No release is lost: releases race SIGSTOP/SIGCONT on interruptible
 *   sleepers, whose calls restart after the stop, and every release the
 *   module counts ends one sleep with 0.  A release that marked the record
 *   after the sleeper saw the signal, but before it left the list, used to
 *   be counted and thrown away: the restarted call slept on.
 * - A timeout is a deadline: a 3 s sleep stopped at 1 s and continued at
 *   2 s ends long before 3 s have passed again (it used to restart with
 *   the whole timeout and end after about 5 s).  With a timeout the call
 *   is not restarted: it fails with EINTR, under SA_RESTART too.
 * - Without a timeout the call still restarts (10-contract has the rest).
 *
 * Judged by the wait status, the bytes the sleepers write to a pipe for
 * each sleep that returned 0, and the clock.
 */
/* vm-options: -t 300 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "dtest.h"
#include "fixture.h"

#define LANES		4	/* sleepers raced at once */
#define RACE_SECONDS	20
#define RACE_ROUNDS	3000

static int devfd = -1;

/* A sleeper that sleeps again and again; one byte per sleep that returns 0. */
struct lane {
	pid_t pid;
	int rd;
	unsigned long counted;	/* releases the module counted */
	unsigned long woke;	/* sleeps that returned 0 */
	unsigned long lost;	/* counted, and no sleep returned 0 */
};

static void lane_child(int wr)
{
	struct dstate_sleep_args a = { .mode = DSTATE_MODE_INTERRUPTIBLE };
	int fd = dev_open();

	if (fd < 0)
		_exit(CHILD_NO_DEV);
	for (;;) {
		if (ioctl(fd, DSTATE_IOC_SLEEP, &a))
			_exit(errno);
		if (write(wr, "r", 1) != 1)
			_exit(CHILD_SETUP);
	}
}

static int lane_start(struct lane *l)
{
	int p[2];

	memset(l, 0, sizeof(*l));
	if (pipe2(p, O_CLOEXEC))
		return -errno;
	fflush(stdout);
	l->pid = fork();
	if (l->pid < 0)
		return -errno;
	if (l->pid == 0) {
		close(p[0]);
		lane_child(p[1]);
	}
	close(p[1]);
	l->rd = p[0];
	return 0;
}

/* Wait up to @ms for one byte from the lane: one sleep returned 0. */
static bool lane_woke(struct lane *l, unsigned int ms)
{
	struct pollfd pfd = { .fd = l->rd, .events = POLLIN };
	char c;

	if (poll(&pfd, 1, ms) != 1 || read(l->rd, &c, 1) != 1)
		return false;
	l->woke++;
	return true;
}

/* Release the lane's sleeper, retrying while it is not in the list. */
static bool lane_release(struct lane *l)
{
	int ret = ds_release_pid(devfd, l->pid, WAIT_MS);

	if (ret) {
		tap_diag("release of pid %d: %s", l->pid, strerror(-ret));
		return false;
	}
	l->counted++;
	return true;
}

static void spin(unsigned int n)
{
	volatile unsigned int i;

	for (i = 0; i < n; i++)
		;
}

/*
 * One round: SIGSTOP, after a varying delay a release, SIGCONT.  The
 * release either finds the sleeper in the list, and then that sleep must
 * return 0, or not (it had left for the stop), and then it is retried
 * once the restarted call is back.
 */
static bool race_round(struct lane *l, unsigned int delay)
{
	unsigned int released = 0;
	int ret;

	kill(l->pid, SIGSTOP);
	spin(delay);
	ret = ds_release(devfd, DSTATE_RELEASE_PID, l->pid, 0, &released);
	kill(l->pid, SIGCONT);
	if (ret && ret != -ESRCH) {
		tap_diag("release of pid %d: %s", l->pid, strerror(-ret));
		return false;
	}
	if (!ret && released == 1) {
		l->counted++;
	} else if (!lane_release(l)) {
		return false;
	}
	if (lane_woke(l, 3000))
		return true;
	/* Counted, yet the sleep goes on: lost.  Release it again. */
	l->lost++;
	if (l->lost <= 3)
		tap_diag("pid %d: release %lu was counted, and the sleep went on",
			 l->pid, l->counted);
	return lane_release(l) && lane_woke(l, WAIT_MS);
}

static void case_release_race(void)
{
	unsigned long counted = 0, woke = 0, lost = 0, rounds = 0;
	uint64_t end = now_ns() + RACE_SECONDS * 1000 * NSEC_PER_MSEC;
	struct lane lanes[LANES];
	bool ok = true;
	int i, status;

	for (i = 0; i < LANES; i++) {
		if (lane_start(&lanes[i])) {
			tap_result(0, "release race: fork");
			while (i--)
				kill(lanes[i].pid, SIGKILL);
			return;
		}
	}
	srand(1);
	while (ok && rounds < RACE_ROUNDS && now_ns() < end) {
		for (i = 0; ok && i < LANES; i++)
			ok = race_round(&lanes[i], rand() % 20000);
		rounds++;
	}
	for (i = 0; i < LANES; i++) {
		kill(lanes[i].pid, SIGKILL);
		waitpid(lanes[i].pid, &status, 0);
		/* Whatever a sleep that returned 0 wrote before the kill. */
		while (lane_woke(&lanes[i], 0))
			;
		close(lanes[i].rd);
		counted += lanes[i].counted;
		woke += lanes[i].woke;
		lost += lanes[i].lost;
	}
	tap_result(ok, "release race: %lu rounds of SIGSTOP, release, SIGCONT on %d interruptible sleepers ran to the end",
		   rounds, LANES);
	tap_result(!lost && counted == woke,
		   "release race: every counted release ended a sleep with 0 (%lu counted, %lu sleeps returned 0, %lu lost)",
		   counted, woke, lost);
}

/*
 * A 3 s sleep, stopped at 1 s and continued at 2 s.  Its deadline is 3 s
 * after it began: it must end well before 4.5 s (a timeout started over
 * at 2 s ends at 5 s), with EINTR since a timed sleep is not restarted.
 */
static void case_deadline_stop(void)
{
	const uint64_t timeout = 3000 * NSEC_PER_MSEC;
	struct sleeper_spec spec = {
		.mode = DSTATE_MODE_INTERRUPTIBLE, .timeout_ns = timeout,
		.comm = "r-deadline",
	};
	struct sleeper s;
	uint64_t took;
	bool ok;

	if (spawn_sleeper(&s, &spec) || !wait_sleeping(s.pid, 'S', WAIT_MS)) {
		tap_result(0, "deadline: the 3 s sleeper never slept");
		sleeper_finish(&s, devfd);
		return;
	}
	while (now_ns() < s.started_ns + 1000 * NSEC_PER_MSEC)
		sleep_ms(10);
	kill(s.pid, SIGSTOP);
	ok = wait_state(s.pid, "T", WAIT_MS);
	while (now_ns() < s.started_ns + 2000 * NSEC_PER_MSEC)
		sleep_ms(10);
	kill(s.pid, SIGCONT);
	wait_exit(&s, WAIT_MS);
	took = (now_ns() - s.started_ns) / NSEC_PER_MSEC;
	tap_result(ok && s.reaped && took < 4500,
		   "deadline: a 3 s sleep stopped at 1 s and continued at 2 s ends before 4.5 s (%s after %llu ms)",
		   s.reaped ? status_str(s.status) : "not ended",
		   (unsigned long long)took);
	tap_result(exited_with(&s, EINTR),
		   "deadline: continued, the timed sleep fails with EINTR, not restarted (%s)",
		   s.reaped ? status_str(s.status) : "not ended");
	sleeper_finish(&s, devfd);
}

/* SA_RESTART does not restart a timed sleep: the handler runs, EINTR. */
static void case_deadline_sa_restart(void)
{
	struct sleeper_spec spec = {
		.mode = DSTATE_MODE_INTERRUPTIBLE,
		.timeout_ns = 3000 * NSEC_PER_MSEC, .comm = "r-sarestart",
		.handle_sig = SIGUSR1, .restart = true,
	};
	struct sleeper s;
	char got = 0;
	uint64_t took;

	if (spawn_sleeper(&s, &spec) || !wait_sleeping(s.pid, 'S', WAIT_MS)) {
		tap_result(0, "deadline: the SA_RESTART sleeper never slept");
		sleeper_finish(&s, devfd);
		return;
	}
	kill(s.pid, SIGUSR1);
	wait_exit(&s, WAIT_MS);
	took = (now_ns() - s.started_ns) / NSEC_PER_MSEC;
	handler_bytes(&s, &got, 1);
	tap_result(exited_with(&s, EINTR) && got == SIGUSR1,
		   "deadline: SIGUSR1 under SA_RESTART: the handler ran and the timed sleep fails with EINTR (%s after %llu ms, handler %s)",
		   s.reaped ? status_str(s.status) : "not ended",
		   (unsigned long long)took, got ? "ran" : "did not run");
	sleeper_finish(&s, devfd);
}

/* Without a timeout, stop and continue still restart the call. */
static void case_no_timeout_restarts(void)
{
	struct sleeper_spec spec = {
		.mode = DSTATE_MODE_INTERRUPTIBLE, .comm = "r-restart",
	};
	struct sleeper s;
	bool ok;

	if (spawn_sleeper(&s, &spec) || !wait_sleeping(s.pid, 'S', WAIT_MS)) {
		tap_result(0, "no timeout: the sleeper never slept");
		sleeper_finish(&s, devfd);
		return;
	}
	kill(s.pid, SIGSTOP);
	ok = wait_state(s.pid, "T", WAIT_MS);
	kill(s.pid, SIGCONT);
	ok = ok && wait_sleeping(s.pid, 'S', WAIT_MS) && still_there(&s);
	ok = ok && ds_release_pid(devfd, s.pid, WAIT_MS) == 0;
	wait_exit(&s, WAIT_MS);
	tap_result(ok && exited_with(&s, 0),
		   "no timeout: stopped and continued, the call restarts and returns 0 when released (%s)",
		   s.reaped ? status_str(s.status) : "not ended");
	sleeper_finish(&s, devfd);
}

int main(void)
{
	struct kmsg k;

	tap_header();
	devfd = ds_setup(&k);
	if (devfd < 0)
		return tap_finish();

	case_deadline_stop();
	case_deadline_sa_restart();
	case_no_timeout_restarts();
	case_release_race();

	ds_teardown(&k, devfd);
	return tap_finish();
}
