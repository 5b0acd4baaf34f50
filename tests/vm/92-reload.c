// SPDX-License-Identifier: GPL-2.0
/*
 * Load and unload in a loop: each cycle inserts dstate.ko, puts two
 * processes and a kernel thread to sleep, releases them, and removes the
 * module.  Every cycle must succeed, and at the end the kernel log must be
 * clean: a reference, a thread or a timer left behind by one cycle shows
 * up as a refused rmmod or an oops in a later one.
 *
 * Usage: 92-reload [CYCLES]	(default 200)
 *
 * vm-options: -t 600
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "dtest.h"
#include "tap.h"

#define CYCLES		200
#define TAG		0x72656c6f	/* "relo" */

/* /dev/dstate appears when devtmpfs has made the node: poll for it. */
static int open_dev_polling(void)
{
	uint64_t deadline = now_ns() + WAIT_MS * NSEC_PER_MSEC;
	int fd;

	while ((fd = dev_open()) < 0 && now_ns() < deadline)
		sleep_ms(1);
	return fd;
}

static int info(int fd, struct dstate_info *i)
{
	memset(i, 0, sizeof(*i));
	return ds_ioctl(fd, DSTATE_IOC_INFO, i);
}

/* Until the module counts @sleepers sleepers and @kthreads threads. */
static bool wait_counts(int fd, unsigned int sleepers, unsigned int kthreads)
{
	uint64_t deadline = now_ns() + WAIT_MS * NSEC_PER_MSEC;
	struct dstate_info i;

	for (;;) {
		if (!info(fd, &i) && i.sleepers == sleepers &&
		    i.kthreads == kthreads)
			return true;
		if (now_ns() >= deadline)
			return false;
		sleep_ms(1);
	}
}

static pid_t sleeper(int fd, unsigned int mode)
{
	struct dstate_sleep_args a = { .mode = mode, .tag = TAG };
	pid_t pid = fork();

	if (pid == 0)
		_exit(ds_ioctl(fd, DSTATE_IOC_SLEEP, &a) ? 1 : 0);
	return pid;
}

/* One cycle; NULL when it went well, else what failed. */
static const char *cycle(char *why, size_t len)
{
	static const unsigned int modes[] = {
		DSTATE_MODE_UNINTERRUPTIBLE, DSTATE_MODE_KILLABLE,
		DSTATE_MODE_INTERRUPTIBLE, DSTATE_MODE_IDLE,
	};
	static unsigned int n;
	unsigned int released = 0;
	pid_t kt, p[2];
	int fd, ret, st, i;

	ret = mod_load(NULL);
	if (ret) {
		snprintf(why, len, "load: %s", strerror(-ret));
		return why;
	}
	fd = open_dev_polling();
	if (fd < 0) {
		snprintf(why, len, "open: %s", strerror(errno));
		return why;
	}
	for (i = 0; i < 2; i++)
		p[i] = sleeper(fd, modes[n++ % 4]);
	ret = ds_kthread(fd, modes[n++ % 4], 0, TAG, &kt);
	if (ret) {
		snprintf(why, len, "kthread: %s", strerror(-ret));
		return why;
	}
	if (!wait_counts(fd, 3, 1)) {
		snprintf(why, len, "the three sleepers never all slept");
		return why;
	}
	ret = ds_release(fd, DSTATE_RELEASE_TAG, 0, TAG, &released);
	if (ret || released != 3) {
		snprintf(why, len, "release: %s, %u released",
			 strerror(-ret), released);
		return why;
	}
	for (i = 0; i < 2; i++) {
		if (waitpid(p[i], &st, 0) != p[i] || !WIFEXITED(st) ||
		    WEXITSTATUS(st)) {
			snprintf(why, len, "sleeper %d did not wake cleanly", p[i]);
			return why;
		}
	}
	/* The reaper stops released threads in its own time. */
	if (!wait_counts(fd, 0, 0)) {
		snprintf(why, len, "the kernel thread was never reaped");
		return why;
	}
	close(fd);
	ret = mod_unload();
	if (ret) {
		snprintf(why, len, "unload: %s", strerror(-ret));
		return why;
	}
	return NULL;
}

int main(int argc, char **argv)
{
	unsigned int cycles = argc > 1 ? (unsigned int)atoi(argv[1]) : CYCLES;
	const char *failed = NULL;
	uint64_t start;
	struct kmsg k;
	char why[256];
	unsigned int i;

	tap_header();
	kmsg_begin(&k);
	start = now_ns();
	for (i = 0; i < cycles && !failed; i++)
		failed = cycle(why, sizeof(why));
	if (failed)
		tap_result(0, "%u load/sleep/release/unload cycles: cycle %u failed: %s",
			   cycles, i, failed);
	else
		tap_result(1, "%u load/sleep/release/unload cycles, every one succeeded (%.1f s)",
			   cycles, (double)(now_ns() - start) / 1e9);
	tap_result(!mod_live(), "the module is gone at the end");
	kmsg_update(&k);
	tap_result(kmsg_clean(&k), "no BUG, WARNING or Oops in the kernel log");
	kmsg_end(&k);
	return tap_finish();
}
