// SPDX-License-Identifier: GPL-2.0
/*
 * state: what the kernel shows of a process.  /proc gives the letter, wchan,
 * stack and signal masks; only the module can tell killable from
 * uninterruptible, since /proc shows both as D.  A process is as stuck as
 * its most stuck thread, so every thread in /proc/PID/task is read: the
 * main thread alone can sleep in S while another is in D.
 */
#include <errno.h>
#include <linux/capability.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dstate.h"
#include "lib/caps.h"
#include "lib/device.h"
#include "lib/modes.h"
#include "lib/procfs.h"
#include "lib/text.h"

static void state_usage(void)
{
	printf("Usage:\n dstate state [-L] PID...\n\n"
	       "For each process: its state letter and name, the kernel-side state\n"
	       "(killable or uninterruptible, from the module when it is loaded; /proc\n"
	       "shows both as D), whether SIGKILL would end it and why not, wchan, the\n"
	       "kernel stack where readable (root), and its pending, blocked, ignored\n"
	       "and caught signals by name.\n\n"
	       "Every thread counts: the process shows the state, kernel state, wchan\n"
	       "and stack of its most blocking thread (D over T and t over S over I\n"
	       "over R; Z only when no thread lives).  It is killable only if every\n"
	       "thread is: a D thread the module does not vouch for makes it\n"
	       "\"unknown\"; a kernel thread never is.\n\n"
	       "Options:\n"
	       " -L, --threads   one line per thread as well\n"
	       " -J, --json      JSON: {\"processes\": [{pid, comm, state, state_name,\n"
	       "                 tid, mode, sleeper, killable, killable_why,\n"
	       "                 kernel_thread, wchan, stack, ppid, signals,\n"
	       "                 threads (with -L)}]}\n"
	       " -h, --help      this text\n"
	       " -V, --version   the version\n");
}

struct tstate {
	pid_t tid;
	struct proc_stat st;
	char wchan[128];
	bool have_ts;		/* the module answered */
	int ts_err;		/* or why not: -errno */
	struct dstate_task_state ts;
};

struct pstate {
	pid_t pid;
	struct proc_stat st;
	struct proc_status status;
	struct tstate *threads;
	size_t nthreads;
	const struct tstate *worst;	/* the most blocking thread */
	bool kthread;
	char stack[4096];
	bool have_stack;
	int killable;			/* 1 yes, 0 no, -1 unknown */
	char why[160];			/* why not, or why unknown */
};

static bool opt_threads;
static int dev_fd = -1;

/*
 * Would SIGKILL end what this thread is doing now?  1 yes, 0 no, -1
 * unknown: a D without the module's word could be either.
 */
static int thread_killable(const struct tstate *t)
{
	if (t->have_ts) {
		switch (t->ts.kind) {
		case DSTATE_TASK_RUNNING:
		case DSTATE_TASK_INTERRUPTIBLE:
		case DSTATE_TASK_KILLABLE:
		case DSTATE_TASK_STOPPED:
		case DSTATE_TASK_TRACED:
			return 1;
		case DSTATE_TASK_UNINTERRUPTIBLE:
		case DSTATE_TASK_IDLE:
			return 0;
		default:
			return -1;
		}
	}
	switch (t->st.state) {
	case 'R':
	case 'S':
	case 'T':
	case 't':
		return 1;
	case 'I':
		return 0;	/* TASK_IDLE is uninterruptible */
	default:
		return -1;
	}
}

/* Orders killable answers: yes 0 < unknown 1 < no 2. */
static int stuckness(int killable)
{
	return killable > 0 ? 0 : killable < 0 ? 1 : 2;
}

/* Why the module could not tell a D thread apart, for "unknown". */
static const char *unknown_why(const struct tstate *t)
{
	if (dev_fd < 0)
		return "load the module to tell killable from uninterruptible";
	if (t->ts_err == -ESRCH && cap_effective(CAP_SYS_ADMIN) != 1)
		return "the module shows another user's threads only to CAP_SYS_ADMIN";
	return "the module did not say";
}

/*
 * The process: killable only if every thread is; its state is its most
 * blocking thread's, and among equals the least killable one's.
 */
