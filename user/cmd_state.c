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
#include "lib/pstate.h"
#include "lib/shape.h"
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
	       "The shape around it: a leader that has exited while another thread\n"
	       "lives (Z: its parent cannot reap the process yet), and the pid in its\n"
	       "own pid namespace (NSpid) when that is below this one, and whether\n"
	       "its parent is that namespace's init.\n\n"
	       "Options:\n"
	       " -L, --threads   one line per thread as well\n"
	       " -J, --json      JSON: {\"processes\": [{pid, tid, comm, state,\n"
	       "                 state_name, kernel_state, mode (the dstate mode),\n"
	       "                 killable, killable_why, kernel_thread, wchan,\n"
	       "                 stack, ppid, leader_zombie, nspid, parent_ns_init,\n"
	       "                 shape, signals, threads (with -L)}]}\n"
	       " -h, --help      this text\n"
	       " -V, --version   the version\n");
}

static bool opt_threads;
static int dev_fd = -1;

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

static struct json_object *json_sigs(uint64_t mask)
{
	struct json_object *arr = json_object_new_array();
	char name[32];
	int bit;

	for (bit = 0; bit < 64; bit++)
		if (mask & (1ULL << bit))
			json_object_array_add(arr,
				json_text(signal_name(bit + 1, name, sizeof(name))));
	return arr;
}

static struct json_object *json_killable(int k)
{
	return k < 0 ? NULL : json_object_new_boolean(k);
}

/*
 * The keys a process and each of its threads share.  "mode" is the dstate
 * mode, as in spawn and ls (null when the thread is no dstate sleeper);
 * "kernel_state" the kernel's side of the sleep, which only the module can
 * read (null without it).
 */
static void json_thread_keys(struct json_object *o, const struct tstate *t)
{
	json_object_object_add(o, "tid", json_object_new_int(t->tid));
	json_object_object_add(o, "comm", json_text(t->st.comm));
	json_object_object_add(o, "state", json_text((char[2]){ t->st.state, 0 }));
	json_object_object_add(o, "state_name", json_text(state_name(t->st.state)));
	json_object_object_add(o, "kernel_state", json_text(kind(t)));
	json_object_object_add(o, "mode", json_text(sleeper_mode(t)));
}

static struct json_object *json_threads(const struct pstate *p)
{
	struct json_object *arr = json_object_new_array();
	size_t i;

	for (i = 0; i < p->nthreads; i++) {
		const struct tstate *t = &p->threads[i];
		struct json_object *o = json_object_new_object();

		json_thread_keys(o, t);
		json_object_object_add(o, "killable",
			json_killable(p->kthread ? 0 : thread_killable(t)));
		json_object_object_add(o, "wchan",
				       json_text(t->wchan[0] ? t->wchan : NULL));
		json_object_array_add(arr, o);
	}
	return arr;
}

static struct json_object *json_stack(const struct pstate *p)
{
	struct json_object *arr;
	const char *line = p->stack;

	if (!p->have_stack)
		return NULL;
	arr = json_object_new_array();
	while (*line) {
		size_t n = strcspn(line, "\n");
		char buf[256];

		snprintf(buf, sizeof(buf), "%.*s", (int)n, line);
		json_object_array_add(arr, json_text(buf));
		line += n;
		if (*line)
			line++;
	}
	return arr;
}

/*
 * The shape: leader_zombie, nspid (the pids from this namespace down to
 * its own; null where /proc has no NSpid), parent_ns_init, and shape, the
 * words of spawn's and ls's SHAPE column (null when nothing is unusual).
 */
static void json_shape(struct json_object *o, const struct pstate *p)
{
	const struct proc_shape *sh = &p->shape;
	struct json_object *ns = NULL;
	char words[128] = "";
	int i;

	if (p->have_shape && sh->nlevels) {
		ns = json_object_new_array();
		for (i = 0; i < sh->nlevels; i++)
			json_object_array_add(ns, json_object_new_int(sh->nspid[i]));
	}
	if (p->have_shape)
		shape_words(sh, words, sizeof(words));
	json_object_object_add(o, "leader_zombie",
			       json_object_new_boolean(p->have_shape && sh->leader_zombie));
	json_object_object_add(o, "nspid", ns);
	json_object_object_add(o, "parent_ns_init",
			       json_object_new_boolean(p->have_shape && sh->parent_ns_init));
	json_object_object_add(o, "shape", json_text(words[0] ? words : NULL));
}

