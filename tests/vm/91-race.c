// SPDX-License-Identifier: GPL-2.0
/*
 * Race stress: 64 worker processes do everything at once for a while —
 * sleep in every mode but permanent, with and without timeouts; release
 * by pid, tag and all; SIGKILL and SIGTERM each other; hand a sleeping
 * child an fd and close their own copy; exit; start kernel threads —
 * while the parent replaces the workers that die.  Afterwards every
 * worker is reaped, no sleeper or kernel thread is left, rmmod succeeds
 * and the kernel log is clean.
 *
 * Usage: 91-race [SECONDS [SEED]]	(default 30 s)
 *
 * oops=panic: an oops, which may leave a spinlock held and the guest
 * locked up, ends the VM at once as a guest panic rather than at the
 * time limit.
 *
 * vm-options: -t 300 --append "oops=panic"
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "dtest.h"
#include "fixture.h"
#include "tap.h"

#define WORKERS		64
#define SECONDS		30

struct shared {
	pid_t pids[WORKERS];	/* the live worker in each slot, or 0 */
};

static struct shared *sh;
static uint64_t rnd_state;

static uint64_t rnd(void)
{
	rnd_state ^= rnd_state >> 12;
	rnd_state ^= rnd_state << 25;
	rnd_state ^= rnd_state >> 27;
	return rnd_state * 0x2545F4914F6CDD1DULL;
}

static unsigned int any_mode(void)
{
	static const unsigned int modes[] = {
		DSTATE_MODE_UNINTERRUPTIBLE, DSTATE_MODE_KILLABLE,
		DSTATE_MODE_INTERRUPTIBLE, DSTATE_MODE_IDLE,
	};

	return modes[rnd() % 4];
}

/* No timeout a quarter of the time: the releasers end those. */
static uint64_t any_timeout(void)
{
	return rnd() % 4 ? 1 + rnd() % (20 * NSEC_PER_MSEC) : 0;
}

static void do_sleep(int fd)
{
	struct dstate_sleep_args a = {
		.mode = any_mode(), .timeout_ns = any_timeout(), .tag = rnd() % 8,
	};

	ds_ioctl(fd, DSTATE_IOC_SLEEP, &a);
}

/* A child sleeps on a copy of an fd that this worker closes at once. */
static void sleep_on_closed_fd(void)
{
	int fd = dev_open();
	pid_t child;

	if (fd < 0)
		return;
	child = fork();
	if (child == 0) {
		do_sleep(fd);
		_exit(0);
	}
	close(fd);
	if (child > 0)
		waitpid(child, NULL, 0);
}

static void __attribute__((noreturn)) worker(uint64_t seed)
{
	int fd = dev_open();
	pid_t victim;
	pid_t kt;

	rnd_state = seed | 1;
	if (fd < 0)
		_exit(CHILD_NO_DEV);
	for (;;) {
		switch (rnd() % 12) {
		case 0: case 1: case 2: case 3:
			do_sleep(fd);
			break;
		case 4:
			victim = sh->pids[rnd() % WORKERS];
			if (victim > 0)
				ds_release(fd, DSTATE_RELEASE_PID, victim, 0, NULL);
			break;
		case 5:
			ds_release(fd, DSTATE_RELEASE_TAG, 0, rnd() % 8, NULL);
			break;
		case 6:
			ds_release(fd, DSTATE_RELEASE_ALL, 0, 0, NULL);
			break;
		case 7:
			victim = sh->pids[rnd() % WORKERS];
			if (victim > 0 && victim != getpid())
				kill(victim, rnd() % 2 ? SIGKILL : SIGTERM);
			break;
		case 8:
			sleep_on_closed_fd();
			break;
		case 9:
			ds_kthread(fd, any_mode(), any_timeout(), rnd() % 8, &kt);
			break;
		case 10:
			if (rnd() % 8 == 0)
				_exit(0);
			break;
		default: {
			struct dstate_info i;

			ds_ioctl(fd, DSTATE_IOC_INFO, &i);
			break;
		}
		}
	}
}