static void judge(struct pstate *p)
{
	const struct tstate *unknown = NULL, *stuck = NULL;
	bool alive = false;
	size_t i;

	p->worst = &p->threads[0];
	for (i = 0; i < p->nthreads; i++) {
		const struct tstate *t = &p->threads[i];
		int k = thread_killable(t), rank = state_rank(t->st.state);
		int wrank = state_rank(p->worst->st.state);

		/* A dead thread (Z, X) holds nothing back. */
		if (rank > state_rank('Z')) {
			alive = true;
			if (!k && !stuck)
				stuck = t;
			if (k < 0 && !unknown)
				unknown = t;
		}
		if (rank > wrank ||
		    (rank == wrank && stuckness(k) > stuckness(thread_killable(p->worst))))
			p->worst = t;
	}
	p->why[0] = '\0';
	if (p->kthread) {
		p->killable = 0;
		snprintf(p->why, sizeof(p->why), "a kernel thread: signals do not end it");
	} else if (stuck) {
		p->killable = 0;
		snprintf(p->why, sizeof(p->why), "thread %d is %s", (int)stuck->tid,
			 stuck->st.state == 'I' ? "idle (TASK_IDLE)" :
			 "in an uninterruptible sleep");
	} else if (!alive) {
		p->killable = -1;
		snprintf(p->why, sizeof(p->why), "it has ended: only its parent can reap it");
	} else if (unknown) {
		p->killable = -1;
		snprintf(p->why, sizeof(p->why), "thread %d is in %c: %s",
			 (int)unknown->tid, unknown->st.state, unknown_why(unknown));
	} else {
		p->killable = 1;
	}
}

static const char *kind(const struct tstate *t)
{
	return t->have_ts ? task_kind_name(t->ts.kind) : NULL;
}

static const char *sleeper_mode(const struct tstate *t)
{
	return t->have_ts && t->ts.is_dstate ? mode_name(t->ts.mode) : NULL;
}

static const char *killable_word(int k)
{
	return k < 0 ? "unknown" : k ? "yes" : "no";
}

static void json_str_or_null(const char *s)
{
	if (s)
		json_str(s);
	else
		printf("null");
}

static void json_sigs(const char *key, uint64_t mask, bool comma)
{
	char name[32];
	bool first = true;
	int bit;

	printf("\"%s\": [", key);
	for (bit = 0; bit < 64; bit++) {
		if (!(mask & (1ULL << bit)))
			continue;
		printf("%s", first ? "" : ", ");
		json_str(signal_name(bit + 1, name, sizeof(name)));
		first = false;
	}
	printf("]%s", comma ? ", " : "");
}

static void json_threads(const struct pstate *p)
{
	size_t i;

	printf(",\n         \"threads\": [");
	for (i = 0; i < p->nthreads; i++) {
		const struct tstate *t = &p->threads[i];
		int k = p->kthread ? 0 : thread_killable(t);

		printf("%s\n            {\"tid\": %d, \"comm\": ", i ? "," : "",
		       (int)t->tid);
		json_str(t->st.comm);
		printf(", \"state\": \"%c\", \"state_name\": ", t->st.state);
		json_str(state_name(t->st.state));
		printf(", \"mode\": ");
		json_str_or_null(kind(t));
		printf(", \"sleeper\": ");
		json_str_or_null(sleeper_mode(t));
		printf(", \"killable\": %s, \"wchan\": ",
		       k < 0 ? "null" : k ? "true" : "false");
		json_str_or_null(t->wchan[0] ? t->wchan : NULL);
		printf("}");
	}
	printf("\n         ]");
}

