// SPDX-License-Identifier: GPL-2.0
/* wait: for any process to end, with a pidfd, and a deadline. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "dstate.h"
#include "lib/duration.h"
#include "lib/pidwait.h"
#include "lib/procfs.h"

static void wait_usage(void)
{
	printf("Usage:\n dstate wait PID [--timeout DUR]\n\n"
	       "Wait for any process (not only a child) to end: pidfd_open and poll,\n"
	       "so the end is seen at once; on kernels without pidfds (or with\n"
	       "DSTATE_NO_PIDFD=1) poll every millisecond.  Print how long it took and\n"
	       "how it ended, when the kernel still shows it to you: the exit status\n"
	       "of a process that is not your child is visible only with ptrace read\n"
	       "access to it (same user, or CAP_SYS_PTRACE); otherwise \"ended, status\n"
	       "not visible\" (JSON: status null).  A zombie has ended.\n\n"
	       "Exit status: 0 it ended, 1 no such process, 124 the timeout passed.\n\n"
	       "Options:\n"
	       " -t, --timeout DUR   give up after DUR (500ms, 2s, 1m, plain seconds)\n"
	       " -J, --json          JSON output\n"
	       " -h, --help          this text\n"
	       " -V, --version       the version\n");
}

static void describe(int status, char *buf, size_t len)
{
	char name[32];

	if (WIFEXITED(status))
		snprintf(buf, len, "exited %d", WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(buf, len, "killed by %s%s",
			 sigabbrev_np(WTERMSIG(status)) ? "SIG" : "",
			 sigabbrev_np(WTERMSIG(status)) ? sigabbrev_np(WTERMSIG(status)) :
			 (snprintf(name, sizeof(name), "signal %d", WTERMSIG(status)), name));
	else
		snprintf(buf, len, "ended");
}

int cmd_wait(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "timeout", required_argument, NULL, 't' },
		COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	uint64_t timeout = PIDWAIT_FOREVER;
	struct pid_wait_result res;
	char dur[32], how[64], sig[16];
	struct kv kv;
	pid_t pid;
	int c, ret;

	while ((c = getopt_long(argc, argv, ":" COMMON_SHORTOPTS "t:", opts, NULL)) != -1) {
		switch (c) {
		case 't':
			if (parse_dur_arg("wait", "--timeout", optarg, &timeout))
				return EXIT_USAGE;
			break;
		default:
			ret = common_option(c, "wait", argv, wait_usage);
			if (ret >= 0)
				return ret;
		}
	}
	if (optind >= argc)
		return usage_error("wait", "no pid given");
	if (argc - optind > 1)
		return usage_error("wait", "unexpected argument '%s'", argv[optind + 1]);
	if (parse_pid(argv[optind], &pid))
		return usage_error("wait", "bad pid '%s'", argv[optind]);

	ret = pid_wait(pid, timeout, &res);
	if (ret == -ESRCH) {
		pr_err("could not wait for pid %d: %s", (int)pid, strerror(ESRCH));
		return EXIT_FAILURE;
	}
	if (ret && ret != -ETIMEDOUT) {
		pr_err("could not wait for pid %d: %s", (int)pid, strerror(-ret));
		return EXIT_FAILURE;
	}
	kv_init(&kv, "wait");
	kv_add(&kv, "pid", SCOLS_JSON_NUMBER, "%d", (int)pid);
	kv_add(&kv, "ended", SCOLS_JSON_BOOLEAN, "%s", ret ? "false" : "true");
	/*
	 * The same keys whatever happened; what is not known (not ended, or
	 * the status hidden) is empty, null in JSON.  "how" is for people,
	 * exit_code and signal for scripts.
	 */
	how[0] = '\0';
	if (!ret) {
		if (res.was_zombie)
			snprintf(how, sizeof(how), "already a zombie");
		else if (res.have_status)
			describe(res.status, how, sizeof(how));
		else	/* reaped by its parent, or hidden from us */
			snprintf(how, sizeof(how), "ended, status not visible");
	}
	kv_add(&kv, "how", SCOLS_JSON_STRING, "%s", how);
	if (!ret && res.have_status) {
		kv_add(&kv, "status", SCOLS_JSON_NUMBER, "%d", res.status);
		if (WIFEXITED(res.status))
			kv_add(&kv, "exit_code", SCOLS_JSON_NUMBER, "%d",
			       WEXITSTATUS(res.status));
		else
			kv_add(&kv, "exit_code", SCOLS_JSON_NUMBER, "%s", "");
		if (WIFSIGNALED(res.status))
			kv_add(&kv, "signal", SCOLS_JSON_STRING, "%s",
			       signal_name(WTERMSIG(res.status), sig, sizeof(sig)));
		else
			kv_add(&kv, "signal", SCOLS_JSON_STRING, "%s", "");
	} else {
		kv_add(&kv, "status", SCOLS_JSON_NUMBER, "%s", "");
		kv_add(&kv, "exit_code", SCOLS_JSON_NUMBER, "%s", "");
		kv_add(&kv, "signal", SCOLS_JSON_STRING, "%s", "");
	}
	kv_add(&kv, "elapsed", SCOLS_JSON_STRING, "%s",
	       format_duration(res.elapsed_ns, dur, sizeof(dur)));
	kv_add(&kv, "elapsed_ns", SCOLS_JSON_NUMBER, "%llu",
	       (unsigned long long)res.elapsed_ns);
	kv_add(&kv, "method", SCOLS_JSON_STRING, "%s", res.pidfd ? "pidfd" : "poll");
	kv_print(&kv);
	if (ret == -ETIMEDOUT) {
		pr_err("pid %d still running after %s", (int)pid, dur);
		return EXIT_TIMEDOUT;
	}
	return EXIT_SUCCESS;
}