static pid_t start_worker(int slot)
{
	/* Drawn here, not in the child, so that every worker differs. */
	uint64_t seed = rnd();
	pid_t pid = fork();

	if (pid == 0)
		worker(seed);
	if (pid > 0)
		sh->pids[slot] = pid;
	return pid;
}

static int slot_of(pid_t pid)
{
	int i;

	for (i = 0; i < WORKERS; i++)
		if (sh->pids[i] == pid)
			return i;
	return -1;
}


int main(int argc, char **argv)
{
	unsigned int secs = argc > 1 ? (unsigned int)atoi(argv[1]) : SECONDS;
	uint64_t seed = argc > 2 ? strtoull(argv[2], NULL, 0) : now_ns();
	unsigned long started = 0, reaped = 0, odd = 0, orphans = 0;
	uint64_t end, reap_deadline;
	struct dstate_info info;
	int fd, i, st, ret, slot;
	bool empty;
	struct kmsg k;
	pid_t pid;

	tap_header();
	tap_diag("seed %llu, %u s (rerun: 91-race %u %llu)",
		 (unsigned long long)seed, secs, secs, (unsigned long long)seed);
	rnd_state = seed | 1;
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED)
		return EXIT_FAILURE;
	memset(sh, 0, sizeof(*sh));
	/* Orphaned grandchildren come to us, so none is left unreaped. */
	prctl(PR_SET_CHILD_SUBREAPER, 1);

	fd = ds_setup(&k);
	if (fd < 0)
		return tap_finish();

	for (i = 0; i < WORKERS; i++)
		if (start_worker(i) > 0)
			started++;

	/* Replace the workers that die, and end forgotten sleeps. */
	end = now_ns() + (uint64_t)secs * 1000000000ULL;
	while (now_ns() < end) {
		/*
		 * Bounded by the clock too: workers that die as fast as they
		 * are replaced must not keep us here past the end.
		 */
		while (now_ns() < end &&
		       (pid = waitpid(-1, &st, WNOHANG)) > 0) {
			slot = slot_of(pid);
			if (slot < 0) {		/* an orphaned grandchild */
				orphans++;
				continue;
			}
			reaped++;
			if (WIFEXITED(st) && WEXITSTATUS(st))
				odd++;
			sh->pids[slot] = 0;
			if (start_worker(slot) > 0)
				started++;
		}
		ds_release(fd, DSTATE_RELEASE_ALL, 0, 0, NULL);
		sleep_ms(10);
	}

	/*
	 * Stop them all; the uninterruptible ones die when released.  Wait
	 * until no child at all is left, orphaned grandchildren included.
	 */
	for (i = 0; i < WORKERS; i++)
		if (sh->pids[i] > 0)
			kill(sh->pids[i], SIGKILL);
	reap_deadline = now_ns() + 20 * 1000 * NSEC_PER_MSEC;
	for (;;) {
		ds_release(fd, DSTATE_RELEASE_ALL, 0, 0, NULL);
		while ((pid = waitpid(-1, &st, WNOHANG)) > 0) {
			slot = slot_of(pid);
			if (slot < 0) {
				orphans++;
				continue;
			}
			sh->pids[slot] = 0;
			reaped++;
		}
		if ((pid < 0 && errno == ECHILD) || now_ns() >= reap_deadline)
			break;
		sleep_ms(5);
	}
	tap_result(reaped == started && pid < 0 && errno == ECHILD,
		   "every worker accounted for: %lu started, %lu reaped in %u s, and %lu orphans of theirs",
		   started, reaped, secs, orphans);
	tap_result(!odd, "no worker failed to open the device (%lu did)", odd);
	empty = ds_wait_empty(fd, &info);
	tap_result(empty, "no sleeper or kernel thread left (%u sleepers, %u kthreads)",
		   info.sleepers, info.kthreads);
	tap_diag("%llu sleeps begun in all", (unsigned long long)info.sleeps_total);
	close(fd);
	ret = mod_unload();
	tap_result(!ret, "rmmod succeeds afterwards (%s)", strerror(-ret));
	kmsg_update(&k);
	tap_result(kmsg_clean(&k), "no BUG, WARNING, Oops or corruption in the kernel log");
	kmsg_end(&k);
	return tap_finish();
}