/* One process as a JSON object; the pid and comm are the process's own. */
static struct json_object *json_process(const struct pstate *p)
{
	struct json_object *o = json_object_new_object();
	struct json_object *sigs = json_object_new_object();
	const struct tstate *w = p->worst;

	json_object_object_add(o, "pid", json_object_new_int(p->pid));
	json_thread_keys(o, w);
	json_object_object_add(o, "comm", json_text(p->st.comm));
	json_object_object_add(o, "killable", json_killable(p->killable));
	json_object_object_add(o, "killable_why",
			       json_text(p->why[0] ? p->why : NULL));
	json_object_object_add(o, "kernel_thread",
			       json_object_new_boolean(p->kthread));
	json_object_object_add(o, "wchan", json_text(w->wchan[0] ? w->wchan : NULL));
	json_object_object_add(o, "stack", json_stack(p));
	json_object_object_add(o, "ppid", json_object_new_int(p->st.ppid));
	json_shape(o, p);
	json_object_object_add(sigs, "pending",
			       json_sigs(p->status.sig_pnd | p->status.shd_pnd));
	json_object_object_add(sigs, "blocked", json_sigs(p->status.sig_blk));
	json_object_object_add(sigs, "ignored", json_sigs(p->status.sig_ign));
	json_object_object_add(sigs, "caught", json_sigs(p->status.sig_cgt));
	json_object_object_add(o, "signals", sigs);
	if (opt_threads)
		json_object_object_add(o, "threads", json_threads(p));
	return o;
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

/* The leader and the pid namespace, where they are unusual. */
static void print_shape(const struct pstate *p)
{
	const struct proc_shape *sh = &p->shape;
	int i;

	if (!p->have_shape)
		return;
	if (sh->leader_zombie)
		printf("  leader:    %d is %c (%s): the main thread has exited; its parent cannot reap the process while another thread lives\n",
		       (int)p->pid, sh->leader, state_name(sh->leader));
	if (sh->nlevels > 1) {
		printf("  pidns:     pid %d in its own pid namespace (NSpid:",
		       sh->nspid[sh->nlevels - 1]);
		for (i = 0; i < sh->nlevels; i++)
			printf(" %d", sh->nspid[i]);
		printf(")%s\n", sh->parent_ns_init ?
		       "; its parent is that namespace's init (pid 1 there)" : "");
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
		printf("  mode:      %s (a dstate sleeper)\n", s);
	printf("  killable:  %s%s%s%s\n", killable_word(p->killable),
	       p->why[0] ? " (" : "", p->why, p->why[0] ? ")" : "");
	printf("  wchan:     %s\n", w->wchan[0] ? w->wchan : "-");
	printf("  ppid:      %d\n", p->st.ppid);
	print_shape(p);
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
 * Read, judge and print one process into @p: 0, or an error already
 * reported.  Each process is printed as soon as it is read, and @p and its
 * thread array serve the next one, so that state over 20,000 pids holds
 * one process in memory, not all of them.
 */
static int state_one(struct pstate *p, pid_t pid, bool first)
{
	int ret;

	ret = pstate_read(p, pid, dev_fd);
	if (ret) {
		pr_err("could not read the %s of pid %d: %s",
		       ret == -ENOMEM ? "threads" : "state", (int)pid,
		       strerror(ret == -ESRCH ? ESRCH : -ret));
		return ret;
	}
	p->have_stack = !proc_read_task_stack(p->pid, p->worst->tid, p->stack,
					      sizeof(p->stack));
	if (opt_json) {
		json_print_element(json_process(p), first);
	} else {
		if (!first)
			putchar('\n');
		print_text(p);
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
	struct pstate p = { 0 };
	int c, i, ret, status = EXIT_SUCCESS;
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
	for (i = optind; i < argc; i++) {
		pid_t pid;

		if (parse_pid(argv[i], &pid))
			return usage_error("state", "bad pid '%s'", argv[i]);
	}
	/* Quietly: without the module, killable is just unknown. */
	dev_fd = dev_open();
	if (opt_json)
		printf("{\n  \"processes\": [");
	for (i = optind; i < argc; i++) {
		pid_t pid;

		parse_pid(argv[i], &pid);
		if (state_one(&p, pid, first))
			status = EXIT_FAILURE;
		else
			first = false;
	}
	if (opt_json)
		printf("%s]\n}\n", first ? "" : "\n  ");
	if (dev_fd >= 0)
		close(dev_fd);
	pstate_free(&p);
	return status;
}
