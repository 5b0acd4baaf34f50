// SPDX-License-Identifier: GPL-2.0
/* release: wake the module's sleepers. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dstate.h"
#include "lib/device.h"
#include "lib/procfs.h"

static void release_usage(void)
{
	printf("Usage:\n dstate release (--all | --pid PID | --tag N)\n\n"
	       "Wake module sleepers and print how many woke.  permanent sleepers\n"
	       "never wake.  Without root only your own sleepers are woken.\n\n"
	       "Options:\n"
	       " -a, --all       every sleeper you may release\n"
	       " -p, --pid PID   the sleeper with this thread id; if none, the\n"
	       "                 sleepers among the threads of process PID\n"
	       " -g, --tag N     every sleeper tagged N\n"
	       " -J, --json      JSON output\n"
	       " -h, --help      this text\n"
	       " -V, --version   the version\n");
}

/*
 * The module releases a thread by its id.  A process whose sleeper is not
 * its main thread (spawn --threads, a zombie leader) is released by its
 * pid through its threads: ESRCH when none of them sleeps.
 */
static int release_threads(int fd, pid_t pid, unsigned int *released)
{
	unsigned int n_one;
	pid_t *tids = NULL;
	int n, i, ret = -ESRCH;

	n = proc_list_tasks(pid, &tids);
	for (i = 0; i < n; i++) {
		if (tids[i] == pid)
			continue;
		n_one = 0;
		if (!dev_release(fd, DSTATE_RELEASE_PID, tids[i], 0, &n_one)) {
			*released += n_one;
			ret = 0;
		}
	}
	free(tids);
	return ret;
}

int cmd_release(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "all", no_argument, NULL, 'a' },
		{ "pid", required_argument, NULL, 'p' },
		{ "tag", required_argument, NULL, 'g' },
		COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	unsigned int how = 0, released = 0, chosen = 0;
	uint64_t tag = 0;
	pid_t pid = 0;
	char what[64];
	struct kv kv;
	int c, ret, fd;

	while ((c = getopt_long(argc, argv, ":" COMMON_SHORTOPTS "ap:g:", opts, NULL)) != -1) {
		switch (c) {
		case 'a':
			how = DSTATE_RELEASE_ALL;
			chosen++;
			break;
		case 'p':
			if (parse_pid(optarg, &pid))
				return usage_error("release", "bad pid '%s'", optarg);
			how = DSTATE_RELEASE_PID;
			chosen++;
			break;
		case 'g':
			if (parse_u64(optarg, &tag))
				return usage_error("release", "bad tag '%s' (a number)", optarg);
			how = DSTATE_RELEASE_TAG;
			chosen++;
			break;
		default:
			ret = common_option(c, "release", argv, release_usage);
			if (ret >= 0)
				return ret;
		}
	}
	if (optind < argc)
		return usage_error("release", "unexpected argument '%s'", argv[optind]);
	if (chosen != 1)
		return usage_error("release", "say which: one of --all, --pid PID, --tag N");

	fd = dev_open_or_complain();
	if (fd < 0)
		return EXIT_FAILURE;
	ret = dev_release(fd, how, pid, tag, &released);
	if (how == DSTATE_RELEASE_PID && ret == -ESRCH)
		ret = release_threads(fd, pid, &released);
	close(fd);
	if (ret) {
		if (how == DSTATE_RELEASE_PID && ret == -ESRCH) {
			pr_err("could not release pid %d: it does not sleep in dstate, or not as a sleeper you may release",
			       (int)pid);
			return EXIT_FAILURE;
		}
		if (how == DSTATE_RELEASE_PID)
			snprintf(what, sizeof(what), "release pid %d", (int)pid);
		else
			snprintf(what, sizeof(what), "release");
		dev_complain(what, -ret);
		return EXIT_FAILURE;
	}
	kv_init(&kv, "release");
	kv_add(&kv, "released", SCOLS_JSON_NUMBER, "%u", released);
	kv_print(&kv);
	return EXIT_SUCCESS;
}
