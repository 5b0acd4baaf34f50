// SPDX-License-Identifier: GPL-2.0
/* watch: print each state change of a process until it ends. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "dstate.h"
#include "lib/duration.h"
#include "lib/pidwait.h"
#include "lib/procfs.h"

static void watch_usage(void)
{
	printf("Usage:\n dstate watch PID [--interval DUR]\n\n"
	       "Look at a process every interval and print a line, with a timestamp,\n"
	       "whenever its state letter or wchan changes; end when it ends (seen at\n"
	       "once through a pidfd).  With --json, one JSON object per line.\n\n"
	       "Options:\n"
	       " -i, --interval DUR   how often to look (default 50ms)\n"
	       " -J, --json           JSON lines\n"
	       " -h, --help           this text\n");
}

static void stamp(char *buf, size_t len)
{
	struct timeval tv;
	struct tm tm;

	gettimeofday(&tv, NULL);
	localtime_r(&tv.tv_sec, &tm);
	snprintf(buf, len, "%02d:%02d:%02d.%03ld", tm.tm_hour, tm.tm_min, tm.tm_sec,
		 (long)(tv.tv_usec / 1000));
}

static void event(pid_t pid, uint64_t since, char letter, const char *wchan)
{
	char ts[32];
	double el = (double)(now_ns() - since) / NSEC_PER_SEC;

	stamp(ts, sizeof(ts));
	if (opt_json) {
		printf("{\"time\": \"%s\", \"elapsed\": %.3f, \"pid\": %d, ", ts, el, (int)pid);
		if (!letter) {
			printf("\"event\": \"ended\"}\n");
		} else {
			printf("\"event\": \"state\", \"state\": \"%c\", \"state_name\": ", letter);
			json_str(state_name(letter));
			printf(", \"wchan\": ");
			if (*wchan)
				json_str(wchan);
			else
				printf("null");
			printf("}\n");
		}
	} else if (!letter) {
		printf("%s %+9.3fs  pid %d ended\n", ts, el, (int)pid);
	} else {
		printf("%s %+9.3fs  pid %d  %c (%s)%s%s\n", ts, el, (int)pid, letter,
		       state_name(letter), *wchan ? "  wchan " : "", wchan);
	}
	fflush(stdout);
}

int cmd_watch(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "interval", required_argument, NULL, 'i' },
		COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	uint64_t interval = 50 * NSEC_PER_MSEC, start;
	char wchan[128], last_wchan[128] = "";
	struct proc_stat st;
	char last = 0;
	pid_t pid;
	int c, ret, pfd;

	while ((c = getopt_long(argc, argv, ":" COMMON_SHORTOPTS "i:", opts, NULL)) != -1) {
		switch (c) {
		case 'i':
			if (parse_dur_arg("watch", "--interval", optarg, &interval))
				return EXIT_USAGE;
			if (interval < NSEC_PER_MSEC)
				return usage_error("watch", "--interval %s is under 1ms", optarg);
			break;
		default:
			ret = common_option(c, "watch", argv, watch_usage);
			if (ret >= 0)
				return ret;
		}
	}
	if (optind >= argc)
		return usage_error("watch", "no pid given");
	if (argc - optind > 1)
		return usage_error("watch", "unexpected argument '%s'", argv[optind + 1]);
	if (parse_pid(argv[optind], &pid))
		return usage_error("watch", "bad pid '%s'", argv[optind]);

	if (proc_read_stat(pid, &st)) {
		pr_err("could not watch pid %d: %s", (int)pid, strerror(ESRCH));
		return EXIT_FAILURE;
	}
	pfd = pidfd_open_pid(pid);
	start = now_ns();
	for (;;) {
		if (proc_read_stat(pid, &st) || st.state == 'Z' || st.state == 'X') {
			if (!proc_read_stat(pid, &st) && st.state != last)
				event(pid, start, st.state, "");
			event(pid, start, 0, "");
			break;
		}
		proc_read_wchan(pid, wchan, sizeof(wchan));
		if (st.state != last || strcmp(wchan, last_wchan) != 0) {
			event(pid, start, st.state, wchan);
			last = st.state;
			snprintf(last_wchan, sizeof(last_wchan), "%s", wchan);
		}
		if (pfd >= 0) {
			struct pollfd p = { .fd = pfd, .events = POLLIN };
			int ms = (int)((interval + NSEC_PER_MSEC - 1) / NSEC_PER_MSEC);

			if (poll(&p, 1, ms) > 0) {
				/* Show the zombie it became, then the end. */
				if (!proc_read_stat(pid, &st) && st.state != last)
					event(pid, start, st.state, "");
				event(pid, start, 0, "");
				break;
			}
		} else {
			struct timespec ts = {
				.tv_sec = (time_t)(interval / NSEC_PER_SEC),
				.tv_nsec = (long)(interval % NSEC_PER_SEC),
			};

			nanosleep(&ts, NULL);
		}
	}
	if (pfd >= 0)
		close(pfd);
	return EXIT_SUCCESS;
}
