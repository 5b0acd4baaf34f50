// SPDX-License-Identifier: GPL-2.0
/*
 * ioctl fuzzer: several threads throw random and mutated requests at
 * /dev/dstate — command numbers with the wrong size or direction, unknown
 * numbers, random modes, flags, padding, timeouts, tags and pids, and
 * pointers that are NULL, unmapped, read-only or in the kernel — while a
 * releaser thread wakes whatever sleeps.  Afterwards the kernel log must
 * hold no BUG, WARNING or Oops, no sleeper or kernel thread may be left,
 * and the module must come out.
 *
 * Usage: 90-fuzz [CALLS [SEED]]	(default 200000 calls, seed from the clock)
 *
 * vm-options: -t 600
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "dtest.h"
#include "fixture.h"
#include "tap.h"

#define THREADS		4
#define CALLS		200000UL

static int dev_fd = -1;
static atomic_long calls_left;	/* signed: it goes below 0 at the end */
static atomic_ulong calls_done, sleeps_done, timeouts, efaults;
static atomic_bool stop_releasing;
static void *unmapped, *readonly;

static const unsigned long valid_cmds[] = {
	DSTATE_IOC_INFO, DSTATE_IOC_SLEEP, DSTATE_IOC_RELEASE,
	DSTATE_IOC_LIST, DSTATE_IOC_KTHREAD, DSTATE_IOC_TASK_STATE,
};
#define NR_VALID	(sizeof(valid_cmds) / sizeof(valid_cmds[0]))

/* xorshift64*: small, seedable, one state per thread. */
static uint64_t rnd(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545F4914F6CDD1DULL;
}

static unsigned long pick_cmd(uint64_t *s)
{
	unsigned long cmd = valid_cmds[rnd(s) % NR_VALID];

	switch (rnd(s) % 8) {
	case 0:		/* the right number, another size */
		return (cmd & ~(_IOC_SIZEMASK << _IOC_SIZESHIFT)) |
		       ((rnd(s) % 256) << _IOC_SIZESHIFT);
	case 1:		/* the right number, another direction */
		return (cmd & ~(_IOC_DIRMASK << _IOC_DIRSHIFT)) |
		       ((rnd(s) % 4) << _IOC_DIRSHIFT);
	case 2:		/* our type, an unknown number */
		return _IOC(rnd(s) % 4, DSTATE_IOC_MAGIC, 6 + rnd(s) % 250,
			    rnd(s) % 128);
	case 3:		/* a type of nobody's, anything else: no VFS ioctl */
		return _IOC(rnd(s) % 4, 0xa0 + rnd(s) % 0x35, rnd(s) % 256,
			    rnd(s) % 128);
	default:
		return cmd;
	}
}

/*
 * A sane request for @cmd, then mutated.  Sleeps are made rare and short,
 * and never permanent: a permanent sleeper can never be ended, and would
 * keep the module in forever.
 */
static void fill_args(uint64_t *s, unsigned long cmd, uint64_t *buf)
{
	unsigned int i, mode;

	for (i = 0; i < 64; i++)
		buf[i] = rnd(s) % 4 ? 0 : rnd(s);

	mode = 1 + rnd(s) % (DSTATE_MODE_COUNT + 1);
	if (mode == DSTATE_MODE_PERMANENT)
		mode = DSTATE_MODE_IDLE;

	if (_IOC_NR(cmd) == _IOC_NR(DSTATE_IOC_SLEEP) ||
	    _IOC_NR(cmd) == _IOC_NR(DSTATE_IOC_KTHREAD)) {
		struct dstate_sleep_args *a = (void *)buf;

		/* Mostly invalid, so that few calls block. */
		if (rnd(s) % 20) {
			a->mode = rnd(s) % 3 ? (uint32_t)rnd(s) : 0;
			a->flags = (uint32_t)rnd(s) | 1;
		} else {
			a->mode = mode;
			a->flags = 0;
		}
		/*
		 * No timeout (the releaser ends it), an absurd one, or one
		 * of up to 5 ms, which mostly expires before the releaser
		 * comes: both ways out of a sleep get their share.
		 */
		switch (rnd(s) % 4) {
		case 0: a->timeout_ns = 0; break;
		case 1: a->timeout_ns = rnd(s); break;
		default: a->timeout_ns = rnd(s) % (5 * NSEC_PER_MSEC); break;
		}
		if (a->mode == DSTATE_MODE_PERMANENT)
			a->mode = DSTATE_MODE_IDLE;
	} else if (_IOC_NR(cmd) == _IOC_NR(DSTATE_IOC_RELEASE)) {
		struct dstate_release_args *a = (void *)buf;

		a->how = (uint32_t)(rnd(s) % 5);
		a->pid = (uint32_t)(rnd(s) % 2 ? rnd(s) % 400 : rnd(s));
		a->pad = rnd(s) % 4 ? 0 : (uint32_t)rnd(s);
	} else if (_IOC_NR(cmd) == _IOC_NR(DSTATE_IOC_LIST)) {
		struct dstate_list_args *a = (void *)buf;

		a->count = (uint32_t)(rnd(s) % 3 ? rnd(s) % 64 : rnd(s));
		switch (rnd(s) % 5) {
		case 0: a->sleepers = (uintptr_t)(buf + 8); a->count %= 7; break;
		case 1: a->sleepers = (uintptr_t)unmapped; break;
		case 2: a->sleepers = (uintptr_t)readonly; break;
		case 3: a->sleepers = 0xffffffff81000000ULL; break;
		default: a->sleepers = rnd(s); break;
		}
	} else if (_IOC_NR(cmd) == _IOC_NR(DSTATE_IOC_TASK_STATE)) {
		struct dstate_task_state *a = (void *)buf;

		a->pid = (uint32_t)(rnd(s) % 2 ? rnd(s) % 400 : rnd(s));
		a->flags = rnd(s) % 4 ? 0 : (uint32_t)rnd(s);
		a->pad = rnd(s) % 4 ? 0 : (uint32_t)rnd(s);
	}
}