static void print_json(const struct pstate *p, bool first)
{
	const struct tstate *w = p->worst;

	printf("%s      {\n", first ? "" : ",\n");
	printf("         \"pid\": %d,\n", (int)p->pid);
	printf("         \"comm\": ");
	json_str(p->st.comm);
	printf(",\n         \"state\": \"%c\",\n", w->st.state);
	printf("         \"state_name\": ");
	json_str(state_name(w->st.state));
	printf(",\n         \"tid\": %d,\n", (int)w->tid);
	printf("         \"mode\": ");
	json_str_or_null(kind(w));
	printf(",\n         \"sleeper\": ");
	json_str_or_null(sleeper_mode(w));
	printf(",\n         \"killable\": %s,\n",
	       p->killable < 0 ? "null" : p->killable ? "true" : "false");
	printf("         \"killable_why\": ");
	json_str_or_null(p->why[0] ? p->why : NULL);
	printf(",\n         \"kernel_thread\": %s,\n", p->kthread ? "true" : "false");
	printf("         \"wchan\": ");
	json_str_or_null(w->wchan[0] ? w->wchan : NULL);
	printf(",\n         \"stack\": ");
	if (p->have_stack) {
		const char *line = p->stack;
		bool f = true;

		printf("[");
		while (*line) {
			size_t n = strcspn(line, "\n");
			char buf[256];

			snprintf(buf, sizeof(buf), "%.*s", (int)n, line);
			printf("%s", f ? "" : ", ");
			json_str(buf);
			f = false;
			line += n;
			if (*line)
				line++;
		}
		printf("]");
	} else {
		printf("null");
	}
	printf(",\n         \"ppid\": %d,\n", p->st.ppid);
	printf("         \"signals\": {");
	json_sigs("pending", p->status.sig_pnd | p->status.shd_pnd, true);
	json_sigs("blocked", p->status.sig_blk, true);
	json_sigs("ignored", p->status.sig_ign, true);
	json_sigs("caught", p->status.sig_cgt, false);
	printf("}");
	if (opt_threads)
		json_threads(p);
	printf("\n      }");
}

static void text_threads(const struct pstate *p)
{
	char comm[128];
	size_t i;

	printf("  threads:   %zu\n", p->nthreads);
	printf("    %7s %-2s %-16s %-8s %-20s %s\n", "TID", "S", "KERNEL",
	       "KILLABLE", "WCHAN", "COMM");
	for (i = 0; i < p->nthreads; i++) {
		const struct tstate *t = &p->threads[i];
		const char *k = kind(t);

		printf("    %7d %-2c %-16s %-8s %-20s %s\n", (int)t->tid, t->st.state,
		       k ? k : "-",
		       p->kthread ? "no" : killable_word(thread_killable(t)),
		       t->wchan[0] ? t->wchan : "-",
		       text_visible(t->st.comm, comm, sizeof(comm)));
	}
}

static void print_text(const struct pstate *p)
{
	const struct tstate *w = p->worst;
	char sigs[1024], comm[128];
	const char *s;

	printf("pid %d (%s)\n", (int)p->pid,
	       text_visible(p->st.comm, comm, sizeof(comm)));
	printf("  state:     %c (%s)\n", w->st.state, state_name(w->st.state));
	if (w->tid != p->pid)
		printf("  thread:    %d (%s), the most blocking of %zu\n", (int)w->tid,
		       text_visible(w->st.comm, comm, sizeof(comm)), p->nthreads);
	s = kind(w);
	printf("  kernel:    %s%s\n", s ? s : "unknown",
	       s ? "" : dev_fd < 0 ?
	       " (load the module to tell killable from uninterruptible)" : "");
	s = sleeper_mode(w);
	if (s)
		printf("  sleeper:   dstate %s\n", s);
	printf("  killable:  %s%s%s%s\n", killable_word(p->killable),
	       p->why[0] ? " (" : "", p->why, p->why[0] ? ")" : "");
	printf("  wchan:     %s\n", w->wchan[0] ? w->wchan : "-");
	printf("  ppid:      %d\n", p->st.ppid);
	printf("  pending:   %s\n", sigmask_names(p->status.sig_pnd | p->status.shd_pnd,
					       " ", sigs, sizeof(sigs))[0] ? sigs : "-");
	printf("  blocked:   %s\n", sigmask_names(p->status.sig_blk, " ", sigs,
					       sizeof(sigs))[0] ? sigs : "-");
	printf("  ignored:   %s\n", sigmask_names(p->status.sig_ign, " ", sigs,
					       sizeof(sigs))[0] ? sigs : "-");
	printf("  caught:    %s\n", sigmask_names(p->status.sig_cgt, " ", sigs,
					       sizeof(sigs))[0] ? sigs : "-");
	if (p->have_stack && p->stack[0]) {
		const char *line = p->stack;

		printf("  stack:\n");
		while (*line) {
			size_t n = strcspn(line, "\n");

			printf("    %.*s\n", (int)n, line);
			line += n;
			if (*line)
				line++;
		}
	}
	if (opt_threads)
		text_threads(p);
}

