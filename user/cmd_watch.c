// SPDX-License-Identifier: GPL-2.0
/*
 * watch: print each state change of a process, of any of its threads, until
 * it ends.  A thread other than the main one can sit in D while the main
 * thread, all that /proc/PID/stat shows, sleeps in S.
 */
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
	       "whenever the state letter or wchan of any of its threads changes (a\n"
	       "thread other than the main one is named by its tid), and when a\n"
	       "thread ends; end when the process ends (seen at once through a\n"
	       "pidfd).  With --json, one JSON object per line.\n\n"
	       "Options:\n"
	       " -i, --interval DUR   how often to look (default 50ms)\n"
	       " -J, --json           JSON lines\n"
	       " -h, --help           this text\n"
	       " -V, --version        the version\n");
}

/* What watch compares from one look to the next, per thread. */
struct tsnap {
	pid_t tid;
	char state;
	char wchan[128];
};

/*
 * The time of day, local: HH:MM:SS.mmm for people, and for JSON the whole
 * of it in RFC 3339 (2026-12-06T03:48:01.123+01:00), which a script can
 * compare across midnight and time zones.
 */
static void stamp(char *buf, size_t len, bool rfc3339)
{
	struct timeval tv;
	char zone[8];
	struct tm tm;

	gettimeofday(&tv, NULL);
	localtime_r(&tv.tv_sec, &tm);
	if (!rfc3339) {
		snprintf(buf, len, "%02d:%02d:%02d.%03ld", tm.tm_hour, tm.tm_min,
			 tm.tm_sec, (long)(tv.tv_usec / 1000));
		return;
	}
	/* strftime's %z is +hhmm; RFC 3339 wants +hh:mm. */
	strftime(zone, sizeof(zone), "%z", &tm);
	snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d.%03ld%.3s:%.2s",
		 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		 tm.tm_min, tm.tm_sec, (long)(tv.tv_usec / 1000), zone, zone + 3);
}

/*
 * One line: the process's main thread as before (no tid), another thread
 * with its tid.  @letter 0: the process ended; 'x' with @tid: the thread
 * did.
 */
static void event(pid_t pid, pid_t tid, uint64_t since, char letter,
		  const char *wchan)
{
	char ts[80], who[48];
	double el = (double)(now_ns() - since) / NSEC_PER_SEC;
	bool thread_end = letter == 'x' && tid != pid;

	stamp(ts, sizeof(ts), opt_json);
	if (opt_json) {
		struct json_object *o = json_object_new_object();

		json_object_object_add(o, "time", json_text(ts));
		char secs[32];

		/* Milliseconds, as the text shows them, not 17 digits. */
		snprintf(secs, sizeof(secs), "%.3f", el);
		json_object_object_add(o, "elapsed", json_object_new_double_s(el, secs));
		json_object_object_add(o, "pid", json_object_new_int(pid));
		if (letter)
			json_object_object_add(o, "tid", json_object_new_int(tid));
		if (!letter) {
			json_object_object_add(o, "event", json_text("ended"));
		} else if (thread_end) {
			json_object_object_add(o, "event", json_text("thread_ended"));
		} else {
			json_object_object_add(o, "event", json_text("state"));
			json_object_object_add(o, "state",
					       json_text((char[2]){ letter, 0 }));
			json_object_object_add(o, "state_name",
					       json_text(state_name(letter)));
			json_object_object_add(o, "wchan",
					       json_text(*wchan ? wchan : NULL));
		}
		json_print(o, true);
		fflush(stdout);
		return;
	}
	if (tid != pid)
		snprintf(who, sizeof(who), "pid %d  tid %d", (int)pid, (int)tid);
	else
		snprintf(who, sizeof(who), "pid %d", (int)pid);
	if (!letter)
		printf("%s %+9.3fs  pid %d ended\n", ts, el, (int)pid);
	else if (thread_end)
		printf("%s %+9.3fs  %s ended\n", ts, el, who);
	else
		printf("%s %+9.3fs  %s  %c (%s)%s%s\n", ts, el, who, letter,
		       state_name(letter), *wchan ? "  wchan " : "", wchan);
	fflush(stdout);
}

/*
 * Every thread's state and wchan, into *snap (realloc'd, *cap long).
 * Returns how many threads live (not Z or X): 0 when the process has
 * ended, or is gone; -ENOMEM.
 */