static void *pick_ptr(uint64_t *s, uint64_t *buf)
{
	switch (rnd(s) % 10) {
	case 0: return NULL;
	case 1: return unmapped;
	case 2: return readonly;
	case 3: return (void *)0xffffffff81000000UL;	/* kernel text */
	case 4: return (char *)buf + 4096 * 2 - 8;	/* runs off the end */
	default: return buf;
	}
}

static void *fuzzer(void *arg)
{
	uint64_t seed = (uintptr_t)arg;
	uint64_t *buf;

	/* Two pages, the second unmapped: a request may run off the end. */
	buf = mmap(NULL, 4096 * 3, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (buf == MAP_FAILED)
		return NULL;
	munmap((char *)buf + 4096 * 2, 4096);

	while (atomic_fetch_sub(&calls_left, 1) > 0) {
		unsigned long cmd = pick_cmd(&seed);
		void *p;
		int ret;

		fill_args(&seed, cmd, buf);
		p = pick_ptr(&seed, buf);
		ret = ioctl(dev_fd, cmd, p);
		if (ret < 0 && errno == EFAULT)
			atomic_fetch_add(&efaults, 1);
		/* A sleep that really slept: released, or timed out. */
		if (cmd == DSTATE_IOC_SLEEP && (ret == 0 || errno == ETIMEDOUT))
			atomic_fetch_add(&sleeps_done, 1);
		if (cmd == DSTATE_IOC_SLEEP && ret < 0 && errno == ETIMEDOUT)
			atomic_fetch_add(&timeouts, 1);
		atomic_fetch_add(&calls_done, 1);
	}
	munmap(buf, 4096 * 2);
	return NULL;
}

/* Wakes every sleeper now and then, so that sleeps without a timeout end. */
static void *releaser(void *arg)
{
	(void)arg;
	while (!atomic_load(&stop_releasing)) {
		ds_release(dev_fd, DSTATE_RELEASE_ALL, 0, 0, NULL);
		sleep_ms(20);
	}
	return NULL;
}


int main(int argc, char **argv)
{
	unsigned long calls = argc > 1 ? strtoul(argv[1], NULL, 0) : CALLS;
	uint64_t seed = argc > 2 ? strtoull(argv[2], NULL, 0) : now_ns();
	pthread_t fz[THREADS], rel;
	struct dstate_info info;
	uint64_t start;
	struct kmsg k;
	bool empty;
	int i, ret;

	tap_header();
	tap_diag("seed %llu (rerun: 90-fuzz %lu %llu)",
		 (unsigned long long)seed, calls, (unsigned long long)seed);
	dev_fd = ds_setup(&k);
	if (dev_fd < 0)
		return tap_finish();

	unmapped = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	munmap(unmapped, 4096);
	readonly = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	atomic_store(&calls_left, (long)calls);
	start = now_ns();
	pthread_create(&rel, NULL, releaser, NULL);
	for (i = 0; i < THREADS; i++)
		pthread_create(&fz[i], NULL, fuzzer,
			       (void *)(uintptr_t)(seed * (i + 1) | 1));
	for (i = 0; i < THREADS; i++)
		pthread_join(fz[i], NULL);
	atomic_store(&stop_releasing, true);
	pthread_join(rel, NULL);

	tap_result(atomic_load(&calls_done) == calls,
		   "%lu ioctls from %d threads in %.1f s (%lu sleeps, %lu timed out; %lu EFAULT)",
		   atomic_load(&calls_done), THREADS,
		   (double)(now_ns() - start) / 1e9,
		   atomic_load(&sleeps_done), atomic_load(&timeouts),
		   atomic_load(&efaults));
	empty = ds_wait_empty(dev_fd, &info);
	tap_result(empty,
		   "no sleeper or kernel thread left (%u sleepers, %u kthreads)",
		   info.sleepers, info.kthreads);
	close(dev_fd);
	ret = mod_unload();
	tap_result(!ret, "rmmod succeeds afterwards (%s)", strerror(-ret));
	kmsg_update(&k);
	tap_result(kmsg_clean(&k), "no BUG, WARNING, Oops or corruption in the kernel log");
	kmsg_end(&k);
	return tap_finish();
}
