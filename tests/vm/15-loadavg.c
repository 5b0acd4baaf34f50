// SPDX-License-Identifier: GPL-2.0
/*
 * The loadavg column of the contract: uninterruptible and killable
 * sleepers count in the load average, interruptible and idle ones do not.
 *
 * The kernel samples every 5 s and moves the 1-minute figure towards the
 * number of counted tasks by a factor 1 - e^(-5/60), about 0.08: 20 counted
 * sleepers add at least 1.4 per sample (starting below 2.5), so a rise of
 * 1.0 within 15 s cannot be chance; 40 uncounted ones, watched across
 * two samples (11 s), must not add 1.0, where 40 miscounted ones would
 * add 3.2 at the first sample and more than 5 by the second.  The margin
 * is for the VM's own tasks: on a loaded CI machine, an emulated RT kernel
 * added 0.51 with nothing of ours counted.
 */
/* vm-options: -t 300 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "dtest.h"
#include "fixture.h"

#define NR		20
#define MAX_SLEEPERS	(2 * NR)

static int devfd = -1;

struct group {
	const char *name;
	unsigned int mode;
	char letter;
};

static const struct group uncounted[] = {
	{ "idle", DSTATE_MODE_IDLE, 'I' },
	{ "interruptible", DSTATE_MODE_INTERRUPTIBLE, 'S' },
};

static const struct group counted[] = {
	{ "killable", DSTATE_MODE_KILLABLE, 'D' },
	{ "uninterruptible", DSTATE_MODE_UNINTERRUPTIBLE, 'D' },
};

/* Start NR sleepers of @g into @s; returns how many are asleep. */
static int start_group(struct sleeper *s, const struct group *g)
{
	struct sleeper_spec spec = { .mode = g->mode, .comm = "load" };
	int i;

	for (i = 0; i < NR; i++)
		if (spawn_sleeper(&s[i], &spec))
			s[i].pid = -1;
	return wait_all_sleeping(s, NR, g->letter, WAIT_MS);
}

static int still_asleep(struct sleeper *s, int nr, char letter)
{
	int i, asleep = 0;

	for (i = 0; i < nr; i++)
		asleep += s[i].pid > 0 && proc_state(s[i].pid) == letter &&
			  in_sleep_ioctl(s[i].pid);
	return asleep;
}

/* Release them all and check each call returned 0. */
static int release_group(struct sleeper *s, int nr)
{
	int i, clean = 0;

	ds_release(devfd, DSTATE_RELEASE_ALL, 0, 0, NULL);
	for (i = 0; i < nr; i++) {
		if (s[i].pid <= 0)
			continue;
		wait_exit(&s[i], WAIT_MS);
		clean += exited_with(&s[i], 0);
		sleeper_finish(&s[i], devfd);
	}
	return clean;
}

int main(void)
{
	struct sleeper s[MAX_SLEEPERS];
	double load0, load, peak;
	uint64_t end, t0;
	struct kmsg k;
	int ret, asleep;
	size_t i;

	tap_header();
	devfd = ds_setup(&k);
	if (devfd < 0)
		return tap_finish();

	/* Both uncounted groups at once, while the load is still low. */
	asleep = start_group(s, &uncounted[0]);
	asleep += start_group(s + NR, &uncounted[1]);
	tap_result(asleep == 2 * NR, "%d idle (I) and %d interruptible (S) sleepers asleep (%d)",
		   NR, NR, asleep);
	load0 = peak = loadavg1();
	end = now_ns() + 11000 * NSEC_PER_MSEC;
	while (now_ns() < end) {
		load = loadavg1();
		if (load > peak)
			peak = load;
		sleep_ms(100);
	}
	asleep = still_asleep(s, NR, 'I') + still_asleep(s + NR, NR, 'S');
	tap_result(asleep == 2 * NR && peak < load0 + 1.0,
		   "idle and interruptible sleepers do not count: over 11 s the 1-minute load stays below %.2f + 1.0 (peak %.2f, %d still asleep)",
		   load0, peak, asleep);
	ret = release_group(s, 2 * NR);
	tap_result(ret == 2 * NR, "released, all %d calls return 0 (%d)",
		   2 * NR, ret);

	for (i = 0; i < sizeof(counted) / sizeof(counted[0]); i++) {
		const struct group *g = &counted[i];

		asleep = start_group(s, g);
		load0 = load = loadavg1();
		t0 = now_ns();
		end = t0 + 15000 * NSEC_PER_MSEC;
		while (now_ns() < end) {
			load = loadavg1();
			if (load >= load0 + 1.0)
				break;
			sleep_ms(100);
		}
		tap_result(asleep == NR && load >= load0 + 1.0 &&
			   still_asleep(s, NR, g->letter) == NR,
			   "%d %s sleepers count: the 1-minute load rises by 1.0 (%.2f -> %.2f in %llu ms)",
			   NR, g->name, load0, load,
			   (unsigned long long)((now_ns() - t0) / NSEC_PER_MSEC));
		ret = release_group(s, NR);
		tap_result(ret == NR, "released, all %d %s calls return 0 (%d)",
			   NR, g->name, ret);
	}

	ds_teardown(&k, devfd);
	return tap_finish();
}
