// SPDX-License-Identifier: GPL-2.0
/*
 * The hung-task column of the contract.  With the detector's timeout
 * lowered to 2 s it must report the uninterruptible, io and permanent
 * sleepers and an uninterruptible dstate/N kernel thread ("INFO: task
 * COMM:PID blocked for more than 2 seconds."), and never the killable,
 * idle or interruptible ones, process or kernel thread.
 *
 * The silent ones are started first.  Once each reported sleeper has been
 * reported twice, the detector has provably looked at every task at least
 * twice after the silent ones were older than its timeout: their silence
 * then is a result, not luck.
 */
/* vm-options: -t 300 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dtest.h"
#include "fixture.h"

struct hung_case {
	const char *comm;	/* NULL: a dstate/N kernel thread */
	unsigned int mode;
	char letter;
	bool reported;
	const char *name;
};

static const struct hung_case cases[] = {
	/* The silent ones first: they must be the older. */
	{ "hk-killable", DSTATE_MODE_KILLABLE, 'D', false, "killable" },
	{ "hk-idle", DSTATE_MODE_IDLE, 'I', false, "idle" },
	{ "hk-intr", DSTATE_MODE_INTERRUPTIBLE, 'S', false, "interruptible" },
	{ NULL, DSTATE_MODE_KILLABLE, 'D', false, "killable kernel thread" },
	{ NULL, DSTATE_MODE_IDLE, 'I', false, "idle kernel thread" },
	{ "hk-unint", DSTATE_MODE_UNINTERRUPTIBLE, 'D', true, "uninterruptible" },
	{ "hk-io", DSTATE_MODE_IO, 'D', true, "io" },
	{ "hk-perm", DSTATE_MODE_PERMANENT, 'D', true, "permanent" },
	{ NULL, DSTATE_MODE_UNINTERRUPTIBLE, 'D', true,
	  "uninterruptible kernel thread" },
};

#define NR_CASES	(int)(sizeof(cases) / sizeof(cases[0]))

struct hung_task {
	struct sleeper s;	/* processes */
	pid_t pid;
	char comm[17];
	char needle[80];	/* "blocked for more than" */
	char needle_io[80];	/* 7.x: "blocked in I/O wait for more than" */
	bool asleep;
};

/*
 * The detector's reports of @t.  7.x says of a task in io_schedule() that
 * it is "blocked in I/O wait", the others that they are "blocked".
 */
static int reports(struct kmsg *k, struct hung_task *t)
{
	return kmsg_count(k, t->needle) + kmsg_count(k, t->needle_io);
}

static bool asleep_now(const struct hung_case *c, struct hung_task *t)
{
	if (proc_state(t->pid) != c->letter)
		return false;
	return !c->comm || in_sleep_ioctl(t->pid);
}