static int look(pid_t pid, struct tsnap **snap, size_t *cap, size_t *n)
{
	struct proc_stat st;
	pid_t *tids;
	int nt, i, alive = 0;

	*n = 0;
	nt = proc_list_tasks(pid, &tids);
	if (nt == -ENOMEM)
		return nt;
	if (nt <= 0)
		return 0;
	if ((size_t)nt > *cap) {
		struct tsnap *ns = realloc(*snap, (size_t)nt * sizeof(*ns));

		if (!ns) {
			free(tids);
			return -ENOMEM;
		}
		*snap = ns;
		*cap = (size_t)nt;
	}
	for (i = 0; i < nt; i++) {
		struct tsnap *t = &(*snap)[*n];

		if (proc_read_task_stat(pid, tids[i], &st))
			continue;	/* it ended meanwhile */
		t->tid = tids[i];
		t->state = st.state;
		proc_read_task_wchan(pid, t->tid, t->wchan, sizeof(t->wchan));
		if (st.state != 'Z' && st.state != 'X' && st.state != 'x')
			alive++;
		(*n)++;
	}
	free(tids);
	return alive;
}

static const struct tsnap *find(const struct tsnap *snap, size_t n, pid_t tid)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (snap[i].tid == tid)
			return &snap[i];
	return NULL;
}

/* Print what changed from @old to @cur: new states, and threads gone. */
static void report(pid_t pid, uint64_t start, const struct tsnap *old, size_t nold,
		   const struct tsnap *cur, size_t ncur)
{
	const struct tsnap *o;
	size_t i;

	for (i = 0; i < ncur; i++) {
		o = find(old, nold, cur[i].tid);
		if (!o || o->state != cur[i].state || strcmp(o->wchan, cur[i].wchan) != 0)
			event(pid, cur[i].tid, start, cur[i].state, cur[i].wchan);
	}
	for (i = 0; i < nold; i++)
		if (old[i].tid != pid && !find(cur, ncur, old[i].tid))
			event(pid, old[i].tid, start, 'x', "");
}

/* The end: show the zombie the main thread became, then that it ended. */
static void ended(pid_t pid, uint64_t start, const struct tsnap *old, size_t nold)
{
	const struct tsnap *o = find(old, nold, pid);
	struct proc_stat st;

	if (!proc_read_stat(pid, &st) && (!o || st.state != o->state))
		event(pid, pid, start, st.state, "");
	event(pid, pid, start, 0, "");
}

int cmd_watch(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "interval", required_argument, NULL, 'i' },
		COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	uint64_t interval = 50 * NSEC_PER_MSEC, start;
	struct tsnap *cur = NULL, *old = NULL, *tmp;
	size_t ncur = 0, nold = 0, capcur = 0, capold = 0, t;
	struct proc_stat st;
	pid_t pid;
	int c, ret, pfd, status = EXIT_SUCCESS;

	while ((c = getopt_long(argc, argv, ":" COMMON_SHORTOPTS "i:", opts, NULL)) != -1) {
		switch (c) {
		case 'i':
			if (parse_dur_arg("watch", "--interval", optarg, &interval))
				return EXIT_USAGE;
			if (interval < NSEC_PER_MSEC)
				return usage_error("watch", "--interval %s is under 1ms", optarg);
			/* poll() takes an int of ms: 24.8 days at most. */
			if (interval > 24ULL * 3600 * NSEC_PER_SEC)
				return usage_error("watch", "--interval %s is over a day", optarg);
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
		ret = look(pid, &cur, &capcur, &ncur);
		if (ret < 0) {
			pr_err("could not watch pid %d: %s", (int)pid, strerror(-ret));
			status = EXIT_FAILURE;
			break;
		}
		if (!ret) {	/* no thread lives */
			ended(pid, start, old, nold);
			break;
		}
		report(pid, start, old, nold, cur, ncur);
		tmp = old, old = cur, cur = tmp;
		t = capold, capold = capcur, capcur = t;
		nold = ncur;
		if (pfd >= 0) {
			struct pollfd p = { .fd = pfd, .events = POLLIN };
			int ms = (int)((interval + NSEC_PER_MSEC - 1) / NSEC_PER_MSEC);

			if (poll(&p, 1, ms) > 0) {
				ended(pid, start, old, nold);
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
	free(cur);
	free(old);
	return status;
}