/*
 * Read every thread of @p->pid.  Threads that end meanwhile are left out;
 * when none is left to read, the process's own stat stands in for its one
 * thread.  0, or -ENOMEM.
 */
static int read_threads(struct pstate *p)
{
	pid_t *tids = NULL;
	int n, i;

	n = proc_list_tasks(p->pid, &tids);
	if (n == -ENOMEM)
		return n;
	p->threads = calloc(n > 0 ? (size_t)n : 1, sizeof(*p->threads));
	if (!p->threads) {
		free(tids);
		return -ENOMEM;
	}
	for (i = 0; i < n; i++) {
		struct tstate *t = &p->threads[p->nthreads];

		t->tid = tids[i];
		if (proc_read_task_stat(p->pid, t->tid, &t->st))
			continue;
		proc_read_task_wchan(p->pid, t->tid, t->wchan, sizeof(t->wchan));
		if (dev_fd >= 0) {
			t->ts_err = dev_task_state(dev_fd, t->tid, &t->ts);
			t->have_ts = !t->ts_err;
		}
		p->nthreads++;
	}
	free(tids);
	if (!p->nthreads) {
		struct tstate *t = &p->threads[0];

		t->tid = p->pid;
		t->st = p->st;
		proc_read_wchan(p->pid, t->wchan, sizeof(t->wchan));
		if (dev_fd >= 0) {
			t->ts_err = dev_task_state(dev_fd, t->tid, &t->ts);
			t->have_ts = !t->ts_err;
		}
		p->nthreads = 1;
	}
	return 0;
}

int cmd_state(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "threads", no_argument, NULL, 'L' },
		COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	struct pstate *ps;
	int c, i, ret, n, status = EXIT_SUCCESS;
	bool first = true;

	while ((c = getopt_long(argc, argv, ":" COMMON_SHORTOPTS "L", opts, NULL)) != -1) {
		if (c == 'L') {
			opt_threads = true;
			continue;
		}
		ret = common_option(c, "state", argv, state_usage);
		if (ret >= 0)
			return ret;
	}
	if (optind >= argc)
		return usage_error("state", "no pid given");
	n = argc - optind;
	for (i = 0; i < n; i++) {
		pid_t pid;

		if (parse_pid(argv[optind + i], &pid))
			return usage_error("state", "bad pid '%s'", argv[optind + i]);
	}
	ps = calloc((size_t)n, sizeof(*ps));
	if (!ps) {
		pr_err("could not read states: %s", strerror(ENOMEM));
		return EXIT_FAILURE;
	}
	/* Quietly: without the module, killable is just unknown. */
	dev_fd = dev_open();
	if (opt_json)
		printf("{\n   \"processes\": [\n");
	for (i = 0; i < n; i++) {
		struct pstate *p = &ps[i];

		parse_pid(argv[optind + i], &p->pid);
		ret = proc_read_stat(p->pid, &p->st);
		if (!ret)
			ret = proc_read_status(p->pid, &p->status);
		if (ret) {
			pr_err("could not read the state of pid %d: %s", (int)p->pid,
			       strerror(ret == -ESRCH ? ESRCH : -ret));
			status = EXIT_FAILURE;
			continue;
		}
		if (read_threads(p)) {
			pr_err("could not read the threads of pid %d: %s", (int)p->pid,
			       strerror(ENOMEM));
			status = EXIT_FAILURE;
			continue;
		}
		p->kthread = p->st.flags & PROC_PF_KTHREAD;
		judge(p);
		p->have_stack = !proc_read_task_stack(p->pid, p->worst->tid, p->stack,
						      sizeof(p->stack));
		if (opt_json) {
			print_json(p, first);
		} else {
			if (!first)
				putchar('\n');
			print_text(p);
		}
		first = false;
	}
	if (opt_json)
		printf("%s   ]\n}\n", first ? "" : "\n");
	if (dev_fd >= 0)
		close(dev_fd);
	for (i = 0; i < n; i++)
		free(ps[i].threads);
	free(ps);
	return status;
}