int main(void)
{
	static const char *const sysctls[][2] = {
		{ "/proc/sys/kernel/hung_task_panic", "0" },
		{ "/proc/sys/kernel/hung_task_warnings", "-1" },
		{ "/proc/sys/kernel/hung_task_check_interval_secs", "1" },
		/* Last: writing the timeout wakes the detector up. */
		{ "/proc/sys/kernel/hung_task_timeout_secs", "2" },
	};
	struct hung_task t[NR_CASES];
	struct sleeper_spec spec = { 0 };
	int devfd, ret, i, reported, all_reported;
	uint64_t end;
	struct kmsg k;
	char buf[32];
	bool ok;

	tap_header();
	memset(t, 0, sizeof(t));
	devfd = ds_setup(&k);
	if (devfd < 0)
		return tap_finish();

	ok = true;
	for (i = 0; i < (int)(sizeof(sysctls) / sizeof(sysctls[0])); i++) {
		ret = write_file(sysctls[i][0], sysctls[i][1]);
		if (ret || read_file(sysctls[i][0], buf, sizeof(buf)) <= 0 ||
		    strtol(buf, NULL, 10) != strtol(sysctls[i][1], NULL, 10)) {
			tap_diag("%s: %s", sysctls[i][0], strerror(-ret));
			ok = false;
		}
	}
	if (!tap_result(ok,
			"hung-task detector: timeout 2 s, checked every 1 s, unlimited warnings"))
		return tap_finish();

	for (i = 0; i < NR_CASES; i++) {
		const struct hung_case *c = &cases[i];

		if (c->comm) {
			spec.mode = c->mode;
			spec.comm = c->comm;
			if (spawn_sleeper(&t[i].s, &spec))
				continue;
			t[i].pid = t[i].s.pid;
		} else {
			ret = ds_kthread(devfd, c->mode, 0, 0, &t[i].pid);
			if (ret) {
				tap_diag("%s: DSTATE_IOC_KTHREAD: %s", c->name,
					 strerror(-ret));
				continue;
			}
		}
		end = now_ns() + WAIT_MS * NSEC_PER_MSEC;
		while (!(t[i].asleep = asleep_now(c, &t[i])) && now_ns() < end)
			sleep_ms(10);
		if (proc_comm(t[i].pid, t[i].comm, sizeof(t[i].comm)))
			strcpy(t[i].comm, "?");
		snprintf(t[i].needle, sizeof(t[i].needle),
			 "task %s:%d blocked for more than", t[i].comm, t[i].pid);
		snprintf(t[i].needle_io, sizeof(t[i].needle_io),
			 "task %s:%d blocked in I/O wait for more than",
			 t[i].comm, t[i].pid);
		tap_result(t[i].asleep, "%s sleeper %s:%d shows '%c'", c->name,
			   t[i].comm, t[i].pid, c->letter);
	}

	/* Until each one that must be reported has been, twice. */
	end = now_ns() + 40000 * NSEC_PER_MSEC;
	do {
		all_reported = 1;
		for (i = 0; i < NR_CASES; i++)
			if (cases[i].reported && reports(&k, &t[i]) < 2)
				all_reported = 0;
		if (all_reported)
			break;
		sleep_ms(100);
	} while (now_ns() < end);

	for (i = 0; i < NR_CASES; i++) {
		const struct hung_case *c = &cases[i];

		reported = reports(&k, &t[i]);
		if (c->reported)
			tap_result(t[i].pid > 0 && reported >= 2,
				   "the detector reports the %s sleeper %s:%d (%d times, %d \"in I/O wait\")",
				   c->name, t[i].comm, t[i].pid, reported,
				   kmsg_count(&k, t[i].needle_io));
		else
			tap_result(t[i].pid > 0 && all_reported && !reported &&
				   asleep_now(c, &t[i]),
				   "the detector never reports the %s sleeper %s:%d, still '%c' (%d reports)",
				   c->name, t[i].comm, t[i].pid, c->letter,
				   reported);
	}
	if (!all_reported)
		kmsg_dump(&k, "blocked for more than", 20);

	write_file("/proc/sys/kernel/hung_task_timeout_secs", "0");
	tap_result(kmsg_count(&k, "BUG") == 0 && kmsg_count(&k, "WARNING") == 0 &&
		   kmsg_count(&k, "Oops") == 0,
		   "no BUG, WARNING or Oops in the kernel log");

	/* Let go of everything but the permanent one, which never ends. */
	ds_release(devfd, DSTATE_RELEASE_ALL, 0, 0, NULL);
	ok = true;
	for (i = 0; i < NR_CASES; i++) {
		if (cases[i].mode == DSTATE_MODE_PERMANENT || t[i].pid <= 0)
			continue;
		if (cases[i].comm) {
			wait_exit(&t[i].s, WAIT_MS);
			ok = ok && exited_with(&t[i].s, 0);
			sleeper_finish(&t[i].s, devfd);
		} else {
			ok = ok && wait_not_state(t[i].pid, cases[i].letter,
						  WAIT_MS);
		}
	}
	tap_result(ok, "release ends every sleeper but the permanent one");
	kmsg_end(&k);
	return tap_finish();
}
